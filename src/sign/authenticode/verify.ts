import { createHash, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { childrenOf, encodingOf, oidOf, readNode, TAG, type DerNode } from '../../pe/der.js';
import { streamOnce } from '../../pe/stream.js';
import { readFully } from '../../platform/chunked.js';
import type { Fingerprint } from '../../platform/fingerprint.js';
import type { TrustAnchors } from './anchors.js';
import { tbsFields } from './cms.js';
import {
  firstSignedData,
  firstSignedDataOf,
  imageDigest,
  peLayout,
  peLayoutAt,
  sameImage,
  type HashName,
  type PeLayout,
} from './image.js';
import { digestName, OID } from './oids.js';
import { generalizedTime, readTstInfo, utcTime } from './timestamp.js';

/**
 * Authenticode verification in process, told apart in two questions: is each signature intact (the image
 * hash matches, the signer's signature checks, the timestamp is bound to this signature and checks), and is
 * it trusted (the chains end in a trust anchor, the certificates were valid at the timestamp time, code
 * signing and time stamping usages). A broken signature is an error; an untrusted one is a fact to report.
 */

export interface TimestampVerdict {
  kind: 'rfc3161' | 'authenticode';
  /** ISO 8601. */
  time?: string;
  intact: boolean;
  trusted: boolean;
  signer?: string;
  problem?: string;
}

export interface SignatureVerdict {
  /** 0 for the primary signature, 1.. for nested ones in order. */
  index: number;
  digest?: string;
  signer?: string;
  issuer?: string;
  intact: boolean;
  trusted: boolean;
  /** Why the signature is broken (empty when intact). */
  problems: string[];
  /** Why it is not trusted (empty when trusted). */
  trustProblems: string[];
  timestamp?: TimestampVerdict;
}

export interface FileVerdict {
  /** No certificate table at all. */
  signed: boolean;
  signatures: SignatureVerdict[];
  /** Every signature intact (and at least one present). */
  intact: boolean;
  trusted: boolean;
  /** One sentence for people. */
  detail: string;
}

export interface TrustOptions {
  anchors: TrustAnchors;
  /** Verification time when a signature has no valid timestamp. */
  now?: Date;
}

/**
 * A certificate parsed once per run: every file signed in a run carries the same chain and often the same
 * timestamp authority's, and parsing them again for each file showed in profiles. Bounded, and immutable.
 */
const parsed = new Map<string, X509Certificate>();
function certificateOf(der: Buffer): X509Certificate {
  const key = der.toString('base64');
  let certificate = parsed.get(key);
  if (!certificate) {
    if (parsed.size >= 256) parsed.clear();
    certificate = new X509Certificate(der);
    parsed.set(key, certificate);
  }
  return certificate;
}

/**
 * An image hash taken earlier of bytes with this fingerprint (a file just signed: the hash that was signed).
 * Verification takes it as the image's hash when the image is those bytes, instead of hashing them again.
 */
export interface KnownImage {
  digest: HashName;
  hash: Buffer;
  fingerprint: Fingerprint;
}

/** The verdict on a PE file held in memory; `known`, an image hash taken earlier of these bytes. */
export async function verifyPe(bytes: Buffer, trust: TrustOptions, known?: KnownImage): Promise<FileVerdict> {
  let layout: PeLayout;
  try {
    layout = await peLayout(bytes);
  } catch (error) {
    return notPe(error);
  }
  if (layout.tableSize === 0) return UNSIGNED;
  const hashes = new Map<HashName, Buffer>();
  const imageHash = (digest: HashName): Buffer => {
    let hash = hashes.get(digest);
    if (!hash) {
      const same = known?.digest === digest && sameImage(bytes, layout, known.fingerprint);
      hashes.set(digest, (hash = same ? known.hash : imageDigest(bytes, layout, digest)));
    }
    return hash;
  };
  return verifySignatureTable(await firstSignedDataOf(bytes, layout), imageHash, trust);
}

/**
 * `verifyPe` of a file open on disk, in flat memory: the headers and the first signature are read, and the
 * image is hashed as it streams past (past the 2 GiB one read can take). A read that fails, or a file that
 * ends before `size`, throws: that is no verdict on its signature.
 */
export async function verifyPeFile(
  handle: Pick<FileHandle, 'read'>,
  size: number,
  trust: TrustOptions,
): Promise<FileVerdict> {
  const readAt = async (offset: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
    if ((await readFully(handle, buffer, buffer.length, { position: offset })) < buffer.length)
      throw new Error(ENDED_EARLY);
    return buffer;
  };
  let layout: PeLayout;
  try {
    layout = await peLayoutAt(readAt, size);
  } catch (error) {
    // A failed read (fs errors carry the system call) or a short file is no verdict; a bad header is.
    if ((error as NodeJS.ErrnoException).syscall || (error as Error).message === ENDED_EARLY) throw error;
    return notPe(error);
  }
  if (layout.tableSize === 0) return UNSIGNED;
  const entry = await firstSignedData(readAt, layout);
  const algorithms = signatureDigests(entry);
  const skip: Array<[number, number]> = [
    [layout.checksumOffset, layout.checksumOffset + 4],
    [layout.securityEntryOffset, layout.securityEntryOffset + 8],
  ];
  const plan = { algorithms, skip, end: layout.contentEnd };
  const streamed = algorithms.length > 0 ? await streamOnce(handle, size, [], [], plan, false) : undefined;
  if (streamed && streamed.bytesRead !== size) throw new Error(ENDED_EARLY);
  return verifySignatureTable(entry, (digest) => streamed?.imageHashes?.get(digest), trust);
}

const ENDED_EARLY = 'it ended early (it changed while being verified); verify it again once it is written';

const notPe = (error: unknown): FileVerdict =>
  broken(`not a PE file we can verify: ${error instanceof Error ? error.message : String(error)}`);

const UNSIGNED: FileVerdict = {
  signed: false,
  signatures: [],
  intact: false,
  trusted: false,
  detail: 'not signed',
};

/** The image hash algorithms a certificate table's signatures use (primary and nested), to hash in one pass. */
export function signatureDigests(entry: Buffer | undefined): HashName[] {
  const top = entry ? readNode(entry, 0) : undefined;
  if (!entry || !top) return [];
  const der = entry.subarray(0, top.end);
  const all = [der, ...nestedSignatures(der)].map((sig) => {
    const parsed = signerOf(sig);
    const indirect = parsed?.content ? readIndirect(sig, parsed.content) : undefined;
    return indirect?.digest;
  });
  return [...new Set(all.filter((d): d is HashName => Boolean(d)))];
}

/**
 * Verifies the first WIN_CERTIFICATE entry's signatures against image hashes the caller computed (in memory,
 * or streamed by the PE analysis): the same verdict either way.
 */
export function verifySignatureTable(
  entry: Buffer | undefined,
  imageHash: (digest: HashName) => Buffer | undefined,
  trust: TrustOptions,
): FileVerdict {
  const top = entry ? readNode(entry, 0) : undefined;
  if (!entry || !top) return broken('the certificate table holds no readable signature (junk or damaged)');
  const der = entry.subarray(0, top.end);
  const context = new Verifier(imageHash, trust);
  const signatures = [context.signature(der, 0)];
  for (const nested of nestedSignatures(der)) signatures.push(context.signature(nested, signatures.length));
  const intact = signatures.every((s) => s.intact);
  const trusted = intact && signatures.every((s) => s.trusted);
  return { signed: true, signatures, intact, trusted, detail: describe(signatures) };
}

/** The nested signatures (1.3.6.1.4.1.311.2.4.1) of the primary one, in order. */
function nestedSignatures(der: Buffer): Buffer[] {
  const signer = signerOf(der);
  if (!signer?.unsigned) return [];
  return attributeValues(signer.der, signer.unsigned, OID.spcNestedSignature).map((n) =>
    encodingOf(signer.der, n),
  );
}

function broken(problem: string): FileVerdict {
  return {
    signed: true,
    signatures: [{ index: 0, intact: false, trusted: false, problems: [problem], trustProblems: [] }],
    intact: false,
    trusted: false,
    detail: `signature broken: ${problem}`,
  };
}

function describe(signatures: SignatureVerdict[]): string {
  return signatures
    .map((s) => {
      const label = signatures.length > 1 ? `signature ${s.index} (${s.digest ?? '?'}): ` : '';
      if (!s.intact) return `${label}broken: ${s.problems.join('; ')}`;
      const ts = s.timestamp
        ? s.timestamp.intact
          ? `, timestamped ${s.timestamp.time ?? ''}${s.timestamp.trusted ? '' : ' (timestamp authority not trusted)'}`.trimEnd()
          : `, timestamp broken: ${s.timestamp.problem ?? ''}`
        : ', not timestamped';
      return s.trusted
        ? `${label}intact, chain trusted${ts}`
        : `${label}intact, chain not trusted (${s.trustProblems.join('; ')})${ts}`;
    })
    .join('; ');
}

/** The signer's fields read from a SignerInfo. */
interface SignerFields {
  digest: HashName | undefined;
  sid: DerNode;
  signedAttrs?: DerNode;
  signatureAlgorithm?: string;
  signature: Buffer;
  unsigned?: DerNode;
}

class Verifier {
  constructor(
    private readonly imageHash: (digest: HashName) => Buffer | undefined,
    private readonly trust: TrustOptions,
  ) {}

  signature(der: Buffer, index: number): SignatureVerdict {
    const verdict: SignatureVerdict = {
      index,
      intact: false,
      trusted: false,
      problems: [],
      trustProblems: [],
    };
    const parsed = signerOf(der);
    if (!parsed) {
      verdict.problems.push('the PKCS#7 signature could not be read');
      return verdict;
    }
    const { fields, certs, content } = parsed;
    verdict.digest = fields.digest;
    // 1. The image hash in SpcIndirectDataContent against the file.
    const indirect = content ? readIndirect(der, content) : undefined;
    if (!indirect) verdict.problems.push('no SpcIndirectDataContent (not an Authenticode signature)');
    else if (!indirect.digest) verdict.problems.push('unknown image hash algorithm');
    else if (!this.imageHash(indirect.digest)?.equals(indirect.hash))
      verdict.problems.push('the file was changed after signing (image hash mismatch)');
    // 2. The signer: message digest over the content, then the signature over the signed attributes.
    const leaf = findSigner(der, fields.sid, certs);
    if (leaf) {
      verdict.signer = distinguished(leaf.subject);
      verdict.issuer = distinguished(leaf.issuer);
    }
    if (content && fields.digest) {
      const covered = der.subarray(content.start, content.end);
      const problem = checkSignerInfo(der, fields, covered, leaf?.publicKey);
      if (problem) verdict.problems.push(problem);
    } else verdict.problems.push('unknown signer digest algorithm');
    // 3. The timestamp, bound to this signature value.
    const timestamp = this.timestamp(der, fields, certs);
    if (timestamp) verdict.timestamp = timestamp;
    if (timestamp && !timestamp.intact) verdict.problems.push(`timestamp broken: ${timestamp.problem ?? ''}`);
    verdict.intact = verdict.problems.length === 0;
    // 4. Trust: the chain, validity at the timestamp time, the code-signing usage.
    const at =
      timestamp?.intact && timestamp.time ? new Date(timestamp.time) : (this.trust.now ?? new Date());
    if (!leaf) verdict.trustProblems.push("the signer's certificate is not in the signature");
    else {
      verdict.trustProblems.push(...chainProblems(leaf, certs, this.trust.anchors, at, OID.codeSigning));
    }
    verdict.trusted = verdict.intact && verdict.trustProblems.length === 0;
    return verdict;
  }

  private timestamp(
    der: Buffer,
    fields: SignerFields,
    certs: X509Certificate[],
  ): TimestampVerdict | undefined {
    if (!fields.unsigned) return undefined;
    const token = attributeValues(der, fields.unsigned, OID.rfc3161Timestamp)[0];
    if (token) return this.rfc3161(encodingOf(der, token), fields.signature);
    const counter = attributeValues(der, fields.unsigned, OID.countersignature)[0];
    if (counter) return this.countersignature(der, counter, fields.signature, certs);
    return undefined;
  }

  private rfc3161(token: Buffer, signatureValue: Buffer): TimestampVerdict {
    const verdict: TimestampVerdict = { kind: 'rfc3161', intact: false, trusted: false };
    const info = readTstInfo(token);
    const parsed = signerOf(token);
    if (!info || !parsed) return { ...verdict, problem: 'the timestamp token could not be read' };
    verdict.time = info.genTime.toISOString();
    if (!info.digest) return { ...verdict, problem: 'unknown timestamp imprint algorithm' };
    if (!createHash(info.digest).update(signatureValue).digest().equals(info.imprint))
      return { ...verdict, problem: 'the timestamp belongs to another signature' };
    const tsa = findSigner(token, parsed.fields.sid, parsed.certs);
    if (tsa) verdict.signer = distinguished(tsa.subject);
    const problem = checkSignerInfo(token, parsed.fields, info.der, tsa?.publicKey);
    if (problem) return { ...verdict, problem: `timestamp signature: ${problem}` };
    verdict.intact = true;
    verdict.trusted =
      Boolean(tsa) &&
      chainProblems(tsa as X509Certificate, parsed.certs, this.trust.anchors, info.genTime, OID.timeStamping)
        .length === 0;
    return verdict;
  }

  private countersignature(
    der: Buffer,
    node: DerNode,
    signatureValue: Buffer,
    certs: X509Certificate[],
  ): TimestampVerdict {
    const verdict: TimestampVerdict = { kind: 'authenticode', intact: false, trusted: false };
    const fields = readSignerInfo(der, node);
    if (!fields || !fields.signedAttrs)
      return { ...verdict, problem: 'the countersignature could not be read' };
    const time = attributeValues(der, fields.signedAttrs, OID.signingTime)[0];
    const when = time
      ? time.tag === TAG.utcTime
        ? utcTime(der.toString('latin1', time.start, time.end))
        : generalizedTime(der.toString('latin1', time.start, time.end))
      : undefined;
    if (when && !Number.isNaN(when.getTime())) verdict.time = when.toISOString();
    const signer = findSigner(der, fields.sid, certs);
    if (signer) verdict.signer = distinguished(signer.subject);
    const problem = checkSignerInfo(der, fields, signatureValue, signer?.publicKey);
    if (problem) return { ...verdict, problem: `countersignature: ${problem}` };
    verdict.intact = true;
    verdict.trusted =
      Boolean(signer) &&
      chainProblems(
        signer as X509Certificate,
        certs,
        this.trust.anchors,
        when ?? new Date(),
        OID.timeStamping,
      ).length === 0;
    return verdict;
  }
}

/** The SignerInfo of a ContentInfo(SignedData), its certificates and its encapsulated content node. */
function signerOf(
  der: Buffer,
):
  | { der: Buffer; fields: SignerFields; certs: X509Certificate[]; content?: DerNode; unsigned?: DerNode }
  | undefined {
  const root = readNode(der, 0);
  const [type, wrapper] = root ? childrenOf(der, root) : [];
  if (!type || oidOf(der, type) !== OID.signedData || !wrapper) return undefined;
  const signedData = childrenOf(der, wrapper)[0];
  if (!signedData) return undefined;
  const parts = childrenOf(der, signedData);
  const encap = parts[2];
  const explicit = encap ? childrenOf(der, encap)[1] : undefined;
  const content = explicit ? childrenOf(der, explicit)[0] : undefined;
  const certSet = parts.find((p, i) => i > 2 && p.tag === TAG.context0);
  const certs = certSet
    ? childrenOf(der, certSet).flatMap((c) => {
        try {
          return c.tag === TAG.sequence ? [certificateOf(encodingOf(der, c))] : [];
        } catch {
          return [];
        }
      })
    : [];
  const infos = parts.filter((p) => p.tag === TAG.set).at(-1);
  const info = infos ? childrenOf(der, infos)[0] : undefined;
  const fields = info ? readSignerInfo(der, info) : undefined;
  if (!fields) return undefined;
  return {
    der,
    fields,
    certs,
    ...(content ? { content } : {}),
    ...(fields.unsigned ? { unsigned: fields.unsigned } : {}),
  };
}

function readSignerInfo(der: Buffer, node: DerNode): SignerFields | undefined {
  const parts = childrenOf(der, node);
  const [, sid, digestAlg] = parts;
  if (!sid || !digestAlg) return undefined;
  const signedAttrs = parts.find((p) => p.tag === TAG.context0);
  const rest = parts.slice(3).filter((p) => p.tag !== TAG.context0);
  const [sigAlg, signature] = rest;
  const unsigned = parts.find((p) => p.tag === TAG.context1);
  if (!sigAlg || !signature || signature.tag !== TAG.octetString) return undefined;
  const algOid = childrenOf(der, digestAlg)[0];
  const sigOid = childrenOf(der, sigAlg)[0];
  return {
    digest: digestName(algOid ? oidOf(der, algOid) : undefined),
    sid,
    ...(signedAttrs ? { signedAttrs } : {}),
    ...(sigOid ? { signatureAlgorithm: oidOf(der, sigOid) ?? '' } : {}),
    signature: der.subarray(signature.start, signature.end),
    ...(unsigned ? { unsigned } : {}),
  };
}

/** The message digest attribute must match `covered`; the signature must check over the signed attributes. */
function checkSignerInfo(
  der: Buffer,
  fields: SignerFields,
  covered: Buffer,
  key: KeyObject | undefined,
): string | undefined {
  if (!fields.digest) return 'unknown digest algorithm';
  if (!fields.signedAttrs) return 'no signed attributes';
  const digest = attributeValues(der, fields.signedAttrs, OID.messageDigest)[0];
  if (
    !digest ||
    !der.subarray(digest.start, digest.end).equals(createHash(fields.digest).update(covered).digest())
  )
    return 'the signed content does not match its message digest';
  if (!key) return "the signer's certificate is not in the signature";
  // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] they are stored with.
  const signed = Buffer.concat([
    Buffer.from([TAG.set]),
    der.subarray(fields.signedAttrs.headerStart + 1, fields.signedAttrs.end),
  ]);
  let ok: boolean;
  try {
    ok = verifySignature(fields.digest, signed, key, fields.signature);
  } catch {
    ok = false;
  }
  return ok ? undefined : "the signature value does not verify with the signer's key";
}

/** The values (SET members) of attribute `oid` in a SET/[0]/[1] of attributes. */
function attributeValues(der: Buffer, attributes: DerNode, oid: string): DerNode[] {
  for (const attribute of childrenOf(der, attributes)) {
    const [type, values] = childrenOf(der, attribute);
    if (type && values && oidOf(der, type) === oid) return childrenOf(der, values);
  }
  return [];
}

/** SpcIndirectDataContent: the DigestInfo's algorithm and hash. */
function readIndirect(
  der: Buffer,
  content: DerNode,
): { digest: HashName | undefined; hash: Buffer } | undefined {
  const [, digestInfo] = childrenOf(der, content);
  const [alg, hash] = digestInfo ? childrenOf(der, digestInfo) : [];
  const algOid = alg ? childrenOf(der, alg)[0] : undefined;
  if (!hash || hash.tag !== TAG.octetString) return undefined;
  return {
    digest: digestName(algOid ? oidOf(der, algOid) : undefined),
    hash: der.subarray(hash.start, hash.end),
  };
}

/** The certificate named by a SignerIdentifier (IssuerAndSerialNumber, or [0] SubjectKeyIdentifier). */
function findSigner(der: Buffer, sid: DerNode, certs: X509Certificate[]): X509Certificate | undefined {
  if (sid.tag === TAG.sequence) {
    const [issuer, serial] = childrenOf(der, sid);
    if (!issuer || !serial) return undefined;
    const wanted = Buffer.concat([encodingOf(der, issuer), encodingOf(der, serial)]);
    return certs.find((c) => {
      try {
        const f = tbsFields(c.raw);
        return Buffer.concat([f.issuer, f.serial]).equals(wanted);
      } catch {
        return false;
      }
    });
  }
  if (sid.tag === 0x80) {
    const ski = der.subarray(sid.start, sid.end).toString('hex');
    return certs.find((c) => subjectKeyId(c) === ski);
  }
  return undefined;
}

function subjectKeyId(cert: X509Certificate): string | undefined {
  const raw = cert.raw;
  const at = raw.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]));
  if (at < 0) return undefined;
  const octets = readNode(raw, at + 5);
  const inner = octets ? readNode(raw, octets.start) : undefined;
  return inner ? raw.toString('hex', inner.start, inner.end) : undefined;
}

