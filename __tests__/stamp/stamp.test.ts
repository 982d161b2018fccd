import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli.js';
import { parseConfig } from '../../src/config.js';
import { analyzeFile, isPeError } from '../../src/pe/index.js';
import type { PeReport } from '../../src/pe/types.js';
import type { Report } from '../../src/report/model.js';
import { stampFiles } from '../../src/stamp/index.js';
import { stampImage } from '../../src/stamp/pe.js';
import {
  applicationManifest,
  parseVersion,
  parseVersionInfoLines,
  SUPPORTED_OS_IDS,
  type VersionInfoInput,
} from '../../src/stamp/versioninfo.js';
import { cliInProcess } from '../helpers/harness.js';
import { expectValidReport } from '../helpers/schema.js';
import { describeWithTool, pythonWithPefile } from '../helpers/tools.js';
import { buildWindowsBinaries, FIXTURES, type WindowsBinaries } from '../pe/winbins.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ICON = path.join(FIXTURES, 'app.ico');

interface PefileView {
  strings: Record<string, string>;
  fileVersion: string | null;
  productVersion: string | null;
  signature: string | null;
  resourceTypes: number[];
  manifest: string | null;
  sections: string[];
  warnings: string[];
  numberOfSymbols: number;
  pointerToSymbolTable: number;
}

function pefile(files: string[]): Record<string, PefileView> {
  const python = pythonWithPefile();
  if (!python) throw new Error('python3 with pefile (Debian python3-pefile) is required');
  return JSON.parse(
    execFileSync(python, [path.join(HERE, 'pefile_stamp.py'), ...files], { encoding: 'utf8' }),
  ) as Record<string, PefileView>;
}

/** `go version -m` needs the executable bit on Unix; the output names the main module and settings. */
function goVersionM(file: string): string {
  chmodSync(file, 0o755);
  return execFileSync('go', ['version', '-m', file], { encoding: 'utf8' }).replace(/^[^:]+:/, '');
}

async function pe(file: string): Promise<PeReport> {
  const report = await analyzeFile(file);
  if (isPeError(report)) throw new Error(report.error);
  return report;
}

/** Stamps one file with no icon, no tag and nothing signing it again. */
const stampAlone = (file: string, mode: 'auto' | 'true', version: VersionInfoInput) =>
  stampFiles([file], { mode, version, iconPath: undefined, releaseTag: undefined }, { willSign: new Set() });

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('version numbers and version-info lines', () => {
  it('reads release tags and versions into four 16-bit parts and keeps the text', () => {
    expect(parseVersion('v1.2.3')).toEqual({ parts: [1, 2, 3, 0], text: '1.2.3' });
    expect(parseVersion('1.2')).toEqual({ parts: [1, 2, 0, 0], text: '1.2' });
    expect(parseVersion('10.20.30.40')).toEqual({ parts: [10, 20, 30, 40], text: '10.20.30.40' });
    expect(parseVersion('v2.0.0-rc.1+build.5')).toEqual({ parts: [2, 0, 0, 0], text: '2.0.0-rc.1+build.5' });
    expect(parseVersion('release-2024')).toBeUndefined();
    expect(parseVersion('1.65536.0')).toBeUndefined();
    expect(parseVersion('1.2.3x')).toBeUndefined();
  });

  it('parses Key: value lines case-insensitively and names each bad line', () => {
    const { input, problems } = parseVersionInfoLines([
      'companyname: ACME: Tools, Inc.',
      'FileVersion: v3.4.5',
      'Nonsense: x',
      'ProductVersion: latest',
      'no colon here',
    ]);
    expect(input).toEqual({ fileVersion: 'v3.4.5', strings: { CompanyName: 'ACME: Tools, Inc.' } });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/version-info: expected "Key: value".*"Nonsense: x"/);
    expect(problems[1]).toMatch(/ProductVersion must be a version.*"latest"/);
  });

  it('config: stamp is off by default, takes the tag from GITHUB_REF, and reports bad version-info', () => {
    const read = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? '';
    const off = parseConfig(read({}), { GITHUB_WORKSPACE: '/w' });
    expect(off.stamp).toEqual({
      mode: 'false',
      version: { strings: {} },
      iconPath: undefined,
      releaseTag: undefined,
    });
    const tagged = parseConfig(read({ stamp: 'auto', icon: 'res/app.ico' }), {
      GITHUB_WORKSPACE: '/w',
      GITHUB_REF: 'refs/tags/v1.2.3',
    });
    expect(tagged.stamp).toMatchObject({ mode: 'auto', releaseTag: 'v1.2.3', iconPath: '/w/res/app.ico' });
    expect(() => parseConfig(read({ 'version-info': 'FileVersion: soon' }), {})).toThrow(
      /FileVersion must be a version/,
    );
    expect(() => parseConfig(read({ stamp: 'sometimes' }), {})).toThrow(
      /stamp: expected auto, true or false/,
    );
  });

  it('the manifest asks for asInvoker, long paths and UTF-8, and lists Windows 7 to 11', () => {
    const xml = applicationManifest();
    expect(xml).toContain('<requestedExecutionLevel level="asInvoker" uiAccess="false"/>');
    expect(xml).toContain('>true</longPathAware>');
    expect(xml).toContain('>UTF-8</activeCodePage>');
    for (const id of Object.values(SUPPORTED_OS_IDS)) expect(xml).toContain(`<supportedOS Id="${id}"/>`);
  });

  it('refuses what is not a PE file', () => {
    const outcome = stampImage(Buffer.from('not a program'), {
      version: { strings: {} },
      fileName: 'x.exe',
      replaceVersion: false,
      dropSignature: false,
    });
    expect(outcome).toEqual({ ok: false, reason: 'not a PE file (no MZ/PE headers)' });
  });
});

