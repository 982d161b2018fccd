import { asArray, asInteger, asString, asStrings, enumName, parsePsDate } from '../platform/psjson.js';
import { CATEGORY, CLEANING_ACTION, DETECTION_SOURCE, SEVERITY, THREAT_STATUS } from './enums.js';
import { normalizeDetectionId } from './merge.js';
import { parseResource } from './resources.js';
import type { Detection } from './types.js';

type Row = Record<string, unknown>;

/** Get-MpThreat rows by ThreatID (as text: sint64 IDs may arrive as numbers or strings). */
export function threatsById(threats: unknown): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const t of asArray<Row>(threats)) {
    const id = asString(t?.ThreatID);
    if (id !== undefined) map.set(id, t);
  }
  return map;
}

/** Is this row from Get-MpThreatDetection (it has a DetectionID)? */
export const isDetectionRow = (row: unknown): row is Row =>
  !!row && typeof row === 'object' && 'DetectionID' in row;
/** Is this row from Get-MpThreat (a ThreatName, no DetectionID)? */
export const isThreatRow = (row: unknown): row is Row =>
  !!row && typeof row === 'object' && 'ThreatName' in row && !('DetectionID' in row);

/**
 * Get-MpThreatDetection rows (PowerShell 5.1 or 7, bare object, array or {"value":[...],"Count":n}) joined
 * to Get-MpThreat rows on ThreatID, since the detection itself has no threat name.
 */
export function detectionsFromCmdlets(detectionRows: unknown, threatRows: unknown): Detection[] {
  const threats = threatsById(threatRows);
  return asArray<Row>(detectionRows)
    .filter(isDetectionRow)
    .map((row) => {
      const threat = threats.get(asString(row.ThreatID) ?? '') ?? {};
      const d: Detection = {
        id: normalizeDetectionId(asString(row.DetectionID) ?? ''),
        resources: asStrings(row.Resources).map(parseResource),
        origins: ['Get-MpThreatDetection'],
      };
      set(d, 'time', parsePsDate(row.InitialDetectionTime));
      set(d, 'lastChange', parsePsDate(row.LastThreatStatusChangeTime));
      set(d, 'threatId', asInteger(row.ThreatID));
      set(d, 'threatName', asString(threat.ThreatName ?? row.ThreatName));
      set(d, 'severity', enumName(SEVERITY, threat.SeverityID ?? row.SeverityID));
      set(d, 'category', enumName(CATEGORY, threat.CategoryID ?? row.CategoryID));
      set(d, 'action', enumName(CLEANING_ACTION, row.CleaningActionID));
      set(d, 'status', enumName(THREAT_STATUS, row.ThreatStatusID));
      set(d, 'source', enumName(DETECTION_SOURCE, row.DetectionSourceTypeID));
      set(d, 'process', meaningful(asString(row.ProcessName)));
      set(d, 'user', meaningful(asString(row.DomainUser)));
      return d;
    });
}

/** "Unknown" and empty strings say nothing; leave the field out instead. */
export function meaningful(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && v.toLowerCase() !== 'unknown' ? v : undefined;
}

export function set<K extends keyof Detection>(d: Detection, key: K, value: Detection[K] | undefined): void {
  if (value !== undefined && value !== '') d[key] = value;
}
