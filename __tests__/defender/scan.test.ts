import { describe, expect, it } from 'vitest';
import type { TriState } from '../../src/config.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import {
  candidateFolders,
  parseScanOutput,
  SCAN_ARTIFACTS_SCRIPT,
  scanArtifacts,
} from '../../src/defender/scan.js';
import { parseCheckExclusion } from '../../src/defender/readback.js';
import { framePowerShellScript, powerShellScriptOf, POWERSHELL_ARGS } from '../../src/platform/powershell.js';
import {
  defenderOn,
  doctorWith,
  fixture,
  psReply,
  recordingRunner,
  windowsDeps,
  type Call,
} from './helpers.js';

const MP = 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.25010.11-0\\MpCmdRun.exe';
const FILES = ['D:\\a\\repo\\repo\\dist\\hello.exe', 'D:\\a\\repo\\repo\\dist\\hello-gui.exe'];
const ENV = { TEMP: 'C:\\Users\\runneradmin\\AppData\\Local\\Temp', ProgramData: 'C:\\ProgramData' };
const TEMP_DIR = 'D:\\a\\_temp\\go-av-guard';

describe('parseScanOutput (MpCmdRun -Scan -ScanType 3 -File ... -DisableRemediation)', () => {
  it('clean', () => {
    expect(parseScanOutput(fixture('mpcmdrun-scan-clean.txt'), 0)).toEqual({ status: 'clean' });
  });
  it('a threat: name from the threat list, status detected', () => {
    expect(parseScanOutput(fixture('mpcmdrun-scan-threat.txt'), 2)).toEqual({
      status: 'detected',
      threatName: 'Trojan:Win32/Wacatac.B!ml',
      detail: 'MpCmdRun found 1 threat(s)',
    });
  });
  it('an HRESULT failure says what it means', () => {
    expect(parseScanOutput(fixture('mpcmdrun-scan-error.txt'), 2)).toEqual({
      status: 'error',
      detail: 'MpCmdRun failed with 0x80070002 (the file was not found (removed before the scan?))',
    });
  });
  it('exit code 2 without a verdict is an error, never clean', () => {
    expect(parseScanOutput('Scan starting...\r\n', 2).status).toBe('error');
    expect(parseScanOutput('', null).status).toBe('error');
  });
  it('-CheckExclusion answers', () => {
    expect(parseCheckExclusion({ Output: fixture('mpcmdrun-checkexclusion-excluded.txt') })).toBe(true);
    expect(parseCheckExclusion({ Output: fixture('mpcmdrun-checkexclusion-not-excluded.txt') })).toBe(false);
    expect(parseCheckExclusion({ Output: 'CmdTool: Failed with hr = 0x80070057' })).toBeUndefined();
  });
});

describe('candidateFolders', () => {
  it('puts folders no visible exclusion covers first, all fresh and unique', () => {
    const folders = candidateFolders(TEMP_DIR, ENV, ['D:\\']);
    expect(folders).toHaveLength(3);
    expect(folders[0]).toMatch(
      /^C:\\Users\\runneradmin\\AppData\\Local\\Temp\\go-av-guard-scan-[0-9a-f]{8}$/,
    );
    expect(folders[2]).toMatch(/^D:\\a\\_temp\\go-av-guard\\go-av-guard-scan-/);
    expect(candidateFolders(TEMP_DIR, ENV, [])[0]).toMatch(/^D:\\a\\_temp\\go-av-guard\\go-av-guard-scan-/);
  });
});

