import type { Progress } from '../../progress.js';
import type { DigestAlgorithm } from '../keys/types.js';
import { backoffDelay, sleep, type RetryPolicy } from '../retry.js';
import { requestTimestamp, TimestampError } from './timestamp.js';

/**
 * Timestamp servers shared by every file of one run. Requests are independent of each other (no pool), so
 * all files wait on the network at once. A server that fails for one file (after its retries; a time-out
 * at once) is demoted for the rest of the run: a dead server costs one time-out per run, not one per file.
 */
export class TimestampService {
  private readonly demoted = new Map<string, string>();
  /** Servers that answered in this run: a time-out there is load, not death, and is retried. */
  private readonly answered = new Set<string>();

  constructor(
    private readonly urls: readonly string[],
    private readonly options: {
      timeoutMs: number;
      retry: RetryPolicy;
      progress?: Progress;
      wait?: (ms: number) => Promise<void>;
    },
  ) {}

  /** The token and the server that gave it; throws with every server's last error when none could. */
  async stamp(signature: Buffer, digest: DigestAlgorithm): Promise<{ token: Buffer; server: string }> {
    const errors: string[] = [];
    for (const url of this.urls) {
      const reason = this.demoted.get(url);
      if (reason) {
        errors.push(`${url}: ${reason} (earlier in this run; not asked again)`);
        continue;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const token = await requestTimestamp(url, signature, digest, this.options);
          this.answered.add(url);
          return { token, server: url };
        } catch (error) {
          const e = error instanceof TimestampError ? error : new TimestampError(String(error), true);
          // A time-out from a server that never answered is not retried: it would cost another time-out.
          const dead = /timed out/.test(e.message) && !this.answered.has(url);
          // Another file may have demoted it meanwhile.
          if (!e.transient || dead || attempt >= this.options.retry.attempts || this.demoted.has(url)) {
            if (!this.demoted.has(url)) {
              this.demoted.set(url, e.message);
              this.options.progress?.({ kind: 'demoted', server: url, reason: e.message });
            }
            errors.push(`${url}: ${e.message} (${attempt} ${attempt === 1 ? 'attempt' : 'attempts'})`);
            break;
          }
          const delayMs = backoffDelay(this.options.retry, attempt);
          this.options.progress?.({ kind: 'retry', server: url, attempt, reason: e.message, delayMs });
          await (this.options.wait ?? sleep)(delayMs);
        }
      }
    }
    throw new Error(`timestamping failed on every server: ${errors.join('; ')}`);
  }

  /** Servers given up on in this run, with why (for the report). */
  demotedServers(): Array<{ server: string; reason: string }> {
    return [...this.demoted].map(([server, reason]) => ({ server, reason }));
  }
}
