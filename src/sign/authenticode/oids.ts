/** Object identifiers of Authenticode (Microsoft's PE signature format), CMS (RFC 5652) and RFC 3161. */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  countersignature: '1.2.840.113549.1.9.6',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  spcPeImageData: '1.3.6.1.4.1.311.2.1.15',
  spcStatementType: '1.3.6.1.4.1.311.2.1.11',
  spcIndividualCodeSigning: '1.3.6.1.4.1.311.2.1.21',
  spcSpOpusInfo: '1.3.6.1.4.1.311.2.1.12',
  spcNestedSignature: '1.3.6.1.4.1.311.2.4.1',
  rfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

export const DIGEST_OIDS: Record<'sha1' | 'sha256' | 'sha384' | 'sha512', string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

export const ECDSA_OIDS: Record<'sha256' | 'sha384' | 'sha512', string> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};

/** Signature algorithm OIDs that name their digest (sha256WithRSAEncryption, ecdsa-with-SHA256, ...). */
export const SIGNATURE_DIGEST: Record<string, 'sha1' | 'sha256' | 'sha384' | 'sha512'> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

export function digestName(oid: string | undefined): 'sha1' | 'sha256' | 'sha384' | 'sha512' | undefined {
  return (Object.entries(DIGEST_OIDS).find(([, value]) => value === oid)?.[0] ??
    (oid ? SIGNATURE_DIGEST[oid] : undefined)) as 'sha1' | 'sha256' | 'sha384' | 'sha512' | undefined;
}
