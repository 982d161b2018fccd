import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseVersionInfoLines, type VersionInfoInput } from './stamp/versioninfo.js';
import { smallRegularFileProblem, writableFolderProblem } from './platform/files.js';

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
  /** allow-broad-exclusions: drive roots, `*`, shells and script hosts are refused without it. */
  allowBroad?: boolean;
}

export interface SmokeConfig {
  enabled: boolean;
  variants: SmokeVariant[];
  /** `smoke: true` (not the default auto): a smoke test that cannot run (no Go) fails the step. */
  required?: boolean;
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

export interface StampConfig {
  /** auto: stamp files without a version resource; true: every file (replacing its version); false: none. */
  mode: TriState;
  /** From `version-info` (multiline `Key: value`). */
  version: VersionInfoInput;
  /** An .ico file for binaries that have no icon. */
  iconPath: string | undefined;
  /** The release tag (v1.2.3): the version when version-info sets none. */
  releaseTag: string | undefined;
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
  stamp: StampConfig;
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

/** Every secret the parsed config holds beyond SECRET_INPUTS: credentials written into URLs. */
export function configSecrets(config: Config): string[] {
  return urlCredentials(config.sign.timestampUrls);
}

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
    exclusions: parseExclusions(p, inWorkspace),
    smoke: parseSmoke(p),
    sign: {
      patterns: p.lines('sign'),
      certificate: parseCertificate(p, inWorkspace),
      timestampUrls: parseTimestampUrls(p),
      digest: p.choice('digest', DIGESTS, 'sha256'),
      description: p.plainText('description') || undefined,
      descriptionUrl: p.url('description-url', { credentials: false }),
      skipSigned: p.boolean('skip-signed', true),
      appendSignature: p.boolean('append-signature', false),
      signtoolPath: p.text('signtool-path') ? inWorkspace(p.text('signtool-path')) : undefined,
      ifNoFilesFound: p.choice('if-no-files-found', IF_NO_FILES_FOUND, 'error'),
      concurrency: p.integer('concurrency', defaultConcurrency(), 1, 64),
      signer: p.choice('signer', SIGNERS, 'auto'),
      timestampTimeoutMs: p.integer('timestamp-timeout', 30, 1, 600) * 1000,
    },
    stamp: parseStamp(p, inWorkspace, env),
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

/** The largest certificate file accepted: a PFX with a long chain is tens of kilobytes. */
export const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;

/**
 * The checks an input needs the disk for, done before anything is touched: a certificate file must be a
 * regular file under the size limit (not /dev/zero, a FIFO or a folder), and an output folder must be
 * creatable and writable (not /proc/nope), each within a time bound. Throws a ConfigError naming each.
 */
export async function checkInputsOnDisk(
  config: Config,
  uses: { sign: boolean; analyze: boolean },
): Promise<void> {
  const problems: string[] = [];
  const certificate = config.sign.certificate;
  if (uses.sign && config.sign.patterns.length > 0 && certificate?.kind === 'pkcs12-file') {
    // A missing file is signing's to report (in the report, with its advice); what must never reach a
    // reader is a device, a FIFO, a folder or a huge file.
    const problem = await smallRegularFileProblem(certificate.path, MAX_CERTIFICATE_FILE_BYTES);
    if (problem && existsSync(certificate.path)) problems.push(`certificate-file: ${problem}`);
  }
  if (uses.analyze && config.analyze.allowlistDir) {
    const problem = await writableFolderProblem(config.analyze.allowlistDir);
    if (problem) problems.push(`allowlist-dir: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
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

function parseStamp(p: Parser, inWorkspace: (file: string) => string, env: NodeJS.ProcessEnv): StampConfig {
  const { input, problems } = parseVersionInfoLines(p.lines('version-info'));
  for (const problem of problems) p.problem(problem);
  const tagRef = env.GITHUB_REF?.startsWith('refs/tags/') ? env.GITHUB_REF.slice('refs/tags/'.length) : '';
  return {
    mode: p.choice('stamp', TRI_STATES, 'false'),
    version: input,
    iconPath: p.text('icon') ? inWorkspace(p.text('icon')) : undefined,
    releaseTag: p.text('release-tag') || tagRef || undefined,
  };
}

/** smoke: auto (run when Go is found), true (required: no Go is a failure) or false. */
function parseSmoke(p: Parser): SmokeConfig {
  const mode = p.choice('smoke', TRI_STATES, 'auto');
  return {
    enabled: mode !== 'false',
    variants: p.choices('smoke-variants', SMOKE_VARIANTS, ['default', 'test']),
    required: mode === 'true',
  };
}

function parseExclusions(p: Parser, inWorkspace: (file: string) => string): ExclusionsConfig {
  const allowBroad = p.boolean('allow-broad-exclusions', false);
  const paths = p.lines('exclusion-paths');
  const processes = p.lines('exclusion-processes');
  if (!allowBroad) {
    const hint = 'set allow-broad-exclusions: true if you really mean it';
    for (const line of paths) {
      const why = broadPathReason(line);
      if (why) p.problem(`exclusion-paths: ${JSON.stringify(line)} ${why}; ${hint}`);
    }
    for (const line of processes) {
      const why = broadProcessReason(line);
      if (why) p.problem(`exclusion-processes: ${JSON.stringify(line)} ${why}; ${hint}`);
    }
  }
  return {
    mode: p.choice('exclusions', TRI_STATES, 'auto'),
    extraPaths: paths.map(inWorkspace),
    extraProcesses: processes,
    dryRun: p.boolean('dry-run', false),
    restore: p.boolean('restore', true),
    allowBroad,
  };
}

/** Top-level Windows folders: excluding one of them turns scanning off for most of the machine. */
const SYSTEM_FOLDERS = ['windows', 'users', 'programdata', 'program files', 'program files (x86)'];

/** Why a path exclusion would switch scanning off far beyond a Go job, or undefined. */
export function broadPathReason(line: string): string | undefined {
  const text = line.replace(/\//g, '\\').replace(/\\+$/, '');
  const rest = text.replace(/^(\\\\\?\\)?[A-Za-z]:/, '').replace(/^\\+/, '');
  const first = rest.split('\\')[0] ?? '';
  if (rest === '') return 'is a whole drive or file-system root';
  if (/[*?]/.test(first)) return 'starts with a wildcard, which matches whole drives';
  if (/^%[^%]+%$/.test(first) && !rest.includes('\\'))
    return 'is a whole folder named by an environment variable (a profile, the system drive)';
  if (rest.split('\\').length === 1 && SYSTEM_FOLDERS.includes(first.toLowerCase()))
    return 'is a whole system folder';
  return undefined;
}

/**
 * Shells, script hosts and interpreters: a process exclusion for one of them lets every script it runs, and
 * every file those scripts open, past real-time scanning (the defence-evasion shape EDR looks for).
 */
const BROAD_PROCESSES = (
  'cmd powershell powershell_ise pwsh wscript cscript mshta rundll32 regsvr32 bash sh wsl node python ' +
  'pythonw py perl ruby java javaw msbuild installutil explorer svchost'
).split(' ');

/** Why a process exclusion is too broad, or undefined. */
export function broadProcessReason(line: string): string | undefined {
  const name = line.replace(/\//g, '\\').split('\\').at(-1) ?? '';
  if (/[*?]/.test(name)) return 'uses a wildcard, which matches many programs';
  const stem = name.toLowerCase().replace(/\.(exe|com)$/, '');
  if (BROAD_PROCESSES.includes(stem))
    return 'is a shell, script host or system process: excluding it lets anything it runs past scanning';
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
    endpoint:
      p.text('artifact-signing-endpoint') &&
      (p.url('artifact-signing-endpoint', { credentials: false }) ?? ' '),
    account: p.text('artifact-signing-account'),
    profile: p.text('artifact-signing-profile'),
  };
  const vault = {
    url: p.text('azure-key-vault-url') && (p.url('azure-key-vault-url', { credentials: false }) ?? ' '),
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
      p.problem(
        `timestamp-urls: expected http(s) URLs, one per line, or "none", got ${JSON.stringify(maskUrlCredentials(line))}`,
      );
  }
  return lines;
}

/**
 * The parts of http(s) URLs that are secrets: a user name and password written into the URL. They are
 * registered with the log masker, and the report shows the URL through maskUrlCredentials.
 */
export function urlCredentials(urls: readonly string[]): string[] {
  const secrets: string[] = [];
  for (const text of urls) {
    const url = parseUrl(text);
    if (!url || (!url.username && !url.password)) continue;
    const userInfo = `${url.username}${url.password ? `:${url.password}` : ''}`;
    // Not the user name alone: masking a common word everywhere would blank unrelated text.
    for (const value of [userInfo, url.password, safeDecode(url.password)])
      if (value && !secrets.includes(value)) secrets.push(value);
  }
  return secrets;
}

/** `https://user:pass@host/x` as `https://***@host/x` (any scheme); other text unchanged. */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1***@');
}

const parseUrl = (text: string): URL | undefined => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

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

  /** One-line text for humans and signatures: no control characters (ESC, newlines) or bidi overrides. */
  plainText(name: string): string {
    const value = this.text(name);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(value))
      this.problem(`${name}: control characters (escape, newline, bidi override) are not allowed`);
    return value;
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
    // Plain decimal digits only: Number() would also take 0x10, 1e1, 0b1 and " 8 ".
    const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    this.problem(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }

  url(name: string, options: { credentials: boolean }): string | undefined {
    const value = this.text(name);
    if (value === '') return undefined;
    if (!isHttpUrl(value)) {
      this.problem(`${name}: expected an http(s) URL, got ${JSON.stringify(maskUrlCredentials(value))}`);
      return undefined;
    }
    if (!options.credentials && urlCredentials([value]).length > 0) {
      this.problem(
        `${name}: the URL holds a user name or password, which would be written into every signed file; remove it`,
      );
      return undefined;
    }
    return value;
  }
}

function listOf(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}
