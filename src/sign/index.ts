import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CertificateSource, KeySource, SignConfig } from '../config.js';
import { NO_CERTIFICATE } from '../config.js';
import type { Deps } from '../deps.js';
import { makePrivateDir } from '../platform/files.js';
import { error as errorNote, info, warning } from '../report/note.js';
import {
  CertificateError,
  checkCertificate,
  describeCertificate,
  loadPkcs12Certificate,
  makeEphemeralCertificate,
  registerSourceSecrets,
  toPem,
  type SigningCertificate,
} from './certificate.js';
import { cleanupSigning, forgetForCleanup, recordForCleanup } from './cleanup.js';
import { TrustAnchors } from './anchors.js';
import { signFile } from './file.js';
import { engineSigner } from './keys/engine-signer.js';
import { isKeySource, keySourceInput, openKeySource, type SigningKey } from './keys/index.js';
import { expandPatterns } from '../platform/glob.js';
import { locateSigningTool } from './locate.js';
import { osslsigncodeSigner } from './osslsigncode.js';
import { mapWithConcurrency } from './pool.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import type { Signer } from './signer.js';
import { signtoolSigner } from './signtool.js';
import { findStoreCertificate, importPfx, type Pkcs12Input } from './store.js';
import type { CertificateInfo, SigningReport } from './types.js';

export { cleanupSigning, SIGNING_CLEANUP_STATE } from './cleanup.js';
export type { SigningCleanup } from './cleanup.js';
export type { RetryPolicy } from './retry.js';

export interface SignContext {
  /** Relative patterns are resolved against it. */
  workspace: string;
  /** This run's scratch folder: secrets go in an owner-only folder below it, the ephemeral public cert beside it. */
  tempDir: string;
  /** Extra trust anchors for verification (osslsigncode): a private CA, a test TSA. Default: the system's. */
  trust?: { caFile?: string; tsaCaFile?: string };
  /** Per timestamp server; default 3 attempts starting at 500 ms. */
  retry?: RetryPolicy;
  /** Where to look for signtool (tests); default: the Windows Kits folders. */
  kitsRoots?: string[];
  /** Back-off sleep (tests). */
  wait?: (ms: number) => Promise<void>;
}

/** The system CA bundle osslsigncode would use, so adding our anchors does not drop the system's. */
const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

/**
 * Signs every file the patterns match. Certificate and tool are checked before any file is touched; each
 * file is then signed, timestamped and verified atomically. Returns data only: it never prints.
 */
