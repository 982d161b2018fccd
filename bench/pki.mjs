// The benches' test PKI, made with the openssl command: a CA, and certificates it issues (a timestamp
// authority with a critical timeStamping EKU, a code-signing leaf). Files land in the given folder as
// <name>.key / <name>.pem; nothing here is trusted anywhere else.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TSA_EXTENSIONS =
  'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n';
export const CODE_SIGNING_EXTENSIONS =
  'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n';

/** A CA in `dir` (ca.key, ca.pem) and `issue(name, cn, extensions)` for certificates it signs. */
export async function benchCa(dir, cn, env = process.env) {
  const at = (file) => path.join(dir, file);
  const openssl = (...args) => run('openssl', args, { env });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  let serial = Date.now() % 1e9;
  const issue = async (name, subject, extensions) => {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      `/CN=${subject}`,
    );
    await writeFile(at(`${name}.ext`), extensions);
    await openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-set_serial',
      String(++serial),
      '-out',
      at(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
    );
  };
  return { openssl, issue };
}
