import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/platform/bufferpool.js';

const MIB = 1024 * 1024;

describe('BufferPool', () => {
  it('rounds up to whole MiB and hands back the smallest idle buffer that fits', () => {
    const pool = new BufferPool(2);
    const small = pool.take(10);
    const large = pool.take(3 * MIB);
    expect([small.length, large.length]).toEqual([MIB, 3 * MIB]);
    expect(small.byteOffset % 8).toBe(0);
    pool.give(large);
    pool.give(small);
    expect(pool.take(100)).toBe(small);
    expect(pool.take(2 * MIB)).toBe(large);
  });

  it('allocates anew when no idle buffer is large enough', () => {
    const pool = new BufferPool(2);
    const first = pool.take(MIB);
    pool.give(first);
    const bigger = pool.take(MIB + 1);
    expect(bigger).not.toBe(first);
    expect(bigger.length).toBe(2 * MIB);
  });

  it('keeps at most `keep` idle buffers, dropping the smallest', () => {
    const pool = new BufferPool(2);
    const [a, b, c] = [pool.take(1), pool.take(3 * MIB), pool.take(2 * MIB)];
    pool.give(a);
    pool.give(b);
    pool.give(c); // a third idle buffer: the smallest (a) is dropped
    const taken = [pool.take(1), pool.take(1), pool.take(1)];
    expect(taken).toContain(b);
    expect(taken).toContain(c);
    expect(taken).not.toContain(a);
  });
});
