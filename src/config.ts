import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Inputs (action) and flags (CLI) become this one typed config. Parsing is pure: it takes a reader for
 * raw values and the environment, and either returns a Config or throws a ConfigError that names every
 * bad input with the values it accepts.
 */

export const TRI_STATES = ['auto', 'true', 'false'] as const;
export type TriState = (typeof TRI_STATES)[number];
export const IF_NO_FILES_FOUND = ['error', 'warn', 'ignore'] as const;
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND)[number];
export const DIGESTS = ['sha256', 'sha384', 'sha512'] as const;
export type Digest = (typeof DIGESTS)[number];
export const SMOKE_VARIANTS = ['default', 'cgo-off', 'stripped', 'windowsgui', 'test', 'run'] as const;
export type SmokeVariant = (typeof SMOKE_VARIANTS)[number];
/** Which tool signs: signtool on Windows for PFX and store certificates (auto), else the built-in engine. */
export const SIGNERS = ['auto', 'built-in', 'signtool', 'osslsigncode'] as const;
export type SignerChoice = (typeof SIGNERS)[number];
export const FAIL_ON_FINDINGS = ['error', 'warning', 'none'] as const;
export type FailOnFindings = (typeof FAIL_ON_FINDINGS)[number];

/** Public RFC 3161 servers, tried in order; each gets a few attempts before the next one is asked. */
export const DEFAULT_TIMESTAMP_URLS = [
  'http://timestamp.digicert.com',
  'http://timestamp.sectigo.com',
  'http://timestamp.globalsign.com/tsa/r6advanced1',
  'http://ts.ssl.com',
];

export type CertificateSource =
  | { kind: 'pkcs12-base64'; base64: string; password: string }
  | { kind: 'pkcs12-file'; path: string; password: string }
  | { kind: 'thumbprint'; thumbprint: string }
  | { kind: 'ephemeral' }
  /** A key on a PKCS#11 token or HSM; the chain file is optional when the token holds the certificate. */
  | { kind: 'pkcs11'; module: string; key: string; pin: string; chainFile?: string }
  | { kind: 'artifact-signing'; endpoint: string; account: string; profile: string }
  /** A Key Vault certificate (`name` or `name/version`); the chain file adds intermediates. */
  | { kind: 'azure-key-vault'; vaultUrl: string; certificate: string; chainFile?: string }
  /** An asymmetric AWS KMS key; KMS holds no certificate, so the chain file is required. */
  | { kind: 'aws-kms'; keyId: string; chainFile: string };

/** Sources whose key never leaves a token, an HSM or a cloud service: signed through the in-process engine. */
export type KeySource = Extract<
  CertificateSource,
  { kind: 'pkcs11' | 'artifact-signing' | 'azure-key-vault' | 'aws-kms' }
>;

export interface ExclusionsConfig {
  mode: TriState;
  extraPaths: string[];
  extraProcesses: string[];
  dryRun: boolean;
  restore: boolean;
}

export interface SmokeConfig {
  enabled: boolean;
  variants: SmokeVariant[];
}

export interface SignConfig {
  /** Glob patterns, one per entry, `!` excludes (as @actions/glob reads them). Empty: no signing. */
  patterns: string[];
  certificate: CertificateSource | undefined;
  /** Empty means `none`: sign without a timestamp. */
  timestampUrls: string[];
  digest: Digest;
  description: string | undefined;
  descriptionUrl: string | undefined;
  skipSigned: boolean;
  appendSignature: boolean;
  signtoolPath: string | undefined;
  ifNoFilesFound: IfNoFilesFound;
  concurrency: number;
  signer: SignerChoice;
  /** Per timestamp request. */
  timestampTimeoutMs: number;
}

export interface AnalyzeConfig {
  /** Glob patterns; empty: the files this run signed. */
  patterns: string[];
  /**
   * Folder for SHA256SUMS, the AppLocker policy and the Defender for Endpoint indicator CSV. Unset: the
   * action writes them under its temp folder; the CLI writes none (its `analyze` is the risk report).
   */
  allowlistDir: string | undefined;
}

export interface DetectionsConfig {
  enabled: boolean;
  failOnDetection: boolean;
  scan: TriState;
}

