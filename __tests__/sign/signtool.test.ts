import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { POWERSHELL_INPUT_VAR, powerShellScriptOf } from '../../src/platform/powershell.js';
import { memoryState } from '../../src/platform/state.js';
import { loadPkcs12Certificate } from '../../src/sign/certificate.js';
import { cleanupSigning, signFiles, SIGNING_CLEANUP_STATE } from '../../src/sign/index.js';
import {
  FIND_CERTIFICATE_SCRIPT,
  IMPORT_PFX_SCRIPT,
  REMOVE_CERTIFICATES_SCRIPT,
} from '../../src/sign/store.js';
import { signPe } from '../../src/sign/authenticode/engine.js';
import { buildWindowsPe, copyPe } from '../helpers/gobuild.js';
import { startTsa, type TestTsa } from '../helpers/tsa.js';
import { keyOf, signConfig } from './keys.js';
import { exportPfx, makeTestPki, type TestPki } from '../helpers/pki.js';
import { isPowerShell, powerShellStdout, recordingRunner, type Spawn } from '../helpers/recorder.js';
import { describeWithTool } from '../helpers/tools.js';

const PASSWORD = `pä"s's $(whoami) \`id\` %PATH%; ünï ß`;
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'sign');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const script = (s: Spawn): string => powerShellScriptOf(s.options);
const isImport = (s: Spawn): boolean => isPowerShell(s) && script(s).includes(IMPORT_PFX_SCRIPT);
const isRemove = (s: Spawn): boolean => isPowerShell(s) && script(s).includes(REMOVE_CERTIFICATES_SCRIPT);
const isFind = (s: Spawn): boolean => isPowerShell(s) && script(s).includes(FIND_CERTIFICATE_SCRIPT);
const input = (s: Spawn): Record<string, unknown> =>
  JSON.parse(s.options.env?.[POWERSHELL_INPUT_VAR] ?? 'null') as Record<string, unknown>;
/** Stands in for X509Certificate2(bytes, password): opens the PKCS#12 with what the script was given. */
async function openPfx(s: Spawn): Promise<string> {
  const given = input(s) as { path?: string; base64?: string; password: string };
  const source = given.base64
    ? { kind: 'pkcs12-base64' as const, base64: given.base64, password: given.password }
    : { kind: 'pkcs12-file' as const, path: given.path ?? '', password: given.password };
  return (await loadPkcs12Certificate(source, new Date(), () => undefined)).info.thumbprint;
}
/** Every file below `dir`, with its bytes. */
function filesBelow(dir: string): Array<{ file: string; bytes: Buffer }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile())
    .map((file) => ({ file, bytes: readFileSync(file) }));
}

const isSigntool = (verb: string) => (s: Spawn) => /signtool\.exe$/.test(s.file) && s.args[0] === verb;

