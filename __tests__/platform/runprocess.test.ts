import { describe, expect, it } from 'vitest';
import { runProcessOnDemand } from '../../src/platform/process.js';
import { runProcess } from '../../src/platform/runprocess.js';

// A child that would run for a minute unless it is killed.
const LONG = [process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']] as const;

describe('runProcess and an abort signal', () => {
  it('kills the child at once when the signal was aborted before the start', async () => {
    const started = Date.now();
    const result = await runProcess(...LONG, { signal: AbortSignal.abort() });
    expect(result.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('runProcessOnDemand kills the child when the signal aborts while its module loads', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = runProcessOnDemand(...LONG, { signal: controller.signal });
    controller.abort();
    const result = await pending;
    expect(result.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('lets the child finish when the signal is never aborted', async () => {
    const result = await runProcessOnDemand(process.execPath, ['-e', 'process.stdout.write("ok")'], {
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok' });
  });
});
