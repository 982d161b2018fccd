import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Issued } from './pki.js';

/**
 * A P-256 key and a certificate for it issued by `ca` with openssl (as a token that generates EC keys, or
 * a TLS server, would hold them). `extensions` go into the request and are copied into the certificate.
 */
export function issueEcCertificate(
  dir: string,
  name: string,
  cn: string,
  ca: Issued,
  extensions: string[] = [],
): { keyFile: string; certFile: string } {
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.pem`);
  const quiet = { stdio: 'ignore' as const };
  const openssl = (args: string[]): void => void execFileSync('openssl', args, quiet);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  openssl([
    'req',
    '-new',
    '-key',
    keyFile,
    '-subj',
    `/CN=${cn}`,
    ...extensions.flatMap((e) => ['-addext', e]),
    '-out',
    csr,
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-days',
    '2',
    '-copy_extensions',
    'copy',
    '-out',
    certFile,
  ]);
  return { keyFile, certFile };
}
