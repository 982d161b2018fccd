import type { ScanResult } from './types.js';

/**
 * What `MpCmdRun.exe -Scan -ScanType 3 -File <f> -DisableRemediation` printed, as a verdict:
 *   "Scanning <f> found no threats."                      -> clean (exit 0)
 *   "Scanning <f> found N threats." + a threat list with "Threat : <name>" lines -> detected (exit 2)
 *   "CmdTool: Failed with hr = 0x........"                -> error
 * On localized Windows the text is not read: exit 0 is clean, anything else without a verdict an error.
 */
export function parseScanOutput(output: string, exitCode: number | null): Omit<ScanResult, 'path'> {
  const text = output.replace(/\r\n/g, '\n');
  const found = /found (\d+) threats?/i.exec(text);
  const threats = [...text.matchAll(/^\s*Threat\s*:\s*(.+?)\s*$/gim)].map((m) => m[1] as string);
  if ((found && Number(found[1]) > 0) || threats.length > 0) {
    const names = [...new Set(threats)];
    return {
      status: 'detected',
      ...(names.length ? { threatName: names.join(', ') } : {}),
      detail: `MpCmdRun found ${found?.[1] ?? names.length} threat(s)`,
    };
  }
  const hr = /Failed with hr = (0x[0-9a-f]{8})/i.exec(text)?.[1];
  if (hr) return { status: 'error', detail: `MpCmdRun failed with ${hr.toLowerCase()}${describeHr(hr)}` };
  // Exit 0 means no threats in every language; 2 is shared by "threats found" and errors, so without
  // a verdict line it stays an error (unknown), never a guess.
  if (exitCode === 0) return { status: 'clean' };
  if (/found no threats/i.test(text) && exitCode === null) return { status: 'clean' };
  const last = text.trim().split('\n').slice(-2).join(' | ');
  return {
    status: 'error',
    detail: `MpCmdRun exited with code ${exitCode ?? 'none'} without a verdict${last ? `: ${last}` : ''}`,
  };
}

const KNOWN_HR: Record<string, string> = {
  '0x80070002': 'the file was not found (removed before the scan?)',
  '0x80070005': 'access denied',
  '0x800106ba': 'the Defender service is not running or another product replaced it',
  '0x80508023': 'the engine could not find the file',
};

function describeHr(hr: string): string {
  const known = KNOWN_HR[hr.toLowerCase()];
  return known ? ` (${known})` : '';
}
