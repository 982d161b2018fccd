import { constants, createPrivateKey, privateEncrypt, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { json, answerFault, DIGEST_INFO_PREFIX, type Fault, type Route } from './azure-standin.js';
import type { Issued } from './pki.js';

/**
 * Azure Artifact Signing's digest-signing data plane, as its clients call it (see
 * __tests__/fixtures/azure/README.md): POST .../sign -> 202 {operationId, status: InProgress}; GET
 * .../sign/{operationId} -> InProgress, then {status: Succeeded, signature, signingCertificate}; GET
 * .../sign/certchain -> PKCS#7 (DER) of the chain. Signs with the test leaf's key.
 */
export interface ArtifactSigningStandin {
  route: Route;
  faults: Fault[];
  /** How the next operations end: Succeeded (default) or Failed / TimedOut. */
  outcome: string;
  /** Digests received, base64. */
  digests: string[];
  /** Peak of sign submissions in flight (between POST and the final poll). */
  peakInFlight: number;
}

export const ACCOUNT = 'gag-account';
export const PROFILE = 'gag-profile';
export const CODESIGNING_SCOPE = 'https://codesigning.azure.net/.default';

/** A certificates-only PKCS#7 (DER), as `openssl crl2pkcs7 -nocrl` makes it: what a .p7b chain file holds. */
export function pkcs7Of(certificates: Issued[]): Buffer {
  return execFileSync('openssl', [
    'crl2pkcs7',
    '-nocrl',
    ...certificates.flatMap((c) => ['-certfile', c.certFile]),
    '-outform',
    'DER',
  ]);
}

export function artifactSigningStandin(leaf: Issued, ca: Issued): ArtifactSigningStandin {
  const operations = new Map<string, { polls: number; digest: string; algorithm: string }>();
  const key = createPrivateKey(leaf.keyPem);
  const chain = pkcs7Of([ca, leaf]); // a SET: the order is the client's job
  let inFlight = 0;
  const state: ArtifactSigningStandin = {
    faults: [],
    outcome: 'Succeeded',
    digests: [],
    peakInFlight: 0,
    route: () => false,
  };
  state.route = (req, res, standin) => {
    const url = new URL(req.path, 'https://x');
    const m = /^\/codesigningaccounts\/([^/]+)\/certificateprofiles\/([^/]+)\/sign(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    if (!m) return false;
    if (url.searchParams.get('api-version') !== '2022-06-15-preview')
      return json(res, 400, { error: { code: 'InvalidApiVersion', message: 'unsupported api-version' } });
    if (answerFault(state.faults, req, res)) return true;
    if (standin.scopeOf(req.headers.authorization) !== CODESIGNING_SCOPE)
      return json(res, 401, {
        error: { code: 'Unauthorized', message: 'The access token is missing or invalid.' },
      });
    if (decodeURIComponent(m[1] ?? '') !== ACCOUNT || decodeURIComponent(m[2] ?? '') !== PROFILE)
      return json(res, 404, { error: { code: 'NotFound', message: 'Certificate profile not found.' } });
    const tail = m[3];
    if (req.method === 'GET' && tail === 'certchain') {
      res.writeHead(200, { 'Content-Type': 'application/pkcs7-mime' });
      res.end(chain);
      return true;
    }
    if (req.method === 'POST' && tail === undefined) {
      const body = JSON.parse(req.body) as { signatureAlgorithm?: string; digest?: string };
      if (!body.digest || !/^RS(256|384|512)$/.test(body.signatureAlgorithm ?? ''))
        return json(res, 400, {
          error: { code: 'BadRequest', message: 'signatureAlgorithm and digest are required' },
        });
      const operationId = randomUUID();
      operations.set(operationId, {
        polls: 0,
        digest: body.digest,
        algorithm: body.signatureAlgorithm ?? '',
      });
      state.digests.push(body.digest);
      state.peakInFlight = Math.max(state.peakInFlight, ++inFlight);
      return json(res, 202, { operationId, status: 'InProgress' });
    }
    if (req.method === 'GET' && tail) {
      const op = operations.get(tail);
      if (!op) return json(res, 404, { operationId: tail, status: 'NotFound' });
      if (op.polls++ === 0) return json(res, 200, { operationId: tail, status: 'InProgress' });
      inFlight--;
      operations.delete(tail);
      if (state.outcome !== 'Succeeded') return json(res, 200, { operationId: tail, status: state.outcome });
      const hash = `sha${op.algorithm.slice(2)}`;
      const digestInfo = Buffer.concat([
        Buffer.from(DIGEST_INFO_PREFIX[hash] ?? '', 'hex'),
        Buffer.from(op.digest, 'base64'),
      ]);
      const signature = privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
      return json(res, 200, {
        operationId: tail,
        status: 'Succeeded',
        signature: signature.toString('base64'),
        // base64 text of the base64 PKCS#7, as jsign and the Sign CLI decode it
        signingCertificate: Buffer.from(chain.toString('base64')).toString('base64'),
      });
    }
    return false;
  };
  return state;
}
