import { describeFailure, type ProcessRunner } from '../platform/process.js';
import { resolveProgram } from '../platform/which.js';
import type { GoProbe } from './types.js';

const INSTALL = 'install it with actions/setup-go or set the go input';

/**
 * Asks the Go toolchain for its folders: the exclusions, smoke builds and relevance checks all start here.
 * `go` is resolved to an absolute path through PATH first (never the current folder), and that path is
 * what later steps start.
 */
export async function probeGo(
  run: ProcessRunner,
  go: string,
  where: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform } = {
    env: process.env,
    platform: process.platform,
  },
): Promise<GoProbe> {
  const executable = resolveProgram(go, where);
  if (!executable) return { found: false, reason: `Go was not found (${go}: not on PATH); ${INSTALL}` };
  const result = await run(executable, ['env', '-json'], { timeoutMs: 60_000 });
  if (result.spawnError) {
    return { found: false, reason: `Go was not found (${executable}: ${result.spawnError}); ${INSTALL}` };
  }
  if (result.exitCode !== 0) return { found: false, reason: describeFailure(executable, result) };
  return parseGoEnv(result.stdout, executable);
}

export function parseGoEnv(json: string, executable: string): GoProbe {
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return { found: false, reason: `${executable} env -json did not print JSON` };
  }
  const get = (key: string): string => (typeof env[key] === 'string' ? (env[key] as string) : '');
  return {
    found: true,
    env: {
      version: get('GOVERSION'),
      goroot: get('GOROOT'),
      gopath: get('GOPATH'),
      gocache: get('GOCACHE'),
      gomodcache: get('GOMODCACHE'),
      gotmpdir: get('GOTMPDIR'),
      goos: get('GOOS'),
      goarch: get('GOARCH'),
      gohostos: get('GOHOSTOS'),
      gohostarch: get('GOHOSTARCH'),
      executable,
    },
  };
}