/**
 * Why `leaf` is not trusted for `usage` at time `at`: the chain through the signature's own certificates
 * to an anchor; each certificate in it valid at `at`; the leaf carries the usage.
 */
export function chainProblems(
  leaf: X509Certificate,
  pool: readonly X509Certificate[],
  anchors: TrustAnchors,
  at: Date,
  usage: string,
): string[] {
  const problems: string[] = [];
  const ekus = leaf.keyUsage;
  if (!ekus || !(ekus.includes(usage) || ekus.includes(OID.anyExtendedKeyUsage)))
    problems.push(usage === OID.codeSigning ? 'no code-signing usage' : 'no time-stamping usage');
  const path = chainOf(leaf, pool, anchors);
  if (path.problem) problems.push(path.problem);
  if (path.trusted) {
    for (const cert of path.chain) {
      if (at < validity(cert).from || at > validity(cert).to)
        problems.push(`${distinguished(cert.subject)} was not valid at ${at.toISOString()}`);
    }
  }
  return problems;
}

/** A certificate's validity as dates (validFromDate came with Node 22.10; the strings are older). */
export const validity = (cert: X509Certificate): { from: Date; to: Date } => ({
  from: new Date(cert.validFrom),
  to: new Date(cert.validTo),
});

interface CertPath {
  chain: X509Certificate[];
  trusted: boolean;
  problem?: string;
}

