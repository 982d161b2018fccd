import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
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
  linkSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { SignConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';
import { BufferPool } from '../../src/platform/bufferpool.js';
import { memoryState } from '../../src/platform/state.js';
import { signFiles, SIGNING_CLEANUP_STATE, type SignContext } from '../../src/sign/index.js';
import type { SigningKey } from '../../src/sign/keys/types.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { exportPfx, issue, makeTestPki, type TestPki } from '../helpers/pki.js';
import { engineSign as signEngine, keyOf, signConfig } from './keys.js';
import { recordingRunner, type Spawn } from '../helpers/recorder.js';
import { describeWithTool } from '../helpers/tools.js';
import { startTsa, type TestTsa } from '../helpers/tsa.js';

/** Every character class that breaks naive quoting in sh, cmd and PowerShell, plus non-ASCII letters. */
const PASSWORD = `pä"s's $(whoami) \`id\` %PATH%; ünï ß`;

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
/** What a folder holds besides the run's own temp folder, sorted. */
const namesIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => n !== '.tmp')
    .sort();

describeWithTool(
  ['go', 'osslsigncode', 'openssl'],
  'signing with the built-in engine (osslsigncode as the independent verifier, local TSA)',
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

    const config = (over: Partial<SignConfig> = {}): SignConfig =>
      signConfig({
        patterns: ['**/*.exe'],
        certificate: { kind: 'pkcs12-file', path: pfx, password: PASSWORD },
        timestampUrls: [tsa.url('good')],
        signer: 'built-in',
        timestampTimeoutMs: 10_000,
        ...over,
      });

    const engineSign = (files: string[], key: SigningKey) => signEngine(files, key, pki);

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
      // The password was registered before anything ran, and nothing leaked.
      expect(s.secrets).toContain(PASSWORD);
      expectNoSecretLeak(s, report);
      // In process: no program was started at all, so no argv or environment could carry the key.
      expect(s.spawns).toEqual([]);
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [],
      });
      expect(existsSync(s.ctx.tempDir) ? readdirSync(s.ctx.tempDir) : []).toEqual([]);
      // No temp file stays next to the binary.
      expect(namesIn(s.workspace)).toEqual(['app.exe']);
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
      // The 503 server failed its retries once and was demoted: never more than attempts x files, and said so.
      expect(tsa.requests['503'] - before503).toBeLessThanOrEqual(files.length * 2);
      expect(report.notes.map((n) => n.message)).toContainEqual(
        expect.stringMatching(
          /timestamp server .*\/503 failed \(HTTP 503 Service Unavailable\) and was not asked again/,
        ),
      );
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
      for (const file of report.files) {
        expect(file.reason).toMatch(/^timestamping failed on every server: /);
        expect(file.reason).toContain(`${tsa.refusedUrl}: connection refused (`);
        expect(file.reason).toContain(`${tsa.url('503')}: HTTP 503 Service Unavailable (`);
      }
      expect(namesIn(s.workspace)).toEqual(['a.exe', 'b.exe']);
    });

    it('a server that never answers, listed first, costs one time-out in a run of 40 files', async () => {
      const s = setup();
      await Promise.all(Array.from({ length: 40 }, (_, i) => copyPe(pe, s.workspace, `f${i}.exe`)));
      const events: Array<{ kind: string; at: number }> = [];
      const hungAt: number[] = [];
      hung.removeAllListeners('request');
      hung.on('request', () => {
        hungRequests++;
        hungAt.push(Date.now());
      });
      const started = Date.now();
      const report = await signFiles(
        config({ timestampUrls: [hungUrl, tsa.url('good')], timestampTimeoutMs: 10_000 }),
        { ...s.ctx, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
        { ...s.deps, progress: (e) => events.push({ kind: e.kind, at: Date.now() }) },
      );
      const elapsed = Date.now() - started;
      expect(report.files.filter((f) => f.status !== 'signed')).toEqual([]);
      expect(new Set(report.files.map((f) => f.timestampServer))).toEqual(new Set([tsa.url('good')]));
      // Demoted once; every request the dead server ever saw came before that, i.e. in the same time-out window.
      const demoted = events.filter((e) => e.kind === 'demoted');
      expect(demoted).toHaveLength(1);
      expect(hungAt.every((t) => t <= (demoted[0]?.at ?? 0))).toBe(true);
      expect(hungAt.length).toBeGreaterThan(0);
      // One 10 s time-out plus the work (this loaded machine's TSA is slow), not one per file (40 x 10 s).
      expect(elapsed).toBeLessThan(10_000 + 40_000);
      expect(events.filter((e) => e.kind === 'file')).toHaveLength(40);
    }, 120_000);

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
      // The temp copies were made next to the real file (same file system for the rename) and are gone.
      expect(readdirSync(path.dirname(real))).toEqual(['app-1.2.3.exe']);
      expect(namesIn(s.workspace)).toEqual(['app.exe', 'build']);
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
        /^certificate-password: wrong password for the PKCS#12 in certificate-file/,
      ],
      [
        'a corrupt PKCS#12 (told apart from a wrong password)',
        () => {
          const bytes = readFileSync(pfx);
          const corrupt = path.join(pki.dir, 'corrupt.pfx');
          writeFileSync(corrupt, bytes.subarray(0, bytes.length - 200));
          return { kind: 'pkcs12-file', path: corrupt, password: PASSWORD };
        },
        /^certificate-file: .*corrupt\.pfx is not a PKCS#12 \(\.pfx\/\.p12\) file, or it is damaged/,
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
      ['a non-PE file', (f: string) => writeFileSync(f, 'just text, not a program\n'), /not a PE file/],
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
          reason: expect.stringMatching(/already signed \(1 intact signature\) and skip-signed is true/),
          verification: expect.objectContaining({ ok: true }),
        },
      ]);
      expect(sha256(file)).toBe(before);
      expect(s.spawns.slice(spawnsBefore)).toEqual([]);
    });

    it('a junk certificate table is never "already signed": it is replaced, and the report says so', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      // The security directory points at 16 random bytes appended to the file (osslsigncode calls it "Failed").
      const bytes = readFileSync(file);
      const peOffset = bytes.readUInt32LE(0x3c);
      const securityEntry = peOffset + 24 + 144;
      const junkAt = (bytes.length + 7) & ~7;
      const junk = Buffer.concat([bytes, Buffer.alloc(junkAt - bytes.length), randomBytes(16)]);
      junk.writeUInt32LE(junkAt, securityEntry);
      junk.writeUInt32LE(16, securityEntry + 4);
      writeFileSync(file, junk);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({
        status: 'signed',
        reason: expect.stringMatching(/^replaced a broken signature/),
      });
      expect(verifyWithTestCa(file)).toContain('Signature verification: ok');
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
      expect(verified).toMatch(/Number of verified signatures: 2/);
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
          detail: expect.stringContaining('intact, chain not trusted'),
        },
      });
      const publicCert = report.certificate?.publicCertPath ?? '';
      expect(readFileSync(publicCert, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(verifyWithTestCa(file, publicCert)).toContain('Signature verification: ok');
      expect(report.notes.some((n) => n.level === 'warning' && /ephemeral/.test(n.message))).toBe(true);
      expectNoSecretLeak(s, report);
    });

    it('a key that signs wrongly fails in-process verification and leaves the original untouched', async () => {
      const file = await copyPe(pe, mkdtempSync(path.join(root, 'ws-')), 'app.exe');
      const before = sha256(file);
      const key = keyOf(pki.leaf, pki);
      const wrong: SigningKey = {
        ...key,
        signData: async (data, digest) =>
          (key.signData as NonNullable<SigningKey['signData']>)(
            Buffer.concat([data, Buffer.from('x')]),
            digest,
          ),
      };
      const [result] = await engineSign([file], wrong);
      expect(result).toMatchObject({
        status: 'failed',
        reason: expect.stringContaining("broken: the signature value does not verify with the signer's key"),
      });
      expect(sha256(file)).toBe(before);
      expect(readdirSync(path.dirname(file))).toEqual(['app.exe']);
    });

    it("one file's unexpected error fails that file alone; the others are signed and reported", async () => {
      const folder = mkdtempSync(path.join(root, 'ws-'));
      const files = await Promise.all(['a', 'b', 'c'].map((n) => copyPe(pe, folder, `${n}.exe`)));
      const before = files.map(sha256);
      // The second buffer taken (a file's read) fails, as an allocation or a read midway can.
      const real = BufferPool.prototype.take;
      let calls = 0;
      const take = vi.spyOn(BufferPool.prototype, 'take').mockImplementation(function (
        this: BufferPool,
        capacity: number,
      ) {
        if (++calls === 2) throw new Error('out of memory (test)');
        return real.call(this, capacity);
      });
      try {
        const results = await engineSign(files, keyOf(pki.leaf, pki));
        const failedAt = results.findIndex((r) => r.status === 'failed');
        expect(results.filter((r) => r.status === 'signed')).toHaveLength(2);
        expect(results[failedAt]?.reason).toBe('out of memory (test)');
        expect(sha256(files[failedAt] as string)).toBe(before[failedAt]);
      } finally {
        take.mockRestore();
      }
    });

    it("a key's maxConcurrency bounds the signatures made at once (remote services)", async () => {
      const folder = mkdtempSync(path.join(root, 'ws-'));
      const files = await Promise.all(['a', 'b', 'c', 'd'].map((n) => copyPe(pe, folder, `${n}.exe`)));
      const key = keyOf(pki.leaf, pki);
      let running = 0;
      let peak = 0;
      const slow: SigningKey = {
        ...key,
        maxConcurrency: 1,
        signData: async (data, digest) => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 20));
          running--;
          return (key.signData as NonNullable<SigningKey['signData']>)(data, digest);
        },
      };
      const results = await engineSign(files, slow);
      expect(results.map((r) => r.status)).toEqual(['signed', 'signed', 'signed', 'signed']);
      expect(peak).toBe(1);
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

    it('no file holding a private key is written at any point, even while waiting on the timestamp server', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const keyDer = createPrivateKey(pki.leaf.keyPem).export({ type: 'pkcs8', format: 'der' });
      const scan = (): string[] =>
        // The workspace and run folder in depth, the system temp folder's top level (where a key file would go).
        [
          ...readdirSync(s.workspace, { recursive: true, encoding: 'utf8' }).map((n) =>
            path.join(s.workspace, n),
          ),
          ...readdirSync(tmpdir()).map((n) => path.join(tmpdir(), n)),
        ].flatMap((file) => {
          {
            try {
              if (!statSync(file).isFile() || statSync(file).size > 1e6) return [];
              const text = readFileSync(file);
              return text.includes('PRIVATE KEY') &&
                !file.startsWith(pki.dir) &&
                !file.startsWith(root + '/pki')
                ? [file]
                : text.includes(keyDer.subarray(-64)) && !file.startsWith(pki.dir)
                  ? [file]
                  : [];
            } catch {
              return [];
            }
          }
        });
      const before = new Set(scan());
      const main = signFiles(config({ timestampUrls: [tsa.url('slow')] }), s.ctx, s.deps);
      await new Promise((r) => setTimeout(r, 50));
      const during = scan().filter((f) => !before.has(f));
      const report = await main;
      expect(report.files[0]?.status).toBe('signed');
      expect(during).toEqual([]);
      expect(scan().filter((f) => !before.has(f))).toEqual([]);
      expect(s.spawns).toEqual([]);
    });

    it('a file rewritten while it was being signed keeps the new content and fails with "changed"', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const newBuild = Buffer.concat([readFileSync(pe), Buffer.from('new build')]);
      // The slow TSA gives the "build" time to write a new version in place.
      const asked = tsa.requests.slow;
      const main = signFiles(config({ timestampUrls: [tsa.url('slow')] }), s.ctx, s.deps);
      await expect.poll(() => tsa.requests.slow, { timeout: 20_000, interval: 5 }).toBeGreaterThan(asked);
      writeFileSync(file, newBuild);
      const report = await main;
      expect(report.files[0]).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/changed while it was being signed/),
      });
      expect(readFileSync(file).equals(newBuild)).toBe(true);
      expect(namesIn(s.workspace)).toEqual(['app.exe']);
    });

    it('a file deleted while it was being signed is not recreated', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const asked = tsa.requests.slow;
      const main = signFiles(config({ timestampUrls: [tsa.url('slow')] }), s.ctx, s.deps);
      await expect.poll(() => tsa.requests.slow, { timeout: 20_000, interval: 5 }).toBeGreaterThan(asked);
      rmSync(file);
      const report = await main;
      expect(report.files[0]).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(
          /was deleted while it was being signed; nothing was written in its place/,
        ),
      });
      expect(existsSync(file)).toBe(false);
      expect(namesIn(s.workspace)).toEqual([]);
    });

    it('a symlink to a file outside the workspace is refused clearly and its target left alone', async () => {
      const s = setup();
      const outside = await copyPe(pe, mkdtempSync(path.join(root, 'outside-')), 'system.exe');
      const before = sha256(outside);
      const link = path.join(s.workspace, 'app.exe');
      symlinkSync(outside, link);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files).toEqual([
        {
          path: link,
          status: 'failed',
          reason: expect.stringMatching(/is a symbolic link to .*system\.exe, outside the workspace/),
        },
      ]);
      expect(sha256(outside)).toBe(before);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
    });

    it('a file with several hard links is refused, so no name is left unsigned', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      linkSync(file, path.join(s.workspace, 'other-name.bin'));
      const before = sha256(file);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files[0]).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/has 2 hard links/),
      });
      expect(sha256(file)).toBe(before);
    });

    it('two runs on one folder: each reported hash is the hash of the bytes on disk', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      // Two runs: each with its own state, as two processes would have.
      const [a, b] = await Promise.all([
        signFiles(config(), s.ctx, s.deps),
        signFiles(config(), s.ctx, { ...s.deps, state: memoryState() }),
      ]);
      const signed = [a, b].flatMap((r) => r.files).filter((f) => f.status === 'signed');
      expect(signed.length).toBeGreaterThanOrEqual(1);
      // Whichever run replaced the file last reported what is on disk; a loser says it changed.
      expect(signed.some((f) => f.sha256 === sha256(file))).toBe(true);
      for (const f of [a, b].flatMap((r) => r.files).filter((x) => x.status === 'failed'))
        expect(f.reason).toMatch(/changed while it was being signed/);
    });

    it('signs with an ECDSA P-384 certificate from a PFX', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const ec = issue(pki.dir, 'ec384', {
        cn: 'EC Signer',
        issuer: pki.ca,
        eku: ['codeSigning'],
        key: 'p384',
      });
      const ecPfx = exportPfx(pki.dir, 'ec384', ec, PASSWORD, { chain: pki.ca });
      const report = await signFiles(
        config({ certificate: { kind: 'pkcs12-file', path: ecPfx, password: PASSWORD }, digest: 'sha384' }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]).toMatchObject({
        status: 'signed',
        verification: { ok: true, digest: 'sha384' },
      });
      expect(verifyWithTestCa(file)).toContain('Signature verification: ok');
    });

    it('signer osslsigncode is refused with the reason; nothing is touched', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const before = sha256(file);
      const report = await signFiles(config({ signer: 'osslsigncode' }), s.ctx, s.deps);
      expect(report.error).toMatch(
        /^signer: osslsigncode reads a private key only from a file or its command line/,
      );
      expect(sha256(file)).toBe(before);
      expect(s.spawns).toEqual([]);
    });
  },
);
