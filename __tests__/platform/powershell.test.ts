import { describe, expect, it } from 'vitest';
import { DEFENDER_STATUS_SCRIPT } from '../../src/defender/status.js';
import {
  powerShellScriptOf,
  POWERSHELL_INPUT_VAR,
  POWERSHELL_ARGS,
  runPowerShell,
  PowerShellError,
} from '../../src/platform/powershell.js';
import { isPowerShell, powerShellStdout, recordingRunner } from '../helpers/recorder.js';

const HOSTILE = [
  `C:\\Users\\o'brien\\go`,
  'C:\\work\\"quoted"\\x',
  'C:\\tmp\\$(Remove-Item -Recurse C:\\)',
  'C:\\tmp\\`whoami`',
  'C:\\tmp\\a; Set-MpPreference -DisableRealtimeMonitoring $true',
  'C:\\tmp\\line1\nline2',
  'C:\\tmp\\%USERPROFILE%\\ünïcödé folder',
];

describe('PowerShell runner', () => {
  it('keeps the script constant and carries data only in the environment', async () => {
    const { run, spawns } = recordingRunner([[isPowerShell, { stdout: powerShellStdout('{"ok":true}') }]]);
    const first = await runPowerShell(run, DEFENDER_STATUS_SCRIPT, { paths: HOSTILE });
    await runPowerShell(run, DEFENDER_STATUS_SCRIPT, { paths: ['C:\\plain'] });
    expect(first).toEqual({ ok: true });
    const [a, b] = spawns;
    // The argv is the same constant whatever the data: nothing was spliced into it.
    expect(a?.args).toEqual(b?.args);
    expect(a?.args).toEqual(POWERSHELL_ARGS);
    const script = powerShellScriptOf(a?.options);
    for (const hostile of HOSTILE) {
      expect(script).not.toContain(hostile);
      expect(a?.args.join(' ')).not.toContain(hostile);
    }
    expect(JSON.parse(a?.options.env?.[POWERSHELL_INPUT_VAR] ?? 'null')).toEqual({ paths: HOSTILE });
    expect(a?.args).toEqual(expect.arrayContaining(['-NoProfile', '-NonInteractive', '-EncodedCommand']));
  });

  it('finds the result line among host noise, with a BOM or Windows line ends', async () => {
    const { run } = recordingRunner([
      [isPowerShell, { stdout: `noise\r\nGO_AV_GUARD_RESULT:\uFEFF[1,2]\r\nmore noise` }],
    ]);
    expect(await runPowerShell(run, 'return 1', null)).toEqual([1, 2]);
  });

  it('fails with the reason when there is no result', async () => {
    const { run } = recordingRunner([
      [isPowerShell, { stdout: '', stderr: 'Get-MpThing : not recognised', exitCode: 1 }],
    ]);
    await expect(runPowerShell(run, 'x', null)).rejects.toThrow(PowerShellError);
    await expect(runPowerShell(run, 'x', null)).rejects.toThrow(
      /exited with code 1: Get-MpThing : not recognised/,
    );
  });

  it('fails clearly on a result that is not JSON', async () => {
    const { run } = recordingRunner([[isPowerShell, { stdout: 'GO_AV_GUARD_RESULT:{oops' }]]);
    await expect(runPowerShell(run, 'x', null)).rejects.toThrow(/wrote a result that is not JSON: \{oops/);
  });
});
