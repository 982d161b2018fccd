import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface WhichOptions {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Is this an executable file? (tests of the Windows search answer from a list on other systems) */
  isExecutable?: (file: string) => boolean;
}

function realIsExecutable(platform: NodeJS.Platform): (file: string) => boolean {
  return (file) => {
    try {
      if (!statSync(file).isFile()) return false;
      if (platform !== 'win32') accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/**
 * The absolute path of a program, searched in PATH only. Windows' own search (and Node's spawn there)
 * looks in the current folder first, which for an action is the workspace: a `go.exe` committed to a
 * repository would run instead of the toolchain. So a bare name is looked up here, skipping empty and
 * relative PATH entries (they mean the current folder too), and the result is what gets started.
 * A name with a folder in it is the caller's explicit choice: made absolute, not searched.
 * Returns undefined when nothing is found.
 */
export function resolveProgram(name: string, options: WhichOptions): string | undefined {
  const p = options.platform === 'win32' ? path.win32 : path.posix;
  const isExecutable = options.isExecutable ?? realIsExecutable(options.platform);
  if (name === '') return undefined;
  if (p.isAbsolute(name)) return name;
  if (name.includes('/') || (options.platform === 'win32' && name.includes('\\'))) return p.resolve(name);
  const dirs = (envValue(options.env, 'PATH') ?? '')
    .split(options.platform === 'win32' ? ';' : ':')
    .map((d) => d.trim().replace(/^"(.*)"$/, '$1'))
    .filter((d) => d !== '' && p.isAbsolute(d));
  const extensions =
    options.platform === 'win32'
      ? p.extname(name) !== ''
        ? ['']
        : (envValue(options.env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD')
            .split(';')
            .filter((e) => /^\.[a-z0-9]+$/i.test(e))
            .map((e) => e.toLowerCase())
      : [''];
  for (const dir of dirs)
    for (const ext of extensions) {
      const candidate = p.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  return undefined;
}
