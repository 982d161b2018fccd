import { afterEach, describe, expect, it } from 'vitest';
import { readActionConfig } from '../src/action/inputs.js';
import { ConfigError, DEFAULT_TIMESTAMP_URLS, parseConfig } from '../src/config.js';
import { captureStdout } from './helpers/harness.js';

/** Sets inputs the way the runner does: INPUT_<NAME> with spaces as underscores, upper-cased. */
function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
}

function clearInputs(): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
}

afterEach(clearInputs);

function problemsOf(inputs: Record<string, string>): string[] {
  clearInputs();
  setInputs(inputs);
  try {
    readActionConfig();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config from action inputs', () => {
  it('uses documented defaults when nothing is set', () => {
    setInputs({});
    const config = readActionConfig();
    expect(config.exclusions.mode).toBe('auto');
    expect(config.exclusions.restore).toBe(true);
    expect(config.smoke.variants).toEqual(['default', 'test']);
    expect(config.sign.timestampUrls).toEqual(DEFAULT_TIMESTAMP_URLS);
    expect(config.sign.timestampUrls.length).toBeGreaterThanOrEqual(3);
    expect(config.sign.ifNoFilesFound).toBe('error');
    expect(config.sign.concurrency).toBeGreaterThanOrEqual(1);
    expect(config.detections.failOnDetection).toBe(true);
    expect(config.report.failOnFindings).toBe('none');
  });

  it('names the input and the accepted values for a bad choice', () => {
    expect(problemsOf({ 'if-no-files-found': 'maybe' })).toEqual([
      'if-no-files-found: expected error, warn or ignore, got "maybe"',
    ]);
    expect(problemsOf({ exclusions: 'sometimes' })).toEqual([
      'exclusions: expected auto, true or false, got "sometimes"',
    ]);
    expect(problemsOf({ digest: 'md5' })).toEqual(['digest: expected sha256, sha384 or sha512, got "md5"']);
  });

  it('rejects booleans that are not true/false spellings', () => {
    expect(problemsOf({ 'dry-run': 'yes' })).toEqual(['dry-run: expected true or false, got "yes"']);
    setInputs({ 'dry-run': 'True' });
    expect(readActionConfig().exclusions.dryRun).toBe(true);
  });

  it('reports every bad input at once, one message each', () => {
    const problems = problemsOf({ digest: 'md5', concurrency: '0', 'smoke-variants': 'default\nturbo' });
    expect(problems).toHaveLength(3);
    expect(problems).toContain('concurrency: expected a whole number from 1 to 64, got "0"');
    expect(problems).toContain(
      'smoke-variants: expected any of default, cgo-off, stripped, windowsgui, test or run, got "turbo"',
    );
  });

  it('drops blank and whitespace-only lines of multiline inputs', () => {
    setInputs({
      'smoke-variants': 'default\n   \n\nstripped, windowsgui\n',
      sign: '  dist/*.exe \n\n !dist/skip.exe',
    });
    setInputs({ certificate: 'ephemeral' });
    const config = readActionConfig();
    expect(config.smoke.variants).toEqual(['default', 'stripped', 'windowsgui']);
    expect(config.sign.patterns).toEqual(['dist/*.exe', '!dist/skip.exe']);
  });

  it('accepts exactly one certificate source', () => {
    expect(problemsOf({ certificate: 'ephemeral', 'certificate-thumbprint': 'a'.repeat(40) })).toEqual([
      'certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key), got certificate and certificate-thumbprint',
    ]);
    expect(problemsOf({ sign: 'a.exe' })[0]).toMatch(/^sign: files to sign were given but no certificate/);
    expect(problemsOf({ 'certificate-thumbprint': 'xyz' })[0]).toMatch(
      /^certificate-thumbprint: expected 40 hexadecimal digits/,
    );
  });

  it('rejects a certificate that is not base64 without echoing it', () => {
    const problems = problemsOf({ certificate: 'not base64 at all! $(whoami)' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^certificate: expected a base64-encoded PKCS#12/);
    expect(problems[0]).not.toContain('whoami');
  });

  it('keeps a password exactly as typed, spaces and all', () => {
    const password = ` p"a's$(whoami)\`%PATH%; ünï `;
    setInputs({ certificate: 'MIIB', 'certificate-password': password });
    const config = readActionConfig();
    expect(config.sign.certificate).toEqual({ kind: 'pkcs12-base64', base64: 'MIIB', password });
  });

  it('reads timestamp-urls: none, and validates URLs', () => {
    setInputs({ 'timestamp-urls': 'none' });
    expect(readActionConfig().sign.timestampUrls).toEqual([]);
    expect(problemsOf({ 'timestamp-urls': 'http://a.example\nftp://b.example' })).toEqual([
      'timestamp-urls: expected http(s) URLs, one per line, or "none", got "ftp://b.example"',
    ]);
  });

  it('resolves relative paths against the workspace', () => {
    const config = parseConfig(
      (name) => ({ 'exclusion-paths': 'build\n/abs/dir', 'certificate-file': 'certs/a.pfx' })[name] ?? '',
      {
        GITHUB_WORKSPACE: '/work/space',
        RUNNER_TEMP: '/runner/temp',
      },
    );
    expect(config.exclusions.extraPaths).toEqual(['/work/space/build', '/abs/dir']);
    expect(config.sign.certificate).toEqual({
      kind: 'pkcs12-file',
      path: '/work/space/certs/a.pfx',
      password: '',
    });
    expect(config.tempDir).toBe('/runner/temp/go-av-guard');
  });
});

describe('secret masking', () => {
  it('masks a password and each line of a multi-line certificate, but not the keyword ephemeral', async () => {
    const { vi } = await import('vitest');
    const { maskSecret } = await import('../src/action/inputs.js');
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      maskSecret('ephemeral');
      maskSecret('MIIKaQIB\nAzCCCi8G');
      maskSecret('pa ss');
    } finally {
      spy.mockRestore();
    }
    const masks = writes.filter((w) => w.startsWith('::add-mask::')).map((w) => w.trim());
    expect(masks).toEqual([
      '::add-mask::MIIKaQIB%0AAzCCCi8G',
      '::add-mask::MIIKaQIB',
      '::add-mask::AzCCCi8G',
      '::add-mask::pa ss',
    ]);
  });
});

describe('risky inputs are refused before anything is touched', () => {
  it.each([
    ['exclusion-processes', '*', 'uses a wildcard'],
    ['exclusion-processes', 'powershell.exe', 'is a shell, script host or system process'],
    ['exclusion-processes', 'C:\\Windows\\System32\\cmd.exe', 'is a shell, script host or system process'],
    ['exclusion-processes', 'PWSH', 'is a shell, script host or system process'],
    ['exclusion-processes', 'C:\\tools\\*.exe', 'uses a wildcard'],
    ['exclusion-paths', 'C:\\', 'is a whole drive or file-system root'],
    ['exclusion-paths', 'D:', 'is a whole drive or file-system root'],
    ['exclusion-paths', '/', 'is a whole drive or file-system root'],
    ['exclusion-paths', '*', 'starts with a wildcard'],
    ['exclusion-paths', 'C:\\*\\build', 'starts with a wildcard'],
    ['exclusion-paths', '%USERPROFILE%', 'is a whole folder named by an environment variable'],
    ['exclusion-paths', 'C:\\Windows', 'is a whole system folder'],
    ['exclusion-paths', 'c:/users/', 'is a whole system folder'],
  ])('%s: %s is refused unless allow-broad-exclusions is true', (input, value, why) => {
    const problems = problemsOf({ [input]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(`${input}: ${JSON.stringify(value)} ${why}`)).toBe(true);
    expect(problems[0]).toMatch(/; set allow-broad-exclusions: true if you really mean it$/);
    clearInputs();
    setInputs({ [input]: value, 'allow-broad-exclusions': 'true' });
    const config = readActionConfig();
    expect(config.exclusions.allowBroad).toBe(true);
  });

  it('keeps ordinary exclusions', () => {
    expect(
      problemsOf({
        'exclusion-paths': 'build\nC:\\src\\app\\out\nD:\\go-cache',
        'exclusion-processes': 'C:\\tools\\myapp.exe\nmyapp.exe',
      }),
    ).toEqual([]);
  });

  it.each(['0x10', '1e1', '0b1', '8.0', '+8', '-1', '1_0', '99999999999', ' 8x'])(
    'concurrency %j is not a plain decimal number in range',
    (value) => {
      expect(problemsOf({ concurrency: value })).toEqual([
        `concurrency: expected a whole number from 1 to 64, got ${JSON.stringify(value.trim())}`,
      ]);
    },
  );

  it('takes plain decimal numbers', () => {
    setInputs({ concurrency: '016' });
    expect(readActionConfig().sign.concurrency).toBe(16);
  });

  it.each(['Acme\u001b[31m Tool', 'two\nlines', 'bell\u0007', 'bidi \u202e evil', 'c1 \u009b'])(
    'description %j with control characters is refused',
    (description) => {
      expect(problemsOf({ description })).toEqual([
        'description: control characters (escape, newline, bidi override) are not allowed',
      ]);
    },
  );

  it('a timestamp URL with credentials is accepted for use, masked in messages and registered as a secret', async () => {
    const url = 'https://tsuser:tsPa55word@ts.example.com/rfc3161';
    setInputs({ 'timestamp-urls': url });
    let config: ReturnType<typeof readActionConfig> | undefined;
    const log = await captureStdout(() => (config = readActionConfig()));
    expect(config?.sign.timestampUrls).toEqual([url]);
    // core.setSecret prints ::add-mask:: for the user:password pair and the password.
    expect(log).toContain('::add-mask::tsuser:tsPa55word');
    expect(log).toContain('::add-mask::tsPa55word');
    expect(problemsOf({ 'timestamp-urls': 'ftp://u:secretpw@ts.example.com' })).toEqual([
      'timestamp-urls: expected http(s) URLs, one per line, or "none", got "ftp://***@ts.example.com"',
    ]);
  });

  it('description-url may not carry credentials: it is written into every signed file', () => {
    expect(problemsOf({ 'description-url': 'https://me:pw@example.com/app' })).toEqual([
      'description-url: the URL holds a user name or password, which would be written into every signed file; remove it',
    ]);
  });

  it('smoke: true is required, auto (the default) is not, false turns it off', () => {
    setInputs({ smoke: 'true' });
    expect(readActionConfig().smoke).toMatchObject({ enabled: true, required: true });
    clearInputs();
    setInputs({});
    expect(readActionConfig().smoke).toMatchObject({ enabled: true, required: false });
    setInputs({ smoke: 'False' });
    expect(readActionConfig().smoke).toMatchObject({ enabled: false, required: false });
    expect(problemsOf({ smoke: 'yes' })).toEqual(['smoke: expected auto, true or false, got "yes"']);
  });
});
