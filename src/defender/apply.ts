import type { ExclusionsConfig } from '../config.js';
import type { Deps } from '../deps.js';
import type { DoctorReport } from '../doctor/types.js';
import { runPowerShell } from '../platform/powershell.js';
import { asArray, asString } from '../platform/psjson.js';
import { info, warning } from '../report/note.js';
import { normalizeWindowsPath } from './paths.js';
import { planExclusions, wantedExclusions, type ExclusionContext } from './plan.js';
import { PS_ERROR_INFO, PS_MPCMDRUN, PS_OWNER_RECORD, PS_READ_EXCLUSIONS } from './psfragments.js';
import {
  resultFor,
  describeDefenderError,
  exclusionOwner,
  parseCheckExclusion,
  parseReadBack,
  readBackHas,
  recordedExclusions,
  recordExclusions,
} from './readback.js';
import type { ExclusionsReport, WantedExclusion } from './types.js';

/**
 * One PowerShell start: add each missing entry, then read the lists back. With hidden lists, each path is
 * asked about with MpCmdRun -CheckExclusion before (already excluded: leave it) and after (did it stick?).
 * Every entry it adds, and every present one another live go-av-guard job added (Claims), is recorded
 * with this job as an owner in the machine-wide record (see PS_OWNER_RECORD).
 * Input: { Entries: [{ Kind: 'path'|'process', Value }], Hidden: bool, Owner: { Job, Pid }, Claims: [{ Kind, Value }] }.
 */
export const APPLY_EXCLUSIONS_SCRIPT =
  PS_ERROR_INFO +
  PS_MPCMDRUN +
  PS_OWNER_RECORD +
  String.raw`
$mp = if ($In.Hidden) { Find-MpCmdRun } else { $null }
$record = Open-OwnerRecord
try {
  Invoke-OwnerReap $record
  $me = New-Owner $In.Owner
  # Exclusions another live go-av-guard job added and this one needs too: share them, so neither post
  # step removes what the other still uses.
  $claimed = @(foreach ($c in @($In.Claims)) {
    $entry = Find-OwnedEntry $record ([string]$c.Kind) ([string]$c.Value)
    if (-not $entry) { continue }
    $entry.Owners = @(@($entry.Owners | Where-Object { $_.Job -ne $me.Job }) + $me)
    [ordered]@{ Kind = $entry.Kind; Value = $entry.Value; Owners = @($entry.Owners | ForEach-Object { $_.Job }) }
  })
  $results = @(foreach ($e in @($In.Entries)) {
    $r = [ordered]@{ Kind = [string]$e.Kind; Value = [string]$e.Value }
    if ($In.Hidden -and $r.Kind -eq 'path') {
      $r.Before = Test-MpExclusion $mp $r.Value
      if ($r.Before -and $r.Before.Output -match 'is excluded' -and $r.Before.Output -notmatch 'is not excluded') { $r; continue }
    }
    try {
      if ($r.Kind -eq 'path') { Add-MpPreference -ExclusionPath $r.Value -Force }
      else { Add-MpPreference -ExclusionProcess $r.Value -Force }
      $r.Called = $true
    } catch { $r.Error = Get-ErrorInfo $_ }
    # Only an entry known to be new is this job's to own (lists read, or MpCmdRun said "not excluded").
    $known = -not $In.Hidden -or ($r.Before -and $r.Before.ExitCode -eq 0 -and $r.Before.Output -match 'is not excluded')
    if ($r.Called -and $known) {
      $entry = Find-OwnedEntry $record $r.Kind $r.Value
      if ($entry) { $entry.Owners = @(@($entry.Owners | Where-Object { $_.Job -ne $me.Job }) + $me) }
      else { $record.Entries += [ordered]@{ Kind = $r.Kind; Value = $r.Value; Owners = @($me) } }
    }
    $r
  })
} finally { Close-OwnerRecord $record }
$out = [ordered]@{ Results = $results; MpCmdRun = $mp; Claimed = $claimed; Reaped = $record.Reaped }` +
  PS_READ_EXCLUSIONS +
  String.raw`if ($In.Hidden) {
  foreach ($r in $results) { if ($r.Called -and $r.Kind -eq 'path') { $r.After = Test-MpExclusion $mp $r.Value } }
}
$out
`;

type NotApplied = ExclusionsReport['notApplied'][number];

/**
 * Plans the job's exclusions and, unless dry-run, adds the missing ones and verifies each. Records in
 * state exactly the entries added and verified, so the post step removes those and nothing else.
 */
