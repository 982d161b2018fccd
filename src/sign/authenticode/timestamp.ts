import { createHash, randomBytes } from 'node:crypto';
import {
  childrenOf,
  derInteger,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  oidOf,
  readNode,
  TAG,
  type DerNode,
} from '../../pe/der.js';
import { post } from '../../platform/httppost.js';
import type { DigestAlgorithm } from '../keys/types.js';
import { DIGEST_OIDS, digestName, OID } from './oids.js';

/**
 * RFC 3161 over HTTP (section 3.4): a TimeStampReq for the hash of the signature value, answered by a
 * TimeStampResp whose token goes into the signature as Microsoft's RFC 3161 unsigned attribute.
 */

export class TimestampError extends Error {
  constructor(
    message: string,
    /** Worth asking again or asking the next server: time-outs, refused, 5xx, garbage. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

const MAX_REPLY = 1024 * 1024;

export interface TimestampRequestOptions {
  timeoutMs: number;
}

/** One request to one server; the token is checked to answer this request (imprint and nonce). */
export async function requestTimestamp(
  url: string,
  signature: Buffer,
  digest: DigestAlgorithm,
  options: TimestampRequestOptions,
): Promise<Buffer> {
  const imprint = createHash(digest).update(signature).digest();
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] as number) & 0x7f;
  const request = derSequence(
    derInteger(1),
    derSequence(derSequence(derOid(DIGEST_OIDS[digest]), derNull()), derOctetString(imprint)),
    derInteger(nonce),
    Buffer.from([0x01, 0x01, 0xff]),
  );
  let reply;
  try {
    reply = await post(url, request, {
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_REPLY,
    });
  } catch (error) {
    throw new TimestampError(error instanceof Error ? error.message : String(error), true);
  }
  if (reply.status < 200 || reply.status >= 300) {
    const code = reply.status;
    throw new TimestampError(
      `HTTP ${code} ${reply.statusText}`.trim(),
      code >= 500 || code === 408 || code === 429,
    );
  }
  return tokenFromResponse(reply.body, imprint, nonce);
}

/** Reads a TimeStampResp: a granted status and a token whose TSTInfo answers our imprint and nonce. */
export function tokenFromResponse(body: Buffer, imprint: Buffer, nonce: Buffer): Buffer {
  // Made only when thrown: an Error captures a stack, ~0.1 ms that every good reply paid.
  const garbage = (): TimestampError =>
    new TimestampError('invalid reply (not an RFC 3161 timestamp response)', true);
  const root = readNode(body, 0);
  if (!root || root.tag !== TAG.sequence) throw garbage();
  const [status, token] = childrenOf(body, root);
  const code = status ? childrenOf(body, status)[0] : undefined;
  if (!code || code.tag !== TAG.integer) throw garbage();
  const value = body.readUIntBE(code.start, Math.min(6, code.end - code.start));
  if (value !== 0 && value !== 1)
    throw new TimestampError(`the server refused the request (PKIStatus ${value})`, false);
  if (!token) throw garbage();
  const der = body.subarray(token.headerStart, token.end);
  const info = readTstInfo(der);
  if (!info) throw garbage();
  if (!info.imprint.equals(imprint)) throw new TimestampError('the reply timestamps a different hash', true);
  if (info.nonce && !stripZeros(info.nonce).equals(stripZeros(nonce)))
    throw new TimestampError('the reply answers a different request (nonce)', true);
  return Buffer.from(der);
}

const stripZeros = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

export interface TstInfo {
  digest: string | undefined;
  imprint: Buffer;
  genTime: Date;
  nonce?: Buffer;
  /** The TSTInfo DER (what the token's message digest covers). */
  der: Buffer;
}

/** The TSTInfo inside a TimeStampToken (ContentInfo SignedData with eContent id-ct-TSTInfo). */
export function readTstInfo(token: Buffer): TstInfo | undefined {
  const root = readNode(token, 0);
  const [type, wrapper] = root ? childrenOf(token, root) : [];
  if (!type || oidOf(token, type) !== OID.signedData || !wrapper) return undefined;
  const signedData = childrenOf(token, wrapper)[0];
  const encap = signedData ? childrenOf(token, signedData)[2] : undefined;
  const [ctype, explicit] = encap ? childrenOf(token, encap) : [];
  if (!ctype || oidOf(token, ctype) !== OID.tstInfo || !explicit) return undefined;
  const octets = childrenOf(token, explicit)[0];
  if (!octets || octets.tag !== TAG.octetString) return undefined;
  const der = token.subarray(octets.start, octets.end);
  const tst = readNode(der, 0);
  const fields = tst ? childrenOf(der, tst) : [];
  // TSTInfo: version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, ...
  const [, , imprintNode, , timeNode, ...rest] = fields;
  const [alg, hashed] = imprintNode ? childrenOf(der, imprintNode) : [];
  const algOid = alg ? childrenOf(der, alg)[0] : undefined;
  if (!hashed || !timeNode || timeNode.tag !== TAG.generalizedTime) return undefined;
  const nonceNode = rest.find((n: DerNode) => n.tag === TAG.integer);
  return {
    digest: digestName(algOid ? oidOf(der, algOid) : undefined),
    imprint: der.subarray(hashed.start, hashed.end),
    genTime: generalizedTime(der.toString('latin1', timeNode.start, timeNode.end)),
    ...(nonceNode ? { nonce: der.subarray(nonceNode.start, nonceNode.end) } : {}),
    der,
  };
}

/** "20261130001122Z" or with fractions "20261130001122.123Z". */
export function generalizedTime(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!m) return new Date(Number.NaN);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
}

/** "261130001122Z" (UTCTime, years 1950-2049). */
export function utcTime(text: string): Date {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
  if (!m) return new Date(Number.NaN);
  const year = Number(m[1]) >= 50 ? `19${m[1]}` : `20${m[1]}`;
  return new Date(`${year}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`);
}