export interface ReportConfig {
  checks: TriState;
  token: string | undefined;
  failOnFindings: FailOnFindings;
  uploadReleaseAssets: boolean;
  releaseTag: string | undefined;
  /** Where the JSON report is written. */
  reportDir: string;
}

export interface Config {
  /** The job's checkout: relative paths are resolved against it, annotations are relative to it. */
  workspace: string;
  /** This run's own scratch folder (under RUNNER_TEMP on a runner); removed or left tidy by the post step. */
  tempDir: string;
  /** The Go command to ask for `go env` and to build with. */
  go: string;
  exclusions: ExclusionsConfig;
  smoke: SmokeConfig;
  sign: SignConfig;
  analyze: AnalyzeConfig;
  detections: DetectionsConfig;
  report: ReportConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export const NO_CERTIFICATE =
  'sign: files to sign were given but no certificate; set certificate (or "ephemeral"), certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key';

/** Reads one raw input by its action.yml name; '' when unset. */
export type InputReader = (name: string) => string;

/** The inputs whose values are secrets: registered with the runner's masker before anything can print. */
export const SECRET_INPUTS = ['certificate', 'certificate-password', 'pkcs11-pin', 'github-token'] as const;

export function parseConfig(read: InputReader, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const p = new Parser(read, problems);
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd());
  const runnerTemp = env.RUNNER_TEMP || tmpdir();
  const tempDir = path.join(runnerTemp, 'go-av-guard');
  const inWorkspace = (file: string): string => path.resolve(workspace, file);

