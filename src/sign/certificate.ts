import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { keyProblem, localKey, privateKeyFromPkcs8 } from './keys/local.js';
import { buildCertificate } from './keys/x509.js';
import { Pkcs12Error, readPkcs12 } from './keys/pkcs12.js';
import type { SigningKey } from './keys/types.js';
import type { CertificateSource } from '../config.js';
import { warning, type Note } from '../report/note.js';
import type { CertificateInfo } from './types.js';
import { validity } from './authenticode/verify.js';

export const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const ANY_EKU = '2.5.29.37.0';
const WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A bad certificate input: the message names the input and says what to do; it never holds a secret. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** A checked certificate with its key, ready to sign. */
export interface SigningCertificate {
  info: CertificateInfo;
  /** The key, in process memory only. */
  key: SigningKey;
  /** DER, leaf first, then any other certificates from the PKCS#12 (intermediates, maybe the root). */
  chain: Buffer[];
  chainPem: string[];
  /**
   * For the Windows store import (signtool): the PKCS#12 bytes and their password (both secrets). Empty for
   * keys that are not a PFX (ephemeral, tokens, cloud services), which sign with the built-in engine.
   */
  pkcs12: Buffer;
  password: string;
  notes: Note[];
}

/** Which input a message should name, so users know what to fix. */
function inputName(source: CertificateSource): string {
  return source.kind === 'pkcs12-file'
    ? 'certificate-file'
    : source.kind === 'thumbprint'
      ? 'certificate-thumbprint'
      : 'certificate';
}

/** Registers every secret a source carries, before anything else can print it. */
export function registerSourceSecrets(source: CertificateSource, setSecret: (value: string) => void): void {
  if (source.kind === 'pkcs12-base64') setSecret(source.base64);
  if ((source.kind === 'pkcs12-base64' || source.kind === 'pkcs12-file') && source.password)
    setSecret(source.password);
  if (source.kind === 'pkcs11' && source.pin) setSecret(source.pin);
}

/** Registers a PEM key whole and line by line: a masker matching whole lines still catches a printed fragment. */
export function registerPemSecret(pem: string, setSecret: (value: string) => void): void {
  setSecret(pem);
  for (const line of pem.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) setSecret(line);
}

