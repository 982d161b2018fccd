import { createCipheriv, randomBytes } from 'node:crypto';
import { chunksOf } from './chunked.js';

/**
 * A keyed fingerprint of bytes: GMAC (AES-256-GCM with the bytes as associated data only) under a key drawn
 * at random for this process. Equal fingerprints under one nonce mean equal bytes: making other bytes match
 * needs the key. It tells whether bytes read twice are the same at about a fifth of the cost of SHA-256
 * (0.29 ms against 1.34 ms for 2 MB on a 2-core CI machine with SHA instructions; more without them), and
 * says nothing else about them.
 */
export interface Fingerprint {
  /**
   * The GCM nonce, new for each fingerprint taken. Checking a second reading reuses it, and that reading
   * may differ: GCM's nonce-reuse attack needs both tags, and the key and every tag stay in this process.
   */
  nonce: Buffer;
  tag: Buffer;
}

const KEY = randomBytes(32);

/** The fingerprint of `parts` taken one after another, with a new nonce or the nonce of the one to compare. */
export function fingerprint(parts: readonly Uint8Array[], nonce: Buffer = randomBytes(12)): Fingerprint {
  const mac = createCipheriv('aes-256-gcm', KEY, nonce);
  for (const part of parts) for (const chunk of chunksOf(part)) if (chunk.length > 0) mac.setAAD(chunk);
  mac.final();
  return { nonce, tag: mac.getAuthTag() };
}

/** Whether `parts` are the bytes `earlier` was taken of. */
export function sameBytes(parts: readonly Uint8Array[], earlier: Fingerprint): boolean {
  return fingerprint(parts, earlier.nonce).tag.equals(earlier.tag);
}
