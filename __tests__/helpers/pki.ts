import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

/** A certificate and its key, as PEM files and text. */
export interface Issued {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** Everything the signing tests need: a CA, a TSA, and leaves good and bad. */
export interface TestPki {
  dir: string;
  ca: Issued;
  tsa: Issued;
  /** Code signing, issued by the CA, valid a year. */
  leaf: Issued;
  /** Code signing, expired yesterday. */
  expired: Issued;
  /** Server authentication only: no code-signing EKU. */
  serverOnly: Issued;
  /** Code signing, 10 days left. */
  expiringSoon: Issued;
}

const DAY = 24 * 60 * 60 * 1000;

interface IssueOptions {
  cn: string;
  issuer?: Issued;
  ca?: boolean;
  eku?: Array<'codeSigning' | 'serverAuth' | 'timeStamping'>;
  notBefore?: Date;
  notAfter?: Date;
}

/** Keys from node:crypto (native, fast), certificates built with forge so dates and EKUs are exact. */
export function issue(dir: string, name: string, o: IssueOptions): Issued {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(12).toString('hex')}`;
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY);
  // Most general first, as CAs issue them: Windows and our report show it reversed ("CN=..., O=...").
  const subject = [
    { name: 'organizationName', value: 'go-av-guard tests' },
    { name: 'commonName', value: o.cn },
  ];
  cert.setSubject(subject);
  cert.setIssuer(o.issuer ? o.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: Boolean(o.ca), critical: Boolean(o.ca) },
    { name: 'subjectKeyIdentifier' },
    o.ca
      ? { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true }
      : { name: 'keyUsage', critical: true, digitalSignature: true },
  ];
  if (o.eku) {
    // RFC 3161 requires the timeStamping EKU to be the only one, and critical.
    extensions.push({
      name: 'extKeyUsage',
      critical: o.eku.includes('timeStamping'),
      ...Object.fromEntries(o.eku.map((e) => [e, true])),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(o.issuer?.key ?? key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, certPem, keyPem, cert, key };
}

export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const ca = issue(dir, 'ca', {
    cn: 'go-av-guard Test CA',
    ca: true,
    notAfter: new Date(Date.now() + 3650 * DAY),
  });
  const now = Date.now();
  return {
    dir,
    ca,
    tsa: issue(dir, 'tsa', { cn: 'go-av-guard Test TSA', issuer: ca, eku: ['timeStamping'] }),
    leaf: issue(dir, 'leaf', { cn: 'Leaf Signer', issuer: ca, eku: ['codeSigning'] }),
    expired: issue(dir, 'expired', {
      cn: 'Expired Signer',
      issuer: ca,
      eku: ['codeSigning'],
      notBefore: new Date(now - 400 * DAY),
      notAfter: new Date(now - DAY),
    }),
    serverOnly: issue(dir, 'server', { cn: 'Web Server', issuer: ca, eku: ['serverAuth'] }),
    expiringSoon: issue(dir, 'soon', {
      cn: 'Soon Expiring Signer',
      issuer: ca,
      eku: ['codeSigning'],
      notAfter: new Date(now + 10 * DAY + 60_000),
    }),
  };
}

export interface PfxOptions {
  /** Include the CA certificate (a typical export with "include all certificates in the path"). */
  chain?: TestPki['ca'];
  /** A PKCS#12 with the certificate only (exported without its private key). */
  withoutKey?: boolean;
  /** RC2/3DES + SHA-1 MAC, as older OpenSSL and Windows "TripleDES-SHA1" write; default is OpenSSL 3's AES-256/PBKDF2. */
  legacy?: boolean;
}

/**
 * A .pfx made by `openssl pkcs12 -export`, the way users make theirs. The password travels in a file
 * (openssl `file:`), so any characters work and none reach argv.
 */
export function exportPfx(
  dir: string,
  name: string,
  issued: Issued,
  password: string,
  options: PfxOptions = {},
): string {
  const out = path.join(dir, `${name}.pfx`);
  const passFile = path.join(dir, `${name}.pass`);
  writeFileSync(passFile, password, { mode: 0o600 });
  const args = ['pkcs12', '-export', '-in', issued.certFile, '-passout', `file:${passFile}`, '-out', out];
  if (options.withoutKey) args.push('-nokeys');
  else args.push('-inkey', issued.keyFile);
  if (options.chain) args.push('-certfile', options.chain.certFile);
  if (options.legacy) args.push('-legacy');
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}
