import {
  createDecipheriv,
  createHash,
  createHmac,
  hash as oneShotHash,
  pbkdf2Sync,
  timingSafeEqual,
} from 'node:crypto';
import { childrenOf, encodingOf, oidOf, readNode, TAG, type DerNode } from '../../pe/der.js';
import { berToDer } from './ber.js';
import { rc2CbcDecrypt } from './rc2.js';

/**
 * PKCS#12 (RFC 7292) read in process: the structures as DER, and BER (Java keytool, Outlook and some
 * Windows exports write indefinite lengths and octet strings in pieces) rewritten as DER first, the
 * password-based encryption with node:crypto (PBES2 with PBKDF2 and AES or 3DES, the legacy PKCS#12 PBEs
 * with SHA-1 and 3DES or RC2-40). Whether the file is a PKCS#12 at all is decided before the password is
 * tried, so a corrupt file and a wrong password get different answers.
 */

export class Pkcs12Error extends Error {
  constructor(
    readonly kind: 'corrupt' | 'password' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

export interface Pkcs12Contents {
  /** PKCS#8 PrivateKeyInfo DER of each key (secrets). */
  keys: Buffer[];
  /** DER X.509 certificates in file order. */
  certificates: Buffer[];
}

const OID_DATA = '1.2.840.113549.1.7.1';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const BAG_KEY = '1.2.840.113549.1.12.10.1.1';
const BAG_SHROUDED_KEY = '1.2.840.113549.1.12.10.1.2';
const BAG_CERT = '1.2.840.113549.1.12.10.1.3';
const OID_X509 = '1.2.840.113549.1.9.22.1';
const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const OID_PBE_SHA1_3DES = '1.2.840.113549.1.12.1.3';
const OID_PBE_SHA1_RC2_40 = '1.2.840.113549.1.12.1.6';
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, string> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
};

/** Opens a PKCS#12; throws Pkcs12Error saying whether the file or the password is at fault. */
export async function readPkcs12(bytes: Buffer, password: string): Promise<Pkcs12Contents> {
  const pfx = await structure(
    () => readPfx(bytes),
    () => new Pkcs12Error('corrupt', 'not a PKCS#12 (.pfx/.p12) file, or a damaged one'),
  );
  if (pfx.mac) checkMac(pfx.mac, pfx.authSafeContent, password);
  const out: Pkcs12Contents = { keys: [], certificates: [] };
  for (const safe of pfx.safes) await readSafe(safe, password, out, Boolean(pfx.mac));
  return out;
}

interface ContentInfo {
  contentType: string;
  content: Node;
}

interface MacData {
  algorithm: string;
  digest: Buffer;
  salt: Buffer;
  iterations: number;
}

/** PFX: version, authSafe (data only: public-key protected files are not read), macData. */
async function readPfx(
  bytes: Buffer,
): Promise<{ authSafeContent: Buffer; safes: ContentInfo[]; mac?: MacData }> {
  const [version, authSafe, macData] = children(await parse(bytes));
  integer(version);
  const { contentType, content } = contentInfo(authSafe);
  if (contentType !== OID_DATA) throw new ShapeError();
  // The MAC covers the octet string's value as written, whatever encoding it holds.
  const authSafeContent = octets(content);
  const safes = children(await parse(authSafeContent)).map(contentInfo);
  if (!macData) return { authSafeContent, safes };
  const [digestInfo, salt, iterations] = children(macData);
  const [algorithm, digest] = children(digestInfo);
  const mac = {
    algorithm: oid(children(algorithm)[0]),
    digest: octets(digest),
    salt: octets(salt),
    iterations: iterations ? integer(iterations) : 1,
  };
  return { authSafeContent, safes, mac };
}

/** The MAC proves the password before anything is decrypted (PKCS#12 key derivation, id 3). */
function checkMac(mac: MacData, content: Buffer, password: string): void {
  const hash = HASHES[mac.algorithm];
  if (!hash) throw new Pkcs12Error('unsupported', `unsupported PKCS#12 MAC ${mac.algorithm}`);
  const length = createHash(hash).digest().length;
  // An empty password is two zero bytes (BMPString terminator) in OpenSSL, nothing at all in some tools.
  for (const pass of passwordForms(password)) {
    const key = pkcs12Kdf(hash, pass, mac.salt, 3, mac.iterations || 1, length);
    const computed = createHmac(hash, key).update(content).digest();
    if (computed.length === mac.digest.length && timingSafeEqual(computed, mac.digest)) return;
  }
  throw new Pkcs12Error('password', 'wrong password');
}

function passwordForms(password: string): Buffer[] {
  const bmp = Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  return password === '' ? [bmp, Buffer.alloc(0)] : [bmp];
}

async function readSafe(
  safe: ContentInfo,
  password: string,
  out: Pkcs12Contents,
  macChecked: boolean,
): Promise<void> {
  const damaged = (): Pkcs12Error =>
    new Pkcs12Error('corrupt', 'a PKCS#12 part could not be read (damaged file)');
  let contents: Buffer;
  if (safe.contentType === OID_DATA) {
    contents = await structure(() => octets(safe.content), damaged);
  } else if (safe.contentType === OID_ENCRYPTED_DATA) {
    const { algorithm, data } = await structure(() => encryptedData(safe.content), damaged);
    contents = decrypt(algorithm, data, password, macChecked);
  } else {
    return;
  }
  // Decrypted bytes that do not read as bags: a damaged file when the MAC passed, else a wrong password.
  const bags = await structure(
    async () => children(await parse(contents)).map(safeBag),
    () =>
      macChecked
        ? new Pkcs12Error('corrupt', 'a PKCS#12 bag could not be read (damaged file)')
        : new Pkcs12Error('password', 'could not be decrypted; is the password right?'),
  );
  for (const bag of bags) {
    if (bag.id === BAG_CERT) {
      const cert = await structure(() => {
        const [certId, certValue] = children(bag.value);
        return oid(certId) === OID_X509 ? octets(explicit0(certValue)) : undefined;
      }, damaged);
      if (cert) out.certificates.push(cert);
    } else if (bag.id === BAG_KEY) {
      out.keys.push(encoding(bag.value));
    } else if (bag.id === BAG_SHROUDED_KEY) {
      // EncryptedPrivateKeyInfo: the algorithm, then the encrypted PKCS#8.
      const { algorithm, data } = await structure(() => {
        const [algorithmNode, encrypted] = children(bag.value);
        children(algorithmNode);
        return { algorithm: encoding(algorithmNode as Node), data: octets(encrypted) };
      }, damaged);
      out.keys.push(decrypt(algorithm, data, password, macChecked));
    }
  }
}

/** SafeBag: its type and the value in its [0]. */
function safeBag(node: Node): { id: string; value: Node } {
  const [id, value] = children(node);
  return { id: oid(id), value: explicit0(value) };
}

/** PKCS#7 EncryptedData: the algorithm (its encoding) and the encrypted bytes, primitive or in pieces. */
function encryptedData(node: Node): { algorithm: Buffer; data: Buffer } {
  const [, info] = children(node);
  const [, algorithm, encrypted] = children(info);
  children(algorithm);
  return { algorithm: encoding(algorithm as Node), data: octets(encrypted) };
}

// --- reading the DER tree; anything of the wrong shape throws ShapeError ---

class ShapeError extends Error {}

/** An element of a DER buffer. */
interface Node {
  der: Buffer;
  at: DerNode;
}

/** Runs `read`; a ShapeError (the bytes are not the structure expected) becomes the caller's error. */
async function structure<T>(read: () => T | Promise<T>, error: () => Pkcs12Error): Promise<T> {
  try {
    return await read();
  } catch (caught) {
    if (caught instanceof ShapeError) throw error();
    throw caught;
  }
}

/** The element `bytes` start with, as DER; BER is rewritten as DER first (bytes after it are ignored). */
async function parse(bytes: Buffer): Promise<Node> {
  const root = readNode(bytes, 0);
  if (root && isDer(bytes, root)) return { der: bytes, at: root };
  const der = await berToDer(bytes);
  const rewritten = der ? readNode(der, 0) : undefined;
  if (!der || !rewritten || !isDer(der, rewritten)) throw new ShapeError();
  return { der, at: rewritten };
}

/** Definite lengths throughout, every constructed element exactly filled by its elements, no string in pieces. */
function isDer(der: Buffer, node: DerNode, depth = 0): boolean {
  if (!(node.tag & 0x20)) return true;
  if (node.tag === 0x24 || depth > 32) return false;
  let at = node.start;
  for (const child of childrenOf(der, node)) {
    if (child.headerStart !== at || !isDer(der, child, depth + 1)) return false;
    at = child.end;
  }
  return at === node.end;
}

/** The elements of a SEQUENCE, SET or constructed tagged value. */
function children(node: Node | undefined): Node[] {
  if (!node || !(node.at.tag & 0x20)) throw new ShapeError();
  return childrenOf(node.der, node.at).map((at) => ({ der: node.der, at }));
}

function oid(node: Node | undefined): string {
  const value = node ? oidOf(node.der, node.at) : undefined;
  if (value === undefined) throw new ShapeError();
  return value;
}

function integer(node: Node | undefined): number {
  if (node?.at.tag !== TAG.integer || node.at.end === node.at.start || node.at.end - node.at.start > 6)
    throw new ShapeError();
  return node.der.readUIntBE(node.at.start, node.at.end - node.at.start);
}

/** The value inside an explicit [0] tag. */
function explicit0(node: Node | undefined): Node {
  if (node?.at.tag !== TAG.context0) throw new ShapeError();
  const [inner] = children(node);
  if (!inner) throw new ShapeError();
  return inner;
}

/**
 * An octet string's bytes (or those of the [0] IMPLICIT one in EncryptedData): primitive, or in BER
 * segments, which are octet strings themselves, joined in order. Any other element is the wrong shape.
 */
function octets(node: Node | undefined, segment = false): Buffer {
  const tag = node?.at.tag;
  if (!node || tag === undefined) throw new ShapeError();
  if (tag === TAG.octetString || (tag === 0x80 && !segment))
    return node.der.subarray(node.at.start, node.at.end);
  if (tag === 0x24 || (tag === 0xa0 && !segment))
    return Buffer.concat(children(node).map((piece) => octets(piece, true)));
  throw new ShapeError();
}

/** A node's own encoding. */
function encoding(node: Node): Buffer {
  return encodingOf(node.der, node.at);
}

/** ContentInfo: its type and the value in its [0]. */
function contentInfo(node: Node | undefined): ContentInfo {
  const [type, content] = children(node);
  return { contentType: oid(type), content: explicit0(content) };
}

/** Decrypts with the AlgorithmIdentifier's scheme; a bad padding is the password's fault unless the MAC passed. */
function decrypt(algorithmDer: Buffer, data: Buffer, password: string, macChecked: boolean): Buffer {
  const root = readNode(algorithmDer, 0);
  const [oidNode, params] = root ? childrenOf(algorithmDer, root) : [];
  const scheme = oidNode ? oidOf(algorithmDer, oidNode) : undefined;
  try {
    if (scheme === OID_PBES2 && params) return pbes2(algorithmDer, params, data, password);
    if ((scheme === OID_PBE_SHA1_3DES || scheme === OID_PBE_SHA1_RC2_40) && params) {
      const [saltNode, countNode] = childrenOf(algorithmDer, params);
      if (!saltNode || !countNode) throw new Error('bad parameters');
      const salt = algorithmDer.subarray(saltNode.start, saltNode.end);
      const iterations = algorithmDer.readUIntBE(
        countNode.start,
        Math.min(6, countNode.end - countNode.start),
      );
      const errors: unknown[] = [];
      for (const pass of passwordForms(password)) {
        try {
          if (scheme === OID_PBE_SHA1_3DES) {
            const key = pkcs12Kdf('sha1', pass, salt, 1, iterations, 24);
            const iv = pkcs12Kdf('sha1', pass, salt, 2, iterations, 8);
            const d = createDecipheriv('des-ede3-cbc', key, iv);
            return Buffer.concat([d.update(data), d.final()]);
          }
          const key = pkcs12Kdf('sha1', pass, salt, 1, iterations, 5);
          const iv = pkcs12Kdf('sha1', pass, salt, 2, iterations, 8);
          return rc2CbcDecrypt(key, 40, iv, data);
        } catch (error) {
          errors.push(error);
        }
      }
      throw errors[0];
    }
  } catch (error) {
    if (error instanceof Pkcs12Error) throw error;
    throw macChecked
      ? new Pkcs12Error(
          'corrupt',
          'a PKCS#12 part could not be decrypted although the password is right (damaged file)',
        )
      : new Pkcs12Error('password', 'could not be decrypted; is the password right?');
  }
  throw new Pkcs12Error(
    'unsupported',
    `unsupported PKCS#12 encryption ${scheme ?? 'unknown'}; export it again with AES-256 or 3DES`,
  );
}

function pbes2(
  der: Buffer,
  params: ReturnType<typeof readNode> & object,
  data: Buffer,
  password: string,
): Buffer {
  const [kdf, scheme] = childrenOf(der, params);
  const [kdfOid, kdfParams] = kdf ? childrenOf(der, kdf) : [];
  const [schemeOid, ivNode] = scheme ? childrenOf(der, scheme) : [];
  if (!kdfOid || oidOf(der, kdfOid) !== OID_PBKDF2 || !kdfParams || !schemeOid || !ivNode)
    throw new Error('bad PBES2');
  const fields = childrenOf(der, kdfParams);
  const salt = der.subarray(fields[0]!.start, fields[0]!.end);
  const iterations = der.readUIntBE(fields[1]!.start, Math.min(6, fields[1]!.end - fields[1]!.start));
  const prfNode = fields.slice(2).find((f) => f.tag === TAG.sequence);
  const prfOid = prfNode ? oidOf(der, childrenOf(der, prfNode)[0]!) : undefined;
  const hash = prfOid ? HASHES[prfOid] : 'sha1';
  const cipher = CIPHERS[oidOf(der, schemeOid) ?? ''];
  if (!hash || !cipher) throw new Pkcs12Error('unsupported', 'unsupported PBES2 algorithm in the PKCS#12');
  const keyLength = cipher === 'des-ede3-cbc' ? 24 : Number(/aes-(\d+)/.exec(cipher)?.[1]) / 8;
  // PBES2 derives from the password's UTF-8 bytes (RFC 8018), unlike the BMPString of PKCS#12's own KDF.
  checkIterations(iterations);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, hash);
  const d = createDecipheriv(cipher, key, der.subarray(ivNode.start, ivNode.end));
  return Buffer.concat([d.update(data), d.final()]);
}

