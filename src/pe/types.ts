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
  resources: { present: boolean; versionInfo: boolean; manifest: boolean; icon: boolean; version?: Record<string, string> };
  imports: string[];
  tls: boolean;
  overlaySize: number;
  signature: { present: boolean; signer?: string; timestamped?: boolean };
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
  hashes: Array<{ path: string; name: string; sha256: string }>;
}

export interface AnalysisReport {
  files: Array<PeReport | PeError>;
  allowlist?: AllowlistFiles;
}