  const config: Config = {
    workspace,
    tempDir,
    go: p.text('go') || 'go',
    exclusions: {
      mode: p.choice('exclusions', TRI_STATES, 'auto'),
      extraPaths: p.lines('exclusion-paths').map(inWorkspace),
      extraProcesses: p.lines('exclusion-processes'),
      dryRun: p.boolean('dry-run', false),
      restore: p.boolean('restore', true),
    },
    smoke: {
      enabled: p.boolean('smoke', true),
      variants: p.choices('smoke-variants', SMOKE_VARIANTS, ['default', 'test']),
    },
    sign: {
      patterns: p.lines('sign'),
      certificate: parseCertificate(p, inWorkspace),
      timestampUrls: parseTimestampUrls(p),
      digest: p.choice('digest', DIGESTS, 'sha256'),
      description: p.text('description') || undefined,
      descriptionUrl: p.url('description-url'),
      skipSigned: p.boolean('skip-signed', true),
      appendSignature: p.boolean('append-signature', false),
      signtoolPath: p.text('signtool-path') ? inWorkspace(p.text('signtool-path')) : undefined,
      ifNoFilesFound: p.choice('if-no-files-found', IF_NO_FILES_FOUND, 'error'),
      concurrency: p.integer('concurrency', defaultConcurrency(), 1, 64),
      signer: p.choice('signer', SIGNERS, 'auto'),
      timestampTimeoutMs: p.integer('timestamp-timeout', 30, 1, 600) * 1000,
    },
    analyze: {
      patterns: p.lines('analyze'),
      allowlistDir: p.text('allowlist-dir') ? inWorkspace(p.text('allowlist-dir')) : undefined,
    },
    detections: {
      enabled: p.boolean('detections', true),
      failOnDetection: p.boolean('fail-on-detection', true),
      scan: p.choice('scan', TRI_STATES, 'auto'),
    },
    report: {
      checks: p.choice('checks', TRI_STATES, 'auto'),
      token: p.text('github-token') || undefined,
      failOnFindings: p.choice('fail-on-findings', FAIL_ON_FINDINGS, 'none'),
      uploadReleaseAssets: p.boolean('upload-release-assets', false),
      releaseTag: p.text('release-tag') || undefined,
      reportDir: tempDir,
    },
  };
  if (config.report.uploadReleaseAssets && config.sign.patterns.length === 0) {
    problems.push(
      'upload-release-assets: needs files to upload; set `sign` to the binaries to sign and upload',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Signing waits mostly on timestamp servers, so several workers per core pay off. */
export function defaultConcurrency(): number {
  return Math.min(32, Math.max(8, availableParallelism() * 4));
}

function parseCertificate(p: Parser, inWorkspace: (file: string) => string): CertificateSource | undefined {
  const certificate = p.secret('certificate');
  const file = p.text('certificate-file');
  const thumbprint = p.text('certificate-thumbprint');
  const password = p.secret('certificate-password');
  const remote = parseKeySource(p, inWorkspace);
  const given = [
    certificate && 'certificate',
    file && 'certificate-file',
    thumbprint && 'certificate-thumbprint',
    ...remote.given,
  ].filter(Boolean);
  if (given.length > 1) {
    p.problem(
      `certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key), got ${given.join(' and ')}`,
    );
    return undefined;
  }
  if (remote.given.length > 0) return remote.source;
  if (p.text('certificate-chain'))
    p.problem(
      'certificate-chain: goes with pkcs11-key, azure-key-vault-certificate or aws-kms-key; a PFX carries its own chain',
    );
  if (certificate.trim().toLowerCase() === 'ephemeral') return { kind: 'ephemeral' };
  if (certificate) {
    const base64 = certificate.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      p.problem(
        'certificate: expected a base64-encoded PKCS#12 (.pfx) file or "ephemeral", got text that is not base64',
      );
      return undefined;
    }
    return { kind: 'pkcs12-base64', base64, password };
  }
  if (file) return { kind: 'pkcs12-file', path: inWorkspace(file), password };
  if (thumbprint) {
    const normalized = thumbprint.replace(/[\s:]/g, '').toUpperCase();
    if (!/^[0-9A-F]{40}$/.test(normalized)) {
      p.problem(
        `certificate-thumbprint: expected 40 hexadecimal digits (a SHA-1 thumbprint), got "${thumbprint}"`,
      );
      return undefined;
    }
    return { kind: 'thumbprint', thumbprint: normalized };
  }
  if (p.lines('sign').length > 0) {
    p.problem(NO_CERTIFICATE);
  }
  return undefined;
}

/**
 * PKCS#11, Azure Artifact Signing and Key Vault: each source's inputs come as a set; a missing or stray
 * one is named. `given` lists the sources asked for, so "exactly one source" is checked with the others.
 */
function parseKeySource(
  p: Parser,
  inWorkspace: (file: string) => string,
): { given: string[]; source?: KeySource } {
  const chain = p.text('certificate-chain');
  const chainFile = chain ? inWorkspace(chain) : undefined;
  const pkcs11 = { module: p.text('pkcs11-module'), key: p.text('pkcs11-key'), pin: p.secret('pkcs11-pin') };
  // Presence is read from the raw text, so a malformed URL gets its own message and not "also set".
  const signing = {
    endpoint: p.text('artifact-signing-endpoint') && (p.url('artifact-signing-endpoint') ?? ' '),
    account: p.text('artifact-signing-account'),
    profile: p.text('artifact-signing-profile'),
  };
  const vault = {
    url: p.text('azure-key-vault-url') && (p.url('azure-key-vault-url') ?? ' '),
    certificate: p.text('azure-key-vault-certificate'),
  };
  for (const [name, url] of [
    ['artifact-signing-endpoint', signing.endpoint],
    ['azure-key-vault-url', vault.url],
  ] as const)
    if (url.startsWith('http:'))
      p.problem(`${name}: expected an https URL (an access token never travels in the clear), got "${url}"`);
  const given: string[] = [];
  let source: KeySource | undefined;
  const missing = (source: string, names: Array<[string, unknown]>): boolean => {
    const absent = names.filter(([, v]) => !v).map(([n]) => n);
    if (absent.length > 0) p.problem(`${source}: also set ${absent.join(' and ')}`);
    return absent.length > 0;
  };
  if (pkcs11.module || pkcs11.key || pkcs11.pin) {
    given.push('pkcs11-key');
    if (
      !missing('pkcs11-key', [
        ['pkcs11-module', pkcs11.module],
        ['pkcs11-key', pkcs11.key],
      ])
    ) {
      if (!/^pkcs11:/i.test(pkcs11.key))
        p.problem(
          `pkcs11-key: expected an RFC 7512 URI such as pkcs11:token=ci;object=signing, got "${pkcs11.key}"`,
        );
      else if (/pin-value=/i.test(pkcs11.key))
        p.problem(
          'pkcs11-key: the URI carries a PIN; remove pin-value and give the PIN in pkcs11-pin (a secret)',
        );
      source = {
        kind: 'pkcs11',
        module: pkcs11.module,
        key: pkcs11.key,
        pin: pkcs11.pin,
        ...(chainFile ? { chainFile } : {}),
      };
    }
  }
  if (signing.endpoint || signing.account || signing.profile) {
    given.push('artifact-signing-profile');
    if (chainFile)
      p.problem('certificate-chain: Artifact Signing returns its own chain; remove certificate-chain');
    if (
      !missing('artifact-signing-profile', [
        ['artifact-signing-endpoint', signing.endpoint],
        ['artifact-signing-account', signing.account],
        ['artifact-signing-profile', signing.profile],
      ])
    )
      source = {
        kind: 'artifact-signing',
        endpoint: signing.endpoint as string,
        account: signing.account,
        profile: signing.profile,
      };
  }
  if (vault.url || vault.certificate) {
    given.push('azure-key-vault-certificate');
    if (
      !missing('azure-key-vault-certificate', [
        ['azure-key-vault-url', vault.url],
        ['azure-key-vault-certificate', vault.certificate],
      ])
    ) {
      if (!/^[0-9A-Za-z-]+(\/[0-9A-Za-z]+)?$/.test(vault.certificate))
        p.problem(
          `azure-key-vault-certificate: expected a certificate name (letters, digits, dashes), optionally name/version, got "${vault.certificate}"`,
        );
      source = {
        kind: 'azure-key-vault',
        vaultUrl: vault.url as string,
        certificate: vault.certificate,
        ...(chainFile ? { chainFile } : {}),
      };
    }
  }
  const kmsKey = p.text('aws-kms-key');
  if (kmsKey) {
    given.push('aws-kms-key');
    if (!chainFile)
      p.problem('aws-kms-key: also set certificate-chain (KMS holds the key, not its certificate)');
    else source = { kind: 'aws-kms', keyId: kmsKey, chainFile };
  }
  return { given, ...(source ? { source } : {}) };
}

function parseTimestampUrls(p: Parser): string[] {
  const lines = p.lines('timestamp-urls');
  if (lines.length === 0) return [...DEFAULT_TIMESTAMP_URLS];
  if (lines.length === 1 && lines[0]?.toLowerCase() === 'none') return [];
  for (const line of lines) {
    if (!isHttpUrl(line))
      p.problem(`timestamp-urls: expected http(s) URLs, one per line, or "none", got "${line}"`);
  }
  return lines;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

class Parser {
  constructor(
    private readonly read: InputReader,
    private readonly problems: string[],
  ) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  text(name: string): string {
    return this.read(name).trim();
  }

  /** Secrets keep their inner spaces: a password may begin or end with one. */
  secret(name: string): string {
    return this.read(name);
  }

  /** Multiline input: one value per line; blank lines and whitespace-only lines are dropped. */
  lines(name: string): string[] {
    return this.read(name)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.text(name);
    if (value === '') return fallback;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    this.problem(`${name}: expected true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(name);
    if (value === '') return fallback;
    const match = allowed.find((a) => a === value.toLowerCase());
    if (match) return match;
    this.problem(`${name}: expected ${listOf(allowed)}, got ${JSON.stringify(value)}`);
    return fallback;
  }

  choices<T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] {
    const values = this.lines(name).flatMap((line) =>
      line
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    );
    if (values.length === 0) return fallback;
    const chosen: T[] = [];
    for (const value of values) {
      const match = allowed.find((a) => a === value.toLowerCase());
      if (!match) this.problem(`${name}: expected any of ${listOf(allowed)}, got ${JSON.stringify(value)}`);
      else if (!chosen.includes(match)) chosen.push(match);
    }
    return chosen;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.text(name);
    if (value === '') return fallback;
    const n = Number(value);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.problem(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }

  url(name: string): string | undefined {
    const value = this.text(name);
    if (value === '') return undefined;
    if (isHttpUrl(value)) return value;
    this.problem(`${name}: expected an http(s) URL, got ${JSON.stringify(value)}`);
    return undefined;
  }
}

function listOf(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}