/**
 * Key derivation runs synchronously: a count no exporter writes (OpenSSL writes 2048, keytool 10000)
 * would hang the run with nothing to stop it.
 */
const MAX_ITERATIONS = 10_000_000;
function checkIterations(count: number): void {
  if (count > MAX_ITERATIONS)
    throw new Pkcs12Error(
      'unsupported',
      `its key derivation asks for ${count} iterations (more than ${MAX_ITERATIONS}); export it again`,
    );
}

/** RFC 7292 appendix B.2: the PKCS#12 key derivation. `password` is the BMPString with terminator. */
export function pkcs12Kdf(
  hash: string,
  password: Buffer,
  salt: Buffer,
  id: number,
  iterations: number,
  length: number,
): Buffer {
  checkIterations(iterations);
  const u = createHash(hash).digest().length;
  const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
  const repeat = (data: Buffer): Buffer => {
    if (data.length === 0) return data;
    const out = Buffer.alloc(v * Math.ceil(data.length / v));
    for (let i = 0; i < out.length; i++) out[i] = data[i % data.length] as number;
    return out;
  };
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([repeat(salt), repeat(password)]);
  const result: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    // One-shot `hash`, no Hash object per round: 8 ms instead of 21 ms for 2048 rounds in a fresh process.
    for (let i = 1; i < iterations; i++) A = oneShotHash(hash, A, 'buffer');
    result.push(A);
    const B = Buffer.alloc(v);
    for (let i = 0; i < v; i++) B[i] = A[i % u] as number;
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] as number) + (B[k] as number) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(result).subarray(0, length);
}
