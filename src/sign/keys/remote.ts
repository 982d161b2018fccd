/**
 * What every remote signer needs: a small concurrency limit per service, a time limit per request, 429 and
 * 5xx answered with Retry-After or exponential back-off, and one message per failure that names the
 * service, the input and what to check.
 */

export interface RemotePolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** First back-off when the service gives no Retry-After; doubled per try, capped by maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time limit of one HTTP request. */
  requestTimeoutMs: number;
  /** Time limit of one signing operation including its polling. */
  operationTimeoutMs: number;
  /** How many signing requests may be in flight at once against one service. */
  maxConcurrency: number;
  /** Waits between tries (tests pass a fast one). */
  wait?: (ms: number) => Promise<void>;
}

export const DEFAULT_REMOTE_POLICY: RemotePolicy = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  requestTimeoutMs: 60_000,
  operationTimeoutMs: 300_000,
  maxConcurrency: 4,
};

/** A failure a user can act on: which service, which input, what to check. */
export class KeySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySourceError';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps `work` so that at most `limit` calls run at once; the rest queue in call order. */
export function limitConcurrency<A extends unknown[], R>(
  limit: number,
  work: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (...args: A): Promise<R> => {
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await work(...args);
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

/** Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), in milliseconds; undefined when absent or bad. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Statuses worth another try: throttled, or the service (or a gateway before it) briefly unavailable. */
export function isTransientStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** How many tries it took. */
  attempts: number;
}

/**
 * One HTTP request with a time limit per try, repeated on 429/5xx and network failures. The last answer
 * comes back whatever its status; a request that never got an answer throws with the last reason.
 */
export async function fetchWithRetry(
  url: string,
  init: () => Promise<RequestInit> | RequestInit,
  policy: RemotePolicy,
): Promise<HttpAnswer> {
  const wait = policy.wait ?? sleep;
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    // Building the request (an access token) fails for its own reasons, which another try does not fix.
    const request = await init();
    try {
      const response = await fetch(url, { ...request, signal: AbortSignal.timeout(policy.requestTimeoutMs) });
      const body = Buffer.from(await response.arrayBuffer());
      if (!isTransientStatus(response.status) || attempt === policy.attempts)
        return { status: response.status, headers: response.headers, body, attempts: attempt };
      delay = Math.min(policy.maxDelayMs, retryAfterMs(response.headers.get('retry-after')) ?? delay);
    } catch (error) {
      lastError = error;
      if (attempt === policy.attempts) break;
    }
    await wait(delay);
  }
  const reason =
    lastError instanceof Error
      ? lastError.cause instanceof Error
        ? lastError.cause.message
        : lastError.message
      : String(lastError);
  throw new Error(`no answer after ${policy.attempts} tries (${reason})`);
}

/** The service's own words from an error body (Azure's `{error: {code, message}}` or problem details). */
export function serviceDetail(body: Buffer | string): string {
  const text = body.toString().trim();
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const error = (json.error ?? json) as Record<string, unknown>;
    const parts = [error.code, error.message ?? json.title ?? json.detail].filter(
      (p) => typeof p === 'string',
    );
    if (parts.length > 0) return parts.join(': ').slice(0, 300);
  } catch {
    /* not JSON */
  }
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * The GitHub Actions OIDC token for `audience` (what @actions/core's getIDToken fetches), or undefined when
 * the job has no `id-token: write` permission. The token is registered as a secret before it is returned.
 */
export async function githubOidcToken(
  env: NodeJS.ProcessEnv,
  audience: string,
  setSecret: (value: string) => void,
  policy: RemotePolicy,
): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer)
    throw new KeySourceError(
      'GitHub OIDC: no ID token is available to this job; add `permissions: id-token: write` to the job (or set AZURE_CLIENT_SECRET for a client secret)',
    );
  const answer = await fetchWithRetry(
    `${url}&audience=${encodeURIComponent(audience)}`,
    () => ({ headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json' } }),
    policy,
  );
  const value =
    answer.status === 200 ? (JSON.parse(answer.body.toString()) as { value?: unknown }).value : undefined;
  if (typeof value !== 'string' || value === '')
    throw new KeySourceError(
      `GitHub OIDC: the token request answered ${answer.status} without a token (${serviceDetail(answer.body)}); check the job's id-token permission`,
    );
  setSecret(value);
  return value;
}
