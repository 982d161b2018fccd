import type { Deps } from '../deps.js';
import { runPowerShell } from '../platform/powershell.js';
import { asArray, asStrings } from '../platform/psjson.js';
import { readJsonState, writeJsonState } from '../platform/state.js';
import { info, warning, type Note } from '../report/note.js';
import { EventXmlError, parseEventXml } from './eventxml.js';
import { mergeDetections } from './merge.js';
import { PS_ERROR_INFO } from './psfragments.js';
import { classifyRelevance, type RelevanceContext } from './relevance.js';
import { describeDefenderError } from './readback.js';
import { detectionsFromCmdlets, isDetectionRow, isThreatRow } from './threatjson.js';
import type { DefenderEvent, Detection, DetectionsReport } from './types.js';

export { classifyRelevance, FALSE_POSITIVE_SUBMISSION_URL, isGoTool } from './relevance.js';
export type { RelevanceContext } from './relevance.js';

/** State key: when the main step started (ISO 8601), the start of the detection window for main and post. */
export const DETECTIONS_SINCE_STATE_KEY = 'go-av-guard-detections-since';
/** State key: detection IDs the main step already reported, so the post step reports only new ones. */
export const DETECTIONS_REPORTED_STATE_KEY = 'go-av-guard-detections-reported';

/**
 * One PowerShell start: Get-MpThreatDetection since the window start (with a few minutes of slack; the
 * exact cut is made in TypeScript), the Get-MpThreat rows for their ThreatIDs (joined in TypeScript), and
 * the Defender Operational events as .ToXml() strings. Each source is caught on its own.
 * Input: { SinceMs: <epoch milliseconds> } (a number, so neither PowerShell reads it as a local date).
 */
export const READ_DETECTIONS_SCRIPT =
  PS_ERROR_INFO +
  String.raw`
$epoch = [datetime]::SpecifyKind([datetime]'1970-01-01T00:00:00', 'Utc')
$since = $epoch.AddMilliseconds([double]$In.SinceMs).AddMinutes(-5)
$out = [ordered]@{ Detections = @(); Threats = @(); Events = @() }
try {
  $out.Detections = @(Get-MpThreatDetection | Where-Object {
      ($_.InitialDetectionTime -and $_.InitialDetectionTime.ToUniversalTime() -ge $since) -or
      ($_.LastThreatStatusChangeTime -and $_.LastThreatStatusChangeTime.ToUniversalTime() -ge $since) } |
    Select-Object DetectionID, ThreatID, ProcessName, DomainUser, DetectionSourceTypeID, Resources,
      InitialDetectionTime, LastThreatStatusChangeTime, RemediationTime, CurrentThreatExecutionStatusID,
      ThreatStatusID, ThreatStatusErrorCode, CleaningActionID, AMProductVersion, ActionSuccess)
} catch { $out.DetectionError = Get-ErrorInfo $_ }
if ($out.Detections.Count -gt 0) {
  try {
    $ids = @($out.Detections | ForEach-Object { $_.ThreatID })
    $out.Threats = @(Get-MpThreat | Where-Object { $ids -contains $_.ThreatID } |
      Select-Object ThreatID, ThreatName, SeverityID, CategoryID, TypeID)
  } catch { $out.ThreatError = Get-ErrorInfo $_ }
}
try {
  $filter = @{ LogName = 'Microsoft-Windows-Windows Defender/Operational'; Id = 1116, 1117, 1118, 1119, 5001, 5007; StartTime = $since }
  $out.Events = @(Get-WinEvent -FilterHashtable $filter -MaxEvents 500 -ErrorAction Stop | ForEach-Object { $_.ToXml() })
} catch {
  if ($_.FullyQualifiedErrorId -match 'NoMatchingEventsFound') { $out.Events = @() }
  else { $out.EventError = Get-ErrorInfo $_ }
}
$out
`;

export interface DetectionsRead {
  detections: Detection[];
  events: DefenderEvent[];
  available: boolean;
  reason?: string;
}

