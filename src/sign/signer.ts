import type { Digest } from '../config.js';
import type { AttemptOutcome } from './retry.js';
import type { FileVerification } from './types.js';

export type StepOutcome = { ok: true } | { ok: false; message: string };

export interface VerifyExpectation {
  /** Which signature is ours: 0, or the count already there when appending. */
  index: number;
  digest: Digest;
  timestamped: boolean;
  selfSigned: boolean;
  /** The server that timestamped the file, so anchors learned for it can be reused. */
  timestampServer?: string;
}

export interface VerifyResult extends FileVerification {
  /** ISO 8601 when the tool printed a time it could parse, else as printed. */
  timestampTime?: string;
}

/**
 * What signing asks of a tool. Every step writes a new file and leaves its input alone, so a retry starts
 * from a known state and the original is only replaced once the result has been verified.
 */
export interface Signer {
  tool: 'signtool' | 'osslsigncode';
  sign(original: string, out: string, nest: boolean): Promise<StepOutcome>;
  /** Timestamps signature `index` of `signed` into `out`; the value is `out`. */
  timestamp(signed: string, out: string, url: string, index: number): Promise<AttemptOutcome<string>>;
  verify(file: string, expect: VerifyExpectation): Promise<VerifyResult>;
  /**
   * Signs and timestamps in one process: the common case costs one start instead of two. When the timestamp
   * part fails, `signFailed` is unset and retries go through sign + timestamp, so they never re-sign.
   */
  signAndTimestamp?(
    original: string,
    out: string,
    nest: boolean,
    url: string,
  ): Promise<AttemptOutcome<string> & { signFailed?: boolean }>;
}

/** "Nov 24 21:32:54 2026 GMT" (OpenSSL) or "Mon Nov 24 21:32:54 2025" (signtool) as ISO 8601 when possible. */
export function toIsoTime(text: string): string {
  const time = Date.parse(text.replace(/^\w{3} (?=\w{3} )/, ''));
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}
