import { describeFailure, type ProcessRunner } from '../platform/process.js';
import type { GoProbe } from './types.js';

/** Asks the Go toolchain for its folders: the exclusions, smoke builds and relevance checks all start here. */
export async function probeGo(run: ProcessRunner, go: string): Promise<GoProbe> {
  const result = await run(go, ['env', '-json'], { timeoutMs: 60_000 });
  if (result.spawnError) {
    return {
      found: false,
      reason: `Go was not found (${go}: ${result.spawnError}); install it with actions/setup-go or set the go input`,
    };
  }
  if (result.exitCode !== 0) return { found: false, reason: describeFailure(go, result) };
  return parseGoEnv(result.stdout, go);
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