describeWithTool(['go', 'osslsigncode', 'openssl'], 'stamping real Go-built Windows binaries', () => {
  let bins: WindowsBinaries;
  let work: string;
  let key: string;
  let cert: string;
  /** Signs `file` into `out` with a throwaway code-signing certificate (osslsigncode, independent of our signer). */
  const osslSign = (file: string, out: string): string => {
    execFileSync(
      'osslsigncode',
      ['sign', '-certs', cert, '-key', key, '-h', 'sha256', '-in', file, '-out', out],
      {
        stdio: 'ignore',
      },
    );
    return out;
  };
  beforeAll(() => {
    bins = buildWindowsBinaries();
    work = mkdtempSync(path.join(tmpdir(), 'gav-stamp-'));
    // The throwaway signer buildWindowsBinaries made (its key lies beside its certificate).
    key = path.join(bins.dir, 'signer-key.pem');
    cert = bins.certPem;
  });
  afterAll(() => {
    rmSync(bins.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const copy = (from: string, name: string): string => {
    const to = path.join(work, name);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    return to;
  };

  /** The action's pipeline (stamp, sign, analyze) with these inputs, on a v2.3.4 tag, in `workspace`. */
  const pipeline = async (workspace: string, inputs: Record<string, string>): Promise<Report> => {
    const runnerTemp = path.join(workspace, 'runner-temp');
    const env = {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: runnerTemp,
      GITHUB_REF: 'refs/tags/v2.3.4',
      PATH: process.env.PATH ?? '',
    };
    const { runPipeline } = await import('../../src/run.js');
    const { runProcess } = await import('../../src/platform/runprocess.js');
    const { memoryState } = await import('../../src/platform/state.js');
    const config = parseConfig((name) => inputs[name] ?? '', env);
    return runPipeline(
      config,
      {
        run: runProcess,
        platform: process.platform,
        arch: process.arch,
        env,
        state: memoryState(),
        setSecret: () => undefined,
        now: () => new Date(),
      },
      { capabilities: new Set(['stamp', 'sign', 'analyze']), reportPhase: 'main' },
    );
  };

  it('action path: with skip-signed (the default) a signed file is left to signing, untouched', async () => {
    const ws = mkdtempSync(path.join(work, 'keep-'));
    const file = osslSign(bins.default, path.join(ws, 'signed.exe'));
    const original = sha256(file);
    const report = await pipeline(ws, {
      stamp: 'true',
      sign: '*.exe',
      certificate: 'ephemeral',
      'timestamp-urls': 'none',
    });
    expect(report.stamping?.files[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/it is signed, and skip-signed/),
    });
    expect(report.signing?.files[0]).toMatchObject({ status: 'skipped' });
    expect(report.failures).toEqual([]);
    expect(sha256(file)).toBe(original);
  });

  it('CLI: stamps version, manifest and icon; pefile reads them; go version -m, the sections and signing still work; analysis stops reporting a missing version resource', async () => {
    const file = copy(bins.default, 'hello.exe');
    const originalBytes = readFileSync(file);
    const before = await pe(file);
    expect(before.findings.map((f) => f.id)).toContain('GAV-PE-NO-VERSIONINFO');
    const buildInfo = goVersionM(file);
    const cliEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const t = await cliInProcess(
      [
        'stamp',
        '--json',
        '--file-version',
        'v1.2.3',
        '--product-version',
        '1.2.3-beta.1',
        '--company-name',
        'ACME, "Tools" & Co',
        '--product-name',
        'Hello',
        '--file-description',
        'Says hello',
        '--copyright',
        '© 2026 ACME',
        '--icon',
        ICON,
        'hello.exe',
      ],
      work,
      cliEnv,
    );
    // stderr carries only the per-file progress line.
    expect(t.err).toBe('analyze: hello.exe: 1 finding(s)\n');
    expect(t.code).toBe(EXIT.ok);
    const report = JSON.parse(t.out) as Report;
    expectValidReport(report);
    expect(report.stamping?.files).toEqual([
      {
        path: file,
        status: 'stamped',
        added: ['version', 'manifest', 'icon'],
        fileVersion: 'v1.2.3',
        productVersion: '1.2.3-beta.1',
      },
    ]);
    const analysed = report.analysis?.files[0] as PeReport;
    expect(analysed.resources).toMatchObject({ versionInfo: true, manifest: true, icon: true });
    expect(analysed.findings.map((f) => f.id)).not.toContain('GAV-PE-NO-VERSIONINFO');

    const view = pefile([file])[file] as PefileView;
    expect(view.warnings).toEqual([]);
    expect(view.signature).toBe('0xfeef04bd');
    expect(view.fileVersion).toBe('1.2.3.0');
    expect(view.productVersion).toBe('1.2.3.0');
    expect(view.strings).toEqual({
      FileVersion: '1.2.3',
      ProductVersion: '1.2.3-beta.1',
      CompanyName: 'ACME, "Tools" & Co',
      ProductName: 'Hello',
      FileDescription: 'Says hello',
      LegalCopyright: '© 2026 ACME',
      OriginalFilename: 'hello.exe',
      InternalName: 'hello',
    });
    expect(view.resourceTypes.sort((a, b) => a - b)).toEqual([3, 14, 16, 24]);
    expect(view.manifest).toBe(applicationManifest());
    expect(view.sections.at(-1)).toBe('.rsrc');
    // Go's COFF symbol table is still where the header says.
    expect(view.numberOfSymbols).toBeGreaterThan(0);
    expect(execFileSync('go', ['tool', 'nm', file], { encoding: 'utf8' })).toMatch(/ T main\.main$/m);
    expect(goVersionM(file)).toBe(buildInfo);
    // Every byte of every original section is where it was.
    const stamped = readFileSync(file);
    for (const s of before.sections.filter((x) => x.rawSize > 0)) {
      const offset = sectionOffset(originalBytes, s.name);
      expect(
        stamped
          .subarray(offset, offset + s.rawSize)
          .equals(originalBytes.subarray(offset, offset + s.rawSize)),
        s.name,
      ).toBe(true);
    }

    const signed = osslSign(file, path.join(work, 'hello-signed.exe'));
    const verify = spawnSync('osslsigncode', ['verify', '-CAfile', cert, signed], { encoding: 'utf8' });
    expect(verify.stdout).toMatch(/Signature verification: ok/);
    expect(verify.status).toBe(0);
    expect(pefile([signed])[signed]?.strings.ProductName).toBe('Hello');
  });

  it('stamps a stripped binary (no symbol table) and a 32-bit one', async () => {
    for (const [from, name] of [
      [bins.stripped, 'stripped.exe'],
      [bins.i386, 'hello-386.exe'],
    ] as const) {
      const file = copy(from, name);
      const report = await stampAlone(file, 'auto', { fileVersion: '4.5.6', strings: {} });
      expect(report.files[0]?.status, name).toBe('stamped');
      const view = pefile([file])[file] as PefileView;
      expect(view.fileVersion, name).toBe('4.5.6.0');
      expect(view.strings.OriginalFilename, name).toBe(name);
      expect(view.warnings, name).toEqual([]);
      expect((await pe(file)).resources.executionLevel, name).toBe('asInvoker');
    }
    // The temp copy beside each file was renamed over it: nothing is left behind.
    expect(readdirSync(work).filter((n) => n.includes('go-av-guard-stamp'))).toEqual([]);
  });

  it('auto leaves a binary with a version resource alone; true replaces its version and keeps its manifest', async () => {
    const file = copy(bins.resources, 'has-version.exe');
    const original = sha256(file);
    const auto = await stampAlone(file, 'auto', { fileVersion: '9.9.9', strings: {} });
    expect(auto.files[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/already has a version resource/),
    });
    expect(sha256(file)).toBe(original);
    const manifestBefore = pefile([file])[file]?.manifest;
    const forced = await stampAlone(file, 'true', {
      fileVersion: '9.9.9',
      strings: { CompanyName: 'New Co' },
    });
    expect(forced.files[0]).toMatchObject({ status: 'stamped', added: ['version'] });
    const view = pefile([file])[file] as PefileView;
    expect(view.fileVersion).toBe('9.9.9.0');
    expect(view.strings.CompanyName).toBe('New Co');
    expect(view.manifest).toBe(manifestBefore);
    expect(view.warnings).toEqual([]);
  });

  it('refuses a signed file nothing will sign again, and leaves it byte for byte', async () => {
    const file = osslSign(bins.default, path.join(work, 'signed.exe'));
    const original = sha256(file);
    const t = await cliInProcess(['stamp', '--json', '--file-version', '1.0.0', 'signed.exe'], work, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
    });
    expect(t.code).toBe(EXIT.failure);
    const report = JSON.parse(t.out) as Report;
    expect(report.stamping?.files[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/it is signed and stamping would remove the signature/),
    });
    expect(report.failures).toContain('stamp: 1 file(s) could not be stamped and were left unchanged');
    expect(sha256(file)).toBe(original);
  });

  it('action path: runs before signing, takes the version from the release tag, re-signs a signed file, and the result verifies', async () => {
    copy(bins.default, path.join('dist', 'tool.exe'));
    mkdirSync(path.join(work, 'dist'), { recursive: true });
    osslSign(bins.default, path.join(work, 'dist', 'was-signed.exe'));
    const report = await pipeline(work, {
      stamp: 'auto',
      'version-info': 'CompanyName: ACME\nProductName: Tool',
      sign: 'dist/*.exe',
      certificate: 'ephemeral',
      'timestamp-urls': 'none',
      'skip-signed': 'false',
    });
    // Signing's verification objects carry fields the schema lacks (signing's own issue), so the schema
    // check covers everything else.
    expectValidReport({ ...report, signing: undefined });
    expect(report.failures).toEqual([]);
    expect(report.stamping).toMatchObject({ mode: 'auto', versionSource: 'release tag' });
    const byName = (files: Array<{ path: string }>, name: string) =>
      files.find((f) => path.basename(f.path) === name);
    expect(byName(report.stamping?.files ?? [], 'tool.exe')).toMatchObject({
      status: 'stamped',
      fileVersion: 'v2.3.4',
    });
    expect(byName(report.stamping?.files ?? [], 'was-signed.exe')).toMatchObject({
      status: 'stamped',
      signatureDropped: true,
    });
    for (const name of ['tool.exe', 'was-signed.exe']) {
      expect(byName(report.signing?.files ?? [], name), name).toMatchObject({
        status: 'signed',
        verification: { ok: true },
      });
      const file = path.join(work, 'dist', name);
      const view = pefile([file])[file] as PefileView;
      expect(view.fileVersion, name).toBe('2.3.4.0');
      expect(view.strings, name).toMatchObject({
        FileVersion: '2.3.4',
        CompanyName: 'ACME',
        ProductName: 'Tool',
      });
      const analysed = byName(report.analysis?.files ?? [], name) as PeReport;
      expect(analysed.signature.present, name).toBe(true);
      expect(
        analysed.findings.map((f) => f.id),
        name,
      ).not.toContain('GAV-PE-NO-VERSIONINFO');
    }
  });

  it('main step: INPUT_STAMP stamps before signing and the job summary shows the stamp section', async () => {
    const ws = mkdtempSync(path.join(work, 'main-'));
    const file = copy(bins.default, path.join(path.basename(ws), 'app.exe'));
    const summary = path.join(ws, 'summary.md');
    const output = path.join(ws, 'output');
    writeFileSync(summary, '');
    writeFileSync(output, '');
    writeFileSync(path.join(ws, 'state'), '');
    const saved = { ...process.env };
    Object.assign(process.env, {
      GITHUB_WORKSPACE: ws,
      RUNNER_TEMP: path.join(ws, 'temp'),
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      GITHUB_STATE: path.join(ws, 'state'),
      GITHUB_REF: 'refs/tags/v5.6.7',
      INPUT_STAMP: 'auto',
      'INPUT_VERSION-INFO': 'CompanyName: ACME',
      INPUT_SIGN: 'app.exe',
      INPUT_CERTIFICATE: 'ephemeral',
      'INPUT_TIMESTAMP-URLS': 'none',
      INPUT_SMOKE: 'false',
      INPUT_DETECTIONS: 'false',
      'INPUT_GITHUB-TOKEN': '',
    });
    try {
      process.exitCode = undefined;
      const { run } = await import('../../src/main.js');
      await run();
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      process.env = saved;
      process.exitCode = undefined;
    }
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('## Version resource and manifest');
    expect(text).toContain('stamp: auto, version from release tag');
    expect(text.replaceAll('<wbr>', '')).toContain('wdsi/filesubmission');
    const view = pefile([file])[file] as PefileView;
    expect(view.fileVersion).toBe('5.6.7.0');
    expect(view.strings.CompanyName).toBe('ACME');
    // The ephemeral certificate is untrusted here; the signature must still cover the stamped bytes.
    const verify = spawnSync('osslsigncode', ['verify', file], { encoding: 'utf8' }).stdout;
    const current = /Current message digest\s*:\s*([0-9A-F]{64})/.exec(verify)?.[1];
    expect(current, verify).toBeDefined();
    expect(/Calculated message digest\s*:\s*([0-9A-F]{64})/.exec(verify)?.[1]).toBe(current);
  });
});

/** A section's file offset, read from the section table (name as the PE reader reports it). */
function sectionOffset(image: Buffer, name: string): number {
  const peOffset = image.readUInt32LE(0x3c);
  const count = image.readUInt16LE(peOffset + 6);
  const table = peOffset + 24 + image.readUInt16LE(peOffset + 20);
  for (let i = 0; i < count; i++) {
    const at = table + i * 40;
    if (image.toString('latin1', at, at + 8).replace(/\0+$/, '') === name) return image.readUInt32LE(at + 20);
  }
  throw new Error(`no section ${name}`);
}

it('a file that is not a PE fails and stays; no version anywhere gives a 0.0.0 warning', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gav-stamp-empty-'));
  try {
    writeFileSync(path.join(dir, 'x.exe'), 'MZ not really');
    const report = await stampAlone(path.join(dir, 'x.exe'), 'auto', { strings: {} });
    expect(report.files[0]?.status).toBe('failed');
    expect(report.notes.map((n) => n.message)).toContain(
      'stamp: no FileVersion in version-info and no release tag, so the version resource says 0.0.0; set version-info or run on a tag',
    );
    expect(readdirSync(dir)).toEqual(['x.exe']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
