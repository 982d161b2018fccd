import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findOnPath, makePrivateDir, removeQuietly } from '../../platform/files.js';
import { describeFailure, type ProcessRunner } from '../../platform/process.js';
import { keyTypeOf, parseCertificates, readChainFile } from './certs.js';
import { KeySourceError, limitConcurrency } from './remote.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * A key on a PKCS#11 token or HSM, used through OpenSSL's pkcs11 engine (libp11) as a separate process:
 * `openssl pkeyutl -sign` on the digest, the PIN on stdin (`-passin stdin`), never on argv, in the child's
 * environment or in a file. No native addon, so the one bundle runs on every OS; the module is the
 * vendor's library, handed to libp11 as PKCS11_MODULE_PATH. The certificate comes from `certificate-chain`
 * or, when that is not given, from the token (`pkcs11-tool --read-object`, no login).
 */
const SERVICE = 'PKCS#11';

export interface Pkcs11Options {
  /** The vendor's PKCS#11 library (libsofthsm2.so, eTPKCS11.dll, ...). */
  module: string;
  /** RFC 7512 URI of the private key, such as pkcs11:token=ci;object=signing. */
  uri: string;
  pin: string;
  chainFile?: string;
  run: ProcessRunner;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** This run's scratch folder: digests and signatures (never the PIN) go in a private folder below it. */
  tempDir: string;
  setSecret: (value: string) => void;
  /** Tokens do one thing at a time; an HSM may take more. */
  maxConcurrency?: number;
  timeoutMs?: number;
}

/** Path attributes of an RFC 7512 URI, percent-decoded; the query part (module-name, pin-*) is refused. */
export function parsePkcs11Uri(uri: string): Map<string, string> {
  const match = /^pkcs11:([^?]*)(\?.*)?$/i.exec(uri.trim());
  if (!match)
    throw new KeySourceError(
      `pkcs11-key: expected an RFC 7512 URI such as pkcs11:token=ci;object=signing, got "${uri}"`,
    );
  const query = match[2] ?? '';
  if (/[?&]pin-(value|source)=/i.test(query) || /(^|;)pin-value=/i.test(match[1] ?? ''))
    throw new KeySourceError(
      'pkcs11-key: the URI carries a PIN; remove it and give the PIN in pkcs11-pin (a secret)',
    );
  const attributes = new Map<string, string>();
  for (const part of (match[1] ?? '').split(';').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new KeySourceError(`pkcs11-key: "${part}" is not an attribute=value pair`);
    attributes.set(part.slice(0, eq).toLowerCase(), decodeURIComponent(part.slice(eq + 1)));
  }
  if (!attributes.has('object') && !attributes.has('id'))
    throw new KeySourceError('pkcs11-key: name the key with object=<label> or id=<%-encoded id> in the URI');
  return attributes;
}

/** The URI OpenSSL gets: the key's path attributes only, percent-encoded again, with type=private. */
function keyUri(attributes: Map<string, string>): string {
  const keep = ['token', 'manufacturer', 'model', 'serial', 'slot-id', 'object', 'id'];
  const parts = keep
    .filter((name) => attributes.has(name))
    .map((name) => `${name}=${encodeURIComponent(attributes.get(name) as string)}`);
  return `pkcs11:${[...parts, 'type=private'].join(';')}`;
}

/** pkcs11-tool arguments that pick the same object (for reading the certificate beside the key). */
function objectSelector(attributes: Map<string, string>): string[] {
  const args: string[] = [];
  const token = attributes.get('token');
  if (token) args.push('--token-label', token);
  const object = attributes.get('object');
  if (object) args.push('--label', object);
  const id = attributes.get('id');
  if (id) args.push('--id', Buffer.from(id, 'latin1').toString('hex'));
  return args;
}