/** Plays the scan script: the first folder MpCmdRun calls not excluded wins; outputs per file from fixtures. */
function fakeScan(options: {
  excluded: (folder: string) => boolean;
  outputs: Array<[string, number]>;
  vanish?: boolean;
}) {
  return (call: Call) => {
    const input = call.input as { Folders: string[]; Files: string[] };
    const folders: unknown[] = [];
    let chosen: string | undefined;
    for (const folder of input.Folders) {
      const excluded = options.excluded(folder);
      folders.push({
        Path: folder,
        Check: { ExitCode: 0, Output: `Path "${folder}" is ${excluded ? '' : 'not '}excluded` },
      });
      if (!excluded) {
        chosen = folder;
        break;
      }
    }
    const allExcluded = !chosen;
    chosen ??= input.Folders[0];
    const files = input.Files.map((source, i) => {
      const copy = `${chosen}\\${i}-${source.split('\\').pop()}`;
      if (options.vanish) return { Source: source, Copy: copy, Present: false };
      const [output, exitCode] = options.outputs[i] ?? ['', 2];
      return {
        Source: source,
        Copy: copy,
        Present: true,
        Check: { ExitCode: 0, Output: `${copy} is not excluded` },
        Scan: { ExitCode: exitCode, Output: output },
      };
    });
    return psReply({
      MpCmdRun: MP,
      Folder: chosen,
      AllExcluded: allExcluded,
      Folders: folders,
      Files: files,
    });
  };
}

