import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Deps } from '../../src/deps.js';
import type { ProcessOptions, ProcessResult, ProcessRunner } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { memoryState } from '../../src/platform/state.js';

/** Deps for smoke tests: the real process runner unless one is given. */
export function smokeDeps(overrides: Partial<Deps> = {}): Deps {
  return {
    run: runProcess,
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    state: memoryState(),
    setSecret: () => undefined,
    now: () => new Date(),
    ...overrides,
  };
}

export interface RecordedCall {
  file: string;
  args: readonly string[];
  options: ProcessOptions | undefined;
}

/**
 * A stand-in for `go` and the programs it builds, for platforms this machine is not (win32): it records
 * every argv, writes the file a `go build -o`/`go test -c -o` would write, and acts as the built program
 * (prints the expected line, writes the marker file it is pointed at).
 */
export function recordingRunner(options: { printed: string; testPrinted: string; markerEnv: string }): {
  run: ProcessRunner;
  calls: RecordedCall[];
} {
  const calls: RecordedCall[] = [];
  const ok = (stdout = ''): ProcessResult => ({ exitCode: 0, stdout, stderr: '', durationMs: 1 });
  const run: ProcessRunner = async (file, args, opts) => {
    calls.push({ file, args, options: opts });
    if (file === 'go') {
      const out = args.indexOf('-o');
      if (out >= 0) {
        const target = args[out + 1] as string;
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, 'MZ');
        return ok();
      }
      return ok(`${options.printed}\n`); // go run
    }
    const marker = opts?.env?.[options.markerEnv];
    if (marker) writeFileSync(marker, `${options.printed}\n`);
    return ok(
      file.includes('smoke.test')
        ? `=== RUN   TestSmoke\n    main_test.go:6: ${options.testPrinted}\nPASS\n`
        : marker
          ? ''
          : `${options.printed}\n`,
    );
  };
  return { run, calls };
}