export async function pkcs11Key(o: Pkcs11Options): Promise<SigningKey> {
  o.setSecret(o.pin);
  const attributes = parsePkcs11Uri(o.uri);
  const openssl = await findOnPath('openssl', o.env, o.platform);
  if (!openssl)
    throw new KeySourceError(
      `${SERVICE}: openssl is not on PATH; install OpenSSL 3 and the libp11 pkcs11 engine (Debian/Ubuntu: libengine-pkcs11-openssl, Homebrew: libp11)`,
    );
  const dir = await makePrivateDir(o.tempDir, 'pkcs11-');
  const env = {
    PKCS11_MODULE_PATH: o.module,
    ...(o.env.OPENSSL_ENGINES ? { OPENSSL_ENGINES: o.env.OPENSSL_ENGINES } : {}),
    ...(o.env.OPENSSL_CONF ? { OPENSSL_CONF: o.env.OPENSSL_CONF } : {}),
  };
  const timeoutMs = o.timeoutMs ?? 120_000;
  try {
    const chain = o.chainFile
      ? await readChainFile(o.chainFile, 'certificate-chain')
      : await certificateFromToken(o, attributes, dir, timeoutMs);
    const keyType = keyTypeOf(chain[0] as Uint8Array);
    const uri = keyUri(attributes);
    let calls = 0;
    let loginFailed: string | undefined;

    const signDigest = async (digest: Uint8Array, algorithm: DigestAlgorithm): Promise<Uint8Array> => {
      // A wrong PIN is never tried twice: tokens lock after a few failed logins.
      if (loginFailed) throw new KeySourceError(loginFailed);
      const n = ++calls;
      const input = path.join(dir, `digest-${n}.bin`);
      const output = path.join(dir, `signature-${n}.bin`);
      await writeFile(input, digest, { mode: 0o600 });
      try {
        const result = await o.run(
          openssl,
          [
            'pkeyutl',
            '-sign',
            '-engine',
            'pkcs11',
            '-keyform',
            'engine',
            '-inkey',
            uri,
            '-passin',
            'stdin',
            '-in',
            input,
            '-out',
            output,
            '-pkeyopt',
            `digest:${algorithm}`,
          ],
          { env, input: `${o.pin}\n`, timeoutMs },
        );
        if (result.exitCode !== 0) {
          const text = `${result.stderr}\n${result.stdout}`;
          if (/PIN_INCORRECT|PIN_LOCKED|login failed|PKCS11_login/i.test(text)) {
            loginFailed = `${SERVICE}: login to the token failed; check pkcs11-pin (no further attempt is made, tokens lock after a few wrong PINs)`;
            throw new KeySourceError(loginFailed);
          }
          throw new KeySourceError(
            `${SERVICE}: signing with ${uri} (pkcs11-key) failed: ${describeFailure('openssl', result)}${hint(text, o.module)}`,
          );
        }
        return new Uint8Array(await readFile(output));
      } finally {
        await removeQuietly(input);
        await removeQuietly(output);
      }
    };

    return {
      description: `PKCS#11 key ${uri.replace(/;type=private$/, '')} (${path.basename(o.module)})`,
      keyType,
      chain: () => Promise.resolve(chain),
      signDigest: limitConcurrency(o.maxConcurrency ?? 1, signDigest),
      maxConcurrency: o.maxConcurrency ?? 1,
      close: async () => void (await removeQuietly(dir)),
    };
  } catch (error) {
    await removeQuietly(dir);
    throw error;
  }
}

/** What to check when openssl could not reach the key. */
function hint(text: string, module: string): string {
  if (
    /could not load the shared library|invalid engine|engine "?pkcs11"? .*not|dso_|DSO support routines/i.test(
      text,
    )
  )
    return '. The pkcs11 engine (libp11) is missing: install libengine-pkcs11-openssl (Debian/Ubuntu) or libp11 (Homebrew)';
  if (/Failed to load (PKCS#11 )?module|Unable to load module|C_Initialize/i.test(text))
    return `. Check pkcs11-module (${module}): the library could not be loaded or initialised`;
  if (/cannot load|No such|not found|Could not find/i.test(text))
    return '. Check pkcs11-key: no private key on the token matches it (token label, object label or id)';
  return '';
}

async function certificateFromToken(
  o: Pkcs11Options,
  attributes: Map<string, string>,
  dir: string,
  timeoutMs: number,
): Promise<Uint8Array[]> {
  const tool = await findOnPath('pkcs11-tool', o.env, o.platform);
  if (!tool)
    throw new KeySourceError(
      `${SERVICE}: certificate-chain is not set and pkcs11-tool (OpenSC) is not on PATH to read the certificate from the token; set certificate-chain to a PEM file (signing certificate first) or install OpenSC`,
    );
  const output = path.join(dir, 'certificate.der');
  const result = await o.run(
    tool,
    [
      '--module',
      o.module,
      '--read-object',
      '--type',
      'cert',
      ...objectSelector(attributes),
      '--output-file',
      output,
    ],
    { timeoutMs },
  );
  const der = result.exitCode === 0 ? await readFile(output).catch(() => undefined) : undefined;
  if (!der || der.length === 0)
    throw new KeySourceError(
      `${SERVICE}: no certificate beside the key on the token (${describeFailure('pkcs11-tool', result)}); set certificate-chain to a PEM file with the signing certificate first, then intermediates`,
    );
  return parseCertificates(der);
}
