import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/platform/bufferpool.js';
import { readPooled } from '../../src/sign/target.js';
import { scratchDir } from '../helpers/tmp.js';

describe('readPooled', () => {
  const dir = scratchDir('gav-target-');
  const pool = new BufferPool(2);
  const file = (name: string, content = 'MZ program bytes'): string => {
    const f = path.join(dir, name);
    writeFileSync(f, content);
    return f;
  };

  it('reads the whole file into a pooled buffer with room to grow, and its identity', async () => {
    const f = file('app.exe');
    const read = await readPooled(f, pool, (size) => size + 100);
    if ('refused' in read) throw new Error(read.refused);
    expect(read.bytes.toString()).toBe('MZ program bytes');
    expect(read.buffer.length).toBeGreaterThanOrEqual(16 + 100);
    expect(read.snapshot).toMatchObject({ path: f, size: 16 });
    pool.give(read.buffer);
  });

  it('refuses, without hanging, a FIFO put where a file was', async () => {
    const fifo = path.join(dir, 'pipe.exe');
    execFileSync('mkfifo', [fifo]);
    expect(await readPooled(fifo, pool, (s) => s)).toEqual({ refused: 'not a regular file' });
  });

  it('refuses read-only files and files with several hard links', async () => {
    const readOnly = file('ro.exe');
    chmodSync(readOnly, 0o444);
    expect(await readPooled(readOnly, pool, (s) => s)).toEqual({
      refused: expect.stringMatching(/read-only/),
    });
    const linked = file('linked.exe');
    linkSync(linked, path.join(dir, 'other-name.exe'));
    expect(await readPooled(linked, pool, (s) => s)).toEqual({
      refused: expect.stringMatching(/2 hard links/),
    });
  });

  it('reading again: a file rewritten since is "changed", a file removed since is "deleted"', async () => {
    const f = file('again.exe');
    const first = await readPooled(f, pool, (s) => s);
    if ('refused' in first) throw new Error(first.refused);
    pool.give(first.buffer);
    const same = await readPooled(f, pool, (s) => s, first.snapshot);
    expect('refused' in same).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(f, 'MZ program BYTES');
    expect(await readPooled(f, pool, (s) => s, first.snapshot)).toEqual({
      refused: `${f} changed while it was being signed; the new content was kept, sign it again`,
    });
    rmSync(f);
    expect(await readPooled(f, pool, (s) => s, first.snapshot)).toEqual({
      refused: `${f} was deleted while it was being signed; nothing was written in its place`,
    });
  });
});
