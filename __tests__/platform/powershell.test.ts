import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { DEFENDER_STATUS_SCRIPT } from '../../src/defender/status.js';
import {
  decodeClixml,
  framePowerShellScript,
  powerShellScriptOf,
  POWERSHELL_ARGS,
  POWERSHELL_ERROR_MARKER,
  POWERSHELL_INPUT_FILE_VAR,
  POWERSHELL_INPUT_VAR,
  POWERSHELL_RESULT_MARKER,
  PowerShellError,
  runPowerShell,
  sharePowerShell,
  windowsPowerShellPath,
} from '../../src/platform/powershell.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';
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
  it('starts PowerShell by its System32 path, the constant script on stdin, data only in the environment', async () => {
    const { run, spawns } = recordingRunner([[isPowerShell, { stdout: powerShellStdout('{"ok":true}') }]]);
    const first = await runPowerShell(run, DEFENDER_STATUS_SCRIPT, { paths: HOSTILE });
    await runPowerShell(run, DEFENDER_STATUS_SCRIPT, { paths: ['C:\\plain'] });
    expect(first).toEqual({ ok: true });
    const [a, b] = spawns;
    expect(a?.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(a?.args).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '-']);
    // The argv and the stdin are the same constants whatever the data: nothing was spliced into them.
    expect(a?.args).toEqual(b?.args);
    expect(a?.options.input).toBe(b?.options.input);
    const script = powerShellScriptOf(a?.options);
    expect(script).toBe(framePowerShellScript(DEFENDER_STATUS_SCRIPT));
    for (const hostile of HOSTILE) {
      expect(script).not.toContain(hostile);
      expect(a?.args.join(' ')).not.toContain(hostile);
    }
    expect(JSON.parse(a?.options.env?.[POWERSHELL_INPUT_VAR] ?? 'null')).toEqual({ paths: HOSTILE });
  });

  it('never puts -EncodedCommand, -ExecutionPolicy or base64 on the command line', () => {
    const argv = POWERSHELL_ARGS.join(' ');
    expect(argv).not.toMatch(/-e(nc|ncodedcommand)?\b|-ExecutionPolicy|-ep\b|bypass/i);
    for (const arg of POWERSHELL_ARGS) expect(arg.length).toBeLessThan(20);
  });

  it('stdin mode: one & { } statement, ended by a blank line, with the error and ASCII-escape postlude', () => {
    const framed = framePowerShellScript('$x = 1\n$x');
    expect(framed.startsWith('& {\n')).toBe(true);
    expect(framed.endsWith('}\n\n')).toBe(true);
    expect(framed).not.toMatch(/\[Console\]::\w+\s*=/);
    expect(framed).toContain(POWERSHELL_ERROR_MARKER);
  });

  it('takes SystemRoot from the OS, refuses one that is not an absolute Windows path', () => {
    expect(windowsPowerShellPath({ SystemRoot: 'D:\\WINDOWS' })).toBe(
      'D:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
    expect(windowsPowerShellPath({ SYSTEMROOT: 'C:\\Windows\\' })).toBe(
      'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
    );
    for (const bad of [
      'Windows',
      '.\\Windows',
      'C:\\Windows\\..\\Users\\me',
      '\\\\server\\share',
      'C:Windows',
    ])
      expect(() => windowsPowerShellPath({ SystemRoot: bad }), bad).toThrow(PowerShellError);
  });

  it('turns a script error line into a PowerShellError with its message', async () => {
    const { run } = recordingRunner([
      [
        isPowerShell,
        {
          stdout: `${POWERSHELL_ERROR_MARKER}"Cannot find path \\u0027C:\\\\x\\u0027 because it does not exist."\r\n`,
        },
      ],
    ]);
    await expect(runPowerShell(run, 'x', null)).rejects.toThrow(
      "the PowerShell script stopped: Cannot find path 'C:\\x' because it does not exist.",
    );
  });

  it('decodes CLIXML on stderr into the messages a person reads', async () => {
    const clixml =
      '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">Get-MpPreference : Zugriff verweigert_x000D__x000A_</S><S S="Error">At line:1 char:1 &amp; &lt;x&gt;_x000D__x000A_</S></Objs>';
    expect(decodeClixml(clixml)).toBe('Get-MpPreference : Zugriff verweigert\nAt line:1 char:1 & <x>');
    expect(decodeClixml('plain text')).toBe('plain text');
    const { run } = recordingRunner([[isPowerShell, { stdout: '', stderr: clixml, exitCode: 1 }]]);
    const error = (await runPowerShell(run, 'x', null).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/exited with code 1: .*Zugriff verweigert/);
    expect(error.message).not.toContain('<Objs');
  });

  it('a shared PowerShell sends each script into one start, in order, and reports only its own answer', async () => {
    const inputs: string[] = [];
    const run: ProcessRunner = async (_file, _args, options) => {
      // A long-lived child: answers each framed script on stdin as it arrives, from the input file.
      let stdout = '';
      for await (const chunk of options?.stdin ?? []) {
        const file = options?.env?.[POWERSHELL_INPUT_FILE_VAR] as string;
        const json = await readFile(file, 'utf8');
        inputs.push(json);
        const line = `noise\r\n${POWERSHELL_RESULT_MARKER}${JSON.stringify({ got: JSON.parse(json), framed: chunk === framePowerShellScript('script') })}\r\n`;
        stdout += line;
        options?.onStdout?.(Buffer.from(line));
      }
      return { exitCode: 0, stdout, stderr: '', durationMs: 1 };
    };
    const shared = sharePowerShell(run);
    const [a, b] = await Promise.all([
      runPowerShell(shared.run, 'script', { n: 1 }),
      runPowerShell(shared.run, 'script', { n: 2 }),
    ]);
    expect(a).toEqual({ got: { n: 1 }, framed: true });
    expect(b).toEqual({ got: { n: 2 }, framed: true });
    expect(shared.starts()).toBe(1);
    await shared.close();
    expect(inputs).toEqual(['{"n":1}', '{"n":2}']);
  });

  it('a shared PowerShell whose script hangs is ended (killed) at the time limit; the next script gets a fresh start', async () => {
    // A stand-in PowerShell: answers each framed script read on stdin, except one that says HANG.
    const fake = [
      "let buf = '';",
      "process.stdin.on('data', (d) => { buf += d; let at;",
      "  while ((at = buf.indexOf('\\n}\\n\\n')) >= 0) { const script = buf.slice(0, at); buf = buf.slice(at + 4);",
      `    if (!script.includes('HANG')) process.stdout.write('${POWERSHELL_RESULT_MARKER}{"pid":' + process.pid + '}\\n'); } });`,
    ].join('\n');
    const run: ProcessRunner = (_file, _args, options) =>
      runProcess(process.execPath, ['-e', fake], options ?? {});
    const shared = sharePowerShell(run);
    const first = (await runPowerShell(shared.run, 'ok', null)) as { pid: number };
    const hung = runPowerShell(shared.run, 'HANG', null, { timeoutMs: 300 });
    await expect(hung).rejects.toThrow(/did not finish within the time limit/);
    const next = (await runPowerShell(shared.run, 'ok', null)) as { pid: number };
    expect(next.pid).not.toBe(first.pid);
    expect(shared.starts()).toBe(2);
    await shared.close();
    // The hung one was killed, not left running.
    expect(() => process.kill(first.pid, 0)).toThrow();
  });

  it('a shared PowerShell over a runner that does not stream still answers, one start per script', async () => {
    const { run, spawns } = recordingRunner([[isPowerShell, { stdout: powerShellStdout('{"ok":1}') }]]);
    const shared = sharePowerShell(run);
    expect(await runPowerShell(shared.run, 'a', null)).toEqual({ ok: 1 });
    expect(await runPowerShell(shared.run, 'b', null)).toEqual({ ok: 1 });
    expect(spawns).toHaveLength(2);
    await shared.close();
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
