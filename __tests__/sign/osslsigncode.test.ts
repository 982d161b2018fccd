import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  symlinkSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SignConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { runProcess, type ProcessRunner } from '../../src/platform/process.js';
import { memoryState } from '../../src/platform/state.js';
import { cleanupSigning, signFiles, SIGNING_CLEANUP_STATE, type SignContext } from '../../src/sign/index.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { exportPfx, makeTestPki, type TestPki } from '../helpers/pki.js';
import { recordingRunner, type Spawn } from '../helpers/recorder.js';
import { describeWithTool } from '../helpers/tools.js';
import { startTsa, type TestTsa } from '../helpers/tsa.js';

/** Every character class that breaks naive quoting in sh, cmd and PowerShell, plus non-ASCII letters. */
const PASSWORD = `pä"s's $(whoami) \`id\` %PATH%; ünï ß`;

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describeWithTool(
  ['go', 'osslsigncode', 'openssl'],
  'signing with osslsigncode (real tools, local TSA)',
  () => {
    let root: string;
    let pki: TestPki;
    let tsa: TestTsa;
    let pe: string;
    let pfx: string;
    /** A timestamp server that accepts the request and never answers. */
    let hung: http.Server;
    let hungUrl: string;
    let hungRequests = 0;

    beforeAll(async () => {
      hung = http.createServer(() => void hungRequests++);
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
      hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/hung`;
      root = mkdtempSync(path.join(tmpdir(), 'gag-sign-'));
      pki = makeTestPki(path.join(root, 'pki'));
      tsa = await startTsa(pki, { slowMs: 100 });
      pe = await buildWindowsPe();
      pfx = exportPfx(pki.dir, 'leaf', pki.leaf, PASSWORD, { chain: pki.ca });
    });

    afterAll(async () => {
      hung?.closeAllConnections();
      hung?.close();
      await tsa?.close();
      rmSync(root, { recursive: true, force: true });
    });

    interface Setup {
      workspace: string;
      ctx: SignContext;
      deps: Deps & { state: ReturnType<typeof memoryState> };
      spawns: Spawn[];
      secrets: string[];
    }

    function setup(run?: ProcessRunner): Setup {
      const workspace = mkdtempSync(path.join(root, 'ws-'));
      const recorder = recordingRunner([], run ?? runProcess);
      const secrets: string[] = [];
      return {
        workspace,
        spawns: recorder.spawns,
        secrets,
        ctx: {
          workspace,
          tempDir: path.join(workspace, '.tmp'),
          trust: { caFile: pki.ca.certFile, tsaCaFile: pki.ca.certFile },
          retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
        },
        deps: {
          run: recorder.run,
          platform: process.platform,
          arch: process.arch,
          env: process.env,
          state: memoryState(),
          setSecret: (s) => secrets.push(s),
          now: () => new Date(),
        },
      };
    }

    const config = (over: Partial<SignConfig> = {}): SignConfig => ({
      patterns: ['**/*.exe'],
      certificate: { kind: 'pkcs12-file', path: pfx, password: PASSWORD },
      timestampUrls: [tsa.url('good')],
      digest: 'sha256',
      description: undefined,
      descriptionUrl: undefined,
      skipSigned: true,
      appendSignature: false,
      signtoolPath: undefined,
      ifNoFilesFound: 'error',
      concurrency: 4,
      ...over,
    });

    /** What osslsigncode itself says about a file, with the test CA and TSA as trust anchors. */
    const verifyWithTestCa = (file: string, ca = pki.ca.certFile): string =>
      execFileSync('osslsigncode', ['verify', '-in', file, '-CAfile', ca, '-TSA-CAfile', pki.ca.certFile], {
        encoding: 'utf8',
      });

    /** Nothing secret anywhere a user or log could see it. */
    function expectNoSecretLeak(s: Setup, report: unknown): void {
      for (const spawn of s.spawns) {
        for (const arg of spawn.args) {
          expect(arg).not.toContain(PASSWORD);
          expect(arg).not.toContain('PRIVATE KEY');
        }
      }
      expect(JSON.stringify(report)).not.toContain(PASSWORD);
      expect(JSON.stringify(report)).not.toContain('PRIVATE KEY');
    }

    it('signs and timestamps a Go-built PE; osslsigncode verify with the test CA and TSA accepts it', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.error).toBeUndefined();
      expect(report.files).toHaveLength(1);
      const [signed] = report.files;
      expect(signed).toMatchObject({
        path: file,
        status: 'signed',
        sha256: sha256(file),
        signer: 'CN=Leaf Signer, O=go-av-guard tests',
        timestampServer: tsa.url('good'),
        verification: { ok: true, chainTrusted: true, timestamped: true, digest: 'sha256' },
      });
      expect(Date.parse(signed?.timestampTime ?? '')).toBeGreaterThan(Date.now() - 120_000);
      expect(report.certificate).toMatchObject({
        subject: 'CN=Leaf Signer, O=go-av-guard tests',
        issuer: 'CN=go-av-guard Test CA, O=go-av-guard tests',
        selfSigned: false,
      });
      const fingerprint = execFileSync(
        'openssl',
        ['x509', '-in', pki.leaf.certFile, '-noout', '-fingerprint', '-sha1'],
        { encoding: 'utf8' },
      );
      expect(fingerprint.replace(/[^=]*=|:|\s/g, '')).toBe(report.certificate?.thumbprint);
      const verified = verifyWithTestCa(file);
      expect(verified).toContain('Signature verification: ok');
      expect(verified).toContain('Timestamp Server Signature verification: ok');
      expect(verified).toMatch(/Subject: \/O=go-av-guard tests\/CN=Leaf Signer/);
      // The password and the derived key were registered before anything ran, and nothing leaked.
      expect(s.secrets).toContain(PASSWORD);
      expect(s.secrets.some((x) => x.includes('PRIVATE KEY'))).toBe(true);
      expectNoSecretLeak(s, report);
      // The secret folder is gone already and the post step has nothing left to do.
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [],
      });
      expect(readdirSync(s.ctx.tempDir).filter((n) => n.startsWith('sign-'))).toEqual([]);
      // No temp file stays next to the binary.
      expect(readdirSync(s.workspace).filter((n) => n !== '.tmp')).toEqual(['app.exe']);
    });

    it('fails over [refused, 503, good]: every file is signed and the report names the good server', async () => {
      const s = setup();
      const files = await Promise.all(['a.exe', 'b.exe', 'c.exe'].map((n) => copyPe(pe, s.workspace, n)));
      const urls = [tsa.refusedUrl, tsa.url('503'), tsa.url('good')];
      const before503 = tsa.requests['503'];
      const report = await signFiles(config({ timestampUrls: urls }), s.ctx, s.deps);
      expect(report.error).toBeUndefined();
      expect(report.files.map((f) => [f.status, f.timestampServer])).toEqual(
        files.map(() => ['signed', tsa.url('good')]),
      );
      // Each file asked the 503 server twice (attempts: 2) before moving on.
      expect(tsa.requests['503'] - before503).toBe(files.length * 2);
      for (const file of files)
        expect(verifyWithTestCa(file)).toContain('Timestamp Server Signature verification: ok');
    });

    it('with [refused, 503] only: every file is byte-identical and the message lists each server error', async () => {
      const s = setup();
      const files = await Promise.all(['a.exe', 'b.exe'].map((n) => copyPe(pe, s.workspace, n)));
      const before = files.map(sha256);
      const report = await signFiles(
        config({ timestampUrls: [tsa.refusedUrl, tsa.url('503')] }),
        s.ctx,
        s.deps,
      );
      expect(files.map(sha256)).toEqual(before);
      expect(report.files.map((f) => f.status)).toEqual(['failed', 'failed']);
      const reason = report.files[0]?.reason ?? '';
      expect(reason).toContain(`${tsa.refusedUrl}: connection refused (2 attempts)`);
      expect(reason).toContain(`${tsa.url('503')}: HTTP 503 Service Unavailable (2 attempts)`);
      expect(
        readdirSync(s.workspace)
          .filter((n) => n !== '.tmp')
          .sort(),
      ).toEqual(['a.exe', 'b.exe']);
    });

    it('a timestamp server that never answers is killed by the time limit and the next server signs', async () => {
      // osslsigncode really talks to the hung server; the runner only shortens the 60 s limit to 1 s for it.
      const shortLimit: ProcessRunner = (file, args, options) =>
        runProcess(file, args, args.includes(hungUrl) ? { ...options, timeoutMs: 1_000 } : options);
      const s = setup(shortLimit);
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const before = hungRequests;
      const report = await signFiles(config({ timestampUrls: [hungUrl, tsa.url('good')] }), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({ status: 'signed', timestampServer: tsa.url('good') });
      expect(verifyWithTestCa(file)).toContain('Timestamp Server Signature verification: ok');
      // sign -ts hung (killed), then add -ts hung (killed, the retry), then add -ts good: signed once only.
      expect(hungRequests - before).toBe(2);
      const ts = (args: string[]): string | undefined =>
        args.includes('-ts') ? args[args.indexOf('-ts') + 1] : undefined;
      expect(
        s.spawns.filter((sp) => sp.args[0] !== '--version').map((sp) => [sp.args[0], ts(sp.args)]),
      ).toEqual([
        ['sign', hungUrl],
        ['sign', undefined],
        ['add', hungUrl],
        ['add', tsa.url('good')],
        ['verify', undefined],
      ]);
      expect(readdirSync(s.workspace).filter((n) => n !== '.tmp')).toEqual(['app.exe']);
    });

    it('a symlink: the file it points to is signed and the link stays a link', async () => {
      const s = setup();
      const real = await copyPe(pe, s.workspace, 'build/app-1.2.3.exe');
      const link = path.join(s.workspace, 'app.exe');
      symlinkSync(path.relative(s.workspace, real), link);
      const before = sha256(real);
      // Both the link and its target match: one file, signed once.
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files).toHaveLength(1);
      expect(report.files[0]).toMatchObject({ path: link, status: 'signed', sha256: sha256(real) });
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(sha256(real)).not.toBe(before);
      expect(verifyWithTestCa(real)).toContain('Signature verification: ok');
      expect(s.spawns.filter((sp) => sp.args[0] === 'sign')).toHaveLength(1);
      // The temp copies were made next to the real file (same file system for the rename) and are gone.
      expect(readdirSync(path.dirname(real))).toEqual(['app-1.2.3.exe']);
      expect(
        readdirSync(s.workspace)
          .filter((n) => n !== '.tmp')
          .sort(),
      ).toEqual(['app.exe', 'build']);
    });

    it('treats a garbage reply as transient and tries the next server', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(
        config({ timestampUrls: [tsa.url('garbage'), tsa.url('slow')] }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]).toMatchObject({ status: 'signed', timestampServer: tsa.url('slow') });
    });

    const badCertificates: Array<[string, () => SignConfig['certificate'], RegExp]> = [
      [
        'base64 that decodes to garbage',
        () => ({
          kind: 'pkcs12-base64',
          base64: Buffer.from('not a pfx at all').toString('base64'),
          password: PASSWORD,
        }),
        /^certificate: the base64 text does not decode to a PKCS#12/,
      ],
      [
        'a wrong password',
        () => ({ kind: 'pkcs12-file', path: pfx, password: 'not-the-password-42' }),
        /^certificate-password: wrong password for the PKCS#12 in certificate-file$/,
      ],
      [
        'a PKCS#12 without a key',
        () => ({
          kind: 'pkcs12-file',
          path: exportPfx(pki.dir, 'nokey', pki.leaf, PASSWORD, { withoutKey: true }),
          password: PASSWORD,
        }),
        /^certificate-file: the PKCS#12 holds no private key/,
      ],
      [
        'an expired certificate',
        () => ({
          kind: 'pkcs12-file',
          path: exportPfx(pki.dir, 'expired', pki.expired, PASSWORD),
          password: PASSWORD,
        }),
        /^certificate-file: CN=Expired Signer.* expired on /,
      ],
      [
        'a certificate without the code-signing EKU',
        () => ({
          kind: 'pkcs12-base64',
          base64: readFileSync(exportPfx(pki.dir, 'server', pki.serverOnly, PASSWORD)).toString('base64'),
          password: PASSWORD,
        }),
        /^certificate: CN=Web Server.* is not a code-signing certificate/,
      ],
    ];

    it.each(badCertificates)(
      'rejects %s with one clear error before touching any file',
      async (_name, certificate, message) => {
        const s = setup();
        const file = await copyPe(pe, s.workspace, 'app.exe');
        const before = sha256(file);
        const report = await signFiles(config({ certificate: certificate() }), s.ctx, s.deps);
        expect(report.error).toMatch(message);
        expect(report.notes.filter((n) => n.level === 'error')).toHaveLength(1);
        expect(report.files).toEqual([]);
        expect(sha256(file)).toBe(before);
        expect(s.spawns.filter((sp) => sp.args[0] === 'sign')).toEqual([]);
        expectNoSecretLeak(s, report);
      },
    );

    it('warns when the certificate has under 30 days left', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const soon = exportPfx(pki.dir, 'soon', pki.expiringSoon, PASSWORD, { chain: pki.ca });
      const report = await signFiles(
        config({ certificate: { kind: 'pkcs12-file', path: soon, password: PASSWORD } }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]?.status).toBe('signed');
      expect(report.notes).toContainEqual({
        level: 'warning',
        message: expect.stringMatching(/CN=Soon Expiring Signer.* expires in 10 days/),
      });
    });

    it.each([
      ['error', 'error'],
      ['warn', 'warning'],
      ['ignore', undefined],
    ] as const)('zero matches with if-no-files-found: %s', async (mode, level) => {
      const s = setup();
      const report = await signFiles(
        config({ patterns: ['dist/*.exe'], ifNoFilesFound: mode }),
        s.ctx,
        s.deps,
      );
      expect(report.files).toEqual([]);
      if (mode === 'error') expect(report.error).toMatch(/^sign: no files matched "dist\/\*\.exe"/);
      else expect(report.error).toBeUndefined();
      expect(report.notes.map((n) => n.level)).toEqual(level ? [level] : []);
      expect(s.spawns).toEqual([]);
    });

    it.each([
      [
        'a non-PE file',
        (f: string) => writeFileSync(f, 'just text, not a program\n'),
        /not a Windows PE file/,
      ],
      ['a truncated PE', (f: string) => writeFileSync(f, readFileSync(pe).subarray(0, 200_000)), /truncated/],
      ['a read-only file', (f: string) => chmodSync(f, 0o444), /read-only/],
    ])('fails %s with a reason and leaves it unchanged', async (_name, damage, reason) => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      damage(file);
      const before = sha256(file);
      const mode = statSync(file).mode;
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files).toEqual([{ path: file, status: 'failed', reason: expect.stringMatching(reason) }]);
      expect(sha256(file)).toBe(before);
      expect(statSync(file).mode).toBe(mode);
      expect(s.spawns.filter((sp) => sp.args[0] === 'sign')).toEqual([]);
    });

    it('signs paths with spaces and non-ASCII names, keeping the file mode', async () => {
      const s = setup();
      const files = [
        await copyPe(pe, s.workspace, 'dir with spaces/my app.exe'),
        await copyPe(pe, s.workspace, 'ünïcødé/日本語 ß.exe'),
      ];
      chmodSync(files[0] as string, 0o755);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files.map((f) => [f.path, f.status])).toEqual(files.sort().map((f) => [f, 'signed']));
      for (const file of files) expect(verifyWithTestCa(file)).toContain('Signature verification: ok');
      expect(statSync(files.find((f) => f.includes('spaces')) as string).mode & 0o777).toBe(0o755);
    });

    it('accepts the special-character password in a legacy (3DES/RC2, SHA-1 MAC) PKCS#12 too, as base64', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const legacy = exportPfx(pki.dir, 'legacy', pki.leaf, PASSWORD, { legacy: true, chain: pki.ca });
      const base64 = readFileSync(legacy).toString('base64');
      const report = await signFiles(
        config({ certificate: { kind: 'pkcs12-base64', base64, password: PASSWORD } }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]?.status).toBe('signed');
      expect(s.secrets).toEqual(expect.arrayContaining([base64, PASSWORD]));
      expectNoSecretLeak(s, report);
      expect(JSON.stringify(report)).not.toContain(base64.slice(0, 40));
    });

    it('skip-signed leaves a signed file byte-identical and says why', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      await signFiles(config(), s.ctx, s.deps);
      const before = sha256(file);
      const spawnsBefore = s.spawns.length;
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files).toEqual([
        {
          path: file,
          status: 'skipped',
          sha256: before,
          reason: expect.stringMatching(/already signed \(1 signature\) and skip-signed is true/),
        },
      ]);
      expect(sha256(file)).toBe(before);
      expect(s.spawns.slice(spawnsBefore).filter((sp) => sp.args[0] === 'sign')).toEqual([]);
    });

    it('append-signature nests a second, timestamped signature', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      await signFiles(config(), s.ctx, s.deps);
      const report = await signFiles(config({ appendSignature: true, digest: 'sha512' }), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({
        status: 'signed',
        signatureIndex: 1,
        verification: { ok: true, digest: 'sha512', timestamped: true },
      });
      const verified = verifyWithTestCa(file);
      expect(verified).toContain('Number of verified signatures: 2');
      expect(verified.match(/Timestamp time:/g)).toHaveLength(2);
      expect(verified).toMatch(/Signature Index: 1[\s\S]*Message digest algorithm\s*: SHA512/);
    });

    it('ephemeral: self-signed, chain not trusted as expected, public certificate exported', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(config({ certificate: { kind: 'ephemeral' } }), s.ctx, { ...s.deps });
      expect(report.files[0]).toMatchObject({
        status: 'signed',
        verification: {
          ok: true,
          chainTrusted: false,
          detail: expect.stringContaining('chain not trusted, as expected'),
        },
      });
      const publicCert = report.certificate?.publicCertPath ?? '';
      expect(readFileSync(publicCert, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(verifyWithTestCa(file, publicCert)).toContain('Signature verification: ok');
      expect(report.notes.some((n) => n.level === 'warning' && /ephemeral/.test(n.message))).toBe(true);
      expectNoSecretLeak(s, report);
    });

    it('a broken signature fails verification and leaves the original untouched', async () => {
      // Flip one byte of the timestamped temp file (sign -ts or add) before verification: the digest no longer matches.
      const corrupting: ProcessRunner = async (file, args, options) => {
        const result = await runProcess(file, args, options);
        if (args.includes('-ts') && result.exitCode === 0) {
          const out = args[args.indexOf('-out') + 1] as string;
          const bytes = readFileSync(out);
          bytes[5000] = (bytes[5000] ?? 0) ^ 0xff;
          writeFileSync(out, bytes);
        }
        return result;
      };
      const s = setup(corrupting);
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const before = sha256(file);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining('signature broken: the file digest does not match'),
      });
      expect(sha256(file)).toBe(before);
    });

    it('timestamp-urls none: signs without a timestamp and warns', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(config({ timestampUrls: [] }), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({ status: 'signed', verification: { timestamped: false } });
      expect(report.files[0]?.timestampServer).toBeUndefined();
      expect(report.notes.some((n) => n.level === 'warning' && /timestamp-urls: none/.test(n.message))).toBe(
        true,
      );
    });

    it('post cleanup removes the temp secrets of a main step that was killed half-way', async () => {
      let release: () => void = () => undefined;
      const hanging: ProcessRunner = (file, args, options) => {
        if (args[0] !== 'sign') return runProcess(file, args, options);
        // Killed half-way through writing its output next to the binary.
        writeFileSync(args[args.indexOf('-out') + 1] as string, 'MZ partial');
        return new Promise(
          (resolve) =>
            (release = () => resolve({ exitCode: 1, stdout: '', stderr: 'killed', durationMs: 0 })),
        );
      };
      const s = setup(hanging);
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const before = sha256(file);
      const main = signFiles(config(), s.ctx, s.deps);
      // Wait until the main step has written its key and is stuck in osslsigncode.
      await expect.poll(() => s.spawns.some((sp) => sp.args[0] === 'sign'), { timeout: 10_000 }).toBe(true);
      const recorded = JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}') as { paths: string[] };
      // The secret folder, and the two temp copies next to the binary, recorded before they existed.
      expect(recorded.paths).toHaveLength(3);
      const [secretDir, ...temps] = recorded.paths as [string, ...string[]];
      const keyFile = path.join(secretDir, 'key.pem');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(statSync(secretDir).mode & 0o777).toBe(0o700);
      expect(temps.map((t) => path.dirname(t))).toEqual([s.workspace, s.workspace]);
      expect(readdirSync(s.workspace).filter((n) => n !== '.tmp' && n !== 'app.exe')).toHaveLength(1);
      // The post step runs with only the state the main step left behind.
      const notes = await cleanupSigning({ ...s.deps, state: s.deps.state });
      expect(notes).toEqual([]);
      expect(existsSync(secretDir)).toBe(false);
      expect(readdirSync(s.workspace).filter((n) => n !== '.tmp')).toEqual(['app.exe']);
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [],
      });
      release();
      const report = await main;
      expect(report.files[0]?.status).toBe('failed');
      expect(sha256(file)).toBe(before);
    });
  },
);
