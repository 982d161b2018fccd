import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT, runCli, type CliIo } from '../../../src/cli.js';
import {
  ACCOUNT,
  artifactSigningStandin,
  PROFILE,
  type ArtifactSigningStandin,
} from '../../helpers/azure-artifact-signing.js';
import { CERTIFICATE_NAME, keyVaultStandin, type KeyVaultStandin } from '../../helpers/azure-key-vault.js';
import {
  azureEnv,
  CLIENT_SECRET,
  resolveLocalhostNames,
  startAzureStandin,
  trustTestCa,
  VAULT_HOST,
  type AzureStandin,
} from '../../helpers/azure-standin.js';
import { KMS_KEY_ID, startKmsStandin, type KmsStandin } from '../../helpers/aws-kms.js';
import { buildWindowsPe, copyPe } from '../../helpers/gobuild.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import { readOutputs, runnerEnv } from '../../helpers/runner.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../helpers/softhsm.js';
import { startTsa, type TestTsa } from '../../helpers/tsa.js';
import { describeWithTool } from '../../helpers/tools.js';

/** Every process the code under test starts, to prove where the PIN went (and did not go). */
const spawned = vi.hoisted(() => [] as Array<{ args: string[]; env: string; input: string }>);
vi.mock('../../../src/platform/runprocess.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/platform/runprocess.js')>();
  return {
    ...real,
    runProcess: ((file, args, options = {}) => {
      spawned.push({
        args: [file, ...args],
        env: JSON.stringify(options.env ?? {}),
        input: String(options.input ?? ''),
      });
      return real.runProcess(file, args, options);
    }) as typeof real.runProcess,
  };
});

const PIN = 'e2e-pin-8731';

/** Everything under `dir`, as text, for "the secret is in no file". */
function allFileText(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) text += readFileSync(path.join(entry.parentPath, entry.name), 'latin1');
  return text;
}