const paths = new Map<string, CertPath>();

/**
 * The path from `leaf` to an anchor through `pool`. Every file signed in a run has the same chain: the
 * path is built once per leaf, pool and anchor set (dates are checked by the caller, per time).
 */
function chainOf(leaf: X509Certificate, pool: readonly X509Certificate[], anchors: TrustAnchors): CertPath {
  const key = [anchors.id, leaf.fingerprint256, ...pool.map((c) => c.fingerprint256).sort()].join('|');
  const cached = paths.get(key);
  if (cached) return cached;
  const chain: X509Certificate[] = [leaf];
  let trusted = false;
  let problem: string | undefined;
  for (let current = leaf; chain.length < 10;) {
    if (anchors.includes(current)) {
      trusted = true;
      break;
    }
    const issuer =
      anchors.issuersOf(current).find((a) => issues(a, current)) ??
      pool.find((c) => c !== current && !c.raw.equals(current.raw) && issues(c, current));
    if (!issuer) {
      problem =
        current.subject === current.issuer
          ? `${distinguished(current.subject)} is self-signed and not a trust anchor here`
          : `no trust anchor for ${distinguished(current.issuer)}`;
      break;
    }
    chain.push(issuer);
    if (anchors.includes(issuer)) {
      trusted = true;
      break;
    }
    current = issuer;
  }
  const path = { chain, trusted, ...(problem ? { problem } : {}) };
  if (paths.size > 1000) paths.clear();
  paths.set(key, path);
  return path;
}

/**
 * Whether `issuer` issued `cert`: names, a CA (basicConstraints; OpenSSL's check alone accepts an end
 * entity without keyUsage as an issuer), and the signature.
 */
function issues(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const distinguished = (name: string): string => name.split('\n').filter(Boolean).reverse().join(', ');