export async function guardExclusions(
  config: ExclusionsConfig,
  doctor: DoctorReport,
  ctx: ExclusionContext,
  deps: Deps,
): Promise<ExclusionsReport> {
  const report: ExclusionsReport = {
    mode: config.mode,
    dryRun: config.dryRun,
    planned: [],
    added: [],
    notApplied: [],
    notes: [],
  };
  if (config.mode === 'false') return { ...report, skipped: 'exclusions is false' };
  if (doctor.platform !== 'win32') {
    const skipped = 'Defender exclusions apply to Windows only';
    return { ...report, skipped, notes: [info(`${skipped}; nothing to do on ${doctor.platform}.`)] };
  }
  const go = doctor.go.found ? doctor.go.env : undefined;
  if (!go)
    report.notes.push(
      warning(
        'Go was not found, so only the workspace, the Go temp dir and the extra paths can be excluded.',
      ),
    );
  // Later steps get GOTMPDIR pointed here, unless the user already chose one.
  if (!go?.gotmpdir) report.gotmpdir = ctx.goTmpDir;

  const defender = doctor.defender;
  const current = defender?.exclusions ?? { paths: [], processes: [], extensions: [], hidden: false };
  const plan = planExclusions(
    wantedExclusions(go, config, ctx),
    current,
    defender,
    config.mode,
    doctor.elevated,
  );
  report.planned = plan.planned;
  report.notes.push(...plan.notes);
  if (plan.skipped) report.skipped = plan.skipped;
  if (plan.failure) report.failure = plan.failure;
  if (plan.skipped || plan.failure) return report;
  report.notApplied.push(...plan.held);

  const held = new Set(plan.held.map((h) => `${h.kind}|${h.value}`));
  const toAdd = plan.planned.filter((p) => p.action === 'add' && !held.has(`${p.kind}|${p.value}`));
  if (config.dryRun) {
    report.notes.push(info(`Dry run: ${toAdd.length} exclusion(s) would be added; nothing was changed.`));
    return report;
  }
  // Present verbatim: maybe added by another go-av-guard job still running here; if so, share it.
  const claims = plan.planned.filter((p) => p.action === 'present');
  if (toAdd.length === 0 && claims.length === 0) return failIfStrict(report, held);

  const previous = recordedExclusions(deps.state);
  const unrecorded = (entries: readonly WantedExclusion[]): WantedExclusion[] =>
    entries.filter((a) => !previous.some((p) => p.kind === a.kind && p.value === a.value));
  // With the lists readable, every entry to add is known to be absent now: record it before the call, so
  // a PowerShell start killed half-way still leaves the post step the entries to remove.
  if (!current.hidden) recordExclusions(deps.state, [...previous, ...unrecorded(toAdd.map(asWanted))]);

  const owner = exclusionOwner(deps.state, deps.env, ctx.runnerPid ?? process.ppid);
  let raw: unknown;
  try {
    raw = await runPowerShell(deps.run, APPLY_EXCLUSIONS_SCRIPT, {
      Entries: toAdd.map((p) => ({ Kind: p.kind, Value: p.value })),
      Hidden: current.hidden,
      Owner: { Job: owner.job, Pid: owner.pid },
      Claims: claims.map((p) => ({ Kind: p.kind, Value: p.value })),
    });
  } catch (error) {
    const after = current.hidden ? '' : '; the post step removes any that did get added';
    const reason = `adding exclusions failed: ${error instanceof Error ? error.message : String(error)}${after}`;
    report.notApplied.push(...toAdd.map((p) => ({ kind: p.kind, value: p.value, reason })));
    return failIfStrict(report, held);
  }

  const data = (raw ?? {}) as Record<string, unknown>;
  const readBack = parseReadBack(data);
  const results = asArray<Record<string, unknown>>(data.Results);
  for (const wanted of toAdd) {
    const result = resultFor(results, wanted);
    const outcome = judge(wanted, result, readBack, current.hidden);
    if (outcome === 'verified')
      report.added.push({ kind: wanted.kind, value: wanted.value, reason: wanted.reason });
    // Found excluded by MpCmdRun before the change: show it as covered in the plan, never record it.
    else if (outcome === 'already')
      Object.assign(wanted, {
        action: 'covered',
        coveredBy: 'an existing exclusion (hidden; MpCmdRun -CheckExclusion)',
      });
    else report.notApplied.push({ kind: wanted.kind, value: wanted.value, reason: outcome.reason });
  }

  // Shared with another live job: this job's post step gives up its share (and removes the entry if it
  // is the last one needing it).
  const shared = asArray<Record<string, unknown>>(data.Claimed).flatMap((c) => {
    const claim = claims.find((p) => p.kind === asString(c.Kind) && p.value === asString(c.Value));
    return claim ? [asWanted(claim)] : [];
  });
  if (shared.length > 0)
    report.notes.push(
      info(
        `Sharing ${shared.length} exclusion(s) another go-av-guard job on this machine added: ${shared.map((e) => e.value).join('; ')}; the last job to finish removes them.`,
      ),
    );
  const reaped = asArray<Record<string, unknown>>(data.Reaped);
  if (reaped.length > 0)
    report.notes.push(
      info(
        `Removed ${reaped.length} exclusion(s) left by go-av-guard jobs whose runner is gone: ${reaped.map((r) => asString(r.Value)).join('; ')}.`,
      ),
    );

  // Now the facts are known: exactly the verified additions (and the shares) stay recorded.
  recordExclusions(deps.state, [...previous, ...unrecorded([...report.added, ...shared])]);
  if (report.added.length > 0) {
    const after = config.restore ? 'the post step removes them' : 'they stay after the job (restore: false)';
    report.notes.push(
      info(`Added ${report.added.length} Defender exclusion(s), each verified after the change; ${after}.`),
    );
  }
  if (readBack.error && !current.hidden)
    report.notes.push(warning(`Reading the exclusions back failed: ${readBack.error}`));
  return failIfStrict(report, held);
}

