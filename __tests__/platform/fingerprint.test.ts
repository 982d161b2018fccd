import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint, sameBytes } from '../../src/platform/fingerprint.js';

describe('fingerprint', () => {
  const bytes = randomBytes(100_003);

  it('matches the same bytes however they are split into parts, empty parts included', () => {
    const earlier = fingerprint([bytes]);
    expect(sameBytes([bytes.subarray(0, 217), Buffer.alloc(0), bytes.subarray(217)], earlier)).toBe(true);
    expect(
      sameBytes([bytes.subarray(0, 16), bytes.subarray(16, 50_000), bytes.subarray(50_000)], earlier),
    ).toBe(true);
  });

  it.each([0, 1, 50_000, 100_002])('does not match when the byte at %i changed', (at) => {
    const earlier = fingerprint([bytes]);
    const changed = Buffer.from(bytes);
    changed[at] = (changed[at] as number) ^ 0x01;
    expect(sameBytes([changed], earlier)).toBe(false);
  });

  it('does not match bytes cut short, bytes with more after them, or the same bytes moved across parts', () => {
    const earlier = fingerprint([bytes]);
    expect(sameBytes([bytes.subarray(0, -1)], earlier)).toBe(false);
    expect(sameBytes([bytes, Buffer.alloc(1)], earlier)).toBe(false);
    expect(sameBytes([bytes.subarray(1), bytes.subarray(0, 1)], earlier)).toBe(false);
  });

  it('takes a new nonce each time, so the tags of one content differ and a tag cannot be compared across subjects', () => {
    const a = fingerprint([bytes]);
    const b = fingerprint([bytes]);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.tag.equals(b.tag)).toBe(false);
    expect(sameBytes([bytes], a) && sameBytes([bytes], b)).toBe(true);
    expect(sameBytes([bytes], { nonce: a.nonce, tag: b.tag })).toBe(false);
  });
});
