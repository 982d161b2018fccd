import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import type { CertificateSource, KeySource, SignConfig, SignerChoice } from '../config.js';
import { NO_CERTIFICATE } from '../config.js';
import type { Deps } from '../deps.js';
import { expandPatterns } from '../platform/glob.js';
import { error as errorNote, info, warning } from '../report/note.js';
import { TimestampService } from './authenticode/tsa.js';
import { readAnchors } from './authenticode/anchors.js';
import type { TrustOptions } from './authenticode/verify.js';
import { signWithEngine } from './builtin.js';
import {
  CertificateError,
  checkCertificate,
  describeCertificate,
  registerSourceSecrets,
  type SigningCertificate,
} from './certificate.js';
import { cleanupSigning, forgetForCleanup, recordForCleanup } from './cleanup.js';
import { isKeySource, keySourceInput, openKeySource, openSigningKey, type SigningKey } from './keys/index.js';
import { locateSigningTool } from './locate.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { signWithSigntool } from './signtool.js';
import { systemBundle } from './trust.js';
import { findStoreCertificate, importPfx, type Pkcs12Input } from './store.js';
import { resolveTargets, type TempRecorder } from './target.js';
import type { CertificateInfo, SigningReport } from './types.js';

export { cleanupSigning, SIGNING_CLEANUP_STATE } from './cleanup.js';
export type { SigningCleanup } from './cleanup.js';
export type { RetryPolicy } from './retry.js';

export interface SignContext {
  /** Relative patterns are resolved against it. */
  workspace: string;
  /** This run's scratch folder: secrets go in an owner-only folder below it, the ephemeral public cert beside it. */
  tempDir: string;
  /**
   * False when `tempDir` is removed as the run ends (a CLI command): the ephemeral public certificate then
   * goes into the report only, not into a file that would be gone when the report is read.
   */
  tempDirKept?: boolean;
  /** Extra trust anchors for verification: a private CA, a test TSA. Added to the system's. */
  trust?: { caFile?: string; tsaCaFile?: string };
  /** Roots besides the workspace that a symlink may point into and still be signed at its target. */
  roots?: string[];
  /** Per timestamp server; default 3 attempts starting at 500 ms. */
  retry?: RetryPolicy;
  /** Where to look for signtool (tests); default: the Windows Kits folders. */
  kitsRoots?: string[];
  /** Back-off sleep (tests). */
  wait?: (ms: number) => Promise<void>;
}

/**
 * Signs every file the patterns match. Certificate and tool are checked before any file is touched; each
 * file is then signed, timestamped and verified atomically. Returns data only: it never prints.
 */
