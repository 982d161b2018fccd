import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  derExtension,
  derInteger,
  derName,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derTlv,
  derUtcTime,
  TAG,
} from '../../pe/der.js';

/** What a certificate says (RFC 5280): names most general first, as CAs issue them. */
export interface CertificateRequest {
  subject: ReadonlyArray<readonly [string, string]>;
  /** Default: self-issued. */
  issuer?: ReadonlyArray<readonly [string, string]>;
  publicKey: KeyObject;
  /** Signs the certificate; the subject's own key when self-signed. */
  issuerKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  /** Extended key usage OIDs; critical when it is time stamping (RFC 3161 wants that). */
  ekus?: string[];
}

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/** An X.509 v3 certificate (DER), signed with SHA-256 (RSA PKCS#1 v1.5 or ECDSA). */
export function buildCertificate(r: CertificateRequest): Buffer {
  const spki = r.publicKey.export({ type: 'spki', format: 'der' });
  const algorithm =
    r.issuerKey.asymmetricKeyType === 'ec'
      ? derSequence(derOid('1.2.840.10045.4.3.2'))
      : derSequence(derOid('1.2.840.113549.1.1.11'), derNull());
  const extensions = [
    r.ca
      ? derExtension('2.5.29.19', true, derSequence(Buffer.from([0x01, 0x01, 0xff])))
      : derExtension('2.5.29.19', false, derSequence()),
    derExtension('2.5.29.14', false, derOctetString(createHash('sha1').update(spki).digest())),
    // keyUsage: digitalSignature for leaves; keyCertSign and cRLSign for CAs.
    derExtension('2.5.29.15', true, Buffer.from(r.ca ? [0x03, 0x02, 0x01, 0x06] : [0x03, 0x02, 0x07, 0x80])),
    ...(r.ekus
      ? [derExtension('2.5.29.37', r.ekus.includes(TIME_STAMPING), derSequence(...r.ekus.map(derOid)))]
      : []),
  ];
  const tbs = derSequence(
    derTlv(0xa0, derInteger(2)),
    derInteger(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    algorithm,
    derName(r.issuer ?? r.subject),
    derSequence(derUtcTime(r.notBefore), derUtcTime(r.notAfter)),
    derName(r.subject),
    spki,
    derTlv(0xa3, derSequence(...extensions)),
  );
  const signature = sign('sha256', tbs, r.issuerKey);
  return derSequence(tbs, algorithm, derTlv(TAG.bitString, Buffer.from([0]), signature));
}