/** Opens a PKCS#12 from base64 or a file and checks it: password, private key, code-signing EKU, dates. */
export async function loadPkcs12Certificate(
  source: Extract<CertificateSource, { kind: 'pkcs12-base64' | 'pkcs12-file' }>,
  now: Date,
  setSecret: (value: string) => void,
): Promise<SigningCertificate> {
  const name = inputName(source);
  let bytes: Buffer;
  if (source.kind === 'pkcs12-base64') {
    bytes = Buffer.from(source.base64, 'base64');
  } else {
    try {
      bytes = await readFile(source.path);
    } catch (error) {
      throw new CertificateError(
        `certificate-file: cannot read ${source.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  const what =
    source.kind === 'pkcs12-base64'
      ? 'the base64 text does not decode to a PKCS#12 (.pfx) file'
      : `${source.path} is not a PKCS#12 (.pfx/.p12) file, or it is damaged`;
  let contents;
  try {
    contents = await readPkcs12(bytes, source.password);
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error;
    if (error.kind === 'password')
      throw new CertificateError(
        `certificate-password: wrong password for the PKCS#12 in ${name} (${error.message})`,
      );
    if (error.kind === 'unsupported') throw new CertificateError(`${name}: ${error.message}`);
    // The reader's own words only when they add something ("a bag could not be read").
    const detail = what.includes(error.message.replace(/, or a damaged one$/, ''))
      ? ''
      : ` (${error.message})`;
    throw new CertificateError(
      `${name}: ${what}${detail}; export the certificate with its private key as .pfx and encode the whole file`,
    );
  }
  const certs = contents.certificates.flatMap((der) => {
    try {
      return [{ der, x509: new X509Certificate(der) }];
    } catch {
      return [];
    }
  });
  const keys = contents.keys.map(privateKeyFromPkcs8).filter((k): k is KeyObject => Boolean(k));
  if (keys.length === 0) {
    throw new CertificateError(
      `${name}: the PKCS#12 holds no private key; export the certificate again with "Yes, export the private key"`,
    );
  }
  let leaf: (typeof certs)[number] | undefined;
  const key = keys.find((k) => (leaf = certs.find((c) => c.x509.checkPrivateKey(k))));
  if (!key || !leaf)
    throw new CertificateError(`${name}: no certificate in the PKCS#12 matches its private key`);
  const problem = keyProblem(key);
  if (problem) throw new CertificateError(`${name}: the certificate has ${problem}`);
  const info = describeCertificate(leaf.x509, source.kind);
  const notes = checkCertificate(info, leaf.x509.keyUsage, now, name);
  const chain = [leaf.der, ...certs.filter((c) => c !== leaf).map((c) => c.der)];
  if (source.password) setSecret(source.password);
  return {
    info,
    key: localKey(
      key,
      chain,
      name === 'certificate-file'
        ? `PFX file ${source.kind === 'pkcs12-file' ? source.path : ''}`.trim()
        : 'PFX from the certificate input',
    ),
    chain,
    chainPem: chain.map(toPem),
    pkcs12: bytes,
    password: source.password,
    notes,
  };
}

export const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** The checks that apply to any certificate source; throws on the first blocking problem, warns on expiry soon. */
export function checkCertificate(
  info: CertificateInfo,
  ekus: string[] | undefined,
  now: Date,
  name: string,
): Note[] {
  if (!ekus || !(ekus.includes(CODE_SIGNING_EKU) || ekus.includes(ANY_EKU))) {
    throw new CertificateError(
      `${name}: ${info.subject} is not a code-signing certificate (no Code Signing extended key usage ${CODE_SIGNING_EKU}); use a certificate issued for code signing`,
    );
  }
  const notBefore = new Date(info.notBefore);
  const notAfter = new Date(info.notAfter);
  if (now < notBefore)
    throw new CertificateError(`${name}: ${info.subject} is not valid before ${info.notBefore}`);
  if (now > notAfter)
    throw new CertificateError(`${name}: ${info.subject} expired on ${info.notAfter}; renew it`);
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  return daysLeft < WARN_DAYS
    ? [warning(`${name}: ${info.subject} expires in ${daysLeft} days (${info.notAfter}); renew it soon`)]
    : [];
}

export function describeCertificate(
  cert: X509Certificate,
  source: CertificateInfo['source'],
): CertificateInfo {
  return {
    source,
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    thumbprint: cert.fingerprint.replace(/:/g, '').toUpperCase(),
    notBefore: validity(cert).from.toISOString(),
    notAfter: validity(cert).to.toISOString(),
    selfSigned: cert.subject === cert.issuer,
  };
}

/** Node's "O=...\nCN=..." (DER order) as "CN=..., O=..." in the order Windows shows it. */
export function distinguishedName(name: string): string {
  return name.split('\n').filter(Boolean).reverse().join(', ');
}

/**
 * A throwaway self-signed code-signing certificate, so fork PRs without secrets exercise the whole pipeline.
 * Key and certificate are made in process; the key never leaves it.
 */
export function makeEphemeralCertificate(now: Date): SigningCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Back-dated an hour for clock skew; a week is plenty for one job.
  const der = buildCertificate({
    subject: [
      ['2.5.4.10', 'go-av-guard'],
      ['2.5.4.3', 'go-av-guard ephemeral code signing (untrusted)'],
    ],
    publicKey,
    issuerKey: privateKey,
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(now.getTime() + 7 * DAY_MS),
    ekus: [CODE_SIGNING_EKU],
  });
  const info = describeCertificate(new X509Certificate(der), 'ephemeral');
  return {
    info,
    key: localKey(privateKey, [der], 'ephemeral key'),
    chain: [der],
    chainPem: [toPem(der)],
    pkcs12: Buffer.alloc(0),
    password: '',
    notes: [
      warning(
        `certificate: signing with an ephemeral self-signed certificate (${info.thumbprint}); Windows will not trust these signatures`,
      ),
    ],
  };
}
