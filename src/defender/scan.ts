import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { TriState } from '../config.js';
import { defenderDidNotAnswer, errorInfo } from './status.js';
import type { Deps } from '../deps.js';
import type { DoctorReport } from '../doctor/types.js';
import { runPowerShell } from '../platform/powershell.js';
import { asArray, asString } from '../platform/psjson.js';
import { pathExclusionCovers } from './plan.js';
import { PS_ERROR_INFO, PS_MPCMDRUN } from './psfragments.js';
import { describeDefenderError, parseCheckExclusion } from './readback.js';
import { parseScanOutput } from './scanoutput.js';
import type { ScanReport, ScanResult } from './types.js';

export { parseScanOutput } from './scanoutput.js';

/**
 * One PowerShell start. Creates the candidate folders in order until MpCmdRun -CheckExclusion says one is
 * not excluded; copies each file there, asks again about the copy itself (extension exclusions), scans it
 * with -DisableRemediation (no quarantine, no event), and removes every copy and folder it created.
 * Input: { Folders: [path, ...], Files: [path, ...] }.
 */
export const SCAN_ARTIFACTS_SCRIPT =
  PS_ERROR_INFO +
  PS_MPCMDRUN +
  String.raw`
$mp = Find-MpCmdRun
$out = [ordered]@{ MpCmdRun = $mp; Folder = $null; AllExcluded = $false; Folders = @(); Files = @() }
if (-not $mp) { return $out }
$created = @()
foreach ($candidate in @($In.Folders)) {
  $entry = [ordered]@{ Path = [string]$candidate }
  try {
    $null = New-Item -ItemType Directory -Path $entry.Path -Force
    $created += $entry.Path
    $entry.Check = Test-MpExclusion $mp $entry.Path
  } catch { $entry.Error = Get-ErrorInfo $_ }
  $out.Folders += $entry
  if ($entry.Check -and $entry.Check.Output -match 'is not excluded') { $out.Folder = $entry.Path; break }
}
if (-not $out.Folder -and $created.Count -gt 0) { $out.Folder = $created[0]; $out.AllExcluded = $true }
if ($out.Folder) {
  $i = 0
  foreach ($file in @($In.Files)) {
    $f = [ordered]@{ Source = [string]$file }
    $f.Copy = Join-Path $out.Folder ('{0}-{1}' -f $i, (Split-Path -Path $f.Source -Leaf))
    $i++
    try {
      Copy-Item -LiteralPath $f.Source -Destination $f.Copy -Force
      $f.Present = Test-Path -LiteralPath $f.Copy
      if ($f.Present) {
        $f.Check = Test-MpExclusion $mp $f.Copy
        $f.Scan = Invoke-MpCmdRun $mp @('-Scan', '-ScanType', '3', '-File', $f.Copy, '-DisableRemediation')
      }
    } catch { $f.Error = Get-ErrorInfo $_ }
    if (Test-Path -LiteralPath $f.Copy) {
      try { Remove-Item -LiteralPath $f.Copy -Force } catch { $f.RemoveError = Get-ErrorInfo $_ }
    }
    $out.Files += $f
  }
}
foreach ($dir in $created) {
  try { Remove-Item -LiteralPath $dir -Recurse -Force } catch { $out.FolderRemoveError = Get-ErrorInfo $_ }
}
$out
`;

const win = path.win32;

/**
 * Scans copies of the files this run signed or analysed with the local Defender engine, in a folder no
 * exclusion covers (asked of MpCmdRun, not assumed), and says what such a scan cannot see.
 */