/** Live detections since `since`, from the cmdlets and the event log, in one PowerShell start. */
export async function readDetections(since: Date, deps: Deps): Promise<DetectionsRead> {
  if (deps.platform !== 'win32') {
    return {
      detections: [],
      events: [],
      available: false,
      reason: `Defender detections can be read live on Windows only (this is ${deps.platform}); go-av-guard detections --from-file reads saved ones anywhere`,
    };
  }
  let data: Record<string, unknown>;
  try {
    data = ((await runPowerShell(deps.run, READ_DETECTIONS_SCRIPT, { SinceMs: since.getTime() })) ??
      {}) as Record<string, unknown>;
  } catch (error) {
    return {
      detections: [],
      events: [],
      available: false,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
  const problems: string[] = [];
  const cmdletError = describeDefenderError(data.DetectionError);
  const threatError = describeDefenderError(data.ThreatError);
  const eventError = describeDefenderError(data.EventError);
  if (cmdletError) problems.push(`Get-MpThreatDetection failed: ${cmdletError}`);
  if (threatError) problems.push(`Get-MpThreat failed (threat names may be missing): ${threatError}`);
  if (eventError) problems.push(`the Defender event log could not be read: ${eventError}`);

  const detections = detectionsFromCmdlets(data.Detections, data.Threats);
  const events: DefenderEvent[] = [];
  for (const xml of asStrings(data.Events)) {
    try {
      const parsed = parseEventXml(xml);
      detections.push(...parsed.detections);
      events.push(...parsed.events);
    } catch (error) {
      problems.push(`an event could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const bothFailed = !!cmdletError && !!eventError;
  return {
    detections: mergeDetections(detections),
    events: events.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '')),
    available: !bothFailed,
    ...(problems.length ? { reason: problems.join('; ') } : {}),
  };
}

const EXPECTED =
  'expected saved Get-MpThreatDetection / Get-MpThreat JSON (ConvertTo-Json) or Defender event XML (wevtutil qe "Microsoft-Windows-Windows Defender/Operational" /f:xml, or Get-WinEvent ... | ForEach-Object { $_.ToXml() })';

/**
 * Files saved on a developer's machine: cmdlet JSON (PowerShell 5.1 or 7, one object, an array or the
 * {"value":[...],"Count":n} wrapping; Get-MpThreatDetection and Get-MpThreat rows may be mixed) or event
 * XML. Throws one Error with a clear message for an empty, truncated or foreign file.
 */
export function parseDetectionsFile(content: string): { detections: Detection[]; events: DefenderEvent[] } {
  const text = content.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new Error(`The file is empty: ${EXPECTED}.`);
  if (text.includes('\u0000')) {
    throw new Error(
      'The file looks like UTF-16 text read as UTF-8: decode it with decodeDetectionsFile first, or save it as UTF-8.',
    );
  }
  if (text.startsWith('<')) return parseXmlFile(text);
  if (text.startsWith('{') || text.startsWith('[')) return parseJsonFile(text);
  throw new Error(`This is not a Defender detections file: ${EXPECTED}.`);
}

/** Windows PowerShell 5.1 `>` writes UTF-16LE with a BOM; everything else is UTF-8. */
export function decodeDetectionsFile(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xff && buffer[1] === 0xfe) return buffer.subarray(2).toString('utf16le');
  if (buffer[0] === 0xfe && buffer[1] === 0xff)
    return Buffer.from(buffer.subarray(2)).swap16().toString('utf16le');
  return buffer.toString('utf8');
}

function parseXmlFile(text: string): { detections: Detection[]; events: DefenderEvent[] } {
  let parsed;
  try {
    parsed = parseEventXml(text);
  } catch (error) {
    if (error instanceof EventXmlError)
      throw new Error(`The file cannot be read: ${error.message}. Save it again in full.`, { cause: error });
    throw error;
  }
  if (parsed.defender === 0) {
    const seen =
      parsed.total === 0 ? 'no <Event> elements' : `${parsed.total} event(s), none from Microsoft Defender`;
    throw new Error(`This XML holds ${seen}: ${EXPECTED}.`);
  }
  return { detections: mergeDetections(parsed.detections), events: parsed.events };
}

function parseJsonFile(text: string): { detections: Detection[]; events: DefenderEvent[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The file cannot be read: the JSON is incomplete or damaged (${why}). Save it again in full.`,
      { cause: error },
    );
  }
  // Our own script's output ({Detections, Threats, Events}) saved as is.
  if (
    data &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    ('Detections' in data || 'Events' in data)
  ) {
    const saved = data as Record<string, unknown>;
    const detections = detectionsFromCmdlets(saved.Detections, saved.Threats);
    const events: DefenderEvent[] = [];
    for (const xml of asStrings(saved.Events)) {
      const p = parseXmlFile(xml);
      detections.push(...p.detections);
      events.push(...p.events);
    }
    return { detections: mergeDetections(detections), events };
  }
  const rows = asArray(data);
  const detectionRows = rows.filter(isDetectionRow);
  const threatRows = rows.filter(isThreatRow);
  if (rows.length > 0 && detectionRows.length === 0 && threatRows.length === 0) {
    throw new Error(
      `This JSON holds no Defender detections (no DetectionID or ThreatName fields): ${EXPECTED}.`,
    );
  }
  if (detectionRows.length === 0) {
    // Get-MpThreat alone: one detection-like entry per threat, so a saved threat list still reads.
    return { detections: threatRows.map(threatOnly), events: [] };
  }
  return { detections: mergeDetections(detectionsFromCmdlets(detectionRows, threatRows)), events: [] };
}

function threatOnly(row: Record<string, unknown>): Detection {
  const [d] = detectionsFromCmdlets([{ ...row, DetectionID: '' }], [row]);
  return { ...(d as Detection), origins: [] };
}

/** A detection is in the window when it was first seen, or last changed, at or after `since`. */
function inWindow(time: string | undefined, since: Date): boolean {
  return time !== undefined && Date.parse(time) >= since.getTime();
}

/**
 * Reads detections since `since`, keeps those in the window, splits them into this job's and the rest,
 * and turns 5001/5007 during the job into notes. The post step skips what main already reported.
 */
export async function collectDetections(
  phase: 'main' | 'post' | 'cli',
  since: Date,
  ctx: RelevanceContext,
  deps: Deps,
): Promise<DetectionsReport> {
  const until = deps.now();
  const report: DetectionsReport = {
    phase,
    since: since.toISOString(),
    until: until.toISOString(),
    available: false,
    relevant: [],
    other: [],
    events: [],
    notes: [],
  };
  const read = await readDetections(since, deps);
  report.available = read.available;
  if (read.reason) report.reason = read.reason;
  if (!read.available) {
    if (deps.platform === 'win32')
      report.notes.push(warning(`Defender detections could not be read: ${read.reason ?? 'no answer'}.`));
    return report;
  }
  if (read.reason) report.notes.push(warning(`Defender detections may be incomplete: ${read.reason}.`));

  let detections = read.detections.filter(
    (d) => inWindow(d.time, since) || inWindow(d.lastChange, since) || !d.time,
  );
  const reported = new Set(readJsonState<string[]>(deps.state, DETECTIONS_REPORTED_STATE_KEY, []));
  if (phase === 'post' && reported.size > 0) {
    const before = detections.length;
    detections = detections.filter((d) => !reported.has(d.id));
    if (before > detections.length)
      report.notes.push(
        info(`${before - detections.length} detection(s) were already reported by the main step.`),
      );
  }
  if (phase === 'main')
    writeJsonState(deps.state, DETECTIONS_REPORTED_STATE_KEY, detections.map((d) => d.id).filter(Boolean));

  const split = classifyRelevance(detections, ctx);
  report.relevant = split.relevant;
  report.other = split.other;
  report.events = read.events.filter((e) => !e.time || Date.parse(e.time) >= since.getTime());
  report.notes.push(...eventNotes(report.events));
  return report;
}

/** 5001 during the job is worth a warning; 5007 (go-av-guard's own exclusions included) an info line. */
function eventNotes(events: readonly DefenderEvent[]): Note[] {
  return events.map((e) =>
    e.id === 5001
      ? warning(`Defender real-time protection was disabled during the job${e.time ? ` (${e.time})` : ''}.`)
      : info(`${e.message}${e.time ? ` (${e.time})` : ''}`),
  );
}

/** Remembers when the main step started, for the detection window of main and post. */
export function rememberDetectionWindowStart(deps: Deps): Date {
  const start = deps.now();
  deps.state.set(DETECTIONS_SINCE_STATE_KEY, start.toISOString());
  return start;
}

/** When the main step started, from state; `fallback` when it was not recorded or is damaged. */
export function detectionWindowStart(deps: Deps, fallback: Date): Date {
  const parsed = Date.parse(deps.state.get(DETECTIONS_SINCE_STATE_KEY));
  return Number.isNaN(parsed) ? fallback : new Date(parsed);
}
