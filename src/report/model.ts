import type { DetectionsReport, ExclusionsReport, ScanReport } from '../defender/types.js';
import type { FleetPolicyFiles } from '../defender/fleet.js';
import type { DoctorReport } from '../doctor/types.js';
import type { AnalysisReport } from '../pe/types.js';
import type { SigningReport } from '../sign/types.js';
import type { SmokeReport } from '../smoke/types.js';
import type { StampReport } from '../stamp/types.js';
import type { Note } from './note.js';

export const SCHEMA_VERSION = 1;

/** Everything one run found and did: capabilities fill it, renderers read it, nobody else decides. */
export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'go-av-guard'; version: string };
  phase: 'main' | 'post' | 'cli';
  startedAt: string;
  finishedAt?: string;
  workspace: string;
  doctor?: DoctorReport;
  /** `doctor --fleet-policy DIR`: the Group Policy and Intune files written. */
  fleetPolicy?: FleetPolicyFiles;
  exclusions?: ExclusionsReport;
  smoke?: SmokeReport;
  stamping?: StampReport;
  signing?: SigningReport;
  analysis?: AnalysisReport;
  detections?: DetectionsReport;
  scan?: ScanReport;
  /** Run-level notes (e.g. a capability that failed unexpectedly). */
  notes: Note[];
  /** Why the step failed, when it did. */
  failures: string[];
}

export function newReport(
  phase: Report['phase'],
  workspace: string,
  version: string,
  now = new Date(),
): Report {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'go-av-guard', version },
    phase,
    startedAt: now.toISOString(),
    workspace,
    notes: [],
    failures: [],
  };
}
