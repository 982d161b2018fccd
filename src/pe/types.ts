export type FindingSeverity = 'error' | 'warning' | 'notice';

export interface Finding {
  /** Stable id, e.g. GAV-PE-UNSIGNED. */
  id: string;
  severity: FindingSeverity;
  title: string;
  /** Why this matters for antivirus. */
  why: string;
  /** What to do. */
  advice: string;
}

export interface PeSection {
  name: string;
  virtualSize: number;
  rawSize: number;
  characteristics: number;
  entropy: number;
}

export interface GoBuildInfo {
  goVersion: string;
  path?: string;
  mainModule?: string;
  mainVersion?: string;
  settings: Record<string, string>;
}

export interface PeReport {
  path: string;
  size: number;
  sha256: string;
  machine: string;
  format: 'PE32' | 'PE32+';
  subsystem: string;
  sections: PeSection[];
  hasRelocations: boolean;
  resources: {
    present: boolean;
    versionInfo: boolean;
    manifest: boolean;
    icon: boolean;
    version?: Record<string, string>;
    /** Resource type ids (3 icon, 14 group icon, 16 version, 24 manifest) or names, as in the file. */
    types?: Array<number | string>;
    /** VS_FIXEDFILEINFO file and product versions, "a.b.c.d". */
    fixedFileVersion?: string;
    fixedProductVersion?: string;
    /** requestedExecutionLevel from the manifest (asInvoker, requireAdministrator, ...). */
    executionLevel?: string;
  };
  imports: string[];
  tls: boolean;
  /** Bytes after the end of the image: sections, COFF symbols and the certificate table (see pe/index.ts). */
  overlaySize: number;
  isDll?: boolean;
  signature: {
    present: boolean;
    /** Signer certificate subject, Windows display order ("CN=..., O=..., C=..."). */
    signer?: string;
    /** The same subject as (key, value) pairs, for AppLocker publisher names. */
    signerParts?: Array<{ key: string; value: string }>;
    issuer?: string;
    timestamped?: boolean;
    /** Where signer/timestamp came from: the file itself, or this run's signing report. */
    source?: 'file' | 'signing';
    /** Set when a certificate table exists but could not be read. */
    problem?: string;
    /**
     * Verified in process: intact (image hash, signatures, timestamps check) and trusted (chains to this
     * machine's anchors, valid at the timestamp time, code-signing usage). A broken signature is an error.
     */
    verdict?: { intact: boolean; trusted: boolean; detail: string };
  };
  packer?: string;
  goBuildInfo?: GoBuildInfo;
  findings: Finding[];
}

export interface PeError {
  path: string;
  error: string;
}

export interface AllowlistFiles {
  sha256sums: string;
  applocker: string;
  defenderIndicators: string;
  /** CrowdStrike Falcon custom IOC CSV (sha256, allow, windows). */
  crowdstrike?: string;
  /** Bitdefender GravityZone file-hash exclusions. */
  bitdefender?: string;
  hashes: Array<{ path: string; name: string; sha256: string }>;
}

export interface AnalysisReport {
  files: Array<PeReport | PeError>;
  allowlist?: AllowlistFiles;
}

/** A file the PE reader could read, as opposed to one it reports an error for. */
export function isPeReport(file: PeReport | PeError): file is PeReport {
  return !('error' in file);
}
