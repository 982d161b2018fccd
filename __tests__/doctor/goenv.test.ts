import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseGoEnv, probeGo } from '../../src/doctor/goenv.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { describeWithTool } from '../helpers/tools.js';

describeWithTool(['go'], 'go env on this machine', () => {
  it('reads the real toolchain folders', async () => {
    const probe = await probeGo(runProcess, 'go');
    if (!probe.found) throw new Error(probe.reason);
    const expected = execFileSync('go', ['env', 'GOROOT', 'GOCACHE', 'GOVERSION'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect([probe.env.goroot, probe.env.gocache, probe.env.version]).toEqual(expected);
    expect(probe.env.goos).toBe(process.platform === 'win32' ? 'windows' : process.platform);
  });
});

describe('go env failures', () => {
  it('says Go is missing, with what to do', async () => {
    const probe = await probeGo(runProcess, 'go-does-not-exist-here');
    expect(probe.found).toBe(false);
    if (!probe.found)
      expect(probe.reason).toMatch(
        /^Go was not found \(go-does-not-exist-here: not on PATH\); install it with actions\/setup-go/,
      );
  });

  it('does not crash on output that is not JSON', () => {
    expect(parseGoEnv('go: warning\n', 'go')).toEqual({
      found: false,
      reason: 'go env -json did not print JSON',
    });
  });
});
