import { withRetries, type AttemptOutcome, type RetryPolicy } from './retry.js';

export type TimestampResult = { ok: true; server: string; file: string } | { ok: false; message: string };

/**
 * Asks each server in order, each with its own retries, until one timestamps the file. The failure message
 * names every server with its last error, so users see which one to drop or why all of them failed.
 */
export async function timestampWithFailover(
  urls: readonly string[],
  policy: RetryPolicy,
  attempt: (url: string) => Promise<AttemptOutcome<string>>,
  wait?: (ms: number) => Promise<void>,
): Promise<TimestampResult> {
  const errors: string[] = [];
  for (const url of urls) {
    const { outcome, attempts } = await withRetries(policy, () => attempt(url), wait);
    if (outcome.ok) return { ok: true, server: url, file: outcome.value };
    errors.push(`${url}: ${outcome.message} (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`);
  }
  return { ok: false, message: `timestamping failed on every server: ${errors.join('; ')}` };
}

/**
 * Turns a signing tool's timestamp failure into a short reason and whether another try could help.
 * Shapes come from osslsigncode 2.9 (OpenSSL HTTP client errors) and signtool.
 */
export function classifyTimestampFailure(
  output: string,
  timedOut: boolean,
): { transient: boolean; message: string } {
  if (timedOut) return { transient: true, message: 'timed out' };
  const status = /code=(\d{3}), reason=([^\n:]*)/.exec(output);
  if (status) {
    const code = Number(status[1]);
    return {
      transient: code >= 500 || code === 408 || code === 429,
      message: `HTTP ${code} ${status[2]?.trim() ?? ''}`.trim(),
    };
  }
  if (/Connection refused/i.test(output)) return { transient: true, message: 'connection refused' };
  if (/Connection reset|ECONNRESET|unexpected eof|EOF was observed/i.test(output))
    return { transient: true, message: 'connection reset' };
  if (/timed? ?out|timeout/i.test(output)) return { transient: true, message: 'timed out' };
  if (/Name or service not known|nodename nor servname|getaddrinfo|Could not resolve/i.test(output)) {
    return { transient: true, message: 'host name not found' };
  }
  // signtool's one message for refused, 5xx and garbage alike.
  if (/could not be reached/i.test(output)) {
    return { transient: true, message: 'server could not be reached or gave an invalid response' };
  }
  if (/Failed to convert timestamp reply|not enough data|wrong tag/i.test(output)) {
    return { transient: true, message: 'invalid reply (not an RFC 3161 timestamp response)' };
  }
  const last = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(Connecting to|PE checksum|Failed$|Use the "-t" option)/.test(l))
    .slice(0, 2)
    .join(' | ');
  return { transient: true, message: last || 'failed without a reason' };
}
