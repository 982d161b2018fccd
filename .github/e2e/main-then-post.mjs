// Runs the bundled main step, then the post step, in one job, the way the runner would (GITHUB_STATE
// carried over as STATE_* variables), and checks on the real machine that the exclusions main added were
// in effect and that post removed exactly them. Windows only. Usage: node main-then-post.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(tmpdir(), 'e2e-'));
const files = {
  state: path.join(dir, 'state'),
  output: path.join(dir, 'output'),
  summary: path.join(dir, 'summary.md'),
};
for (const f of Object.values(files)) writeFileSync(f, '');

/** name<<delimiter / value / delimiter blocks, as the runner's file commands write them. */
function readBlocks(file) {
  const out = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^([^<\r\n]+)<<(\S+)\r?\n([^]*?)\r?\n\2\r?$/gm))
    out[m[1]] = m[3];
  return out;
}

// By its System32 path, as the product starts it: a bare name would search the workspace first.
const POWERSHELL = path.join(
  process.env.SystemRoot,
  'System32',
  'WindowsPowerShell',
  'v1.0',
  'powershell.exe',
);

function exclusions() {
  const json = execFileSync(
    POWERSHELL,
    [
      '-NoProfile',
      '-NonInteractive',
      '-Command',
      '@{ Paths = @((Get-MpPreference).ExclusionPath); Processes = @((Get-MpPreference).ExclusionProcess) } | ConvertTo-Json -Compress',
    ],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(json);
  return [...(parsed.Paths ?? []), ...(parsed.Processes ?? [])].filter(Boolean).map((p) => p.toLowerCase());
}

const before = exclusions();
const env = {
  ...process.env,
  GITHUB_STATE: files.state,
  GITHUB_OUTPUT: files.output,
  GITHUB_STEP_SUMMARY: files.summary,
  INPUT_EXCLUSIONS: 'true',
  INPUT_SMOKE: 'false',
  INPUT_DETECTIONS: 'true',
  INPUT_RESTORE: 'true',
  'INPUT_FAIL-ON-DETECTION': 'false',
};
execFileSync(process.execPath, [path.resolve('dist/main/index.js')], { env, stdio: 'inherit' });
const outputs = readBlocks(files.output);
const added = JSON.parse(outputs['exclusions-added'] ?? '[]');
console.log(`main added ${added.length} exclusion(s):\n  ${added.join('\n  ')}`);
if (added.length === 0)
  throw new Error(
    'main added no exclusions: real-time protection must be on and C:\\ not excluded for this check',
  );
const during = exclusions();
const missing = added.filter((a) => !during.includes(a.toLowerCase()));
if (missing.length > 0) throw new Error(`added but not in effect: ${missing.join(', ')}`);

const state = Object.fromEntries(Object.entries(readBlocks(files.state)).map(([k, v]) => [`STATE_${k}`, v]));
execFileSync(process.execPath, [path.resolve('dist/post/index.js')], {
  env: { ...env, ...state },
  stdio: 'inherit',
});
const after = exclusions();
const left = added.filter((a) => after.includes(a.toLowerCase()));
const lost = before.filter((b) => !after.includes(b));
if (left.length > 0) throw new Error(`post left exclusions it added: ${left.join(', ')}`);
if (lost.length > 0) throw new Error(`post removed exclusions that were there before: ${lost.join(', ')}`);
console.log(`post removed all ${added.length}; the ${before.length} that were there before are untouched.`);
