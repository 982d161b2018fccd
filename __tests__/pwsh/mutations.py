# Applies each mutation the issue named to the shipped PowerShell (one at a time), runs the real-run
# tests (FullLanguage and the 5.1 syntax check), prints which tests failed, and puts the source back.
# Usage: python3 __tests__/pwsh/mutations.py [M1 M2 ...]   (needs pwsh; several minutes)
import subprocess, sys, re, json, os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
M = [
 ('M1 dropped closing brace in the restore script', 'src/defender/restore.ts', "      if ($others.Count -gt 0) { $r.KeptFor = $others; $r; continue }\n    }", "      if ($others.Count -gt 0) { $r.KeptFor = $others; $r; continue }\n", ['__tests__/pwsh/syntax.test.ts', '__tests__/pwsh/scripts.test.ts']),
 ('M2 -ExclusionPaths for -ExclusionPath', 'src/defender/apply.ts', "{ Add-MpPreference -ExclusionPath $r.Value -Force }", "{ Add-MpPreference -ExclusionPaths $r.Value -Force }", ['__tests__/pwsh/scripts.test.ts']),
 ('M3 detection window shifted by 10 minutes', 'src/defender/detections.ts', ".AddMinutes(-5)", ".AddMinutes(5)", ['__tests__/pwsh/scripts.test.ts']),
 ("M4 'Continue' for 'Stop'", 'src/platform/powershell.ts', "\"$ErrorActionPreference = 'Stop'\"", "\"$ErrorActionPreference = 'Continue'\"", ['__tests__/pwsh/scripts.test.ts']),
 ('M5 -Depth 8 dropped', 'src/platform/powershell.ts', " -Depth 8 -Compress)`", " -Compress)`", ['__tests__/pwsh/scripts.test.ts']),
 ('M6 cleanup store opened ReadOnly', 'src/sign/store.ts', "$store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')\n    $store.Open('ReadWrite')", "$store = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @('My', 'CurrentUser')\n    $store.Open('ReadOnly')", ['__tests__/pwsh/scripts.test.ts']),
 ('M7 restore removes a process exclusion as a path', 'src/defender/psfragments.ts', "else { Remove-MpPreference -ExclusionProcess $value -Force }", "else { Remove-MpPreference -ExclusionPath $value -Force }", ['__tests__/pwsh/scripts.test.ts']),
 ('M8 scan without -DisableRemediation', 'src/defender/scan.ts', "'-File', $f.Copy, '-DisableRemediation')", "'-File', $f.Copy)", ['__tests__/pwsh/scripts.test.ts']),
]
only = sys.argv[1:] 
for name, f, old, new, tests in M:
    if only and name.split()[0] not in only: continue
    src = open(f).read()
    assert src.count(old) == 1, (name, src.count(old))
    open(f, 'w').write(src.replace(old, new))
    try:
        r = subprocess.run(['nice','-n','10','npx','vitest','run','--reporter=verbose',*tests,'-t','FullLanguage|5.1'], capture_output=True, text=True, env={**os.environ,'CI':'true'})
        out = re.sub(r'\x1b\[[0-9;]*m','', r.stdout + r.stderr)
        failed = sorted(set(l.strip() for l in out.splitlines() if l.strip().startswith('×')))
        print(json.dumps({'mutation': name, 'exit': r.returncode, 'failed': failed}), flush=True)
    finally:
        open(f, 'w').write(src)
