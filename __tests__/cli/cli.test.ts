import { describe, expect, it } from 'vitest';
import { EXIT, runCli, type CliIo } from '../../src/cli.js';
import { expectValidReport } from '../helpers/schema.js';
import { describeWithTool } from '../helpers/tools.js';

function io(env: NodeJS.ProcessEnv = process.env, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readStdin: async () => stdin,
    env,
    cwd: process.cwd(),
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

describe('CLI usage', () => {
  it('exits 2 with usage on an unknown flag', async () => {
    const t = io();
    expect(await runCli(['doctor', '--bogus'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(/Unknown option '--bogus'/);
    expect(t.err()).toMatch(/Usage: go-av-guard doctor/);
  });

  it('exits 2 on an unknown command and on no command', async () => {
    const t = io();
    expect(await runCli(['frobnicate'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(/unknown command "frobnicate"/);
    expect(await runCli([], io().io)).toBe(EXIT.usage);
  });

  it('prints help for every command and exits 0', async () => {
    for (const command of ['doctor', 'smoke', 'sign', 'analyze', 'exclusions', 'detections', 'run', 'demo']) {
      const t = io();
      expect(await runCli([command, '--help'], t.io)).toBe(EXIT.ok);
      expect(t.out()).toMatch(new RegExp(`^Usage: go-av-guard ${command}`));
    }
  });

  it('refuses file arguments where a command takes none', async () => {
    const t = io();
    expect(await runCli(['doctor', 'a.exe'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(/"doctor" takes no file arguments/);
  });

  it('keeps a base64 certificate off argv', async () => {
    const t = io();
    expect(await runCli(['sign', '--certificate', 'MIIKaQIBAzCC', 'a.exe'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(
      /--certificate takes only "ephemeral"; pass a base64 PKCS#12 through --certificate-env VAR/,
    );
  });

  it('names a missing password variable', async () => {
    const t = io({ ...process.env });
    const code = await runCli(
      ['sign', '--certificate-file', 'x.pfx', '--certificate-password-env', 'NO_SUCH_VAR_HERE', 'a.exe'],
      t.io,
    );
    expect(code).toBe(EXIT.usage);
    expect(t.err()).toMatch(
      /--certificate-password-env: the environment variable NO_SUCH_VAR_HERE is not set/,
    );
  });

  it('exits 1 with one message per bad value', async () => {
    const t = io();
    expect(
      await runCli(['sign', '--certificate', 'ephemeral', '--if-no-files-found', 'maybe', 'a.exe'], t.io),
    ).toBe(EXIT.failure);
    expect(t.err()).toBe(
      'go-av-guard sign: if-no-files-found: expected error, warn or ignore, got "maybe"\n',
    );
  });
});

describeWithTool(['go'], 'CLI doctor on this machine', () => {
  it('prints valid JSON with --json', async () => {
    const t = io();
    expect(await runCli(['doctor', '--json'], t.io)).toBe(EXIT.ok);
    const report = JSON.parse(t.out());
    expect(report.schemaVersion).toBe(1);
    expect(report.doctor.go.found).toBe(true);
    expect(report.doctor.platform).toBe(process.platform);
    expectValidReport(report);
  });

  it('prints a readable table without --json', async () => {
    const t = io();
    expect(await runCli(['doctor'], t.io)).toBe(EXIT.ok);
    expect(t.out()).toMatch(/^go-av-guard: all checks passed/);
    expect(t.out()).toMatch(/== Doctor ==\nCheck +Result\nPlatform +/);
    expect(t.out()).toMatch(/\nGOROOT +\//);
  });
});
