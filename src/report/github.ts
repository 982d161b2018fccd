import { readFileSync } from 'node:fs';
import { getOctokit } from '@actions/github';

/** The real @actions/github client; tests get the same client, pointed at nock. */
export type GitHubClient = ReturnType<typeof getOctokit>;

/** Builds a client for a token and an API base URL; injectable so tests and GHES can choose. */
export type OctokitFactory = (token: string, baseUrl: string) => GitHubClient;

export const defaultOctokit: OctokitFactory = (token, baseUrl) => getOctokit(token, { baseUrl });

/** Where this step runs, read from the runner's environment (never from @actions/github's import-time context). */
export interface GitHubContext {
  owner: string;
  repo: string;
  /** The commit check runs attach to: the PR head on pull_request events, so they show on the PR. */
  sha: string;
  runId: number;
  runAttempt: number;
  /** The job's id in the workflow file (GITHUB_JOB), e.g. `build`. */
  job: string;
  /** The runner's name (RUNNER_NAME): the surest way to tell this job apart from its matrix siblings. */
  runnerName?: string;
  serverUrl: string;
  apiUrl: string;
  eventName?: string;
}

interface EventPayload {
  pull_request?: { head?: { sha?: unknown } };
  release?: { id?: unknown };
}

function readEvent(env: NodeJS.ProcessEnv): EventPayload {
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

/** Undefined outside GitHub Actions (e.g. the CLI on a laptop): there is nothing to publish to. */
export function githubContextFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubContext | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo || !env.GITHUB_SHA) return undefined;
  const event = readEvent(env);
  const headSha = event.pull_request?.head?.sha;
  return {
    owner,
    repo,
    sha: typeof headSha === 'string' && headSha ? headSha : env.GITHUB_SHA,
    runId: Number(env.GITHUB_RUN_ID) || 0,
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT) || 1,
    job: env.GITHUB_JOB ?? '',
    runnerName: env.RUNNER_NAME || undefined,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    eventName: env.GITHUB_EVENT_NAME || undefined,
  };
}

/** On a `release` event the payload names the release to upload to; any other event: undefined. */
export function releaseIdFromEvent(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env.GITHUB_EVENT_NAME !== 'release') return undefined;
  const id = readEvent(env).release?.id;
  return typeof id === 'number' ? id : undefined;
}

/** The HTTP status of an Octokit RequestError; undefined for network errors and everything else. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === 'number' && status > 0) return status;
  }
  return undefined;
}

function responseHeader(error: unknown, name: string): string | undefined {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  const value = headers?.[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A 403/429 that says "slow down" rather than "not allowed". */
export function isRateLimited(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === 429) return true;
  if (status !== 403) return false;
  if (responseHeader(error, 'retry-after') !== undefined) return true;
  if (responseHeader(error, 'x-ratelimit-remaining') === '0') return true;
  return /rate limit/i.test(error instanceof Error ? error.message : '');
}

/** Worth another try: server errors, rate limits and connections that broke before any answer. */
export function isTransient(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === undefined) return true;
  return status >= 500 || isRateLimited(error);
}

export interface RetryOptions {
  /** Attempts after the first one. */
  retries?: number;
  /** First backoff; doubles each time. Tests make it tiny. */
  delayMs?: number;
  /** Runs before each new attempt (e.g. to clear a half-created release asset). */
  beforeRetry?: (error: unknown, attempt: number) => Promise<void>;
}

/** Retries transient GitHub failures with exponential backoff, honouring Retry-After when GitHub sends it. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const delayMs = options.delayMs ?? 1000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= retries || !isTransient(error)) throw error;
      const retryAfter = Number(responseHeader(error, 'retry-after'));
      // Retry-After is in seconds; scale it with delayMs so a tiny test backoff stays tiny.
      const wait = retryAfter > 0 ? Math.min(retryAfter * delayMs, 60 * delayMs) : delayMs * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, wait));
      await options.beforeRetry?.(error, attempt + 1);
    }
  }
}

/** A short description of a failed request for messages and results, with the token cut out should it ever appear. */
export function describeError(error: unknown, token?: string): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  let firstLine = message.split('\n')[0] ?? '';
  if (token) firstLine = firstLine.split(token).join('***');
  return status ? `HTTP ${status}: ${firstLine}` : firstLine;
}
