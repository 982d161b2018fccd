import type { Note } from '../report/note.js';

export type ExclusionKind = 'path' | 'process';

/** An exclusion this job wants, and why (which Go folder or tool it protects). */
export interface WantedExclusion {
  kind: ExclusionKind;
  /** Absolute, with environment variables already resolved (Defender resolves them as SYSTEM). */
  value: string;
  reason: string;
}

export interface PlannedExclusion extends WantedExclusion {
  /** add: missing; present: already there verbatim (modulo case/separators); covered: a parent path covers it. */
  action: 'add' | 'present' | 'covered';
  coveredBy?: string;
}

export interface ExclusionsReport {
  mode: 'auto' | 'true' | 'false';
  dryRun: boolean;
  /** Why nothing was (or would be) added, when that is the case. */
  skipped?: string;
  planned: PlannedExclusion[];
  /** Added by this run and verified by read-back (or MpCmdRun -CheckExclusion when hidden). */
  added: WantedExclusion[];
  /** Asked for but not in effect afterwards (tamper protection, policy, errors). */
  notApplied: Array<WantedExclusion & { reason: string }>;
  /** GOTMPDIR pointed at this folder for later steps, so only it (not all of %TEMP%) is excluded. */
  gotmpdir?: string;
  restore?: {
    removed: WantedExclusion[];
    failed: Array<WantedExclusion & { reason: string }>;
    /** Left in place because another live go-av-guard job on the machine still needs them. */
    kept?: Array<WantedExclusion & { reason: string }>;
  };
  /** Set only with exclusions: true when they could not be put in place; the step fails with this message. */
  failure?: string;
  notes: Note[];
}

export type ResourceKind =
  'file' | 'containerfile' | 'webfile' | 'amsi' | 'regkeyvalue' | 'process' | 'other';

export interface DetectionResource {
  kind: ResourceKind;
  /** The file system path (or registry path, or AMSI name) without its `kind:_` prefix. */
  path: string;
  /** For `archive.zip->inner.exe`: `inner.exe` (path is then the archive). */
  archiveMember?: string;
  url?: string;
  pid?: number;
  raw: string;
}

export interface Detection {
  /** Detection ID GUID; the key that joins cmdlet rows and events. */
  id: string;
  /** First detected (ISO 8601). */
  time?: string;
  /** Last status change (quarantined, removed...), from Get-MpThreatDetection. */
  lastChange?: string;
  threatName?: string;
  threatId?: number;
  severity?: string;
  category?: string;
  /** Cleaning action taken (Quarantine, Remove, Block, ...). */
  action?: string;
  /** Threat status (Quarantined, Removed, unknown (18), ...). */
  status?: string;
  source?: string;
  process?: string;
  user?: string;
  resources: DetectionResource[];
  /** Where this detection was read from. */
  origins: Array<'Get-MpThreatDetection' | 'event 1116' | 'event 1117' | 'event 1118' | 'event 1119'>;
  /** Why it matters to this job (touches GOCACHE, a signed file, ...); absent for other detections. */
  relevantBecause?: string;
  /** What to do about it. */
  advice?: string;
  /** The resource path that made it relevant (absolute), for the annotation's file. */
  relevantPath?: string;
}

export interface DefenderEvent {
  id: 5001 | 5007;
  time?: string;
  message: string;
  /** 5007: the setting before and after (an exclusion shows as a registry path under ...\Exclusions\Paths). */
  oldValue?: string;
  newValue?: string;
  /** 5007 on an exclusion: which one, and whether it was added or removed. */
  exclusion?: { kind: 'path' | 'process' | 'extension'; value: string; change: 'added' | 'removed' };
}

export interface DetectionsReport {
  phase: 'main' | 'post' | 'cli';
  since: string;
  until: string;
  /** False when detections could not be read (not Windows, Defender unavailable); `reason` says why. */
  available: boolean;
  reason?: string;
  relevant: Detection[];
  other: Detection[];
  events: DefenderEvent[];
  notes: Note[];
}

export interface ScanResult {
  path: string;
  status: 'clean' | 'detected' | 'not-scanned' | 'error';
  threatName?: string;
  detail?: string;
}

export interface ScanReport {
  performed: boolean;
  reason?: string;
  /** Set only with scan: true when the scan could not run; the step fails with this message. */
  failure?: string;
  /** The folder the copies were scanned in (removed afterwards). */
  folder?: string;
  engineVersion?: string;
  signatureVersion?: string;
  /** What this scan cannot see (no cloud verdicts, excluded drives, ...). */
  limits: string[];
  files: ScanResult[];
}
