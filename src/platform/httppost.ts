import http from 'node:http';

/**
 * One small HTTP(S) POST with a deadline, a reply size limit and a few redirects: what a timestamp request
 * needs, on node:http rather than fetch, whose first use loads undici and web streams (~50 ms of every
 * signing run) and costs more per request. Proxies come from the global agents, as for fetch
 * (NODE_USE_ENV_PROXY=1 with HTTP_PROXY / HTTPS_PROXY / NO_PROXY).
 */

export interface PostReply {
  status: number;
  statusText: string;
  body: Buffer;
}

/** A request that got no complete reply: time-out, refused, reset, unknown host, too large, redirect loop. */
export class PostError extends Error {}

const REDIRECTS = 5;

/**
 * POSTs `body` to `url` and reads the reply (any status) up to `maxBytes`. The deadline covers the whole
 * exchange, redirects included. A redirect is followed with the same POST (timestamp servers that moved to
 * https answer 301/302; dropping the body as browsers do would only get an error page).
 */
export async function post(
  url: string,
  body: Uint8Array,
  options: { headers: Record<string, string>; timeoutMs: number; maxBytes: number },
): Promise<PostReply> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const reply = await once(target, body, options, deadline);
    const location = reply.status >= 300 && reply.status < 400 ? reply.location : undefined;
    if (!location) return reply;
    if (hop >= REDIRECTS) throw new PostError(`more than ${REDIRECTS} redirects`);
    target = new URL(location, target);
  }
}

async function once(
  target: URL,
  body: Uint8Array,
  options: { headers: Record<string, string>; timeoutMs: number; maxBytes: number },
  deadline: AbortSignal,
): Promise<PostReply & { location?: string }> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new PostError(`unsupported URL scheme ${target.protocol}`);
  // node:https (and TLS) load on the first https URL: most timestamp servers are plain http (~8 ms to load).
  const client = target.protocol === 'https:' ? (await import('node:https')).default : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(body.length) },
        signal: deadline,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            response.destroy();
            reject(new PostError(`reply larger than ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => reject(describe(error, options.timeoutMs, deadline)));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            body: Buffer.concat(chunks),
            ...(typeof response.headers.location === 'string' ? { location: response.headers.location } : {}),
          }),
        );
      },
    );
    request.on('error', (error) => reject(describe(error, options.timeoutMs, deadline)));
    request.end(body);
  });
}

function describe(error: unknown, timeoutMs: number, deadline: AbortSignal): PostError {
  if (error instanceof PostError) return error;
  if (deadline.aborted) return new PostError(`timed out after ${timeoutMs / 1000} s`);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return new PostError('connection refused');
  if (code === 'ECONNRESET' || code === 'EPIPE') return new PostError('connection reset');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new PostError('host name not found');
  return new PostError(error instanceof Error ? error.message : String(error));
}
