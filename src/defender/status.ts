import { asBoolean, asStrings, asString, parsePsDate } from '../platform/psjson.js';
import { runPowerShell } from '../platform/powershell.js';
import type { ProcessRunner } from '../platform/process.js';
import type { DefenderStatus } from '../doctor/types.js';
import { PS_ERROR_INFO } from './psfragments.js';

/**
 * One PowerShell start: elevation, Get-MpComputerStatus and Get-MpPreference. Each cmdlet is caught on its
 * own, so a stopped Defender (0x800106ba) still yields the elevation and a clear error, not a crash.
 */
export const DEFENDER_STATUS_SCRIPT =
  PS_ERROR_INFO +
  String.raw`
$out = [ordered]@{ Elevated = $null; LanguageMode = [string]$ExecutionContext.SessionState.LanguageMode }
if ($out.LanguageMode -eq 'FullLanguage') {
  try {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    $out.Elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
  } catch { }
}
if ($null -eq $out.Elevated) {
  # Constrained Language Mode allows no .NET identity types: ask whoami for the integrity level SID
  # (S-1-16-12288 high, S-1-16-16384 system), which reads the same in every language.
  try {
    $groups = & (Join-Path $env:SystemRoot 'System32\whoami.exe') /groups /fo csv /nh
    $out.Elevated = [bool](@($groups) -match 'S-1-16-12288|S-1-16-16384')
  } catch { }
}
try {
  $out.Status = Get-MpComputerStatus | Select-Object AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled,
    BehaviorMonitorEnabled, IoavProtectionEnabled, IsTamperProtected, AMRunningMode, AMProductVersion,
    AMEngineVersion, AntivirusSignatureVersion, AntivirusSignatureLastUpdated
} catch { $out.StatusError = Get-ErrorInfo $_ }
try {
  $out.Preference = Get-MpPreference | Select-Object ExclusionPath, ExclusionProcess, ExclusionExtension,
    HideExclusionsFromLocalAdmins, DisableRealtimeMonitoring, MAPSReporting
} catch { $out.PreferenceError = Get-ErrorInfo $_ }
$out
`;

export interface DefenderProbe {
  elevated: boolean | undefined;
  defender: DefenderStatus;
}

export async function probeDefender(run: ProcessRunner): Promise<DefenderProbe> {
  try {
    return parseDefenderStatus(await runPowerShell(run, DEFENDER_STATUS_SCRIPT, null));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      elevated: undefined,
      defender: { available: false, error: message, exclusions: emptyExclusions() },
    };
  }
}

/** The start of every message about a Defender that could not be asked, with its HRESULT when known. */
export function defenderDidNotAnswer(status: Pick<DefenderStatus, 'errorCode'> | undefined): string {
  return `Microsoft Defender did not answer${status?.errorCode ? ` (${status.errorCode})` : ''}`;
}

const emptyExclusions = (): DefenderStatus['exclusions'] => ({
  paths: [],
  processes: [],
  extensions: [],
  hidden: false,
});

/** "N/A: Must be an administrator to view exclusions" stands in for the list when it is hidden. */
export const HIDDEN_MARKER = /^\{?N\/A\b/i;

export function parseDefenderStatus(raw: unknown): DefenderProbe {
  const data = (raw ?? {}) as Record<string, unknown>;
  const status = (data.Status ?? undefined) as Record<string, unknown> | undefined;
  const preference = (data.Preference ?? undefined) as Record<string, unknown> | undefined;
  const statusError = errorInfo(data.StatusError);
  const preferenceError = errorInfo(data.PreferenceError);

  const list = (key: string): { values: string[]; hidden: boolean } => {
    const all = asStrings(preference?.[key]);
    return {
      values: all.filter((v) => !HIDDEN_MARKER.test(v)),
      hidden: all.some((v) => HIDDEN_MARKER.test(v)),
    };
  };
  const paths = list('ExclusionPath');
  const processes = list('ExclusionProcess');
  const extensions = list('ExclusionExtension');
  const hideFromAdmins = asBoolean(preference?.HideExclusionsFromLocalAdmins);

  const defender: DefenderStatus = {
    available: status !== undefined && !statusError,
    exclusions: {
      paths: paths.values,
      processes: processes.values,
      extensions: extensions.values,
      // Lists that could not be read are as unknown as hidden ones: every later step must ask MpCmdRun
      // rather than take "none" for an answer, or it could record (and later remove) a pre-existing entry.
      hidden:
        paths.hidden ||
        processes.hidden ||
        extensions.hidden ||
        hideFromAdmins === true ||
        preferenceError !== undefined,
    },
  };
  if (statusError) {
    defender.error = statusError.message;
    if (statusError.code) defender.errorCode = statusError.code;
  }
  if (preferenceError) defender.preferenceError = preferenceError.message;
  if (hideFromAdmins !== undefined) defender.hideExclusionsFromLocalAdmins = hideFromAdmins;
  if (status) {
    assign(defender, 'amServiceEnabled', asBoolean(status.AMServiceEnabled));
    assign(defender, 'antivirusEnabled', asBoolean(status.AntivirusEnabled));
    assign(defender, 'realTimeProtectionEnabled', asBoolean(status.RealTimeProtectionEnabled));
    assign(defender, 'behaviorMonitorEnabled', asBoolean(status.BehaviorMonitorEnabled));
    assign(defender, 'ioavProtectionEnabled', asBoolean(status.IoavProtectionEnabled));
    assign(defender, 'isTamperProtected', asBoolean(status.IsTamperProtected));
    assign(defender, 'amRunningMode', asString(status.AMRunningMode));
    assign(defender, 'productVersion', asString(status.AMProductVersion));
    assign(defender, 'engineVersion', asString(status.AMEngineVersion));
    assign(defender, 'signatureVersion', asString(status.AntivirusSignatureVersion));
    assign(defender, 'signatureLastUpdated', parsePsDate(status.AntivirusSignatureLastUpdated));
  }
  const languageMode = asString(data.LanguageMode);
  if (languageMode) defender.powerShellLanguageMode = languageMode;
  const maps = preference?.MAPSReporting;
  if (typeof maps === 'number') defender.cloudProtection = maps !== 0;
  return { elevated: asBoolean(data.Elevated), defender };
}

function assign<K extends keyof DefenderStatus>(
  target: DefenderStatus,
  key: K,
  value: DefenderStatus[K] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

/** The HRESULT in a Defender error, preferring the one in the message ("... error: 0x800106ba"). */
export function errorInfo(raw: unknown): { message: string; code?: string } | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const info = raw as Record<string, unknown>;
  const message = (asString(info.Message) ?? 'unknown error').trim();
  const fromMessage = /0x[0-9a-f]{8}/i.exec(message)?.[0];
  const code = (fromMessage ?? asString(info.HResult))?.toLowerCase();
  return code ? { message, code } : { message };
}
