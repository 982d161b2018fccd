import type { Deps } from '../deps.js';
import { runPowerShell } from '../platform/powershell.js';
import { asArray } from '../platform/psjson.js';
import { PS_ERROR_INFO, PS_READ_EXCLUSIONS } from './psfragments.js';
import {
  resultFor,
  describeDefenderError,
  parseReadBack,
  readBackHas,
  recordedExclusions,
  recordExclusions,
} from './readback.js';
import type { ExclusionsReport, WantedExclusion } from './types.js';

/**
 * One PowerShell start: remove each entry this run added, then read the lists back.
 * Input: { Entries: [{ Kind: 'path'|'process', Value }] }.
 */
export const RESTORE_EXCLUSIONS_SCRIPT =
  PS_ERROR_INFO +
  String.raw`
$results = @(foreach ($e in @($In.Entries)) {
  $r = [ordered]@{ Kind = [string]$e.Kind; Value = [string]$e.Value }
  try {
    if ($r.Kind -eq 'path') { Remove-MpPreference -ExclusionPath $r.Value -Force }
    else { Remove-MpPreference -ExclusionProcess $r.Value -Force }
    $r.Called = $true
  } catch { $r.Error = Get-ErrorInfo $_ }
  $r
})
$out = [ordered]@{ Results = $results }` +
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
    const raw = await runPowerShell(deps.run, RESTORE_EXCLUSIONS_SCRIPT, {
      Entries: entries.map((e) => ({ Kind: e.kind, Value: e.value })),
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
