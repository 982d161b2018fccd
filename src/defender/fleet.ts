import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WantedExclusion } from './types.js';

/**
 * The exclusions a Go job wants, as files an administrator deploys once to a fleet of self-hosted
 * runners instead of the action adding them per job:
 *
 * - a .reg file with the keys the Group Policy setting "Path Exclusions" / "Process Exclusions"
 *   (WindowsDefender.admx, Exclusions_Paths / Exclusions_Processes) writes: a DWORD 1 that turns the
 *   policy on under `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\Exclusions`, and one value per
 *   path under `...\Exclusions\Paths` and `...\Exclusions\Processes`. The ADMX `list` element writes
 *   REG_SZ values whose name is the path; the policy text says "The value is not used and it is
 *   recommended that this be set to 0", so each is the string "0". (Defender's own, non-policy list under
 *   HKLM\SOFTWARE\Microsoft\Windows Defender\Exclusions uses REG_DWORD 0; the policy key does not.)
 * - Intune custom OMA-URI settings for the Policy CSP (learn.microsoft.com, "Policy CSP - Defender"):
 *   ./Vendor/MSFT/Policy/Config/Defender/ExcludedPaths and ExcludedProcesses, strings whose entries are
 *   separated by "|" ("C:\Example|C:\Example1" in the CSP documentation).
 */

export const POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Exclusions';
export const CSP_PATHS = './Vendor/MSFT/Policy/Config/Defender/ExcludedPaths';
export const CSP_PROCESSES = './Vendor/MSFT/Policy/Config/Defender/ExcludedProcesses';
export const FLEET_FILES = {
  reg: 'defender-exclusions.reg',
  intune: 'defender-exclusions-intune.json',
} as const;

export interface FleetPolicyFiles {
  reg: string;
  intune: string;
  paths: string[];
  processes: string[];
  /** Entries no policy file can carry (a line break or "|" in the name), left out with why. */
  skipped: Array<{ value: string; reason: string }>;
}

/** A .reg string: backslash and double quote escaped, as regedit exports them. */
export function regString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The .reg text (REGEDIT5: "Windows Registry Editor Version 5.00", CRLF lines). Written as UTF-16LE with
 * a BOM by writeFleetPolicy, as regedit exports, so any Unicode path survives.
 */
export function formatPolicyReg(paths: readonly string[], processes: readonly string[]): string {
  const lines = ['Windows Registry Editor Version 5.00', '', `[${POLICY_KEY}]`];
  if (paths.length > 0) lines.push('"Exclusions_Paths"=dword:00000001');
  if (processes.length > 0) lines.push('"Exclusions_Processes"=dword:00000001');
  for (const [sub, values] of [
    ['Paths', paths],
    ['Processes', processes],
  ] as const) {
    if (values.length === 0) continue;
    lines.push('', `[${POLICY_KEY}\\${sub}]`, ...values.map((v) => `${regString(v)}="0"`));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface OmaUriSetting {
  name: string;
  description: string;
  omaUri: string;
  dataType: 'String';
  value: string;
}

/** Intune "Custom" profile settings (OMA-URI, String), one per CSP node. */
export function intuneSettings(paths: readonly string[], processes: readonly string[]): OmaUriSetting[] {
  const settings: OmaUriSetting[] = [];
  if (paths.length > 0)
    settings.push({
      name: 'Defender ExcludedPaths (go-av-guard)',
      description:
        'Folders Go builds write and run from: GOROOT, GOPATH\\bin, GOMODCACHE, GOCACHE, work dirs',
      omaUri: CSP_PATHS,
      dataType: 'String',
      value: paths.join('|'),
    });
  if (processes.length > 0)
    settings.push({
      name: 'Defender ExcludedProcesses (go-av-guard)',
      description: 'The Go toolchain binaries, by full path: files they open are not scanned in real time',
      omaUri: CSP_PROCESSES,
      dataType: 'String',
      value: processes.join('|'),
    });
  return settings;
}

/** Writes both files into `dir` and says what they hold. */
export async function writeFleetPolicy(
  dir: string,
  wanted: readonly WantedExclusion[],
): Promise<FleetPolicyFiles> {
  const skipped: FleetPolicyFiles['skipped'] = [];
  const usable = (w: WantedExclusion): boolean => {
    // A .reg value name cannot hold a line break, and "|" separates CSP entries.
    if (/[\r\n|]/.test(w.value)) {
      skipped.push({ value: w.value, reason: 'a line break or "|" cannot be written into a policy' });
      return false;
    }
    return true;
  };
  const paths = wanted.filter((w) => w.kind === 'path' && usable(w)).map((w) => w.value);
  const processes = wanted.filter((w) => w.kind === 'process' && usable(w)).map((w) => w.value);
  await mkdir(dir, { recursive: true });
  const files = { reg: path.join(dir, FLEET_FILES.reg), intune: path.join(dir, FLEET_FILES.intune) };
  const reg = formatPolicyReg(paths, processes);
  await writeFile(files.reg, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(reg, 'utf16le')]));
  await writeFile(files.intune, `${JSON.stringify(intuneSettings(paths, processes), null, 2)}\n`);
  return { ...files, paths, processes, skipped };
}