describeWithTool(
  ['go', 'openssl'],
  'signing with signtool on Windows (recorded runner, fixture outputs)',
  () => {
    let root: string;
    let pki: TestPki;
    let pe: string;
    let pfx: string;
    let kits: string;
    let signtool: string;
    let thumbprint: string;
    let tsa: TestTsa;

    beforeAll(async () => {
      root = mkdtempSync(path.join(tmpdir(), 'gag-signtool-'));
      pki = makeTestPki(path.join(root, 'pki'));
      pe = await buildWindowsPe();
      pfx = exportPfx(pki.dir, 'leaf', pki.leaf, PASSWORD, { chain: pki.ca });
      tsa = await startTsa(pki);
      // A folder shaped like an SDK install, so locateSigningTool picks the x64 signtool of the newest version.
      kits = path.join(root, 'Windows Kits', '10', 'bin');
      signtool = path.join(kits, '10.0.22621.0', 'x64', 'signtool.exe');
      mkdirSync(path.dirname(signtool), { recursive: true });
      writeFileSync(signtool, '');
      thumbprint = createHash('sha1')
        .update(Buffer.from(pki.leaf.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
        .digest('hex')
        .toUpperCase();
    });
    afterAll(async () => {
      await tsa?.close();
      rmSync(root, { recursive: true, force: true });
    });

    interface Options {
      timestamp?: (s: Spawn) => { exitCode: number; stdout?: string; stderr?: string };
      verify?: { exitCode: number; stdout: string; stderr?: string };
      existed?: boolean;
      hangOnSign?: Promise<void>;
      store?: object | null;
      /** What Windows reports it imported, when not the PKCS#12's own leaf. */
      importedThumbprint?: string;
      /** The removal script's answer; default: everything removed. */
      removal?: (s: Spawn) => object;
    }

    function setup(o: Options = {}) {
      const workspace = mkdtempSync(path.join(root, 'ws-'));
      // signtool stand-in: signs each file it is given in place with the real engine and the PFX's key.
      const signInPlace = async (sp: Spawn): Promise<string> => {
        const files = sp.args.filter((a) => a.endsWith('.exe'));
        for (const f of files) {
          const signed = await signPe(readFileSync(f), keyOf(pki.leaf, pki), {
            digest: 'sha256',
            append: sp.args.includes('/as'),
          });
          writeFileSync(f, signed.bytes);
        }
        return files.map((f) => `Done Adding Additional Store\r\nSuccessfully signed: ${f}\r\n`).join('');
      };
      /** Every file in the workspace (temp dir included) while the import script runs. */
      const onDiskAtImport: Array<{ file: string; bytes: Buffer }> = [];
      const recorder = recordingRunner([
        [
          isImport,
          async (s) => {
            onDiskAtImport.push(...filesBelow(workspace));
            return {
              stdout: powerShellStdout(
                JSON.stringify({
                  thumbprint: o.importedThumbprint ?? (await openPfx(s)),
                  hasPrivateKey: true,
                  existed: Boolean(o.existed),
                }),
              ),
            };
          },
        ],
        [
          isRemove,
          (s) => ({
            stdout: powerShellStdout(
              JSON.stringify(o.removal?.(s) ?? { removed: input(s).thumbprints, failed: [] }),
            ),
          }),
        ],
        [isFind, { stdout: powerShellStdout(JSON.stringify(o.store ?? null)) }],
        [
          isSigntool('sign'),
          async (s) => {
            if (o.hangOnSign) await o.hangOnSign;
            return { stdout: await signInPlace(s) };
          },
        ],
        [isSigntool('verify'), o.verify ?? { exitCode: 0, stdout: fixture('signtool-verify-trusted.txt') }],
      ]);
      const deps: Deps & { state: ReturnType<typeof memoryState> } = {
        run: recorder.run,
        platform: 'win32',
        arch: 'x64',
        env: {},
        state: memoryState(),
        setSecret: () => undefined,
        now: () => new Date(),
      };
      return {
        workspace,
        spawns: recorder.spawns,
        onDiskAtImport,
        deps,
        ctx: {
          workspace,
          tempDir: path.join(workspace, '.tmp'),
          kitsRoots: [kits],
          trust: { caFile: pki.ca.certFile },
          retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
        },
      };
    }

    const config = (over: Partial<SignConfig> = {}): SignConfig => ({
      patterns: ['*.exe'],
      certificate: {
        kind: 'pkcs12-base64',
        base64: readFileSync(pfx).toString('base64'),
        password: PASSWORD,
      },
      timestampUrls: [tsa.url('good')],
      digest: 'sha256',
      description: 'My App',
      descriptionUrl: 'https://example.test/app',
      skipSigned: true,
      appendSignature: false,
      signtoolPath: undefined,
      ifNoFilesFound: 'error',
      concurrency: 2,
      signer: 'auto',
      timestampTimeoutMs: 10_000,
      ...over,
    });

    it('imports the PFX through PowerShell with the PKCS#12 and password in the environment, signs by thumbprint, removes it again', async () => {
      const s = setup();
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const base64 = readFileSync(pfx).toString('base64');
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.tool).toBe('signtool');
      expect(report.files[0]).toMatchObject({
        path: file,
        status: 'signed',
        sha256: sha256(file),
        timestampServer: tsa.url('good'),
        verification: { ok: true, chainTrusted: true, timestamped: true },
      });

      // No PFX file on Windows, where a file mode does not make it private: the PKCS#12 travels only in the
      // script's JSON input, never in argv nor in the (constant) script text.
      const [imported] = s.spawns.filter(isImport);
      expect(input(imported as Spawn)).toEqual({ base64, password: PASSWORD });
      expect(s.onDiskAtImport.length).toBeGreaterThan(0);
      for (const { file: onDisk, bytes } of s.onDiskAtImport) {
        expect(onDisk).not.toMatch(/\.(pfx|p12)$/i);
        expect(bytes.equals(readFileSync(pfx))).toBe(false);
        expect(bytes.toString('latin1')).not.toContain(base64.slice(0, 64));
      }
      expect(filesBelow(s.ctx.tempDir)).toEqual([]);
      expect(script(imported as Spawn)).not.toContain(PASSWORD);
      expect(script(imported as Spawn)).not.toContain(base64.slice(0, 64));
      for (const spawn of s.spawns) {
        expect(spawn.args.join(' ')).not.toContain(base64.slice(0, 64));
        const env = { ...spawn.options.env };
        delete env[POWERSHELL_INPUT_VAR];
        expect(JSON.stringify(env)).not.toContain(base64.slice(0, 64));
      }

      const temp = (verb: string): string => s.spawns.find(isSigntool(verb))?.args.at(-1) as string;
      expect(path.dirname(temp('sign'))).toBe(s.workspace);
      expect(s.spawns.filter((x) => /signtool/.test(x.file)).map((x) => x.args)).toEqual([
        [
          'sign',
          '/sha1',
          thumbprint,
          '/s',
          'My',
          '/fd',
          'sha256',
          '/d',
          'My App',
          '/du',
          'https://example.test/app',
          temp('sign'),
        ],
        // Timestamped in process; signtool's own verification once over every signed copy.
        ['verify', '/pa', '/all', '/v', temp('sign')],
      ]);
      expect(s.spawns.every((x) => /signtool/.test(x.file) || isPowerShell(x))).toBe(true);
      for (const spawn of s.spawns) {
        expect(spawn.args).not.toContain('/p');
        expect(spawn.args.join(' ')).not.toContain(PASSWORD);
        expect(spawn.args.join(' ')).not.toContain(pfx);
        expect(spawn.args.join(' ')).not.toMatch(/\.(pfx|p12|pem|key)\b/i);
      }
      // Cleanup at the end of the step: the certificate leaves the store, the PFX copy leaves the disk.
      const [removal] = s.spawns.filter(isRemove);
      expect(input(removal as Spawn)).toEqual({ thumbprints: [thumbprint] });
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [],
      });
      expect(JSON.stringify(report)).not.toContain(PASSWORD);
      expect(readdirSync(s.workspace).filter((n) => n !== '.tmp')).toEqual(['app.exe']);
    });

    it('ephemeral signs with the built-in engine (signtool needs a PFX or store certificate); a signtool verify failure fails the file and changes nothing', async () => {
      const ephemeral = setup();
      await copyPe(pe, ephemeral.workspace, 'app.exe');
      const report = await signFiles(
        config({ certificate: { kind: 'ephemeral' } }),
        ephemeral.ctx,
        ephemeral.deps,
      );
      expect(report.tool).toBe('built-in');
      expect(report.files[0]).toMatchObject({
        status: 'signed',
        verification: { ok: true, chainTrusted: false },
      });
      expect(readFileSync(report.certificate?.publicCertPath as string, 'utf8')).toContain(
        'BEGIN CERTIFICATE',
      );
      expect(ephemeral.spawns.filter((x) => isImport(x) || /signtool/.test(x.file))).toEqual([]);

      const broken = setup({
        verify: {
          exitCode: 1,
          stdout: fixture('signtool-verify-bad-digest.txt'),
          stderr: fixture('signtool-verify-bad-digest.stderr.txt'),
        },
      });
      const file = await copyPe(pe, broken.workspace, 'app.exe');
      const before = sha256(file);
      const failed = await signFiles(config(), broken.ctx, broken.deps);
      expect(failed.files[0]?.reason).toMatch(
        /^signtool verify: signature broken: WinVerifyTrust returned error: 0x80096010/,
      );
      expect(sha256(file)).toBe(before);
    });

    it('several files: one sign call for all of them, one verify call; append-signature uses /as', async () => {
      const s = setup();
      const files = await Promise.all(['a.exe', 'b.exe', 'c.exe'].map((n) => copyPe(pe, s.workspace, n)));
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.files.map((f) => f.status)).toEqual(['signed', 'signed', 'signed']);
      expect(s.spawns.filter(isSigntool('sign'))).toHaveLength(1);
      expect(s.spawns.filter(isSigntool('sign'))[0]?.args.filter((a) => a.endsWith('.exe'))).toHaveLength(3);
      expect(s.spawns.filter(isSigntool('verify'))).toHaveLength(1);
      const again = setup();
      const file = await copyPe(pe, again.workspace, 'app.exe');
      writeFileSync(file, (await signPe(readFileSync(pe), keyOf(pki.leaf, pki), { digest: 'sha256' })).bytes);
      const appended = await signFiles(config({ appendSignature: true }), again.ctx, again.deps);
      expect(appended.files[0]).toMatchObject({
        status: 'signed',
        signatureIndex: 1,
        verification: { timestamped: true },
      });
      expect(again.spawns.find(isSigntool('sign'))?.args).toContain('/as');
      expect(files).toHaveLength(3);
    });

    it('a PFX that was already in the store is used but not removed', async () => {
      const s = setup({ existed: true });
      await copyPe(pe, s.workspace, 'app.exe');
      await signFiles(config(), s.ctx, s.deps);
      expect(s.spawns.filter(isRemove)).toEqual([]);
    });

    it('certificate-thumbprint: checked in the store, signs with /sm for LocalMachine, never imports or removes', async () => {
      const store = {
        location: 'LocalMachine',
        subject: 'CN=Example Corp, O=Example',
        issuer: 'CN=Example CA',
        thumbprint,
        notBefore: '2025-01-01T00:00:00.0000000Z',
        notAfter: new Date(Date.now() + 200 * 86_400_000).toISOString(),
        hasPrivateKey: true,
        hasEku: true,
        ekus: '1.3.6.1.5.5.7.3.3',
      };
      const s = setup({ store });
      await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(
        config({ certificate: { kind: 'thumbprint', thumbprint } }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]?.status).toBe('signed');
      expect(report.certificate).toMatchObject({
        source: 'thumbprint',
        subject: 'CN=Example Corp, O=Example',
        selfSigned: false,
      });
      expect(input(s.spawns.find(isFind) as Spawn)).toEqual({ thumbprint });
      expect(s.spawns.find(isSigntool('sign'))?.args.slice(0, 6)).toEqual([
        'sign',
        '/sha1',
        thumbprint,
        '/sm',
        '/s',
        'My',
      ]);
      expect(s.spawns.filter((x) => isImport(x) || isRemove(x))).toEqual([]);

      const noEku = setup({ store: { ...store, hasEku: true, ekus: ['1.3.6.1.5.5.7.3.1'] } });
      await copyPe(pe, noEku.workspace, 'app.exe');
      const rejected = await signFiles(
        config({ certificate: { kind: 'thumbprint', thumbprint } }),
        noEku.ctx,
        noEku.deps,
      );
      expect(rejected.error).toMatch(
        /^certificate-thumbprint: CN=Example Corp, O=Example is not a code-signing certificate/,
      );
      expect(noEku.spawns.filter(isSigntool('sign'))).toEqual([]);
    });

    it('post cleanup after a main step killed mid-signing removes the certificate and the temp copies', async () => {
      const s = setup({ hangOnSign: new Promise(() => undefined) });
      await copyPe(pe, s.workspace, 'app.exe');
      void signFiles(config(), s.ctx, s.deps);
      await expect.poll(() => s.spawns.some(isSigntool('sign')), { timeout: 10_000 }).toBe(true);
      const recorded = JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}') as {
        paths: string[];
        thumbprints: string[];
      };
      expect(recorded.thumbprints).toEqual([thumbprint]);
      // No secret folder on Windows: only the two temp copies next to the binary, recorded before they exist.
      const signingCopy = s.spawns.find(isSigntool('sign'))?.args.at(-1) as string;
      expect(existsSync(signingCopy)).toBe(true);
      expect(recorded.paths).toEqual([signingCopy]);
      expect(recorded.paths.every((p) => path.dirname(p) === s.workspace)).toBe(true);

      // The post step: a fresh process with only the saved state.
      const post = setup();
      const notes = await cleanupSigning({ ...post.deps, state: s.deps.state });
      expect(notes).toEqual([]);
      expect(post.spawns.filter(isRemove).map(input)).toEqual([{ thumbprints: [thumbprint] }]);
      expect(readdirSync(s.workspace)).toEqual(['app.exe']);
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [],
      });
    });

    it("certificate-file: the import script reads the user's own file; nothing is copied", async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(
        config({ certificate: { kind: 'pkcs12-file', path: pfx, password: PASSWORD } }),
        s.ctx,
        s.deps,
      );
      expect(report.files[0]?.status).toBe('signed');
      expect(input(s.spawns.find(isImport) as Spawn)).toEqual({ path: pfx, password: PASSWORD });
      expect(s.onDiskAtImport.filter(({ bytes }) => bytes.equals(readFileSync(pfx)))).toEqual([]);
    });

    it('a PKCS#12 goes to PowerShell in memory; one too large for an environment variable is one clear error', async () => {
      const s = setup();
      await copyPe(pe, s.workspace, 'app.exe');
      const report = await signFiles(config({ certificate: { kind: 'ephemeral' } }), s.ctx, s.deps);
      expect(report.files[0]?.status).toBe('signed');
      // A PKCS#12 carrying the CA certificate 30 times: over 32,767 characters as base64.
      const big = setup();
      await copyPe(pe, big.workspace, 'app.exe');
      const bundle = path.join(big.workspace, 'many.pem');
      writeFileSync(bundle, readFileSync(pki.ca.certFile, 'utf8').repeat(30));
      const chain = exportPfx(pki.dir, 'big', pki.leaf, PASSWORD, { chain: { ...pki.ca, certFile: bundle } });
      expect(readFileSync(chain).toString('base64').length).toBeGreaterThan(32_767);
      const rejected = await signFiles(
        config({
          certificate: {
            kind: 'pkcs12-base64',
            base64: readFileSync(chain).toString('base64'),
            password: PASSWORD,
          },
        }),
        big.ctx,
        big.deps,
      );
      expect(rejected.error).toMatch(/^certificate: the PKCS#12 is too large to hand to PowerShell/);
      expect(big.spawns.filter((x) => isImport(x) || isSigntool('sign')(x))).toEqual([]);
    });

    it('a thumbprint mismatch keeps what Windows actually imported recorded for cleanup, not the expected one', async () => {
      const other = 'B'.repeat(40);
      const s = setup({ importedThumbprint: other });
      const file = await copyPe(pe, s.workspace, 'app.exe');
      const before = sha256(file);
      const report = await signFiles(config(), s.ctx, s.deps);
      expect(report.error).toBe(`certificate: Windows imported ${other}, expected ${thumbprint}`);
      expect(sha256(file)).toBe(before);
      // Cleanup at the end of the step removed the imported one, and never touched the expected one.
      expect(s.spawns.filter(isRemove).map(input)).toEqual([{ thumbprints: [other] }]);
    });

    it('a PFX that was already in the store is forgotten for cleanup right after the import', async () => {
      const s = setup({ existed: true, hangOnSign: new Promise(() => undefined) });
      await copyPe(pe, s.workspace, 'app.exe');
      void signFiles(config(), s.ctx, s.deps);
      await expect.poll(() => s.spawns.some(isSigntool('sign')), { timeout: 10_000 }).toBe(true);
      expect(JSON.parse(s.deps.state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toMatchObject({
        thumbprints: [],
      });
    });

    it.each([
      ['an array (PowerShell 7)', (t: string) => [{ thumbprint: t, reason: 'Access is denied.' }]],
      ['a single object (PowerShell 5.1)', (t: string) => ({ thumbprint: t, reason: 'Access is denied.' })],
    ])(
      'post cleanup keeps a thumbprint whose removal failed, given as %s, and drops the removed ones',
      async (_shape, failed) => {
        const other = 'C'.repeat(40);
        const state = memoryState({
          [SIGNING_CLEANUP_STATE]: JSON.stringify({ paths: [], thumbprints: [thumbprint, other] }),
        });
        const post = setup({ removal: () => ({ removed: [other], failed: failed(thumbprint) }) });
        const notes = await cleanupSigning({ ...post.deps, state });
        expect(notes).toEqual([
          {
            level: 'warning',
            message: `sign cleanup: could not remove the imported certificate ${thumbprint} from CurrentUser\\My: Access is denied.`,
          },
        ]);
        expect(JSON.parse(state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
          paths: [],
          thumbprints: [thumbprint],
        });
        // A later post step tries again, and succeeds.
        const later = setup();
        expect(await cleanupSigning({ ...later.deps, state })).toEqual([]);
        expect(later.spawns.filter(isRemove).map(input)).toEqual([{ thumbprints: [thumbprint] }]);
        expect(JSON.parse(state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
          paths: [],
          thumbprints: [],
        });
      },
    );

    it('post cleanup turns a PowerShell failure into a warning and keeps the thumbprint for a later try', async () => {
      const state = memoryState({
        [SIGNING_CLEANUP_STATE]: JSON.stringify({ paths: [], thumbprints: [thumbprint] }),
      });
      const failing = recordingRunner([[isPowerShell, { exitCode: 1, stderr: 'Access is denied.' }]]);
      const notes = await cleanupSigning({
        run: failing.run,
        platform: 'win32',
        arch: 'x64',
        env: {},
        state,
        setSecret: () => undefined,
        now: () => new Date(),
      });
      expect(notes).toEqual([
        {
          level: 'warning',
          message: expect.stringMatching(
            new RegExp(`could not remove the imported certificate\\(s\\) ${thumbprint}.*Access is denied`),
          ),
        },
      ]);
      expect(JSON.parse(state.values[SIGNING_CLEANUP_STATE] ?? '{}')).toEqual({
        paths: [],
        thumbprints: [thumbprint],
      });
    });
  },
);

/*
 * PowerShell cannot run here: these pin the order of operations that keeps private keys from being left behind.
 * The e2e workflow runs the scripts for real on windows-latest.
 */
describe('certificate store scripts', () => {
  const at = (text: string, needle: string): number => {
    const i = text.indexOf(needle);
    expect(i, needle).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('import: reads the thumbprint with an ephemeral key, checks the store, persists a key only to add it', () => {
    const s = IMPORT_PFX_SCRIPT;
    const probe = at(s, '$flags::EphemeralKeySet)');
    const exists = at(s, "$existed = @($store.Certificates.Find('FindByThumbprint', $thumbprint");
    const persist = at(s, "'UserKeySet, PersistKeySet'");
    expect(probe).toBeLessThan(exists);
    expect(exists).toBeLessThan(persist);
    expect(s.indexOf('PersistKeySet')).toBe(persist + "'UserKeySet, ".length);
    expect(s.slice(exists, persist)).toContain('if (-not $existed) {');
    // A failed Add deletes the key it just persisted; the result names the certificate actually imported.
    expect(s).toContain('try { $store.Add($cert) } catch { Remove-PersistedKey $cert; throw }');
    expect(s).toMatch(/\$thumbprint = \$cert\.Thumbprint[\s\S]*@\{ thumbprint = \$thumbprint;/);
    // The PKCS#12 comes from memory (base64) or the user's own file; nothing is written.
    expect(s).toContain('[Convert]::FromBase64String([string]$In.base64)');
    expect(s).toContain('[System.IO.File]::ReadAllBytes([string]$In.path)');
    expect(s).not.toMatch(/WriteAllBytes|Set-Content|Out-File/);
  });

  it('remove: deletes the key before the certificate and reports failures as {thumbprint, reason}', () => {
    const s = REMOVE_CERTIFICATES_SCRIPT;
    expect(at(s, 'Remove-PersistedKey $c')).toBeLessThan(at(s, '$store.Remove($c)'));
    expect(s).toContain('$failed += @{ thumbprint = $t; reason = $_.Exception.Message }');
    // "$t: ..." would not even parse in PowerShell ($t: reads as a scope-qualified variable name).
    expect(s).not.toMatch(/"[^"]*\$\w+:/);
  });
});

describe('certificate-thumbprint off Windows', () => {
  it('is one clear error', async () => {
    const recorder = recordingRunner([]);
    const workspace = mkdtempSync(path.join(tmpdir(), 'gag-thumb-'));
    writeFileSync(path.join(workspace, 'app.exe'), 'MZ');
    const report = await signFiles(
      signConfig({ certificate: { kind: 'thumbprint', thumbprint: 'A'.repeat(40) }, concurrency: 1 }),

      { workspace, tempDir: path.join(workspace, '.tmp') },
      {
        run: recorder.run,
        platform: 'linux',
        arch: 'x64',
        env: {},
        state: memoryState(),
        setSecret: () => undefined,
        now: () => new Date(),
      },
    );
    expect(report.error).toMatch(
      /^certificate-thumbprint: selects a certificate from the Windows certificate store, which exists only on Windows/,
    );
    expect(recorder.spawns).toEqual([]);
    rmSync(workspace, { recursive: true, force: true });
  });
});