describeWithTool(
  ['go', 'osslsigncode', 'softhsm2-util', 'pkcs11-tool', 'openssl'],
  'keys that stay put sign Go-built PE files end to end',
  () => {
    const saved = { ...process.env };
    let work: string;
    let pki: TestPki;
    let tsa: TestTsa;
    let pe: string;
    let token: SoftHsmToken;
    let standin: AzureStandin;
    let signing: ArtifactSigningStandin;
    let vault: KeyVaultStandin;
    let kms: KmsStandin;
    const runnerDirs: string[] = [];
    let restore: Array<() => void>;
    let stdout: string[];
    let bundle: string;

    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), 'gag-e2e-'));
      pki = makeTestPki(path.join(work, 'pki'));
      tsa = await startTsa(pki);
      pe = await buildWindowsPe();
      token = createSoftHsmToken('release', PIN, [
        {
          keyFile: pki.leaf.keyFile,
          certFile: pki.leaf.certFile,
          label: 'signing',
          id: '01',
          withCertificate: true,
        },
      ]);
      restore = [trustTestCa(pki.ca), resolveLocalhostNames()];
      signing = artifactSigningStandin(pki.leaf, pki.ca);
      vault = keyVaultStandin(pki.leaf);
      kms = await startKmsStandin(pki.leaf);
      standin = await startAzureStandin(work, pki.ca, [signing.route, vault.route]);
      // osslsigncode verify trusts what SSL_CERT_FILE holds: the test CA (which also issued the TSA).
      bundle = path.join(work, 'trust.pem');
      writeFileSync(bundle, pki.ca.certPem);
    }, 180_000);
    afterAll(async () => {
      await standin?.close();
      await tsa?.close();
      await kms?.close();
      for (const r of restore ?? []) r();
      token?.cleanup();
      rmSync(work, { recursive: true, force: true });
      for (const dir of runnerDirs) rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      token.activate(); // the openssl and pkcs11-tool children find the token through SOFTHSM2_CONF
      process.exitCode = undefined;
      spawned.length = 0;
      stdout = [];
      signing.faults.length = 0;
      vault.faults.length = 0;
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        stdout.push(String(chunk));
        return true;
      });
    });
    afterEach(() => {
      vi.restoreAllMocks();
      process.env = { ...saved };
      process.exitCode = undefined;
    });

    const verify = (file: string) =>
      execFileSync(
        'osslsigncode',
        ['verify', '-in', file, '-CAfile', pki.ca.certFile, '-TSA-CAfile', pki.ca.certFile],
        {
          encoding: 'utf8',
        },
      );

    async function mainStep(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
      const r = runnerEnv({
        detections: 'false',
        sign: 'bin/*.exe',
        'timestamp-urls': tsa.url('good'),
        concurrency: '4',
        ...inputs,
      });
      runnerDirs.push(r.dir);
      const files = await Promise.all(
        ['a', 'b', 'c'].map((n) => copyPe(pe, path.join(r.dir, 'bin'), `${n}.exe`)),
      );
      const before = files.map((f) => readFileSync(f));
      Object.assign(process.env, r.env, { SSL_CERT_FILE: bundle }, env);
      const { run } = await import('../../../src/main.js');
      await run();
      const outputs = readFileSync(r.files.output, 'utf8');
      const report = JSON.parse(readFileSync(readOutputs(r.files.output).report ?? '', 'utf8'));
      return { r, files, before, report, outputs };
    }

    it('main step: a SoftHSM2 key signs and timestamps three Go-built PE files; osslsigncode verifies; the PIN stays on stdin', async () => {
      const { r, files, report, outputs } = await mainStep({
        'pkcs11-module': token.module,
        'pkcs11-key': 'pkcs11:token=release;object=signing',
        'pkcs11-pin': PIN,
      });
      expect(report.failures).toEqual([]);
      expect(process.exitCode ?? 0).toBe(0);
      expect(report.signing.certificate.source).toBe('pkcs11');
      expect(report.signing.files.map((f: { status: string }) => f.status)).toEqual([
        'signed',
        'signed',
        'signed',
      ]);
      for (const file of files)
        expect(verify(file)).toMatch(/Timestamp Server Signature verification: ok[\s\S]*Succeeded/);
      // The PIN: on the openssl child's stdin, nowhere else (argv, env, outputs, summary, report, files, log).
      const signs = spawned.filter((s) => s.args.includes('pkeyutl'));
      expect(signs).toHaveLength(3); // one signature per file, one token login each
      for (const s of signs) expect(s.input).toBe(`${PIN}\n`);
      for (const s of spawned) expect(`${s.args.join(' ')} ${s.env}`).not.toContain(PIN);
      expect(outputs + readFileSync(r.files.summary, 'utf8') + JSON.stringify(report)).not.toContain(PIN);
      expect(allFileText(r.dir)).not.toContain(PIN);
      const logged = stdout
        .join('')
        .split('\n')
        .filter((l) => l.includes(PIN));
      expect(logged.length).toBeGreaterThan(0);
      for (const line of logged) expect(line).toBe(`::add-mask::${PIN}`); // the runner's masker, told first
    });

    it('CLI sign: the PIN from --pkcs11-pin-env, the same files verify', async () => {
      const dir = mkdtempSync(path.join(work, 'cli-'));
      const file = await copyPe(pe, dir, 'app.exe');
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: (t) => void out.push(t),
        stderr: (t) => void err.push(t),
        readStdin: async () => '',
        env: {
          ...process.env,
          SSL_CERT_FILE: bundle,
          RELEASE_TOKEN_PIN: PIN,
          RUNNER_TEMP: path.join(dir, 'temp'),
        },
        cwd: dir,
      };
      const code = await runCli(
        [
          'sign',
          '--json',
          '--pkcs11-module',
          token.module,
          '--pkcs11-key',
          'pkcs11:token=release;object=signing',
          '--pkcs11-pin-env',
          'RELEASE_TOKEN_PIN',
          '--timestamp-urls',
          tsa.url('good'),
          'app.exe',
        ],
        io,
      );
      // stderr carries the per-file progress lines only.
      expect(err.join('')).toMatch(/^(sign: \S+: signed and verified \(\d+\.\d s\)\n)+$/);
      expect(code).toBe(EXIT.ok);
      expect(JSON.parse(out.join('')).signing.files[0].status).toBe('signed');
      expect(verify(file)).toMatch(/Succeeded/);
      expect(out.join('')).not.toContain(PIN);
      for (const s of spawned) expect(`${s.args.join(' ')} ${s.env}`).not.toContain(PIN);
      expect(allFileText(dir)).not.toContain(PIN);
    });

    for (const kind of ['client-secret', 'github-oidc'] as const) {
      it(`main step: Azure Artifact Signing with a ${kind} credential signs files that verify`, async () => {
        const { files, report } = await mainStep(
          {
            'artifact-signing-endpoint': standin.url,
            'artifact-signing-account': ACCOUNT,
            'artifact-signing-profile': PROFILE,
          },
          azureEnv(standin, kind),
        );
        expect(report.failures).toEqual([]);
        expect(report.signing.certificate.source).toBe('artifact-signing');
        for (const file of files) expect(verify(file)).toMatch(/Succeeded/);
        expect(JSON.stringify(report)).not.toContain(CLIENT_SECRET);
      });

      it(`main step: Azure Key Vault with a ${kind} credential signs files that verify`, async () => {
        const { files, report } = await mainStep(
          {
            'azure-key-vault-url': `https://${VAULT_HOST}:${new URL(standin.url).port}`,
            'azure-key-vault-certificate': CERTIFICATE_NAME,
            'certificate-chain': pki.ca.certFile,
          },
          azureEnv(standin, kind),
        );
        expect(report.failures).toEqual([]);
        expect(report.signing.certificate.source).toBe('azure-key-vault');
        for (const file of files) expect(verify(file)).toMatch(/Succeeded/);
      });
    }

    it('main step: an AWS KMS key with its certificate-chain signs files that verify', async () => {
      const { files, report } = await mainStep(
        { 'aws-kms-key': KMS_KEY_ID, 'certificate-chain': pki.leaf.certFile },
        kms.env,
      );
      expect(report.failures).toEqual([]);
      expect(report.signing.certificate.source).toBe('aws-kms');
      for (const file of files) expect(verify(file)).toMatch(/Succeeded/);
      expect(JSON.stringify(report)).not.toContain(kms.env.AWS_SECRET_ACCESS_KEY);
    });

    describe('failures leave every file byte-for-byte as it was, with one clear message', () => {
      it.each([
        [403, /"Artifact Signing Certificate Profile Signer" role/],
        [401, /AZURE_TENANT_ID/],
        [503, /answered 503 .* after 5 tries: the service failed/],
      ])('Artifact Signing answers %i to the digest', async (status, message) => {
        // Retry-After: 0 keeps the five tries of a 503 quick; the back-off itself is tested in artifact-signing.test.ts
        signing.faults.push({
          match: 'POST /codesigningaccounts',
          status,
          body: { error: { code: String(status), message: 'refused' } },
          headers: { 'Retry-After': '0' },
        });
        const { files, before, report } = await mainStep(
          {
            'artifact-signing-endpoint': standin.url,
            'artifact-signing-account': ACCOUNT,
            'artifact-signing-profile': PROFILE,
          },
          { ...azureEnv(standin, 'client-secret') },
        );
        expect(process.exitCode).toBe(1);
        expect(
          report.signing.files.every(
            (f: { status: string; reason: string }) => f.status === 'failed' && message.test(f.reason),
          ),
        ).toBe(true);
        files.forEach((f, i) => expect(readFileSync(f).equals(before[i] as Buffer)).toBe(true));
        expect(readdirSync(path.dirname(files[0] as string))).toEqual(['a.exe', 'b.exe', 'c.exe']);
      });

      it.each([
        [403, /"Key Vault Crypto User"/],
        [429, /throttling or failing after several tries/],
      ])('Key Vault answers %i to the sign', async (status, message) => {
        vault.faults.push({ match: 'POST /keys/', status, headers: { 'Retry-After': '0' } });
        const { files, before, report } = await mainStep(
          {
            'azure-key-vault-url': `https://${VAULT_HOST}:${new URL(standin.url).port}`,
            'azure-key-vault-certificate': CERTIFICATE_NAME,
          },
          azureEnv(standin, 'client-secret'),
        );
        expect(process.exitCode).toBe(1);
        for (const f of report.signing.files) expect(f.reason).toMatch(message);
        files.forEach((f, i) => expect(readFileSync(f).equals(before[i] as Buffer)).toBe(true));
      });

      it('a refused client secret stops before any file is touched', async () => {
        standin.failTokenOnce = {
          status: 401,
          error: 'invalid_client',
          description: 'AADSTS7000215: Invalid client secret provided.',
        };
        const { files, before, report } = await mainStep(
          {
            'artifact-signing-endpoint': standin.url,
            'artifact-signing-account': ACCOUNT,
            'artifact-signing-profile': PROFILE,
          },
          azureEnv(standin, 'client-secret'),
        );
        expect(report.signing.error).toMatch(
          /could not get an Azure access token with the client secret credential: .*AADSTS7000215/,
        );
        files.forEach((f, i) => expect(readFileSync(f).equals(before[i] as Buffer)).toBe(true));
      });
    });

    it('a wrong PIN fails the step naming pkcs11-pin and changes nothing', async () => {
      const { files, before, report } = await mainStep({
        'pkcs11-module': token.module,
        'pkcs11-key': 'pkcs11:token=release;object=signing',
        'pkcs11-pin': '0000-wrong',
      });
      expect(process.exitCode).toBe(1);
      expect(report.signing.files[0].reason).toMatch(/check pkcs11-pin/);
      files.forEach((f, i) => expect(readFileSync(f).equals(before[i] as Buffer)).toBe(true));
      // tokens lock after a few wrong PINs: one login attempt for the whole run
      expect(spawned.filter((s) => s.args.includes('pkeyutl'))).toHaveLength(1);
    });
  },
);
