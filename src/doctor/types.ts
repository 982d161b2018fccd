import type { Note } from '../report/note.js';

export interface GoEnv {
  version: string;
  goroot: string;
  gopath: string;
  gocache: string;
  gomodcache: string;
  /** Empty when unset: Go then builds under the OS temp dir (%TEMP%\go-build*). */
  gotmpdir: string;
  goos: string;
  goarch: string;
  gohostos: string;
  gohostarch: string;
  /** Path of the go binary that answered. */
  executable: string;
}

export type GoProbe = { found: true; env: GoEnv } | { found: false; reason: string };

export interface SigningToolProbe {
  name: 'signtool' | 'built-in';
  found: boolean;
  path?: string;
  version?: string;
  /** Why it was not found, or where it was looked for. */
  reason?: string;
}

export interface DefenderExclusions {
  paths: string[];
  processes: string[];
  extensions: string[];
  /** Get-MpPreference answered with "N/A: Must be an administrator..." or HideExclusionsFromLocalAdmins is on. */
  hidden: boolean;
}

export interface DefenderStatus {
  /** False when Defender could not be asked (not Windows, service off, replaced by another product). */
  available: boolean;
  error?: string;
  /** HRESULT as 0x........ where the failure carried one (0x800106ba: service not running or replaced). */
  errorCode?: string;
  amServiceEnabled?: boolean;
  antivirusEnabled?: boolean;
  realTimeProtectionEnabled?: boolean;
  behaviorMonitorEnabled?: boolean;
  ioavProtectionEnabled?: boolean;
  isTamperProtected?: boolean;
  /** Normal, Passive, EDR Block Mode, SxS Passive Mode, Not running. */
  amRunningMode?: string;
  productVersion?: string;
  engineVersion?: string;
  signatureVersion?: string;
  signatureLastUpdated?: string;
  cloudProtection?: boolean;
  exclusions: DefenderExclusions;
  hideExclusionsFromLocalAdmins?: boolean;
  /** Error from Get-MpPreference alone (status may still be known). */
  preferenceError?: string;
  /** PowerShell's language mode here: ConstrainedLanguage on WDAC/AppLocker-enforced machines. */
  powerShellLanguageMode?: string;
}

export interface DoctorReport {
  platform: NodeJS.Platform;
  arch: string;
  osRelease: string;
  hostedRunner: boolean;
  /** Windows only: is this process elevated (needed to change Defender settings)? */
  elevated?: boolean;
  go: GoProbe;
  signingTool: SigningToolProbe;
  /** Windows only. */
  defender?: DefenderStatus;
  /** What the facts above mean for the user, most important first. */
  advice: Note[];
}