function asWanted(p: WantedExclusion): WantedExclusion {
  return { kind: p.kind, value: p.value, reason: p.reason };
}

/**
 * Is `folder` excluded once this report's changes are made: already there, covered by a parent (C:\ on
 * hosted runners), or added and verified? Decides whether later steps may point GOTMPDIR at it.
 */
export function folderExcludedAfter(report: ExclusionsReport, folder: string): boolean {
  const same = (value: string): boolean => normalizeWindowsPath(value) === normalizeWindowsPath(folder);
  if (report.added.some((a) => a.kind === 'path' && same(a.value))) return true;
  return report.planned.some(
    (p) => p.kind === 'path' && same(p.value) && (p.action === 'present' || p.action === 'covered'),
  );
}

/** Did one entry take effect? Tamper protection can accept the call and change nothing: only a read-back counts. */
function judge(
  wanted: WantedExclusion,
  result: Record<string, unknown> | undefined,
  readBack: ReturnType<typeof parseReadBack>,
  hidden: boolean,
): 'verified' | 'already' | { reason: string } {
  if (!result) return { reason: 'the PowerShell script did not report on this entry' };
  if (parseCheckExclusion(result.Before) === true && !result.Called) return 'already';
  const error = describeDefenderError(result.Error);
  if (error) return { reason: `Add-MpPreference failed: ${error}` };
  // With the lists unknown, only MpCmdRun saying "not excluded" before the change proves this run added
  // the entry; anything less could be a pre-existing one, which the post step must never remove.
  const provenNew = !hidden || parseCheckExclusion(result.Before) === false;
  const inEffect = readBackHas(readBack, wanted) || parseCheckExclusion(result.After) === true;
  if (inEffect && provenNew) return 'verified';
  if (inEffect) {
    return {
      reason:
        'in effect, but exclusions are hidden and MpCmdRun gave no answer before the change, so it may have existed already; left in place after the job rather than risk removing a pre-existing entry',
    };
  }
  const after = parseCheckExclusion(result.After);
  if (after === false)
    return {
      reason:
        'MpCmdRun -CheckExclusion says the path is still not excluded after Add-MpPreference succeeded (tamper protection or policy?)',
    };
  if (hidden || readBack.hidden) {
    return {
      reason:
        'added, but it could not be verified (exclusions are hidden and MpCmdRun.exe gave no answer); not recorded for removal',
    };
  }
  if (readBack.error)
    return {
      reason: `added, but reading the exclusions back failed: ${readBack.error}; not recorded for removal`,
    };
  return {
    reason:
      'Add-MpPreference reported success but the exclusion is not there when read back (tamper protection or a policy ignored the change)',
  };
}

/** Entries held back on purpose (hidden process exclusions) are reported but never fail the step. */
function failIfStrict(report: ExclusionsReport, held: ReadonlySet<string>): ExclusionsReport {
  const failed = report.notApplied.filter((n: NotApplied) => !held.has(`${n.kind}|${n.value}`));
  if (failed.length === 0) return report;
  const list = failed.map((n) => `${n.value} (${n.reason})`).join('; ');
  if (report.mode === 'true')
    report.failure = `exclusions: true, but ${failed.length} exclusion(s) did not take effect: ${list}`;
  else report.notes.push(warning(`${failed.length} Defender exclusion(s) did not take effect: ${list}`));
  return report;
}
