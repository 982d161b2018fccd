import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXIT, runCli } from '../../src/cli.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { closest } from '../../src/cli/flags.js';
import { actionInputs } from '../../src/cli/inputs.js';
import { nodeTooOld } from '../../src/cli/node-version.js';
import { expectValidReport } from '../helpers/schema.js';
import { describeWithTool } from '../helpers/tools.js';
import { recordingIo as io } from './io.js';

const squash = (text: string): string => text.replace(/\s+/g, ' ');

describe('CLI usage errors exit 2 and say what to do', () => {
  it.each([
    [['doctor', '--bogus'], /unknown flag "--bogus"/],
    [
      ['sign', '--certifcate', 'ephemeral', 'a.exe'],
      /unknown flag "--certifcate"; did you mean --certificate\?/,
    ],
    [['sign', '--timestamp-url', 'none', 'a.exe'], /did you mean --timestamp-urls\?/],
    [
      ['sign', '--certificate', 'ephemeral', '--digest', 'md5', 'a.exe'],
      /digest: expected sha256, sha384 or sha512, got "md5"/,
    ],
    [
      ['sign', '--certificate', 'ephemeral', '--concurrency', 'abc', 'a.exe'],
      /concurrency: expected a whole number from 1 to 64, got "abc"/,
    ],
    [['smoke', '--smoke-variants', 'foo'], /smoke-variants: expected any of .*, got "foo"/],
    [
      ['sign', '--certificate', 'ephemeral', '--timestamp-urls', 'ftp://x', 'a.exe'],
      /timestamp-urls: expected http\(s\) URLs/,
    ],
    [
      ['sign', '--certificate', 'ephemeral', '--if-no-files-found', 'maybe', 'a.exe'],
      /if-no-files-found: expected error, warn or ignore, got "maybe"/,
    ],
    [['sign', '--certificate', 'ephemeral'], /no files given: name the binaries to sign/],
    [['analyze'], /no files given: name the binaries to analyse/],
    [['sign', '--digest'], /--digest needs a value/],
    [['sign', '--digest', 'sha256', '--digest', 'sha384', 'a.exe'], /--digest was given twice/],
    [['sign', '--skip-signed=maybe', 'a.exe'], /--skip-signed takes no value/],
    [['doctor', 'a.exe'], /"doctor" takes no file arguments/],
    [['detections', '--since', 'yesterday-ish', '--from-file', 'x'], /--since: expected an ISO 8601 time/],
  ])('%j', async (argv, message) => {
    const t = io();
    expect(await runCli(argv, t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(message);
    expect(t.err()).toMatch(new RegExp(`Run "go-av-guard ${argv[0]} --help" for its flags`));
    expect(t.out()).toBe('');
  });

  it('names every bad value at once, each once', async () => {
    const t = io();
    const argv = ['sign', '--certificate', 'ephemeral', '--digest', 'md5', '--concurrency', '0', 'a.exe'];
    expect(await runCli(argv, t.io)).toBe(EXIT.usage);
    expect(t.err().match(/digest:/g)).toHaveLength(1);
    expect(t.err().match(/concurrency:/g)).toHaveLength(1);
  });

  it('explains why a password is not a flag and what to use instead', async () => {
    const t = io();
    expect(await runCli(['sign', '--certificate-password', 'hunter2', 'a.exe'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(
      /--certificate-password is not accepted: a password on the command line is visible/,
    );
    expect(t.err()).toMatch(/--certificate-password-env VAR .* or --certificate-password-stdin/);
    expect(t.err()).not.toContain('hunter2');
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
    const argv = [
      'sign',
      '--certificate-file',
      'x.pfx',
      '--certificate-password-env',
      'NO_SUCH_VAR_HERE',
      'a.exe',
    ];
    expect(await runCli(argv, t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(
      /--certificate-password-env: the environment variable NO_SUCH_VAR_HERE is not set/,
    );
  });

  it('says live detections need Windows and points at --from-file', async () => {
    const t = io();
    expect(await runCli(['detections', '--since', '2h'], t.io, { platform: 'linux' })).toBe(EXIT.usage);
    expect(t.err()).toMatch(/only on Windows; here, read a saved file with --from-file FILE/);
    expect(t.out()).not.toMatch(/all checks passed/);
  });

  it('exits 2 on an unknown command and on no command, with a suggestion', async () => {
    const t = io();
    expect(await runCli(['sgin'], t.io)).toBe(EXIT.usage);
    expect(await runCli(['analyse'], t.io)).toBe(EXIT.usage);
    expect(t.err()).toMatch(/unknown command "analyse"; did you mean analyze\?/);
    const none = io();
    expect(await runCli([], none.io)).toBe(EXIT.usage);
    expect(none.err()).toMatch(/^go-av-guard .*\n\nUsage: go-av-guard <command>/);
  });

  it('suggests the nearest flag, or nothing when none is near', () => {
    const flags = ['certificate', 'certificate-file', 'timestamp-urls', 'digest'];
    expect(closest('certifcate', flags)).toBe('certificate');
    expect(closest('certificate-fil', flags)).toBe('certificate-file');
    expect(closest('dgiest', flags)).toBe('digest');
    expect(closest('zzzzzz', flags)).toBeUndefined();
  });
});

describe('the Node.js version check', () => {
  it.each([
    ['20.19.0', 'go-av-guard needs Node.js 22 or newer (found 20.19.0)'],
    ['v18.0.0', 'go-av-guard needs Node.js 22 or newer (found 18.0.0)'],
    ['22.4.1', 'go-av-guard needs Node.js 22.5 or newer (found 22.4.1)'],
    ['22.5.0', undefined],
    ['24.9.0', undefined],
    ['26.0.0', undefined],
  ])('%s', (version, message) => expect(nodeTooOld(version)).toBe(message));
});

describe('CLI help comes from action.yml', () => {
  const action = parse(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { description: string; default?: string }>;
  };

  it('every command has help with each flag and its action.yml description, and exits 0', async () => {
    for (const command of COMMANDS) {
      const t = io();
      expect(await runCli([command.name, '--help'], t.io)).toBe(EXIT.ok);
      expect(t.out()).toMatch(new RegExp(`^Usage: go-av-guard ${command.name}`));
      for (const input of command.inputs) {
        expect(t.out()).toContain(`--${input}`);
        expect(squash(t.out())).toContain(squash(action.inputs[input]?.description ?? 'missing'));
      }
      for (const extra of command.extra ?? []) expect(squash(t.out())).toContain(squash(extra.description));
    }
  });

  it('every input a command names exists in action.yml, and no secret input is a flag', () => {
    for (const command of COMMANDS) {
      for (const input of command.inputs)
        expect(action.inputs, `${command.name}: ${input}`).toHaveProperty([input]);
      expect(command.inputs).not.toContain('certificate-password');
      expect(command.inputs).not.toContain('github-token');
    }
  });

  it('reads kinds from action.yml: true/false defaults are switches, "one per line" inputs repeat', () => {
    const kinds = Object.fromEntries([...actionInputs()].map(([name, spec]) => [name, spec.kind]));
    const lines = Object.keys(kinds).filter((k) => kinds[k] === 'lines');
    expect(lines.sort()).toEqual(
      [
        'analyze',
        'exclusion-paths',
        'exclusion-processes',
        'sign',
        'smoke-variants',
        'timestamp-urls',
        'version-info',
      ].sort(),
    );
    expect(kinds['skip-signed']).toBe('boolean');
    expect(kinds['digest']).toBe('text');
  });

  it('go-av-guard help <command> and --help work too', async () => {
    const t = io();
    expect(await runCli(['help', 'sign'], t.io)).toBe(EXIT.ok);
    expect(t.out()).toMatch(/^Usage: go-av-guard sign/);
    expect(t.out()).toMatch(/--certificate-password-stdin +Read the PKCS#12 password from standard input/);
    const general = io();
    expect(await runCli(['--help'], general.io)).toBe(EXIT.ok);
    for (const command of COMMANDS) expect(general.out()).toContain(`  ${command.name} `);
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
    expect(t.out()).toMatch(/== Doctor ==\nGo [\d.]+; .*\nCheck +Result\nPlatform +/);
    expect(t.out()).toMatch(/\nGOROOT +\//);
  });
});