export async function signFiles(config: SignConfig, ctx: SignContext, deps: Deps): Promise<SigningReport> {
  const tool = deps.platform === 'win32' ? 'signtool' : 'osslsigncode';
  const report: SigningReport = {
    tool,
    digest: config.digest,
    timestampUrls: [...config.timestampUrls],
    files: [],
    notes: [],
  };
  // Everything this call learns is secret is also scrubbed from the report, in case a tool echoes it.
  const secrets: string[] = [];
  const setSecret = (value: string): void => {
    if (!value) return;
    secrets.push(value);
    deps.setSecret(value);
  };
  if (config.certificate) registerSourceSecrets(config.certificate, setSecret);
  try {
    await run(config, ctx, deps, report, setSecret);
  } catch (error) {
    report.error =
      error instanceof CertificateError
        ? error.message
        : `sign: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    report.notes.push(...(await cleanupSigning(deps)));
  }
  if (report.error) report.notes.push(errorNote(report.error));
  return scrubSecrets(report, secrets);
}

async function run(
  config: SignConfig,
  ctx: SignContext,
  deps: Deps,
  report: SigningReport,
  setSecret: (value: string) => void,
): Promise<void> {
  if (config.patterns.length === 0) return;
  const files = await distinctTargets(await expandPatterns(config.patterns, ctx.workspace));
  if (files.length === 0) {
    const message = `sign: no files matched ${config.patterns.map((p) => JSON.stringify(p)).join(', ')} (in ${ctx.workspace})`;
    if (config.ifNoFilesFound === 'error')
      report.error = `${message}; check the patterns, or set if-no-files-found to warn or ignore`;
    else if (config.ifNoFilesFound === 'warn') report.notes.push(warning(message));
    return;
  }
  if (!config.certificate) {
    report.error = NO_CERTIFICATE;
    return;
  }
  if (config.timestampUrls.length === 0) {
    report.notes.push(
      warning(
        'timestamp-urls: none; signatures without a timestamp stop being valid when the certificate expires',
      ),
    );
  }
  const source = config.certificate;
  // In-process checks first: a bad certificate must fail before any file or tool is touched.
  const certificate =
    source.kind === 'thumbprint' || isKeySource(source)
      ? undefined
      : await loadCertificate(source, deps, setSecret);
  if (source.kind === 'thumbprint' && deps.platform !== 'win32') {
    throw new CertificateError(
      'certificate-thumbprint: selects a certificate from the Windows certificate store, which exists only on Windows; use certificate or certificate-file here',
    );
  }
  const located = await locateSigningTool(deps.run, {
    platform: deps.platform,
    arch: deps.arch,
    env: deps.env,
    ...(config.signtoolPath ? { signtoolPath: config.signtoolPath } : {}),
    ...(ctx.kitsRoots ? { kitsRoots: ctx.kitsRoots } : {}),
  });
  if (!located.found || !located.path) {
    report.error = `sign: ${located.reason ?? `${tool(deps)} not found`}`;
    return;
  }
  const prepared =
    source.kind === 'thumbprint'
      ? await prepareStoreThumbprint(source.thumbprint, located.path, config, deps)
      : isKeySource(source)
        ? await prepareKeySource(source, located.path, config, ctx, deps, setSecret)
        : await prepareCertificate(
            certificate as SigningCertificate,
            source,
            located.path,
            config,
            ctx,
            deps,
            setSecret,
          );
  report.certificate = prepared.info;
  report.notes.push(...prepared.notes);
  if (prepared.key) report.notes.push(info(`signing key: ${prepared.key.description}`));
  report.files = await mapWithConcurrency(files, config.concurrency, (file) =>
    signFile(file, {
      signer: prepared.signer,
      timestampUrls: config.timestampUrls,
      retry: ctx.retry ?? DEFAULT_RETRY,
      digest: config.digest,
      skipSigned: config.skipSigned,
      appendSignature: config.appendSignature,
      signerSubject: prepared.info.subject,
      selfSigned: prepared.info.selfSigned,
      temps: {
        record: (paths) => recordForCleanup(deps, { paths }),
        forget: (paths) => forgetForCleanup(deps, { paths }),
      },
      ...(ctx.wait ? { wait: ctx.wait } : {}),
    }),
  );
  await prepared.key?.close?.();
  const count = (status: string): number => report.files.filter((f) => f.status === status).length;
  report.notes.push(
    info(
      `signed ${count('signed')}, skipped ${count('skipped')}, failed ${count('failed')} of ${files.length} file(s) with ${prepared.signer.tool} as ${prepared.info.subject}`,
    ),
  );
  for (const file of report.files.filter((f) => f.status === 'failed'))
    report.notes.push(errorNote(`${file.path}: ${file.reason}`));
}

/**
 * A symlink and its target (or two links to one file) are one file to sign: signing it twice at once would
 * race on the rename. The first path matched stands for it.
 */
async function distinctTargets(files: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const file of files) {
    const target = await realpath(file).catch(() => file);
    if (seen.has(target)) continue;
    seen.add(target);
    kept.push(file);
  }
  return kept;
}

const tool = (deps: Deps): string => (deps.platform === 'win32' ? 'signtool' : 'osslsigncode');

async function loadCertificate(
  source: Exclude<CertificateSource, { kind: 'thumbprint' } | KeySource>,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<SigningCertificate> {
  return source.kind === 'ephemeral'
    ? makeEphemeralCertificate(deps.now())
    : loadPkcs12Certificate(source, deps.now(), setSecret);
}

interface Prepared {
  signer: Signer;
  info: CertificateInfo;
  notes: SigningCertificate['notes'];
  /** A key outside this process (token, HSM, cloud), closed when the files are done. */
  key?: SigningKey;
}

/** An owner-only folder for this run's secret files, recorded for cleanup before anything is written to it. */
async function privateDir(ctx: SignContext, deps: Deps): Promise<string> {
  const dir = await makePrivateDir(ctx.tempDir, 'sign-');
  recordForCleanup(deps, { paths: [dir] });
  return dir;
}

async function writeSecretFile(file: string, content: string | Buffer): Promise<void> {
  await writeFile(file, content, { mode: 0o600, flag: 'wx' });
}

/** The ephemeral certificate's public half goes where users can download and trust it; it is not secret. */
async function exportPublicCertificate(certificate: SigningCertificate, ctx: SignContext): Promise<void> {
  if (certificate.info.source !== 'ephemeral') return;
  const file = path.join(
    ctx.tempDir,
    `ephemeral-code-signing-${certificate.info.thumbprint.slice(0, 8)}.pem`,
  );
  await mkdir(ctx.tempDir, { recursive: true, mode: 0o700 });
  await writeFile(file, certificate.chainPem[0] ?? '', { mode: 0o644 });
  certificate.info.publicCertPath = file;
}

/** A certificate loaded in-process (PKCS#12 or ephemeral): signtool on Windows, osslsigncode elsewhere. */
async function prepareCertificate(
  certificate: SigningCertificate,
  source: Exclude<CertificateSource, { kind: 'thumbprint' }>,
  toolPath: string,
  config: SignConfig,
  ctx: SignContext,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<Prepared> {
  await exportPublicCertificate(certificate, ctx);
  const signer =
    deps.platform === 'win32'
      ? await importedSigntool(certificate, source, toolPath, config, deps, setSecret)
      : await osslsigncodeWithKeyFiles(certificate, toolPath, config, ctx, deps);
  return { signer, info: certificate.info, notes: certificate.notes };
}

async function osslsigncodeWithKeyFiles(
  certificate: SigningCertificate,
  toolPath: string,
  config: SignConfig,
  ctx: SignContext,
  deps: Deps,
): Promise<Signer> {
  const dir = await privateDir(ctx, deps);
  const keyFile = path.join(dir, 'key.pem');
  const certsFile = path.join(dir, 'certs.pem');
  await writeSecretFile(keyFile, certificate.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(certsFile, certificate.chainPem.join(''));
  return osslsigncodeSigner({
    path: toolPath,
    run: deps.run,
    keyFile,
    certsFile,
    digest: config.digest,
    ...descriptions(config),
    anchors: await verificationAnchors(
      dir,
      certificate.info.selfSigned ? certificate.chainPem[0] : undefined,
      ctx,
      deps,
    ),
  });
}

/** Explicit anchor files (never osslsigncode's compiled-in default), so they can be narrowed per run. */
async function verificationAnchors(
  dir: string,
  selfSignedLeafPem: string | undefined,
  ctx: SignContext,
  deps: Deps,
): Promise<TrustAnchors> {
  const bundle = systemBundle(deps.env);
  const caFile = path.join(dir, 'trust.pem');
  const tsaCaFile = path.join(dir, 'tsa-trust.pem');
  // A self-signed leaf is its own anchor: with it added, "verify ok" proves the signature is intact.
  await writeFile(
    caFile,
    `${ctx.trust?.caFile ? readFileSync(ctx.trust.caFile, 'utf8') : bundle}\n${selfSignedLeafPem ?? ''}`,
  );
  await writeFile(tsaCaFile, ctx.trust?.tsaCaFile ? readFileSync(ctx.trust.tsaCaFile, 'utf8') : bundle);
  return new TrustAnchors(dir, caFile, tsaCaFile);
}

/**
 * A key that stays in its token, HSM or cloud service: the in-process engine signs with it, the platform's
 * tool verifies. The certificate is checked (code-signing EKU, dates) before any file is touched.
 */
async function prepareKeySource(
  source: KeySource,
  toolPath: string,
  config: SignConfig,
  ctx: SignContext,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<Prepared> {
  const key = await openKeySource(source, {
    run: deps.run,
    env: deps.env,
    platform: deps.platform,
    tempDir: ctx.tempDir,
    setSecret,
  });
  try {
    const chain = (await key.chain()).map((c) => Buffer.from(c));
    const leaf = new X509Certificate(chain[0] as Buffer);
    const info = describeCertificate(leaf, source.kind);
    const notes = checkCertificate(info, leaf.keyUsage, deps.now(), keySourceInput(source));
    const verifier =
      deps.platform === 'win32'
        ? signtoolFor(toolPath, info.thumbprint, false, config, deps)
        : osslsigncodeSigner({
            path: toolPath,
            run: deps.run,
            keyFile: '',
            certsFile: '',
            digest: config.digest,
            anchors: await verificationAnchors(
              await privateDir(ctx, deps),
              info.selfSigned ? toPem(chain[0] as Buffer) : undefined,
              ctx,
              deps,
            ),
          });
    const signer = engineSigner(key, { digest: config.digest, ...descriptions(config), verifier });
    return { signer, info, notes, key };
  } catch (error) {
    await key.close?.();
    throw error;
  }
}

function systemBundle(env: NodeJS.ProcessEnv): string {
  for (const file of [env.SSL_CERT_FILE, ...SYSTEM_CA_BUNDLES]) {
    if (file && existsSync(file)) return readFileSync(file, 'utf8');
  }
  return '';
}

/**
 * Windows caps one environment variable at 32,767 characters, and the PKCS#12 travels to the import script
 * in one (GO_AV_GUARD_INPUT) together with the password.
 */
const MAX_POWERSHELL_INPUT = 32_767;

/**
 * Imports the certificate into CurrentUser\My and signs by thumbprint. The user's certificate-file is read
 * where it is; a base64 or ephemeral PKCS#12 goes to the import script in memory, so no PFX file exists on
 * Windows, where file modes do not make a file private.
 */
async function importedSigntool(
  certificate: SigningCertificate,
  source: Exclude<CertificateSource, { kind: 'thumbprint' }>,
  toolPath: string,
  config: SignConfig,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<Signer> {
  const input: Pkcs12Input =
    source.kind === 'pkcs12-file'
      ? { path: path.resolve(source.path) }
      : { base64: certificate.pkcs12.toString('base64') };
  // Re-encoded: the user's text may be wrapped or otherwise differ from this form, so this is masked too.
  if ('base64' in input) setSecret(input.base64);
  const name = source.kind === 'pkcs12-file' ? 'certificate-file' : 'certificate';
  if (JSON.stringify({ ...input, password: certificate.password }).length > MAX_POWERSHELL_INPUT) {
    throw new CertificateError(
      `${name}: the PKCS#12 is too large to hand to PowerShell in memory (over ${MAX_POWERSHELL_INPUT} characters as base64); drop unneeded certificates from it or use certificate-file`,
    );
  }
  const thumbprint = certificate.info.thumbprint;
  // Recorded before the import, so a step killed during it still leaves the post step the thumbprint.
  recordForCleanup(deps, { thumbprints: [thumbprint] });
  const imported = await importPfx(deps.run, input, certificate.password);
  if (imported.existed) {
    // The user's own certificate: used, never removed.
    forgetForCleanup(deps, { thumbprints: [thumbprint] });
  } else if (imported.thumbprint && imported.thumbprint !== thumbprint) {
    // What Windows imported is what cleanup must remove; the expected one was never added.
    recordForCleanup(deps, { thumbprints: [imported.thumbprint] });
    forgetForCleanup(deps, { thumbprints: [thumbprint] });
  }
  if (imported.thumbprint && imported.thumbprint !== thumbprint) {
    throw new CertificateError(`${name}: Windows imported ${imported.thumbprint}, expected ${thumbprint}`);
  }
  if (!imported.hasPrivateKey)
    throw new CertificateError('certificate: Windows imported the certificate without its private key');
  return signtoolFor(toolPath, thumbprint, false, config, deps);
}

