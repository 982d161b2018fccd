import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCertificate } from '../../src/sign/keys/x509.js';

/** A certificate and its key, as PEM files and text. */
export interface Issued {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** The subject's common name. */
  cn: string;
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
  /** Default RSA 2048; ECDSA on P-256 or P-384. */
  key?: 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384';
}

/**
 * Keys from node:crypto, certificates assembled here (DER) so dates and EKUs are exact; everything that
 * reads them (openssl, osslsigncode, our verifier) checks them independently.
 */
export function issue(dir: string, name: string, o: IssueOptions): Issued {
  const kind = o.key ?? 'rsa2048';
  const { privateKey, publicKey } = kind.startsWith('rsa')
    ? generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) })
    : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'P-256' : 'P-384' });
  const EKU: Record<string, string> = {
    codeSigning: '1.3.6.1.5.5.7.3.3',
    serverAuth: '1.3.6.1.5.5.7.3.1',
    timeStamping: '1.3.6.1.5.5.7.3.8',
  };
  const der = buildCertificate({
    subject: [
      ['2.5.4.10', 'go-av-guard tests'],
      ['2.5.4.3', o.cn],
    ],
    issuer: [
      ['2.5.4.10', 'go-av-guard tests'],
      ['2.5.4.3', o.issuer?.cn ?? o.cn],
    ],
    publicKey,
    issuerKey: o.issuer ? createPrivateKey(o.issuer.keyPem) : privateKey,
    notBefore: o.notBefore ?? new Date(Date.now() - DAY),
    notAfter: o.notAfter ?? new Date(Date.now() + 365 * DAY),
    ...(o.ca ? { ca: true } : {}),
    ...(o.eku ? { ekus: o.eku.map((e) => EKU[e] as string) } : {}),
  });
  const certPem = new X509Certificate(der).toString();
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { certFile, keyFile, certPem, keyPem, cn: o.cn };
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
  /** No MAC (openssl -nomac): only the encryption's padding tells a wrong password. */
  nomac?: boolean;
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
  if (options.nomac) args.push('-nomac');
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}
