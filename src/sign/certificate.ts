import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import type { CertificateSource } from '../config.js';
import { warning, type Note } from '../report/note.js';
import type { CertificateInfo } from './types.js';

export const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const ANY_EKU = '2.5.29.37.0';
const WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A bad certificate input: the message names the input and says what to do; it never holds a secret. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** A checked certificate with its key, ready for a signing tool. */
export interface SigningCertificate {
  info: CertificateInfo;
  /** Unencrypted PKCS#8 PEM: a secret, written only to an owner-only temp file. */
  keyPem: string;
  /** Leaf first, then any other certificates from the PKCS#12 (intermediates, maybe the root). */
  chainPem: string[];
  /** For the Windows store import: the PKCS#12 bytes and their password (both secrets). */
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
      : `${source.path} is not a PKCS#12 (.pfx/.p12) file`;
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
  } catch {
    throw new CertificateError(
      `${name}: ${what}; export the certificate with its private key as .pfx and encode the whole file`,
    );
  }
  const p12 = openPkcs12(asn1, source.password, name, what);
  const keys = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ??
      []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .map((bag) => bag.cert)
    .filter((c): c is forge.pki.Certificate => Boolean(c));
  const key = keys.map((bag) => bag.key).find((k): k is forge.pki.rsa.PrivateKey => Boolean(k));
  if (!key) {
    throw new CertificateError(
      `${name}: the PKCS#12 holds no private key (or only a non-RSA key, which this action cannot read); export the certificate again with "Yes, export the private key"`,
    );
  }
  const keyPem = forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)));
  registerPemSecret(keyPem, setSecret);
  const leaf = certs.find((c) => matchesKey(c, key));
  if (!leaf) throw new CertificateError(`${name}: no certificate in the PKCS#12 matches its private key`);
  const info = describeCertificate(leaf, source.kind);
  const notes = checkCertificate(info, extendedKeyUsages(leaf), now, name);
  const others = certs.filter((c) => c !== leaf);
  return {
    info,
    keyPem,
    chainPem: [leaf, ...others].map((c) => forge.pki.certificateToPem(c)),
    pkcs12: bytes,
    password: source.password,
    notes,
  };
}

function openPkcs12(
  asn1: forge.asn1.Asn1,
  password: string,
  name: string,
  what: string,
): forge.pkcs12.Pkcs12Pfx {
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/MAC could not be verified|Invalid password/i.test(message)) {
      throw new CertificateError(`certificate-password: wrong password for the PKCS#12 in ${name}`);
    }
    // The MAC passed with the password as UTF-16 (BMPString), but PBES2 (OpenSSL 3, Windows "AES256-SHA256"
    // export) derives keys from its UTF-8 bytes, which forge does not do for non-ASCII passwords. Decrypting
    // with the wrong key usually fails on padding, but now and then (about 1 in 200 exports) the garbage
    // passes it and fails as ASN.1 instead ("Only 8, 16, 24, or 32 bits supported"): retry on either.
    if (/[^ -~]/.test(password)) {
      const withoutMac = { ...asn1, value: (asn1.value as forge.asn1.Asn1[]).slice(0, 2) };
      try {
        return forge.pkcs12.pkcs12FromAsn1(withoutMac, false, forge.util.encodeUtf8(password));
      } catch {
        /* fall through to the generic message */
      }
    }
    // A wrong password can also surface as an undecryptable bag rather than a MAC failure.
    if (/decrypt|padding|Cannot read/i.test(message)) {
      throw new CertificateError(
        `certificate-password: the PKCS#12 in ${name} could not be decrypted; is the password right?`,
      );
    }
    throw new CertificateError(`${name}: ${what}`);
  }
}

function matchesKey(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): boolean {
  const pub = cert.publicKey as Partial<forge.pki.rsa.PublicKey>;
  return Boolean(pub.n && pub.e && pub.n.equals(key.n) && pub.e.equals(key.e));
}

export function extendedKeyUsages(cert: forge.pki.Certificate): string[] | undefined {
  const ext = cert.getExtension('extKeyUsage') as (Record<string, unknown> & { value?: string }) | null;
  if (!ext) return undefined;
  // forge exposes known EKUs as named flags; read the raw OIDs so unknown ones are kept too.
  try {
    const seq = forge.asn1.fromDer(ext.value ?? '');
    return (seq.value as forge.asn1.Asn1[]).map((oid) => forge.asn1.derToOid(oid.value as string));
  } catch {
    return Object.keys(ext)
      .filter((k) => ext[k] === true && forge.pki.oids[k])
      .map((k) => forge.pki.oids[k] as string);
  }
}

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
  cert: forge.pki.Certificate,
  source: CertificateInfo['source'],
): CertificateInfo {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const md = forge.md.sha1.create();
  md.update(der);
  return {
    source,
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    thumbprint: md.digest().toHex().toUpperCase(),
    notBefore: cert.validity.notBefore.toISOString(),
    notAfter: cert.validity.notAfter.toISOString(),
    selfSigned: cert.subject.hash === cert.issuer.hash,
  };
}

/** "CN=..., O=..., C=..." in the order Windows shows it (most specific first). */
function distinguishedName(name: forge.pki.Certificate['subject']): string {
  return [...name.attributes]
    .reverse()
    .map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`)
    .join(', ');
}

/**
 * A throwaway self-signed code-signing certificate, so fork PRs without secrets exercise the whole pipeline.
 * The key comes from node:crypto (native, fast) and is imported into forge to build the certificate.
 */
export function makeEphemeralCertificate(now: Date, setSecret: (value: string) => void): SigningCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  registerPemSecret(keyPem, setSecret);
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  // Back-dated an hour for clock skew; a week is plenty for one job.
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + 7 * DAY_MS);
  const name = [
    { name: 'organizationName', value: 'go-av-guard' },
    { name: 'commonName', value: 'go-av-guard ephemeral code signing (untrusted)' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true },
    { name: 'extKeyUsage', codeSigning: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const password = randomBytes(24).toString('base64url');
  setSecret(password);
  // 3DES, not AES: Windows PowerShell 5.1 (.NET Framework) cannot open AES-encrypted PKCS#12 files.
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, {
    algorithm: '3des',
    friendlyName: 'go-av-guard ephemeral',
  });
  const info = describeCertificate(cert, 'ephemeral');
  return {
    info,
    keyPem,
    chainPem: [forge.pki.certificateToPem(cert)],
    pkcs12: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'),
    password,
    notes: [
      warning(
        `certificate: signing with an ephemeral self-signed certificate (${info.thumbprint}); Windows will not trust these signatures`,
      ),
    ],
  };
}
