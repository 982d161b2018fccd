import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { EXIT, runCli } from '../../src/cli.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { expectValidReport } from '../helpers/schema.js';
import { describeWithTool } from '../helpers/tools.js';
import { recordingIo } from './io.js';
import { scratchDir } from '../helpers/tmp.js';

async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, stdin = '') {
  const t = recordingIo(env, stdin, cwd);
  const code = await runCli(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

describeWithTool(['go', 'osslsigncode'], 'CLI analyze and sign on real PE files', () => {
  let dir: string;
  let pe: string;
  beforeAll(async () => {
    dir = scratchDir('cli-pe-');
    pe = await copyPe(await buildWindowsPe(), dir, 'app.exe');
  }, 180_000);

  it('analyze prints a JSON report and writes allowlisting files only where asked', async () => {
    const plain = await cli(['analyze', '--json', 'app.exe'], dir);
    expect(plain.code).toBe(EXIT.ok);
    const report = JSON.parse(plain.out);
    expectValidReport(report);
    expect(report.analysis.files[0]).toMatchObject({ path: pe, machine: 'amd64', format: 'PE32+' });
    expect(report.analysis.allowlist).toBeUndefined();

    const listed = await cli(['analyze', '--json', '--allowlist-dir', 'allow list', 'app.exe'], dir);
    const allowlist = JSON.parse(listed.out).analysis.allowlist;
    expect(allowlist.sha256sums).toBe(path.join(dir, 'allow list', 'SHA256SUMS'));
    execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'allow list'), stdio: 'pipe' });
  });

  it.each([
    ['a text file', 'notes.txt', /not a PE file/],
    ['a directory', 'folder', /director/i],
    ['a missing file', 'missing.exe', /does not exist/],
  ])('analyze of %s is one clear error and exit 1, in under a second', async (_what, name, message) => {
    writeFileSync(path.join(dir, 'notes.txt'), 'hello, not a program\n');
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    const started = Date.now();
    const result = await cli(['analyze', '--json', name], dir);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.code).toBe(EXIT.failure);
    const report = JSON.parse(result.out);
    expect(report.analysis.files[0].error).toMatch(message);
    expect(report.failures).toEqual(['analyze: 1 file(s) could not be read as PE files']);
  });

  it('analyze of a glob that matches nothing says so and exits 1', async () => {
    const result = await cli(['analyze', 'dist/*.exe'], dir);
    expect(result.code).toBe(EXIT.failure);
    expect(result.out).toMatch(/no files matched this pattern/);
  });

  it('sign with an ephemeral certificate, files with spaces, shell syntax and non-ASCII in their names', async () => {
    const odd = await copyPe(pe, path.join(dir, 'out dir'), 'prögram $(whoami).exe');
    const before = readFileSync(odd);
    const result = await cli(
      ['sign', '--json', '--certificate', 'ephemeral', '--timestamp-urls', 'none', 'out dir/*.exe'],
      dir,
    );
    // stderr carries progress only: one line for the file; stdout is the JSON alone.
    expect(result.err).toMatch(
      /^sign: out dir\/prögram \$\(whoami\)\.exe: signed and verified \(\d+\.\d s\)\n$/,
    );
    expect(result.code).toBe(EXIT.ok);
    const report = JSON.parse(result.out);
    expectValidReport(report);
    expect(report.doctor).toBeUndefined();
    expect(report.signing.files).toEqual([expect.objectContaining({ path: odd, status: 'signed' })]);
    expect(readFileSync(odd).equals(before)).toBe(false);
    expect(existsSync(odd)).toBe(true);
    // The run folder is gone once the command returns: the public certificate is in the report itself, and
    // no path into that folder is handed out. osslsigncode verifies the file with it as the anchor.
    const certificate = report.signing.certificate;
    expect(certificate.publicCertPath).toBeUndefined();
    expect(certificate.publicCertPem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/,
    );
    const anchor = path.join(dir, 'ephemeral.pem');
    writeFileSync(anchor, certificate.publicCertPem);
    const verified = execFileSync('osslsigncode', ['verify', '-in', odd, '-CAfile', anchor], {
      encoding: 'utf8',
    });
    expect(verified).toContain('Signature verification: ok');
    const text = await cli(
      ['sign', '--certificate', 'ephemeral', '--timestamp-urls', 'none', 'app.exe'],
      dir,
    );
    expect(text.out).toMatch(
      /Public certificate\s+in the JSON report \(--json\): signing\.certificate\.publicCertPem/,
    );
    expect(text.out).not.toContain('ephemeral-code-signing-');
  });

  it('sign reads the PKCS#12 password from an environment variable named by a flag', async () => {
    const result = await cli(
      ['sign', '--certificate-file', 'nope.pfx', '--certificate-password-env', 'PFX_PASS', 'app.exe'],
      dir,
      {
        ...process.env,
        PFX_PASS: 'p"a$(whoami)`%PATH%;ü',
      },
    );
    expect(result.code).toBe(EXIT.failure);
    expect(result.out + result.err).not.toContain('p"a$(whoami)');
    expect(result.out).toMatch(/nope\.pfx/);
  });
});
