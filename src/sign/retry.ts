/** How often one timestamp server is asked before the next one gets its turn. */
export interface RetryPolicy {
  attempts: number;
  /** First back-off; doubled after each failed attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };

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
