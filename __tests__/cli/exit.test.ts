import { describe, expect, it } from 'vitest';
import { exitWhenWritten } from '../../src/cli/exit.js';

/** A stream whose writes complete only when `flush` is called, as an asynchronous pipe on Windows does. */
function slowStream() {
  const pending: Array<() => void> = [];
  return {
    write: (_chunk: string, done: () => void): boolean => {
      pending.push(done);
      return true;
    },
    flush: (): void => {
      for (const done of pending.splice(0)) done();
    },
  };
}

describe('exitWhenWritten', () => {
  it('exits with the code only once every stream has written what was queued', async () => {
    const out = slowStream();
    const err = slowStream();
    const exits: number[] = [];
    const exiting = exitWhenWritten(3, [out, err], (code) => exits.push(code));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(exits).toEqual([]);
    out.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(exits).toEqual([]);
    err.flush();
    await exiting;
    expect(exits).toEqual([3]);
  });
});
