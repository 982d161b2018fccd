import { constants, createHash, createPrivateKey, privateEncrypt, X509Certificate } from 'node:crypto';
import { json, answerFault, DIGEST_INFO_PREFIX, TENANT, type Fault, type Route } from './azure-standin.js';
import type { Issued } from './pki.js';

/**
 * Azure Key Vault's data plane as the SDKs call it (see __tests__/fixtures/azure/README.md): the bearer
 * challenge (401 + WWW-Authenticate naming the tenant and resource), Get Certificate, Get Key and Sign.
 */
export const VAULT_RESOURCE = 'https://vault.localhost';
export const CERTIFICATE_NAME = 'gag-signing';
const VERSION = '0123456789abcdef0123456789abcdef';

export interface KeyVaultStandin {
  route: Route;
  faults: Fault[];
  signs: number;
  peakInFlight: number;
}

const b64url = (b: Buffer): string => b.toString('base64url');

export function keyVaultStandin(leaf: Issued): KeyVaultStandin {
  const key = createPrivateKey(leaf.keyPem);
  const x509 = new X509Certificate(leaf.certPem);
  const jwk = x509.publicKey.export({ format: 'jwk' });
  let inFlight = 0;
  const state: KeyVaultStandin = { faults: [], signs: 0, peakInFlight: 0, route: () => false };
  state.route = async (req, res, standin) => {
    const url = new URL(req.path, 'https://x');
    if (req.headers.host?.split(':')[0] !== 'gag.vault.localhost') return false;
    const challenge = {
      'WWW-Authenticate': `Bearer authorization="${standin.url}/${TENANT}", resource="${VAULT_RESOURCE}"`,
    };
    if (standin.scopeOf(req.headers.authorization) !== `${VAULT_RESOURCE}/.default`)
      return json(
        res,
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        challenge,
      );
    if (answerFault(state.faults, req, res)) return true;
    const base = `https://${req.headers.host}`;
    const kid = `${base}/keys/${CERTIFICATE_NAME}/${VERSION}`;
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'GET' && parts[0] === 'certificates') {
      if (parts[1] !== CERTIFICATE_NAME || (parts[2] && parts[2] !== VERSION))
        return json(res, 404, {
          error: {
            code: 'CertificateNotFound',
            message: `A certificate with (name/id) ${parts[1]} was not found in this key vault.`,
          },
        });
      return json(res, 200, {
        id: `${base}/certificates/${CERTIFICATE_NAME}/${VERSION}`,
        kid,
        sid: `${base}/secrets/${CERTIFICATE_NAME}/${VERSION}`,
        x5t: b64url(createHash('sha1').update(x509.raw).digest()),
        cer: x509.raw.toString('base64'),
        attributes: {
          enabled: true,
          nbf: 1,
          exp: 4102444800,
          created: 1,
          updated: 1,
          recoveryLevel: 'Recoverable',
        },
        policy: { key_props: { exportable: false, kty: 'RSA-HSM', key_size: 2048, reuse_key: false } },
      });
    }
    if (req.method === 'GET' && parts[0] === 'keys' && parts.length === 3)
      return json(res, 200, {
        key: { kid, kty: 'RSA-HSM', key_ops: ['sign', 'verify'], n: jwk.n, e: jwk.e },
        attributes: {
          enabled: true,
          created: 1,
          updated: 1,
          recoveryLevel: 'Recoverable',
          exportable: false,
        },
      });
    if (req.method === 'POST' && parts[0] === 'keys' && parts[3] === 'sign') {
      const body = JSON.parse(req.body) as { alg?: string; value?: string };
      const hash = `sha${(body.alg ?? '').slice(2)}`;
      const prefix = DIGEST_INFO_PREFIX[hash];
      if (!prefix || !body.value || !body.alg?.startsWith('RS'))
        return json(res, 400, { error: { code: 'BadParameter', message: 'Invalid algorithm or value' } });
      state.peakInFlight = Math.max(state.peakInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 20)); // long enough for overlapping requests to show
      inFlight--;
      state.signs++;
      const signature = privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([Buffer.from(prefix, 'hex'), Buffer.from(body.value, 'base64url')]),
      );
      return json(res, 200, { kid, value: b64url(signature) });
    }
    return false;
  };
  return state;
}
