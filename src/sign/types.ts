import type { Note } from '../report/note.js';

export interface CertificateInfo {
  source:
    | 'pkcs12-base64'
    | 'pkcs12-file'
    | 'thumbprint'
    | 'ephemeral'
    | 'pkcs11'
    | 'artifact-signing'
    | 'azure-key-vault'
    | 'aws-kms';
  subject: string;
  issuer: string;
  /** SHA-1 thumbprint, upper-case hex, as Windows shows it. */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  /** For ephemeral certificates: where the public certificate (PEM) was written, for users to trust it. */
  publicCertPath?: string;
  /** For ephemeral certificates: the public certificate itself (PEM), also when no file outlives the run. */
  publicCertPem?: string;
}

export interface FileVerification {
  ok: boolean;
  /** False for self-signed/ephemeral certificates: "chain not trusted, as expected". */
  chainTrusted: boolean;
  digest?: string;
  timestamped: boolean;
  /** False when the timestamp is present but its authority's chain is not trusted on this machine. */
  timestampTrusted?: boolean;
  detail: string;
}

export interface SignedFile {
  path: string;
  status: 'signed' | 'skipped' | 'failed';
  /** Why skipped or failed. */
  reason?: string;
  sha256?: string;
  signer?: string;
  timestampServer?: string;
  timestampTime?: string;
  verification?: FileVerification;
  /** Which signature is ours: 0, or the number already there when append-signature nested it. */
  signatureIndex?: number;
}

export interface SigningReport {
  /** built-in: the in-process engine; signtool: Windows' own tool (timestamps and verification in process too). */
  tool: 'built-in' | 'signtool';
  certificate?: CertificateInfo;
  digest: string;
  timestampUrls: string[];
  files: SignedFile[];
  /** A failure before any file was touched (bad certificate, no files found, no tool). */
  error?: string;
  notes: Note[];
}
