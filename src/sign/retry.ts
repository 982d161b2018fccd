/** How often one timestamp server is asked before the next one gets its turn. */
export interface RetryPolicy {
  attempts: number;
  /** First back-off; doubled after each failed attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };

/** One attempt's result: transient failures (refused, reset, timeout, 5xx, garbage) are worth another try. */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; transient: boolean; message: string };

/** Exponential back-off with full jitter in [50%, 150%), so parallel workers do not retry in lock-step. */
export function backoffDelay(
  policy: RetryPolicy,
  failedAttempts: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(exponential * (0.5 + random()));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryResult<T> {
  outcome: AttemptOutcome<T>;
  attempts: number;
}

/** Runs `attempt` until it succeeds, fails permanently, or the policy's attempts are used up. */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: () => Promise<AttemptOutcome<T>>,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<RetryResult<T>> {
  let outcome: AttemptOutcome<T> = { ok: false, transient: false, message: 'not attempted' };
  for (let n = 1; n <= Math.max(1, policy.attempts); n++) {
    outcome = await attempt();
    if (outcome.ok || !outcome.transient || n === policy.attempts) return { outcome, attempts: n };
    await wait(backoffDelay(policy, n));
  }
  return { outcome, attempts: policy.attempts };
}
