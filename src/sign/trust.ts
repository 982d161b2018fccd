import { readFile } from 'node:fs/promises';
import { readAnchors, type TrustAnchors } from './authenticode/anchors.js';

/** The system CA bundle, the trust anchors of in-process verification besides a run's own. */
const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/cert.pem',
];

export async function systemBundle(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  for (const file of [env.SSL_CERT_FILE, ...SYSTEM_CA_BUNDLES]) {
    if (!file) continue;
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return text;
  }
  return '';
}

export async function systemAnchors(env: NodeJS.ProcessEnv = process.env): Promise<TrustAnchors> {
  return readAnchors([await systemBundle(env)]);
}