describe('scanArtifacts', () => {
  const doctor = doctorWith(
    defenderOn({
      cloudProtection: false,
      exclusions: { paths: ['C:\\', 'D:\\'], processes: [], extensions: [], hidden: false },
    }),
  );
  /** scanArtifacts on a Windows machine that answers with `run`, as most tests here call it. */
  const scanOnWindows = (run: ProcessRunner, mode: TriState, files: string[] = FILES) =>
    scanArtifacts(files, mode, doctor, { tempDir: TEMP_DIR }, windowsDeps(run, { env: ENV }));

  it('one PowerShell start with the constant script; per-file verdicts; honest limits', async () => {
    const run = recordingRunner(
      fakeScan({
        excluded: (f) => f.startsWith('D:'),
        outputs: [
          [fixture('mpcmdrun-scan-clean.txt'), 0],
          [fixture('mpcmdrun-scan-threat.txt'), 2],
        ],
      }),
    );
    const report = await scanArtifacts(
      FILES,
      'auto',
      doctorWith(defenderOn({ cloudProtection: false })),
      { tempDir: TEMP_DIR },
      windowsDeps(run, { env: ENV }),
    );
    expect(run.calls).toHaveLength(1);
    const call = run.calls[0] as Call;
    expect(call.args).toEqual(POWERSHELL_ARGS);
    const script = powerShellScriptOf(call.options);
    expect(script).toBe(framePowerShellScript(SCAN_ARTIFACTS_SCRIPT));
    for (const file of FILES) expect(script).not.toContain(file);
    expect((call.input as { Files: string[] }).Files).toEqual(FILES);
    // The argv MpCmdRun gets is an array inside the constant script, the copy path travelling as a value.
    expect(script).toContain(`@('-Scan', '-ScanType', '3', '-File', $f.Copy, '-DisableRemediation')`);

    expect(report.performed).toBe(true);
    expect(report.folder).toMatch(/^C:\\Users\\runneradmin\\AppData\\Local\\Temp\\go-av-guard-scan-/);
    expect(report.files).toEqual([
      { path: FILES[0], status: 'clean' },
      {
        path: FILES[1],
        status: 'detected',
        threatName: 'Trojan:Win32/Wacatac.B!ml',
        detail: 'MpCmdRun found 1 threat(s)',
      },
    ]);
    expect(report.engineVersion).toBe('1.1.24090.11');
    expect(report.signatureVersion).toBe('1.421.1140.0');
    expect(report.limits.join('\n')).toMatch(
      /Cloud-delivered protection \(MAPS\) is off here: no cloud verdicts, so the machine-learning "!ml"/,
    );
    expect(report.limits.join('\n')).not.toMatch(/Every candidate folder is excluded/);
  });

  it('every drive excluded (hosted runner): says so plainly instead of implying a strong "clean"', async () => {
    const run = recordingRunner(
      fakeScan({ excluded: () => true, outputs: [[fixture('mpcmdrun-scan-clean.txt'), 0]] }),
    );
    const report = await scanOnWindows(run, 'auto', [FILES[0] as string]);
    expect(report.performed).toBe(true);
    expect(report.limits.join('\n')).toMatch(
      /Every candidate folder is excluded from Defender .*weaker evidence/,
    );
  });

  it('a copy that vanishes on write is reported as not scanned, with the likely cause', async () => {
    const run = recordingRunner(fakeScan({ excluded: () => false, outputs: [], vanish: true }));
    const report = await scanOnWindows(run, 'auto', [FILES[0] as string]);
    expect(report.files[0]).toMatchObject({
      status: 'not-scanned',
      detail: expect.stringMatching(/real-time protection probably removed it/),
    });
  });

  it('a copy blocked on write ("contains a virus") is a detection, not an error', async () => {
    const run = recordingRunner(
      psReply({
        MpCmdRun: MP,
        Folder: 'C:\\t\\x',
        Files: [
          {
            Source: FILES[0],
            Error: {
              Message:
                'Operation did not complete successfully because the file contains a virus or potentially unwanted software.',
              HResult: '0x800700e1',
            },
          },
        ],
      }),
    );
    const report = await scanOnWindows(run, 'auto', [FILES[0] as string]);
    expect(report.files[0]?.status).toBe('detected');
  });

  it('no MpCmdRun: not performed; fails only with scan: true', async () => {
    const auto = await scanOnWindows(recordingRunner(psReply({ MpCmdRun: null })), 'auto', FILES);
    expect(auto).toMatchObject({
      performed: false,
      reason: expect.stringMatching(/MpCmdRun\.exe was found neither/),
    });
    expect(auto.failure).toBeUndefined();
    const strict = await scanOnWindows(recordingRunner(psReply({ MpCmdRun: null })), 'true', FILES);
    expect(strict.failure).toMatch(/^scan: true, but MpCmdRun\.exe/);
  });

  it('copies left behind are reported so they can be removed by hand', async () => {
    const run = recordingRunner(
      psReply({
        MpCmdRun: MP,
        Folder: 'C:\\t\\x',
        Files: [
          {
            Source: FILES[0],
            Copy: 'C:\\t\\x\\0-hello.exe',
            Present: true,
            Scan: { ExitCode: 0, Output: fixture('mpcmdrun-scan-clean.txt') },
            RemoveError: { Message: 'in use', HResult: '0x80070020' },
          },
        ],
        FolderRemoveError: { Message: 'not empty', HResult: '0x80070091' },
      }),
    );
    const report = await scanOnWindows(run, 'auto', [FILES[0] as string]);
    expect(report.limits.join('\n')).toMatch(
      /could not be removed; delete them by hand: C:\\t\\x\\0-hello\.exe: in use \(0x80070020\); C:\\t\\x: not empty \(0x80070091\)/,
    );
  });

  it('mode false, not Windows, no files, Defender off: no process started', async () => {
    const run = recordingRunner();
    const deps = windowsDeps(run, { env: ENV });
    expect((await scanArtifacts(FILES, 'false', doctor, { tempDir: TEMP_DIR }, deps)).reason).toBe(
      'scan is false',
    );
    expect(
      (await scanArtifacts(FILES, 'auto', doctor, { tempDir: TEMP_DIR }, { ...deps, platform: 'linux' }))
        .reason,
    ).toMatch(/Windows only/);
    expect((await scanArtifacts([], 'auto', doctor, { tempDir: TEMP_DIR }, deps)).reason).toMatch(/no files/);
    const off = doctorWith({
      available: false,
      errorCode: '0x800106ba',
      exclusions: { paths: [], processes: [], extensions: [], hidden: false },
    });
    const strict = await scanArtifacts(FILES, 'true', off, { tempDir: TEMP_DIR }, deps);
    expect(strict).toMatchObject({ performed: false, failure: expect.stringMatching(/0x800106ba/) });
    expect(run.calls).toHaveLength(0);
  });
});
