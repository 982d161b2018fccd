import type { Digest } from '../config.js';
import type { FileVerification } from './types.js';

/** What a tool's verification output is read against: which signature is ours and what it must show. */
export interface VerifyExpectation {
  /** Which signature is ours: 0, or the count already there when appending. */
  index: number;
  digest: Digest;
  timestamped: boolean;
  selfSigned: boolean;
}

export interface VerifyResult extends FileVerification {
  /** ISO 8601 when the tool printed a time it could parse, else as printed. */
  timestampTime?: string;
}

/** "Nov 24 21:32:54 2026 GMT" (OpenSSL) or "Mon Nov 24 21:32:54 2025" (signtool) as ISO 8601 when possible. */
export function toIsoTime(text: string): string {
  const time = Date.parse(text.replace(/^\w{3} (?=\w{3} )/, ''));
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}
