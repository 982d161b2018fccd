import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adviseOnDoctor } from '../../src/doctor/advice.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import { DEFENDER_STATUS_SCRIPT, probeDefender } from '../../src/defender/status.js';
import { powerShellScriptOf } from '../../src/platform/powershell.js';
import { RUNNER_GO } from '../defender/helpers.js';
import { isPowerShell, powerShellStdout, recordingRunner } from '../helpers/recorder.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/doctor/${name}`, import.meta.url), 'utf8');

async function probe(name: string) {
  const { run, spawns } = recordingRunner([[isPowerShell, { stdout: powerShellStdout(fixture(name)) }]]);
  const result = await probeDefender(run);
  return { ...result, spawns };
}

const goFound: DoctorReport['go'] = { found: true, env: RUNNER_GO };

function facts(
  probed: Awaited<ReturnType<typeof probe>>,
  hostedRunner = false,
): Omit<DoctorReport, 'advice'> {
  return {
    platform: 'win32',
    arch: 'x64',
    osRelease: '10.0.20348',
    hostedRunner,
    go: goFound,
    signingTool: { name: 'signtool', found: true, path: 'C:\\sdk\\signtool.exe' },
    defender: probed.defender,
    ...(probed.elevated !== undefined ? { elevated: probed.elevated } : {}),
  };
}

describe('Defender status through one PowerShell start', () => {
  it('reads the hosted-runner shape (PowerShell 5.1 dates) and says exclusions are not needed', async () => {
    const probed = await probe('status-ps51-hosted.json');
    expect(probed.spawns).toHaveLength(1);
    expect(probed.spawns[0]?.args.slice(0, 3)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive']);
    expect(powerShellScriptOf(probed.spawns[0]?.options)).toContain(DEFENDER_STATUS_SCRIPT);
    expect(probed.elevated).toBe(true);
    expect(probed.defender).toMatchObject({
      available: true,
      realTimeProtectionEnabled: false,
      isTamperProtected: false,
      amRunningMode: 'Normal',
      signatureVersion: '1.419.372.0',
      signatureLastUpdated: '2024-11-24T00:00:00.000Z',
      cloudProtection: false,
      exclusions: { paths: ['C:\\', 'D:\\'], processes: [], extensions: [], hidden: false },
    });
    const advice = adviseOnDoctor(facts(probed, true), new Date('2024-11-25T00:00:00Z'));
    expect(advice.map((n) => n.message)).toContain(
      'Real-time protection is off and C:\\ is excluded: exclusions not needed (as on every GitHub-hosted Windows runner).',
    );
    expect(advice.every((n) => n.level === 'info')).toBe(true);
  });

  it('reads PowerShell 7 ISO dates and a one-entry list written as a bare string', async () => {
    const probed = await probe('status-ps7-selfhosted.json');
    expect(probed.defender.signatureLastUpdated).toBe('2026-06-01T03:12:44.000Z');
    expect(probed.defender.exclusions.paths).toEqual(['D:\\agent\\_work']);
    expect(probed.defender.isTamperProtected).toBe(true);
    const advice = adviseOnDoctor(facts(probed), new Date('2026-11-24T00:00:00Z'));
    expect(advice[0]).toMatchObject({ level: 'warning' });
    expect(advice[0]?.message).toMatch(/^Real-time protection is on and the Go folders are not excluded/);
    expect(advice.map((n) => n.message).join('\n')).toMatch(/Tamper protection is on/);
    expect(advice.map((n) => n.message).join('\n')).toMatch(/last updated 2026-06-01/);
  });

  it('recognises exclusions hidden from local administrators', async () => {
    const probed = await probe('status-hidden-exclusions.json');
    expect(probed.defender.exclusions).toEqual({ paths: [], processes: [], extensions: [], hidden: true });
    expect(probed.defender.hideExclusionsFromLocalAdmins).toBe(true);
    const advice = adviseOnDoctor(facts(probed), new Date('2026-11-24T00:00:00Z'));
    expect(advice.map((n) => n.message).join('\n')).toMatch(/MpCmdRun\.exe -CheckExclusion/);
  });

  it('turns a failing Get-MpComputerStatus (0x800106ba) into a clear note, not a crash', async () => {
    const probed = await probe('status-service-stopped.json');
    expect(probed.elevated).toBe(false);
    expect(probed.defender.available).toBe(false);
    expect(probed.defender.errorCode).toBe('0x800106ba');
    expect(probed.defender.error).toMatch(/^Operation failed with the following error: 0x800106ba/);
    const advice = adviseOnDoctor(facts(probed));
    expect(advice).toHaveLength(1);
    expect(advice[0]?.level).toBe('warning');
    expect(advice[0]?.message).toMatch(
      /^Microsoft Defender did not answer \(0x800106ba\): its service is stopped, another antivirus product replaced it/,
    );
  });

  it('treats exclusion lists it could not read as unknown, never as empty', async () => {
    const probed = await probe('status-preference-failed.json');
    expect(probed.defender.available).toBe(true);
    expect(probed.defender.preferenceError).toMatch(/0x80070005/);
    expect(probed.defender.exclusions.hidden).toBe(true);
    const advice = adviseOnDoctor(facts(probed), new Date('2026-11-24T00:00:00Z'));
    expect(advice.map((n) => n.message).join('\n')).toMatch(
      /Exclusions could not be read .*MpCmdRun\.exe -CheckExclusion/,
    );
  });

  it('explains passive mode beside another product', async () => {
    const probed = await probe('status-passive.json');
    const advice = adviseOnDoctor(facts(probed), new Date('2026-11-24T00:00:00Z'));
    expect(advice[0]?.message).toMatch(
      /^Defender runs in Passive Mode: another antivirus product is primary/,
    );
  });

  it('survives PowerShell itself failing to start or printing no result', async () => {
    const { run } = recordingRunner([]);
    const missing = await probeDefender(run);
    expect(missing.defender.available).toBe(false);
    expect(missing.defender.error).toMatch(
      /PowerShell gave no result: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe could not be started/,
    );
    const noisy = recordingRunner([[isPowerShell, { stdout: 'garbage only', exitCode: 1, stderr: 'boom' }]]);
    expect((await probeDefender(noisy.run)).defender.error).toMatch(/exited with code 1: boom/);
  });
});
