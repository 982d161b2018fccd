import type { Deps } from '../deps.js';
import { runPowerShell } from '../platform/powershell.js';
import { asArray, asStrings } from '../platform/psjson.js';
import { PS_ERROR_INFO, PS_OWNER_RECORD, PS_READ_EXCLUSIONS } from './psfragments.js';
import {
  resultFor,
  describeDefenderError,
  exclusionOwner,
  parseReadBack,
  readBackHas,
  recordedExclusions,
  recordExclusions,
} from './readback.js';
import type { ExclusionsReport, WantedExclusion } from './types.js';

/**
 * Removes each entry this run added that no other live go-av-guard job on the machine still needs (the
 * machine-wide record, PS_OWNER_RECORD), then reads the lists back.
 * Input: { Entries: [{ Kind: 'path'|'process', Value }], Owner: { Job } }.
 */
export const RESTORE_EXCLUSIONS_SCRIPT =
  PS_ERROR_INFO +
  PS_OWNER_RECORD +
  String.raw`
$record = Open-OwnerRecord
try {
  Invoke-OwnerReap $record
  $results = @(foreach ($e in @($In.Entries)) {
    $r = [ordered]@{ Kind = [string]$e.Kind; Value = [string]$e.Value }
    $entry = Find-OwnedEntry $record $r.Kind $r.Value
    if ($entry) {
      $entry.Owners = @($entry.Owners | Where-Object { $_.Job -ne [string]$In.Owner.Job })
      $others = @($entry.Owners | ForEach-Object { [string]$_.Job })
      # Another live job still needs it: that job's post step removes it.
      if ($others.Count -gt 0) { $r.KeptFor = $others; $r; continue }
    }
    try {
      Remove-Exclusion $r.Kind $r.Value
      $r.Called = $true
    } catch { $r.Error = Get-ErrorInfo $_ }
    $r
  })
} finally { Close-OwnerRecord $record }
$out = [ordered]@{ Results = $results; Reaped = $record.Reaped }` +
  PS_READ_EXCLUSIONS +
  String.raw`$out
`;

type Restore = NonNullable<ExclusionsReport['restore']>;

/**
 * Post step: removes exactly the exclusions the main step recorded, never one that was there before.
 * Never throws: every problem becomes a failed entry, which the post step shows as a warning.
 */
export async function restoreExclusions(deps: Deps): Promise<Restore> {
  const entries = recordedExclusions(deps.state);
  const restore: Restore = { removed: [], failed: [] };
  if (entries.length === 0) return restore;
  if (deps.platform !== 'win32') {
    restore.failed = entries.map((e) => ({
      ...e,
      reason: `cannot remove a Defender exclusion on ${deps.platform}`,
    }));
    return restore;
  }
  let data: Record<string, unknown>;
  try {
    const owner = exclusionOwner(deps.state, deps.env, process.ppid);
    const raw = await runPowerShell(deps.run, RESTORE_EXCLUSIONS_SCRIPT, {
      Entries: entries.map((e) => ({ Kind: e.kind, Value: e.value })),
      Owner: { Job: owner.job },
    });
    data = (raw ?? {}) as Record<string, unknown>;
  } catch (error) {
    const reason = `removing exclusions failed: ${error instanceof Error ? error.message : String(error)}`;
    restore.failed = entries.map((e) => ({ ...e, reason }));
    return restore;
  }
  const readBack = parseReadBack(data);
  const results = asArray<Record<string, unknown>>(data.Results);
  for (const entry of entries) {
    const result = resultFor(results, entry);
    const keptFor = asStrings(result?.KeptFor);
    if (keptFor.length > 0) {
      (restore.kept ??= []).push({
        ...entry,
        reason: `still needed by another go-av-guard job on this machine (${keptFor.join(', ')}); the last one to finish removes it`,
      });
      continue;
    }
    const reason = whyNotRemoved(entry, result, readBack);
    if (reason) restore.failed.push({ ...entry, reason });
    else restore.removed.push(entry);
  }
  // What is gone is forgotten; what failed stays recorded, so a later restore can try again.
  recordExclusions(
    deps.state,
    entries.filter((e) => restore.failed.some((f) => f.kind === e.kind && f.value === e.value)),
  );
  return restore;
}

function whyNotRemoved(
  entry: WantedExclusion,
  result: Record<string, unknown> | undefined,
  readBack: ReturnType<typeof parseReadBack>,
): string | undefined {
  if (!result) return 'the PowerShell script did not report on this entry';
  const error = describeDefenderError(result.Error);
  if (error) return `Remove-MpPreference failed: ${error}`;
  if (readBackHas(readBack, entry))
    return 'Remove-MpPreference reported success but the exclusion is still there (tamper protection or a policy ignored the change)';
  return undefined;
}
