import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SECRET_INPUTS } from '../../../src/config.js';

const WORKSPACE = path.resolve('/work/space');
const parse = (inputs: Record<string, string>) =>
  parseConfig((name) => inputs[name] ?? '', { GITHUB_WORKSPACE: WORKSPACE, RUNNER_TEMP: '/tmp/rt' });
const problems = (inputs: Record<string, string>): string[] => {
  try {
    parse(inputs);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('key source inputs', () => {
  it('reads a PKCS#11 source; the PIN keeps its spaces and is a secret input', () => {
    const config = parse({
      sign: 'dist/*.exe',
      'pkcs11-module': '/usr/lib/softhsm/libsofthsm2.so',
      'pkcs11-key': 'pkcs11:token=ci;object=signing',
      'pkcs11-pin': ' 12 34 ',
      'certificate-chain': 'certs/chain.pem',
    });
    expect(config.sign.certificate).toEqual({
      kind: 'pkcs11',
      module: '/usr/lib/softhsm/libsofthsm2.so',
      key: 'pkcs11:token=ci;object=signing',
      pin: ' 12 34 ',
      chainFile: path.join(WORKSPACE, 'certs/chain.pem'),
    });
    expect(SECRET_INPUTS).toContain('pkcs11-pin');
  });

  it('reads Artifact Signing and Key Vault sources', () => {
    expect(
      parse({
        'artifact-signing-endpoint': 'https://eus.codesigning.azure.net',
        'artifact-signing-account': 'acct',
        'artifact-signing-profile': 'prof',
      }).sign.certificate,
    ).toEqual({
      kind: 'artifact-signing',
      endpoint: 'https://eus.codesigning.azure.net',
      account: 'acct',
      profile: 'prof',
    });
    expect(
      parse({
        'azure-key-vault-url': 'https://v.vault.azure.net',
        'azure-key-vault-certificate': 'code-signing/0a1b',
      }).sign.certificate,
    ).toEqual({
      kind: 'azure-key-vault',
      vaultUrl: 'https://v.vault.azure.net',
      certificate: 'code-signing/0a1b',
    });
  });

  it.each([
    [{ 'pkcs11-key': 'pkcs11:object=k' }, 'pkcs11-key: also set pkcs11-module'],
    [
      { 'pkcs11-module': 'm.so', 'pkcs11-key': 'token=ci' },
      'pkcs11-key: expected an RFC 7512 URI such as pkcs11:token=ci;object=signing, got "token=ci"',
    ],
    [
      { 'pkcs11-module': 'm.so', 'pkcs11-key': 'pkcs11:object=k;pin-value=1234' },
      'pkcs11-key: the URI carries a PIN; remove pin-value and give the PIN in pkcs11-pin (a secret)',
    ],
    [
      { 'artifact-signing-account': 'a' },
      'artifact-signing-profile: also set artifact-signing-endpoint and artifact-signing-profile',
    ],
    [
      {
        'artifact-signing-endpoint': 'eus.codesigning.azure.net',
        'artifact-signing-account': 'a',
        'artifact-signing-profile': 'p',
      },
      'artifact-signing-endpoint: expected an http(s) URL, got "eus.codesigning.azure.net"',
    ],
    [
      { 'azure-key-vault-url': 'https://v.vault.azure.net' },
      'azure-key-vault-certificate: also set azure-key-vault-certificate',
    ],
    [
      { 'azure-key-vault-url': 'http://v.vault.azure.net', 'azure-key-vault-certificate': 'c' },
      'azure-key-vault-url: expected an https URL (an access token never travels in the clear), got "http://v.vault.azure.net"',
    ],
    [
      { 'azure-key-vault-url': 'https://v.vault.azure.net', 'azure-key-vault-certificate': 'a b' },
      'azure-key-vault-certificate: expected a certificate name (letters, digits, dashes), optionally name/version, got "a b"',
    ],
    [
      { certificate: 'ephemeral', 'certificate-chain': 'c.pem' },
      'certificate-chain: goes with pkcs11-key, azure-key-vault-certificate or aws-kms-key; a PFX carries its own chain',
    ],
  ])('names the input that is wrong or missing: %j', (inputs, message) => {
    expect(problems(inputs)).toEqual([message]);
  });

  it('takes exactly one certificate source', () => {
    expect(
      problems({
        'certificate-file': 'a.pfx',
        'pkcs11-module': 'm.so',
        'pkcs11-key': 'pkcs11:object=k',
        'azure-key-vault-url': 'https://v.vault.azure.net',
        'azure-key-vault-certificate': 'c',
      }),
    ).toEqual([
      'certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key), got certificate-file and pkcs11-key and azure-key-vault-certificate',
    ]);
  });
});

describe('which signer a key source uses', () => {
  const pkcs11 = { kind: 'pkcs11', module: 'm', key: 'pkcs11:object=k', pin: '1' } as const;
  it('is the built-in engine on every OS, Windows included', async () => {
    const { chooseSigner } = await import('../../../src/sign/index.js');
    for (const platform of ['win32', 'linux', 'darwin'] as const)
      expect(chooseSigner('auto', pkcs11, platform)).toBe('built-in');
    expect(() => chooseSigner('signtool', pkcs11, 'win32')).toThrow(
      /signtool cannot reach the key of pkcs11-key/,
    );
  });
});
