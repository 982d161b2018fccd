import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real PKCS#11 token: SoftHSM2 with its own config (SOFTHSM2_CONF) and token folder in a temp dir,
 * initialised here, a private key (PKCS#8 PEM) and optionally its certificate imported. The setup tools
 * take PINs on argv: that is this test fixture's business, not the code under test.
 */
export interface SoftHsmToken {
  dir: string;
  conf: string;
  module: string;
  label: string;
  pin: string;
  /** Sets SOFTHSM2_CONF for this process (children inherit it through the allowlist). */
  activate(): void;
  cleanup(): void;
}

const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

export function softHsmModule(): string {
  const found = MODULE_CANDIDATES.find((m) => existsSync(m));
  if (!found) throw new Error(`libsofthsm2.so not found in ${MODULE_CANDIDATES.join(', ')}`);
  return found;
}

export interface ImportedKey {
  /** PKCS#8 PEM private key file. */
  keyFile: string;
  /** Certificate PEM file, imported beside the key when `withCertificate`. */
  certFile: string;
  label: string;
  /** Hex object id. */
  id: string;
  withCertificate?: boolean;
}

export function createSoftHsmToken(label: string, pin: string, keys: ImportedKey[]): SoftHsmToken {
  const dir = mkdtempSync(path.join(tmpdir(), 'gag-softhsm-'));
  const tokens = path.join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = path.join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const module = softHsmModule();
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const quiet = { env, stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  execFileSync(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--so-pin', `so${pin}`, '--pin', pin],
    quiet,
  );
  for (const key of keys) {
    execFileSync(
      'softhsm2-util',
      ['--import', key.keyFile, '--token', label, '--label', key.label, '--id', key.id, '--pin', pin],
      quiet,
    );
    if (key.withCertificate) {
      const der = path.join(dir, `${key.label}.der`);
      execFileSync('openssl', ['x509', '-in', key.certFile, '-outform', 'DER', '-out', der], quiet);
      execFileSync(
        'pkcs11-tool',
        [
          '--module',
          module,
          '--token-label',
          label,
          '--login',
          '--pin',
          pin,
          '--write-object',
          der,
          '--type',
          'cert',
          '--label',
          key.label,
          '--id',
          key.id,
        ],
        quiet,
      );
    }
  }
  const previous = process.env.SOFTHSM2_CONF;
  return {
    dir,
    conf,
    module,
    label,
    pin,
    activate: () => void (process.env.SOFTHSM2_CONF = conf),
    cleanup: () => {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
