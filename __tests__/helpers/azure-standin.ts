import { randomBytes } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { issueEcCertificate } from './ec-cert.js';
import type { Issued } from './pki.js';

/**
 * One local HTTPS server (loopback only) standing in for Entra ID's token endpoint, GitHub's OIDC token
 * endpoint and, through route handlers, Azure services. Shapes follow the references cited in
 * __tests__/fixtures/azure/README.md. The Azure SDKs insist on TLS for bearer tokens, so the server has a
 * certificate for localhost from the test CA, and the test process trusts that CA.
 */
export const TENANT = '72f988bf-0000-4000-8000-00000000a11c';
export const CLIENT_ID = 'a1b2c3d4-0000-4000-8000-0000000c11e7';
export const CLIENT_SECRET = 'client-secret-value-do-not-print';
export const GITHUB_RUNTIME_TOKEN = 'github-runtime-token-value';
export const GITHUB_OIDC_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYifQ.c2lnbmF0dXJl';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A route handler: answers and returns true, or returns false to let the next one try. */
export type Route = (req: Recorded, res: ServerResponse, standin: AzureStandin) => boolean | Promise<boolean>;

export interface AzureStandin {
  url: string;
  requests: Recorded[];
  /** Access tokens issued, with the scope each was issued for. */
  tokens: Map<string, string>;
  /** Answers a token request with this error once (invalid_client, ...). */
  failTokenOnce?: { status: number; error: string; description: string };
  /** The scope a bearer token was issued for, or undefined when it is unknown. */
  scopeOf(authorization: string | undefined): string | undefined;
  close(): Promise<void>;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return true;
}

/** A vault's host name: the Key Vault SDK wants the host to sit below the challenge's resource host. */
export const VAULT_HOST = 'gag.vault.localhost';

/**
 * Names under .localhost are loopback (RFC 6761 section 6.3), but this machine's resolver does not know
 * them: teach this process, for those names only, so no request can leave the machine.
 */
export function resolveLocalhostNames(): () => void {
  const original = dns.lookup;
  const patched = ((hostname: string, options: unknown, callback?: unknown) => {
    if (!hostname.endsWith('.localhost'))
      return (original as (...a: unknown[]) => void)(hostname, options, callback);
    const done = (typeof options === 'function' ? options : callback) as (...a: unknown[]) => void;
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
    process.nextTick(() =>
      all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4),
    );
  }) as typeof dns.lookup;
  dns.lookup = patched;
  return () => void (dns.lookup = original);
}

/** A server certificate for localhost, the vault's host name and 127.0.0.1, issued by the test CA. */
function serverCertificate(dir: string, ca: Issued): { key: string; cert: string } {
  const issued = issueEcCertificate(dir, 'localhost', 'localhost', ca, [
    `subjectAltName=DNS:localhost,DNS:${VAULT_HOST},IP:127.0.0.1`,
  ]);
  return { key: readFileSync(issued.keyFile, 'utf8'), cert: readFileSync(issued.certFile, 'utf8') };
}

/** Trust the test CA in this process (Node 24's tls.setDefaultCACertificates), as NODE_EXTRA_CA_CERTS would. */
export function trustTestCa(ca: Issued): () => void {
  const before = tls.getCACertificates('default');
  tls.setDefaultCACertificates([...before, ca.certPem]);
  return () => tls.setDefaultCACertificates(before);
}

export async function startAzureStandin(dir: string, ca: Issued, routes: Route[]): Promise<AzureStandin> {
  const requests: Recorded[] = [];
  const tokens = new Map<string, string>();
  let base = '';
  const standin: AzureStandin = {
    url: '',
    requests,
    tokens,
    scopeOf: (authorization) => tokens.get((authorization ?? '').replace(/^Bearer /, '')),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const identity: Route = (req, res) => {
    const url = new URL(req.path, base);
    if (req.method === 'GET' && url.pathname === '/common/discovery/instance') {
      const host = url.host;
      return json(res, 200, {
        tenant_discovery_endpoint: `${base}/${TENANT}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    if (req.method === 'GET' && url.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
      const tenant = url.pathname.split('/')[1];
      return json(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `${base}/${tenant}/v2.0`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        tenant_region_scope: 'WW',
        cloud_instance_name: 'microsoftonline.com',
      });
    }
    if (req.method === 'POST' && url.pathname === `/${TENANT}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(req.body);
      if (standin.failTokenOnce) {
        const failure = standin.failTokenOnce;
        standin.failTokenOnce = undefined;
        return json(res, failure.status, {
          error: failure.error,
          error_description: failure.description,
          error_codes: [7000215],
        });
      }
      const secretOk = form.get('client_secret') === CLIENT_SECRET;
      const assertionOk =
        form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
        form.get('client_assertion') === GITHUB_OIDC_JWT;
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== CLIENT_ID ||
        !(secretOk || assertionOk)
      )
        return json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
        });
      const token = `at-${randomBytes(12).toString('hex')}`;
      tokens.set(token, (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default')) ?? '');
      return json(res, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token,
      });
    }
    // GitHub's OIDC token endpoint: GET ACTIONS_ID_TOKEN_REQUEST_URL&audience=..., bearer the runtime token.
    if (req.method === 'GET' && url.pathname === '/_apis/distributedtask/oidc/token') {
      if (req.headers.authorization !== `Bearer ${GITHUB_RUNTIME_TOKEN}`)
        return json(res, 401, { message: 'Bad credentials' });
      if (url.searchParams.get('audience') !== 'api://AzureADTokenExchange')
        return json(res, 400, { message: 'bad audience' });
      return json(res, 200, { count: 1, value: GITHUB_OIDC_JWT });
    }
    return false;
  };
  const all = [identity, ...routes];
  const server: Server = createServer(serverCertificate(dir, ca), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      void (async () => {
        for (const route of all) if (await route(recorded, res, standin)) return;
        json(res, 404, {
          error: { code: 'NotFound', message: `no stand-in route for ${recorded.method} ${recorded.path}` },
        });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://localhost:${(server.address() as AddressInfo).port}`;
  standin.url = base;
  return standin;
}

/** The environment a workflow step would have: client secret, or GitHub OIDC federation (no secret). */
export function azureEnv(standin: AzureStandin, kind: 'client-secret' | 'github-oidc'): NodeJS.ProcessEnv {
  const common = { AZURE_AUTHORITY_HOST: standin.url, AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT_ID };
  return kind === 'client-secret'
    ? { ...common, AZURE_CLIENT_SECRET: CLIENT_SECRET }
    : {
        ...common,
        ACTIONS_ID_TOKEN_REQUEST_URL: `${standin.url}/_apis/distributedtask/oidc/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: GITHUB_RUNTIME_TOKEN,
      };
}

/** PKCS#1 v1.5 over a digest (DigestInfo built here), as a service holding the key would answer. */
export const DIGEST_INFO_PREFIX: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** Retry-After-carrying faults a stand-in serves before answering normally. */
export interface Fault {
  /** Which request it hits: a substring of the path (and method, "POST /sign"). */
  match: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many times (default: forever). */
  times?: number;
}

/** Answers `req` with the first matching fault (and counts it down); false when none matches. */
export function answerFault(faults: Fault[], req: Recorded, res: ServerResponse): boolean {
  const fault = faults.find(
    (f) => `${req.method} ${req.path}`.includes(f.match) && (f.times === undefined || f.times > 0),
  );
  if (!fault) return false;
  if (fault.times !== undefined) fault.times--;
  return json(
    res,
    fault.status,
    fault.body ?? { error: { code: String(fault.status), message: 'injected' } },
    fault.headers,
  );
}
