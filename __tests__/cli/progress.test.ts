/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { mkdtempSync, rmSync } from 'node:fs';
import { EOL, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { actionDeps } from '../../src/action/deps.js';
import { EXIT, runCli } from '../../src/cli.js';
import { stderrProgress } from '../../src/cli/progress.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { peReport, reportWith } from '../helpers/reports.js';
import { describeWithTool } from '../helpers/tools.js';
import { recordingIo } from './io.js';

const file = (name: string, ok = true, verdict = 'signed and verified') =>
  ({ kind: 'file', capability: 'sign', path: `/ws/dist/${name}`, ok, verdict, durationMs: 1234 }) as const;

describe('progress on stderr', () => {
  it('off a terminal: one line per file (name, verdict, time), and a line per retry and demotion', () => {
    const lines: string[] = [];
    const progress = stderrProgress((t) => void lines.push(t), { tty: false, workspace: '/ws' });
    progress(file('a.exe'));
    progress({ kind: 'retry', server: 'http://ts.example', attempt: 1, reason: 'HTTP 503', delayMs: 2000 });
    progress({ kind: 'demoted', server: 'http://ts.example', reason: '3 failures in a row' });
    progress(file('b.exe', false, 'timestamp servers all failed'));
    expect(lines).toEqual([
      'sign: dist/a.exe: signed and verified (1.2 s)\n',
      'timestamp: http://ts.example attempt 1 failed (HTTP 503); retrying in 2.0 s\n',
      'timestamp: http://ts.example moved to the end of the list: 3 failures in a row\n',
      'sign: dist/b.exe: FAILED timestamp servers all failed (1.2 s)\n',
    ]);
  });

  it('on a terminal: one status line rewritten in place; failures and retries stay as lines', () => {
    let screen = '';
    const progress = stderrProgress((t) => void (screen += t), { tty: true, workspace: '/ws', columns: 80 });
    progress(file('a.exe'));
    progress(file('b.exe'));
    progress(file('c.exe', false, 'changed while it was being signed'));
    progress.finish(reportWith({}));
    expect(screen).toBe(
      '1 file(s) done; last: sign: dist/a.exe: signed and verified (1.2 s)' +
        '\r\u001b[2K2 file(s) done; last: sign: dist/b.exe: signed and verified (1.2 s)' +
        '\r\u001b[2Ksign: dist/c.exe: FAILED changed while it was being signed (1.2 s)\n' +
        '3 file(s) done, 1 failed; last: sign: dist/c.exe: FAILED changed while it was being signed (1.2 s)'.slice(
          0,
          79,
        ) +
        '\n',
    );
  });

  it('file names cannot drive the terminal: escapes and line breaks are stripped', () => {
    const lines: string[] = [];
    const progress = stderrProgress((t) => void lines.push(t), { tty: true, workspace: '/ws' });
    progress(file('\u001b]52;c;cHduZWQ=\u0007evil\r\nname\u009b2J.exe'));
    expect(lines.join('')).not.toMatch(/\u0007|\u009b|\u001b\]/);
    expect(lines.join('')).toContain(']52;c;cHduZWQ=evil name2J.exe');
  });

  it('after the run, names the files no event named (capabilities that do not report as they go)', () => {
    const lines: string[] = [];
    const progress = stderrProgress((t) => void lines.push(t), { tty: false, workspace: '/work/space' });
    progress({ ...file('a.exe'), path: '/work/space/a.exe' });
    progress.finish(
      reportWith({
        signing: {
          files: [
            { path: '/work/space/a.exe', status: 'signed' },
            { path: '/work/space/b.exe', status: 'failed', reason: 'corrupt PE' },
          ],
        } as never,
        analysis: { files: [peReport('/work/space/a.exe', 2)] },
      }),
    );
    expect(lines).toEqual([
      'sign: a.exe: signed and verified (1.2 s)\n',
      'sign: b.exe: FAILED corrupt PE\n',
      'analyze: a.exe: 2 finding(s)\n',
    ]);
  });

  it('in the action, the same lines go to the log (inside the phase group)', () => {
    // core.info writes the line to stdout, where the runner files it under the open group.
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.stubEnv('GITHUB_WORKSPACE', '/ws');
    actionDeps().progress?.(file('a.exe'));
    expect(write).toHaveBeenCalledWith(`sign: dist/a.exe: signed and verified (1.2 s)${EOL}`);
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
});

describeWithTool(['go', 'osslsigncode'], 'progress of a real signing run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cli-progress-'));
    const pe = await buildWindowsPe();
    for (let i = 0; i < 12; i++)
      await copyPe(pe, path.join(dir, 'dist'), `tool-${String(i).padStart(2, '0')}.exe`);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signing 12 files names each of them on stderr; --json stdout stays one clean JSON document', async () => {
    const t = recordingIo(process.env, '', dir);
    const code = await runCli(
      ['sign', '--json', '--certificate', 'ephemeral', '--timestamp-urls', 'none', 'dist/*.exe'],
      t.io,
    );
    expect(code, t.err()).toBe(EXIT.ok);
    const report = JSON.parse(t.out());
    expect(report.signing.files).toHaveLength(12);
    for (let i = 0; i < 12; i++)
      expect(t.err()).toMatch(
        new RegExp(`^sign: dist/tool-${String(i).padStart(2, '0')}\\.exe: .*signed`, 'm'),
      );
    expect(t.err().trim().split('\n')).toHaveLength(12);
  }, 120_000);
});
