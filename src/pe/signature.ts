import {
  childrenOf,
  formatName,
  oidOf,
  readName,
  readNode,
  TAG,
  type DerNode,
  type NamePart,
} from './der.js';

/**
 * The Authenticode signature in the certificate table (WIN_CERTIFICATE, then a PKCS#7 SignedData as in
 * RFC 2315 and Microsoft's "Windows Authenticode Portable Executable Signature Format"). We read who
 * signed and whether a timestamp countersignature is attached; we do not verify the signature: that is
 * signing's job (signtool verify / osslsigncode verify), and the report says "present", not "valid".
 */

const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** Legacy Authenticode timestamp (PKCS#9 countersignature). */
const OID_COUNTERSIGNATURE = '1.2.840.113549.1.9.6';
/** RFC 3161 timestamp token, as signtool /tr and osslsigncode -ts attach it. */
const OID_RFC3161_TIMESTAMP = '1.3.6.1.4.1.311.3.3.1';

export interface SignatureInfo {
  present: boolean;
  signer?: string;
  /** The signer's subject as (key, value) pairs, for publisher rules. */
  signerName?: NamePart[];
  issuer?: string;
  timestamped?: boolean;
  /** Set when a certificate table exists but could not be read. */
  problem?: string;
}

export function parseCertificateTable(table: Buffer): SignatureInfo {
  if (table.length < 8) return { present: true, problem: 'certificate table too short' };
  const length = table.readUInt32LE(0);
  const type = table.readUInt16LE(6);
  if (type !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
    return { present: true, problem: `certificate type 0x${type.toString(16)} is not PKCS#7 signed data` };
  }
  const blob = table.subarray(8, Math.min(table.length, Math.max(8, length)));
  const parsed = parseSignedData(blob);
  return parsed
    ? { present: true, ...parsed }
    : { present: true, problem: 'the PKCS#7 signature could not be parsed' };
}

function parseSignedData(buf: Buffer): Omit<SignatureInfo, 'present'> | undefined {
  const contentInfo = readNode(buf, 0);
  if (!contentInfo || contentInfo.tag !== TAG.sequence) return undefined;
  const [type, explicit] = childrenOf(buf, contentInfo);
  if (!type || oidOf(buf, type) !== OID_SIGNED_DATA || !explicit || explicit.tag !== TAG.context0)
    return undefined;
  const signedData = childrenOf(buf, explicit)[0];
  if (!signedData) return undefined;
  const fields = childrenOf(buf, signedData);
  const certificates = fields.find((f) => f.tag === TAG.context0);
  const signerInfos = fields.filter((f) => f.tag === TAG.set).at(-1);
  const signerInfo = signerInfos ? childrenOf(buf, signerInfos)[0] : undefined;
  if (!signerInfo) return undefined;
  const signerFields = childrenOf(buf, signerInfo);
  const sid = signerFields[1];
  const certificate = sid && certificates ? findCertificate(buf, certificates, sid) : undefined;
  const unauthenticated = signerFields.find((f) => f.tag === TAG.context1);
  const timestamped = unauthenticated
    ? childrenOf(buf, unauthenticated).some((attribute) => {
        const oid = oidOf(buf, childrenOf(buf, attribute)[0] ?? attribute);
        return oid === OID_COUNTERSIGNATURE || oid === OID_RFC3161_TIMESTAMP;
      })
    : false;
  const result: Omit<SignatureInfo, 'present'> = { timestamped };
  if (certificate) {
    result.signerName = certificate.subject;
    result.signer = formatName(certificate.subject);
    result.issuer = formatName(certificate.issuer);
  }
  return result;
}

/** The certificate whose issuer and serial number match the signer's IssuerAndSerialNumber. */
function findCertificate(
  buf: Buffer,
  certificates: DerNode,
  sid: DerNode,
): { subject: NamePart[]; issuer: NamePart[] } | undefined {
  const [sidIssuer, sidSerial] = childrenOf(buf, sid);
  if (!sidIssuer || !sidSerial) return undefined;
  const wantedIssuer = buf.subarray(sidIssuer.headerStart, sidIssuer.end);
  const wantedSerial = buf.subarray(sidSerial.start, sidSerial.end);
  for (const cert of childrenOf(buf, certificates)) {
    const tbs = childrenOf(buf, cert)[0];
    if (!tbs) continue;
    const fields = childrenOf(buf, tbs);
    // tbsCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, ...
    const base = fields[0]?.tag === TAG.context0 ? 1 : 0;
    const serial = fields[base];
    const issuer = fields[base + 2];
    const subject = fields[base + 4];
    if (!serial || !issuer || !subject) continue;
    if (
      buf.subarray(serial.start, serial.end).equals(wantedSerial) &&
      buf.subarray(issuer.headerStart, issuer.end).equals(wantedIssuer)
    ) {
      return { subject: readName(buf, subject), issuer: readName(buf, issuer) };
    }
  }
  return undefined;
}