export async function signFiles(config: SignConfig, ctx: SignContext, deps: Deps): Promise<SigningReport> {
  const report: SigningReport = {
    tool: 'built-in',
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
  const files = await expandPatterns(config.patterns, ctx.workspace);
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
  const backend = chooseSigner(config.signer, source, deps.platform);
  report.tool = backend;
  // In-process checks first: a bad certificate must fail before any file or tool is touched. Meanwhile the
  // files are looked up and the trust anchors read (nothing is changed), so their waits overlap its own.
  const lookups = Promise.all([
    resolveTargets(files, [ctx.workspace, ...(ctx.roots ?? [])]),
    loadTrust(ctx, deps),
  ]);
  lookups.catch(() => undefined);
  const certificate =
    source.kind === 'thumbprint'
      ? undefined
      : isKeySource(source)
        ? await openKeySourceCertificate(source, ctx, deps, setSecret)
        : await openSigningKey(source, deps.now(), setSecret);
  const [targets, trust] = await lookups;
  const timestamps =
    config.timestampUrls.length > 0
      ? new TimestampService(config.timestampUrls, {
          timeoutMs: config.timestampTimeoutMs,
          retry: ctx.retry ?? DEFAULT_RETRY,
          ...(deps.progress ? { progress: deps.progress } : {}),
          ...(ctx.wait ? { wait: ctx.wait } : {}),
        })
      : undefined;
  const temps: TempRecorder = {
    record: (paths) => recordForCleanup(deps, { paths }),
    forget: (paths) => forgetForCleanup(deps, { paths }),
  };
  const common = {
    skipSigned: config.skipSigned,
    appendSignature: config.appendSignature,
    trust,
    temps,
    ...(timestamps ? { timestamps } : {}),
    ...(deps.progress ? { progress: deps.progress } : {}),
  };
  if (backend === 'built-in') {
    const cert = certificate as OpenedKey;
    if ('chainPem' in cert) await exportPublicCertificate(cert, ctx);
    report.certificate = cert.info;
    report.notes.push(...cert.notes);
    try {
      report.files = await signWithEngine(targets, {
        ...common,
        key: cert.key,
        digest: config.digest,
        ...descriptions(config),
        signerSubject: cert.info.subject,
        selfSigned: cert.info.selfSigned,
      });
    } finally {
      await cert.key.close?.();
    }
  } else {
    const located = await locateSigningTool({
      platform: deps.platform,
      arch: deps.arch,
      env: deps.env,
      ...(config.signtoolPath ? { signtoolPath: config.signtoolPath } : {}),
      ...(ctx.kitsRoots ? { kitsRoots: ctx.kitsRoots } : {}),
    });
    if (!located.found || !located.path) {
      report.error = `sign: ${located.reason ?? 'signtool not found'}`;
      return;
    }
    const prepared =
      source.kind === 'thumbprint'
        ? await prepareStoreThumbprint(source.thumbprint, deps)
        : await prepareImported(certificate as SigningCertificate, source, deps, setSecret);
    report.certificate = prepared.info;
    report.notes.push(...prepared.notes);
    report.files = await signWithSigntool(targets, {
      ...common,
      path: located.path,
      run: deps.run,
      thumbprint: prepared.info.thumbprint,
      machineStore: prepared.machineStore,
      digest: config.digest,
      ...descriptions(config),
      signerSubject: prepared.info.subject,
      selfSigned: prepared.info.selfSigned,
    });
  }
  if (timestamps) {
    for (const { server, reason } of timestamps.demotedServers())
      report.notes.push(
        warning(`timestamp server ${server} failed (${reason}) and was not asked again in this run`),
      );
  }
  const count = (status: string): number => report.files.filter((f) => f.status === status).length;
  report.notes.push(
    info(
      `signed ${count('signed')}, skipped ${count('skipped')}, failed ${count('failed')} of ${files.length} file(s) with ${backend} as ${report.certificate?.subject ?? ''}`,
    ),
  );
  for (const file of report.files.filter((f) => f.status === 'failed'))
    report.notes.push(errorNote(`${file.path}: ${file.reason}`));
}

/**
 * Which tool signs. auto: signtool on Windows for PFX and store certificates (as users of Windows runners
 * ask), the built-in engine elsewhere and for ephemeral keys. osslsigncode would need the private key in a
 * file or on its command line, which this action never does.
 */
export function chooseSigner(
  choice: SignerChoice,
  source: CertificateSource,
  platform: NodeJS.Platform,
): 'built-in' | 'signtool' {
  if (choice === 'osslsigncode') {
    throw new CertificateError(
      'signer: osslsigncode reads a private key only from a file or its command line, and this action never puts a key in either; use built-in (the same Authenticode signatures, verified by osslsigncode in our tests)',
    );
  }
  if (isKeySource(source)) {
    if (choice === 'signtool')
      throw new CertificateError(
        `signer: signtool cannot reach the key of ${keySourceInput(source)}; it signs with built-in on every OS (set signer to auto or built-in)`,
      );
    return 'built-in';
  }
  if (choice === 'signtool' || (choice === 'auto' && platform === 'win32' && source.kind !== 'ephemeral')) {
    if (platform !== 'win32')
      throw new CertificateError('signer: signtool runs only on Windows; use auto or built-in here');
    if (source.kind === 'ephemeral')
      throw new CertificateError(
        'signer: signtool signs with a PFX or a store certificate; the ephemeral certificate signs with built-in',
      );
    return 'signtool';
  }
  if (source.kind === 'thumbprint') {
    throw new CertificateError(
      platform === 'win32'
        ? 'certificate-thumbprint: a store certificate signs with signtool; set signer to auto or signtool'
        : 'certificate-thumbprint: selects a certificate from the Windows certificate store, which exists only on Windows; use certificate or certificate-file here',
    );
  }
  return 'built-in';
}

/** A key the built-in engine signs with: from a PFX or ephemeral (SigningCertificate), or kept elsewhere. */
type OpenedKey =
  SigningCertificate | { key: SigningKey; info: CertificateInfo; notes: SigningCertificate['notes'] };

/**
 * A key that stays in its token, HSM or cloud service (PKCS#11, Artifact Signing, Key Vault, AWS KMS): its
 * chain is fetched and checked (code-signing EKU, dates) before any file is touched; closed on failure.
 */
async function openKeySourceCertificate(
  source: KeySource,
  ctx: SignContext,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<OpenedKey> {
  const key = await openKeySource(source, {
    run: deps.run,
    env: deps.env,
    platform: deps.platform,
    tempDir: ctx.tempDir,
    setSecret,
  });
  try {
    const [leaf] = await key.chain();
    if (!leaf)
      throw new CertificateError(`${keySourceInput(source)}: ${key.description} returned no certificate`);
    const x509 = new X509Certificate(leaf);
    const described = describeCertificate(x509, source.kind);
    const notes = [
      info(`signing key: ${key.description}`),
      ...checkCertificate(described, x509.keyUsage, deps.now(), keySourceInput(source)),
    ];
    return { key, info: described, notes };
  } catch (error) {
    await key.close?.();
    throw error;
  }
}

/** Anchors: the system bundle, the run's extra CA and TSA files, and a self-signed leaf (so "intact" shows). */
async function loadTrust(ctx: SignContext, deps: Deps): Promise<TrustOptions> {
  const texts = [await systemBundle(deps.env)];
  for (const file of [ctx.trust?.caFile, ctx.trust?.tsaCaFile])
    if (file) texts.push(await readFile(file, 'utf8'));
  const anchors = readAnchors(texts);
  return { anchors, now: deps.now() };
}

/** The ephemeral certificate's public half goes where users can download and trust it; it is not secret. */
async function exportPublicCertificate(certificate: SigningCertificate, ctx: SignContext): Promise<void> {
  if (certificate.info.source !== 'ephemeral') return;
  certificate.info.publicCertPem = certificate.chainPem[0] ?? '';
  if (ctx.tempDirKept === false) return;
  const file = path.join(
    ctx.tempDir,
    `ephemeral-code-signing-${certificate.info.thumbprint.slice(0, 8)}.pem`,
  );
  await mkdir(ctx.tempDir, { recursive: true, mode: 0o700 });
  await writeFile(file, certificate.chainPem[0] ?? '', { mode: 0o644 });
  certificate.info.publicCertPath = file;
}

interface Prepared {
  info: CertificateInfo;
  notes: SigningCertificate['notes'];
  machineStore: boolean;
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
async function prepareImported(
  certificate: SigningCertificate,
  source: Exclude<CertificateSource, { kind: 'thumbprint' }>,
  deps: Deps,
  setSecret: (value: string) => void,
): Promise<Prepared> {
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
  return { info: certificate.info, notes: certificate.notes, machineStore: false };
}

function descriptions(config: SignConfig): { description?: string; descriptionUrl?: string } {
  return {
    ...(config.description ? { description: config.description } : {}),
    ...(config.descriptionUrl ? { descriptionUrl: config.descriptionUrl } : {}),
  };
}

async function prepareStoreThumbprint(thumbprint: string, deps: Deps): Promise<Prepared> {
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
  return { info, notes, machineStore: found.location === 'LocalMachine' };
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