function signtoolFor(
  toolPath: string,
  thumbprint: string,
  machineStore: boolean,
  config: SignConfig,
  deps: Deps,
): Signer {
  return signtoolSigner({
    path: toolPath,
    run: deps.run,
    thumbprint,
    machineStore,
    digest: config.digest,
    ...descriptions(config),
  });
}

function descriptions(config: SignConfig): { description?: string; descriptionUrl?: string } {
  return {
    ...(config.description ? { description: config.description } : {}),
    ...(config.descriptionUrl ? { descriptionUrl: config.descriptionUrl } : {}),
  };
}

async function prepareStoreThumbprint(
  thumbprint: string,
  toolPath: string,
  config: SignConfig,
  deps: Deps,
): Promise<Prepared> {
  const found = await findStoreCertificate(deps.run, thumbprint);
  if (!found) {
    throw new CertificateError(
      `certificate-thumbprint: no certificate ${thumbprint} in CurrentUser\\My or LocalMachine\\My; import it first or use certificate`,
    );
  }
  if (!found.hasPrivateKey)
    throw new CertificateError(`certificate-thumbprint: ${found.subject} has no private key in the store`);
  const info: CertificateInfo = {
    source: 'thumbprint',
    subject: found.subject,
    issuer: found.issuer,
    thumbprint: found.thumbprint.toUpperCase(),
    notBefore: found.notBefore,
    notAfter: found.notAfter,
    selfSigned: found.subject === found.issuer,
  };
  const notes = checkCertificate(
    info,
    found.hasEku ? found.ekus : undefined,
    deps.now(),
    'certificate-thumbprint',
  );
  const signer = signtoolFor(toolPath, info.thumbprint, found.location === 'LocalMachine', config, deps);
  return { signer, info, notes };
}

/** Replaces any secret that slipped into a report string (a tool echoing input) with ***. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const needles = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (needles.length === 0) return value;
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return needles.reduce((text, secret) => text.split(secret).join('***'), v);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x)]));
    return v;
  };
  return scrub(value) as T;
}
