import type { ProcessOptions, ProcessResult, ProcessRunner } from '../../src/platform/process.js';
import { POWERSHELL_RESULT_MARKER } from '../../src/platform/powershell.js';

export interface Spawn {
  file: string;
  args: string[];
  options: ProcessOptions;
}

type Reply =
  Partial<ProcessResult> | ((spawn: Spawn) => Partial<ProcessResult> | Promise<Partial<ProcessResult>>);

/**
 * A ProcessRunner for programs this machine does not have (PowerShell, signtool, MpCmdRun): it records
 * every spawn and answers from the first matching rule, or from `fallback` (real processes) if given.
 */
export function recordingRunner(rules: Array<[(s: Spawn) => boolean, Reply]>, fallback?: ProcessRunner) {
  const spawns: Spawn[] = [];
  const run: ProcessRunner = async (file, args, options = {}) => {
    const spawn = { file, args: [...args], options };
    spawns.push(spawn);
    const rule = rules.find(([match]) => match(spawn));
    if (!rule) {
      if (fallback) return fallback(file, args, options);
      return { exitCode: null, stdout: '', stderr: '', spawnError: `spawn ${file} ENOENT`, durationMs: 0 };
    }
    const reply = typeof rule[1] === 'function' ? await rule[1](spawn) : rule[1];
    return { exitCode: 0, stdout: '', stderr: '', durationMs: 1, ...reply };
  };
  return { run, spawns };
}

/** stdout as runPowerShell's frame prints it: host noise, then the marker line with the JSON. */
export function powerShellStdout(json: string): string {
  return `WARNING: some host noise\r\n${POWERSHELL_RESULT_MARKER}${json.trim()}\r\n`;
}

export const isPowerShell = (s: Spawn): boolean => /powershell(\.exe)?$|pwsh(\.exe)?$/i.test(s.file);