export async function scanArtifacts(
  files: string[],
  mode: TriState,
  doctor: DoctorReport,
  ctx: { tempDir: string },
  deps: Deps,
): Promise<ScanReport> {
  const report: ScanReport = { performed: false, limits: [], files: [] };
  const notPerformed = (reason: string): ScanReport => notPerformedReport(report, reason, mode);
  if (mode === 'false') return { ...report, reason: 'scan is false' };
  if (deps.platform !== 'win32')
    return {
      ...report,
      reason: `the Defender artifact scan runs on Windows only (this is ${deps.platform})`,
    };
  if (files.length === 0) return { ...report, reason: 'no files were signed or analysed by this run' };
  const defender = doctor.defender;
  if (!defender?.available) {
    return notPerformed(`${defenderDidNotAnswer(defender)}, so its engine cannot scan here`);
  }
  const folders = candidateFolders(ctx.tempDir, deps.env, defender.exclusions.paths);
  let data: Record<string, unknown>;
  try {
    data = ((await runPowerShell(
      deps.run,
      SCAN_ARTIFACTS_SCRIPT,
      { Folders: folders, Files: files },
      { timeoutMs: 600_000 },
    )) ?? {}) as Record<string, unknown>;
  } catch (error) {
    return notPerformed(`the scan could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  return readScanReply(files, data, doctor, mode);
}

function notPerformedReport(report: ScanReport, reason: string, mode: TriState): ScanReport {
  return { ...report, reason, ...(mode === 'true' ? { failure: `scan: true, but ${reason}` } : {}) };
}

/** The scan script's reply as a report: which folder was used, and a verdict per file. */
export function readScanReply(
  files: readonly string[],
  data: Record<string, unknown>,
  doctor: DoctorReport,
  mode: TriState = 'auto',
): ScanReport {
  const defender = doctor.defender;
  const report: ScanReport = { performed: false, limits: [], files: [] };
  if (defender?.engineVersion) report.engineVersion = defender.engineVersion;
  if (defender?.signatureVersion) report.signatureVersion = defender.signatureVersion;
  const notPerformed = (reason: string): ScanReport => notPerformedReport(report, reason, mode);
  if (!asString(data.MpCmdRun))
    return notPerformed(
      'MpCmdRun.exe was found neither under the Defender platform folder nor in Program Files',
    );
  const folder = asString(data.Folder);
  if (!folder) {
    const why = asArray<Record<string, unknown>>(data.Folders)
      .map((f) => `${asString(f.Path)}: ${describeDefenderError(f.Error) ?? 'not created'}`)
      .join('; ');
    return notPerformed(`no folder for the copies could be created (${why})`);
  }

  report.performed = true;
  report.folder = folder;
  report.limits.push(...limitsOf(doctor, data.AllExcluded === true, folder));
  const results = asArray<Record<string, unknown>>(data.Files);
  report.files = files.map((file) =>
    judgeFile(
      file,
      results.find((r) => asString(r.Source) === file),
    ),
  );
  const leftovers = [
    ...results
      .filter((r) => r.RemoveError)
      .map((r) => `${asString(r.Copy)}: ${describeDefenderError(r.RemoveError)}`),
    ...(data.FolderRemoveError ? [`${folder}: ${describeDefenderError(data.FolderRemoveError)}`] : []),
  ];
  if (leftovers.length)
    report.limits.push(`Some scan copies could not be removed; delete them by hand: ${leftovers.join('; ')}`);
  return report;
}

/**
 * Fresh folders to scan in, those no visible exclusion covers first: this run's temp dir, %TEMP%, and the
 * system drive's ProgramData. The script still asks MpCmdRun about each, since lists can be hidden.
 */
export function candidateFolders(
  tempDir: string,
  env: NodeJS.ProcessEnv,
  exclusions: readonly string[],
): string[] {
  const name = `go-av-guard-scan-${randomUUID().slice(0, 8)}`;
  const bases = [
    tempDir,
    env.TEMP ?? env.TMP,
    env.ProgramData ?? env.PROGRAMDATA ?? `${env.SystemDrive ?? 'C:'}\\ProgramData`,
  ];
  const folders = [
    ...new Set(
      bases.filter((b): b is string => !!b && /^[a-z]:\\|^\\\\/i.test(b)).map((b) => win.join(b, name)),
    ),
  ];
  const covered = (f: string): boolean => exclusions.some((e) => pathExclusionCovers(e, f));
  return [...folders.filter((f) => !covered(f)), ...folders.filter(covered)];
}

function limitsOf(doctor: DoctorReport, allExcluded: boolean, folder: string): string[] {
  const defender = doctor.defender;
  const limits: string[] = [];
  const versions = [
    defender?.engineVersion && `engine ${defender.engineVersion}`,
    defender?.signatureVersion && `signatures ${defender.signatureVersion}`,
  ]
    .filter(Boolean)
    .join(', ');
  limits.push(
    `Local scan only${versions ? ` (${versions})` : ''}: users with newer signatures may see a different verdict.`,
  );
  if (defender?.cloudProtection === false) {
    limits.push(
      'Cloud-delivered protection (MAPS) is off here: no cloud verdicts, so the machine-learning "!ml" detections users with cloud protection may get cannot show up.',
    );
  } else if (defender?.cloudProtection === undefined) {
    limits.push('Whether cloud-delivered protection is on is unknown: "!ml" cloud verdicts may be missing.');
  }
  if (allExcluded) {
    limits.push(
      `Every candidate folder is excluded from Defender (on GitHub-hosted runners C:\\ and D:\\ are); the copies were scanned in ${folder} anyway, ` +
        'relying on -DisableRemediation, which MpCmdRun documents as ignoring file exclusions. A "clean" here is weaker evidence than on a machine without drive exclusions.',
    );
  }
  return limits;
}

function judgeFile(file: string, r: Record<string, unknown> | undefined): ScanResult {
  if (!r) return { path: file, status: 'not-scanned', detail: 'the scan script did not report on this file' };
  const error = describeDefenderError(r.Error);
  if (error) {
    // Writing the copy can itself trip real-time protection: that is a verdict, not a failure. The
    // HRESULT (ERROR_VIRUS_INFECTED / _DELETED) reads the same in every language; the English text is a
    // second chance for errors that carry no code.
    const code = errorInfo(r.Error)?.code;
    if (code === '0x800700e1' || code === '0x800700e2' || /virus|potentially unwanted/i.test(error))
      return { path: file, status: 'detected', detail: `writing the copy was blocked: ${error}` };
    return { path: file, status: 'error', detail: error };
  }
  if (r.Present === false) {
    return {
      path: file,
      status: 'not-scanned',
      detail:
        'the copy vanished right after it was written: real-time protection probably removed it (see the detections)',
    };
  }
  const scan = (r.Scan ?? {}) as Record<string, unknown>;
  const exitCode = typeof scan.ExitCode === 'number' ? scan.ExitCode : null;
  const verdict = parseScanOutput(asString(scan.Output) ?? '', exitCode);
  const excluded = parseCheckExclusion(r.Check) === true;
  const note = excluded
    ? 'the copy itself is excluded (an extension or path exclusion); -DisableRemediation scans it regardless'
    : undefined;
  const detail = [verdict.detail, note].filter(Boolean).join('; ');
  return { path: file, ...verdict, ...(detail ? { detail } : {}) };
}
