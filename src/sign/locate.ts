import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { exists, findOnPath } from '../platform/files.js';
import type { SigningToolProbe } from '../doctor/types.js';

/** signtool's folder name for each Node architecture; x86 signtool runs on every Windows host. */
const SDK_ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', ia32: 'x86' };

/** "10.0.22621.0" -> [10, 0, 22621, 0]; anything else (e.g. "x64", "10.0.x") is not an SDK folder. */
export function parseSdkVersion(name: string): number[] | undefined {
  return /^\d+(\.\d+){1,3}$/.test(name) ? name.split('.').map(Number) : undefined;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * signtool is not on PATH on windows-latest: it lives in `Windows Kits\10\bin\<version>\<arch>\`, and SDK
 * versions come and go between images. Pick the newest version that has one for the host architecture,
 * then the newest x86 one. `kitsRoots` are the `Windows Kits\10\bin` folders to search.
 */
export async function findSigntool(
  kitsRoots: readonly string[],
  hostArch: string,
): Promise<string | undefined> {
  const preferred = [SDK_ARCH[hostArch] ?? 'x64', 'x86'].filter((a, i, all) => all.indexOf(a) === i);
  for (const arch of preferred) {
    const candidates: Array<{ version: number[]; file: string }> = [];
    for (const root of kitsRoots) {
      let entries: string[];
      try {
        entries = await readdir(root);
      } catch {
        continue;
      }
      for (const entry of entries) {
        const version = parseSdkVersion(entry);
        const file = path.join(root, entry, arch, 'signtool.exe');
        if (version && (await exists(file))) candidates.push({ version, file });
      }
      // Older SDKs put signtool straight under bin\<arch>\.
      const flat = path.join(root, arch, 'signtool.exe');
      if (await exists(flat)) candidates.push({ version: [0], file: flat });
    }
    candidates.sort((a, b) => compareVersions(b.version, a.version));
    if (candidates[0]) return candidates[0].file;
  }
  return undefined;
}

/** The `Windows Kits\10\bin` folders of a Windows machine, from its Program Files variables. */
export function windowsKitsRoots(env: NodeJS.ProcessEnv): string[] {
  const roots = [env['ProgramFiles(x86)'], env.ProgramFiles, 'C:\\Program Files (x86)']
    .filter((r): r is string => Boolean(r))
    .map((r) => path.win32.join(r, 'Windows Kits', '10', 'bin'));
  return [...new Set(roots)];
}

export interface LocateOptions {
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  signtoolPath?: string;
  /** Overrides windowsKitsRoots(env): tests point it at a folder tree shaped like an SDK install. */
  kitsRoots?: string[];
}

/** Which signing tool this machine has: signtool on Windows, the built-in engine elsewhere. */
export async function locateSigningTool(options: LocateOptions): Promise<SigningToolProbe> {
  if (options.platform === 'win32') {
    if (options.signtoolPath) {
      return (await exists(options.signtoolPath))
        ? { name: 'signtool', found: true, path: options.signtoolPath }
        : { name: 'signtool', found: false, reason: `signtool-path: no file at ${options.signtoolPath}` };
    }
    const roots = options.kitsRoots ?? windowsKitsRoots(options.env);
    const file =
      (await findSigntool(roots, options.arch)) ?? (await findOnPath('signtool.exe', options.env, 'win32'));
    return file
      ? { name: 'signtool', found: true, path: file }
      : {
          name: 'signtool',
          found: false,
          reason: `no signtool.exe under ${roots.join(' or ')} or on PATH; install the Windows SDK or set signtool-path`,
        };
  }
  // Off Windows nothing is installed: the built-in Authenticode engine signs in this process.
  return { name: 'built-in', found: true, version: 'in process' };
}
