#!/usr/bin/env node
// An RFC 3161 time-stamp authority for the benches, answering in-process: parses a TimeStampReq and answers a
// TimeStampResp whose token is a CMS SignedData (RFC 5652) over a TSTInfo, signed with node:crypto (RSA PKCS#1
// v1.5, SHA-256) and carrying the signed attributes contentType, signingTime, messageDigest and
// signingCertificateV2 (ESS, RFC 5035). The ASN.1 is built with @peculiar/asn1-* (no hand-written DER).
// A real TSA is remote, so its CPU is not the runner's: this one costs a fraction of a millisecond per reply
// instead of the ~20 ms of an `openssl ts -reply` process, and stays out of the way of what a bench measures.
//
// Exports: createTsaReply({ certPem, keyPem, caPem, policy }) -> (queryDer) => replyDer;
//          serveTsa(reply, { latencyMs }) -> { url, requests, latencyMs (settable), close() }: an HTTP server on
//          127.0.0.1 that waits latencyMs before each reply and answers requests concurrently;
//          startTsa({ certPem, keyPem, caPem, latencyMs }) = serveTsa(createTsaReply(...), ...).
// Self-test: node bench/tsa.mjs --self-test [--replies 200] — queries made by `openssl ts -query` (sha1, sha256,
// sha384, sha512; with and without -cert and nonce) must pass `openssl ts -verify`; then the CPU per reply.
import { execFile } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchCa, TSA_EXTENSIONS } from './pki.mjs';
import { promisify } from 'node:util';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  SigningTime,
  id_contentType,
  id_messageDigest,
  id_signedData,
  id_signingTime,
} from '@peculiar/asn1-cms';
import {
  AsnArray,
  AsnConvert,
  AsnIntegerArrayBufferConverter,
  AsnObjectIdentifierConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from '@peculiar/asn1-schema';
import {
  Accuracy,
  PKIFailureInfo,
  PKIFailureInfoFlags,
  PKIFreeText,
  PKIStatus,
  PKIStatusInfo,
  TSTInfo,
  TimeStampReq,
  TimeStampResp,
  id_ct_tstInfo,
} from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Certificate, GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import { RawData } from 'asn1js';

// Digests accepted in the message imprint, by OID, with their output length.
const DIGESTS = new Map([
  ['1.3.14.3.2.26', { name: 'sha1', length: 20 }],
  ['2.16.840.1.101.3.4.2.1', { name: 'sha256', length: 32 }],
  ['2.16.840.1.101.3.4.2.2', { name: 'sha384', length: 48 }],
  ['2.16.840.1.101.3.4.2.3', { name: 'sha512', length: 64 }],
]);
const SHA256 = '2.16.840.1.101.3.4.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ID_AA_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const DEFAULT_POLICY = '1.2.3.4.1';

// ESS (RFC 5035) structures, which no @peculiar package ships: declared with asn1-schema, no DER by hand.
//   IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
//   ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//                              certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL }
//   SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF PolicyInformation OPTIONAL }
class IssuerSerial {
  constructor(params = {}) {
    this.issuer = new GeneralNames();
    this.serialNumber = new ArrayBuffer(0);
    Object.assign(this, params);
  }
}
AsnProp({ type: GeneralNames })(IssuerSerial.prototype, 'issuer');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
  IssuerSerial.prototype,
  'serialNumber',
);
class ESSCertIDv2 {
  constructor(params = {}) {
    this.certHash = new OctetString();
    Object.assign(this, params);
  }
}
// Left undefined for SHA-256, the DEFAULT, which DER omits.
AsnProp({ type: AlgorithmIdentifier, optional: true })(ESSCertIDv2.prototype, 'hashAlgorithm');
AsnProp({ type: OctetString })(ESSCertIDv2.prototype, 'certHash');
AsnProp({ type: IssuerSerial, optional: true })(ESSCertIDv2.prototype, 'issuerSerial');
class SigningCertificateV2 {
  constructor(params = {}) {
    this.certs = [];
    Object.assign(this, params);
  }
}
AsnProp({ type: ESSCertIDv2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs');
// The signed attributes as the SET OF that the signature covers (RFC 5652 section 5.4).
class SignedAttributes extends AsnArray {
  constructor(items) {
    super(items);
    Object.setPrototypeOf(this, SignedAttributes.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Set, itemType: Attribute })(SignedAttributes);

// TimeStampToken as asn1-tsp declares it (a ContentInfo) holds its content as ANY, which asn1-schema re-parses
// before writing it; this one holds the SignedData itself:
//   ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT SignedData }
class SignedDataToken {
  constructor(params = {}) {
    this.contentType = id_signedData;
    this.content = new SignedData();
    Object.assign(this, params);
  }
}
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(SignedDataToken.prototype, 'contentType');
AsnProp({ type: SignedData, context: 0 })(SignedDataToken.prototype, 'content');

const der = (value) => Buffer.from(AsnConvert.serialize(value));
// An element already in DER (a certificate, an attribute serialized earlier), written as it is: asn1-schema asks
// an object with toASN/fromASN for its asn1js block, and asn1js's RawData writes its bytes unchanged. RawData
// only returns them, though, and a constructed block hands its elements a writer; this passes them on to it.
class RawElement extends RawData {
  toBER(sizeOnly, writer) {
    const bytes = super.toBER(sizeOnly);
    if (!writer) return bytes;
    writer.write(bytes);
    return new ArrayBuffer(0);
  }
}
const preEncoded = (bytes) => ({
  toASN: () => new RawElement({ data: bytes }),
  fromASN() {
    throw new Error('write-only');
  },
});
// DER orders the elements of a SET OF by their encodings (X.690 11.6); asn1-schema keeps the given order.
const sortedDer = (encodings) => [...encodings].sort(Buffer.compare);
const pemToDer = (pem) => new X509Certificate(pem).raw;
const integerBytes = (buffer) => {
  // A positive INTEGER: no leading 0x00 beyond the one that keeps the top bit clear.
  let start = 0;
  while (start < buffer.length - 1 && buffer[start] === 0 && buffer[start + 1] < 0x80) start++;
  const bytes = buffer[start] >= 0x80 ? Buffer.concat([Buffer.from([0]), buffer.subarray(start)]) : buffer;
  return new Uint8Array(bytes).buffer;
};

/**
 * A function answering one DER TimeStampReq with one DER TimeStampResp.
 * certPem/keyPem: the TSA's certificate (critical timeStamping EKU) and RSA key; caPem: optional extra
 * certificates (the CA) included with the TSA certificate when the request sets certReq.
 */
export function createTsaReply({ certPem, keyPem, caPem, policy = DEFAULT_POLICY }) {
  const key = createPrivateKey(keyPem);
  const tsaDer = pemToDer(certPem);
  const tsaCert = AsnConvert.parse(tsaDer, Certificate);
  const extraCerts = caPem
    ? (String(caPem).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((pem) =>
        pemToDer(pem),
      )
    : [];
  // Everything that does not depend on the request is built once; certificates and attributes go in as their
  // DER (from the certificate files, or serialized once by asn1-schema), not re-encoded on every reply.
  const { issuer, serialNumber } = tsaCert.tbsCertificate;
  const sid = new SignerIdentifier({
    issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer, serialNumber }),
  });
  const certificates = new CertificateSet(
    sortedDer([tsaDer, ...extraCerts.filter((bytes) => !bytes.equals(tsaDer))]).map(
      (bytes) => new CertificateChoices({ certificate: preEncoded(bytes) }),
    ),
  );
  const sha256Id = new AlgorithmIdentifier({ algorithm: SHA256 });
  const signingCertificate = der(
    new Attribute({
      attrType: ID_AA_SIGNING_CERTIFICATE_V2,
      attrValues: [
        AsnConvert.serialize(
          new SigningCertificateV2({
            certs: [
              new ESSCertIDv2({
                certHash: new OctetString(createHash('sha256').update(tsaDer).digest()),
                issuerSerial: new IssuerSerial({
                  issuer: new GeneralNames([new GeneralName({ directoryName: issuer })]),
                  serialNumber,
                }),
              }),
            ],
          }),
        ),
      ],
    }),
  );
  const contentType = der(
    new Attribute({
      attrType: id_contentType,
      attrValues: [AsnConvert.serialize(AsnObjectIdentifierConverter.toASN(id_ct_tstInfo))],
    }),
  );
  // Serial numbers: a random 63-bit prefix for this TSA instance, then a counter.
  const prefix = randomBytes(8);
  prefix[0] &= 0x7f;
  let counter = 0;

  const refuse = (failInfo, text) =>
    der(
      new TimeStampResp({
        status: new PKIStatusInfo({
          status: PKIStatus.rejection,
          statusString: new PKIFreeText([text]),
          failInfo: new PKIFailureInfo(failInfo),
        }),
      }),
    );

  return (queryDer) => {
    let request;
    try {
      request = AsnConvert.parse(queryDer, TimeStampReq);
    } catch (error) {
      return refuse(PKIFailureInfoFlags.badDataFormat, `not a TimeStampReq: ${error.message}`);
    }
    if (request.version !== 1) return refuse(PKIFailureInfoFlags.badRequest, 'unsupported version');
    const imprint = request.messageImprint;
    const digest = DIGESTS.get(imprint.hashAlgorithm.algorithm);
    if (!digest) return refuse(PKIFailureInfoFlags.badAlg, 'unsupported message imprint algorithm');
    if (imprint.hashedMessage.byteLength !== digest.length)
      return refuse(PKIFailureInfoFlags.badDataFormat, 'message imprint of the wrong length');
    if (request.reqPolicy !== undefined && request.reqPolicy !== policy)
      return refuse(PKIFailureInfoFlags.unacceptedPolicy, 'unaccepted policy');
    if (request.extensions?.length) return refuse(PKIFailureInfoFlags.unacceptedExtension, 'no extensions');

    const serial = Buffer.alloc(12);
    prefix.copy(serial);
    serial.writeUInt32BE(++counter, 8);
    const now = new Date();
    now.setUTCMilliseconds(0); // GeneralizedTime in whole seconds, as openssl writes it by default
    const tstInfo = der(
      new TSTInfo({
        policy,
        messageImprint: imprint,
        serialNumber: integerBytes(serial),
        genTime: now,
        accuracy: new Accuracy({ seconds: 1 }),
        nonce: request.nonce,
      }),
    );
    const signedAttrs = new SignedAttributes(
      sortedDer([
        contentType,
        der(
          new Attribute({
            attrType: id_signingTime,
            attrValues: [AsnConvert.serialize(new SigningTime(now))],
          }),
        ),
        der(
          new Attribute({
            attrType: id_messageDigest,
            attrValues: [
              AsnConvert.serialize(new OctetString(createHash('sha256').update(tstInfo).digest())),
            ],
          }),
        ),
        signingCertificate,
      ]).map(preEncoded),
    );
    const signature = sign('sha256', der(signedAttrs), key);
    const signedData = new SignedData({
      version: 3, // eContentType is not id-data (RFC 5652 section 5.1)
      digestAlgorithms: new DigestAlgorithmIdentifiers([sha256Id]),
      encapContentInfo: new EncapsulatedContentInfo({
        eContentType: id_ct_tstInfo,
        eContent: new EncapsulatedContent({ single: new OctetString(tstInfo) }),
      }),
      certificates: request.certReq ? certificates : undefined,
      signerInfos: new SignerInfos([
        new SignerInfo({
          version: 1,
          sid,
          digestAlgorithm: sha256Id,
          signedAttrs,
          signatureAlgorithm: new AlgorithmIdentifier({ algorithm: RSA_ENCRYPTION, parameters: null }),
          signature: new OctetString(signature),
        }),
      ]),
    });
    return der(
      new TimeStampResp({
        status: new PKIStatusInfo({ status: PKIStatus.granted }),
        timeStampToken: new SignedDataToken({ contentType: id_signedData, content: signedData }),
      }),
    );
  };
}

/** An HTTP TSA on 127.0.0.1: waits latencyMs (settable) before each reply, answers requests concurrently. */
export async function serveTsa(reply, { latencyMs = 0 } = {}) {
  const state = { latencyMs, requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      state.requests++;
      try {
        await new Promise((r) => setTimeout(r, state.latencyMs));
        res
          .writeHead(200, { 'content-type': 'application/timestamp-reply' })
          .end(await reply(Buffer.concat(chunks)));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(state, {
    url: `http://127.0.0.1:${server.address().port}/`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  });
}

/** The in-process TSA behind an HTTP server: startTsa({ certPem, keyPem, caPem, latencyMs }). */
export function startTsa({ certPem, keyPem, caPem, policy, latencyMs }) {
  return serveTsa(createTsaReply({ certPem, keyPem, caPem, policy }), { latencyMs });
}

// --- self-test ---
const post = (url, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/timestamp-query' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

async function selfTest() {
  const run = promisify(execFile);
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const work = await mkdtemp(path.join(tmpdir(), 'gag-tsa-self-test-'));
  const at = (...p) => path.join(work, ...p);
  let tsa;
  try {
    const { openssl, issue } = await benchCa(work, 'Self-test CA');
    await issue('tsa', 'Self-test TSA', TSA_EXTENSIONS);
    await writeFile(at('data.bin'), randomBytes(4096));
    const [certPem, keyPem, caPem] = await Promise.all(
      ['tsa.pem', 'tsa.key', 'ca.pem'].map((f) => readFile(at(f))),
    );
    tsa = await startTsa({ certPem, keyPem, caPem, latencyMs: 0 });

    let failed = 0;
    const cases = [
      ['sha256', '-cert'],
      ['sha256'],
      ['sha256', '-cert', '-no_nonce'],
      ['sha1', '-cert'],
      ['sha384', '-cert'],
      ['sha512', '-cert', '-no_nonce'],
    ];
    for (const [digest, ...flags] of cases) {
      const name = [digest, ...flags].join(' ');
      const tsq = at('q.tsq');
      const tsr = at('r.tsr');
      await openssl('ts', '-query', '-data', at('data.bin'), `-${digest}`, ...flags, '-out', tsq);
      await writeFile(tsr, await post(tsa.url, await readFile(tsq)));
      const verify = await run('openssl', [
        'ts',
        '-verify',
        '-queryfile',
        tsq,
        '-in',
        tsr,
        '-CAfile',
        at('ca.pem'),
        '-untrusted',
        at('tsa.pem'),
      ]).catch((error) => error);
      const ok = !verify.code && /Verification: OK/.test(verify.stdout);
      if (!ok) failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} openssl ts -query -${name}: ${String(verify.stdout).trim()}`);
      if (!ok) console.log(String(verify.stderr).trim());
    }
    // A request this TSA must refuse: an imprint algorithm it does not know (MD5).
    const md5Query = at('md5.tsq');
    await openssl('ts', '-query', '-data', at('data.bin'), '-md5', '-out', md5Query);
    await writeFile(at('md5.tsr'), await post(tsa.url, await readFile(md5Query)));
    const md5Text = (await openssl('ts', '-reply', '-in', at('md5.tsr'), '-text')).stdout;
    const md5Ok = /Status: Rejected/.test(md5Text) && /unrecognized or unsupported algorithm/i.test(md5Text);
    if (!md5Ok) failed++;
    console.log(`${md5Ok ? 'ok  ' : 'FAIL'} an MD5 imprint is rejected with badAlg`);

    // CPU per reply: the reply function alone, then served over HTTP.
    const replies = arg('replies', 200);
    const query = await readFile(at('q.tsq'));
    const reply = createTsaReply({ certPem, keyPem, caPem });
    for (let i = 0; i < 20; i++) reply(query); // warm-up
    let before = process.cpuUsage();
    let start = performance.now();
    for (let i = 0; i < replies; i++) reply(query);
    let cpu = process.cpuUsage(before);
    console.log(
      `CPU per reply, reply function: ${((cpu.user + cpu.system) / 1000 / replies).toFixed(2)} ms ` +
        `(${replies} replies, wall ${((performance.now() - start) / replies).toFixed(2)} ms each)`,
    );
    // Served over HTTP, the clients in a child process (as in the bench, where the CLI is the client), so this
    // process's CPU is the server's: parsing HTTP, the latency timer, the reply.
    const client = `const q = Buffer.from(${JSON.stringify(query.toString('base64'))}, 'base64');
      await Promise.all(Array.from({ length: ${replies} }, async () => {
        const r = await fetch(${JSON.stringify(tsa.url)}, { method: 'POST', body: q });
        if (r.status !== 200) throw new Error('HTTP ' + r.status);
        await r.arrayBuffer();
      }));`;
    before = process.cpuUsage();
    const served = tsa.requests;
    await run(process.execPath, ['--input-type=module', '-e', client]);
    cpu = process.cpuUsage(before);
    if (tsa.requests - served !== replies) failed++;
    console.log(
      `CPU per reply, served over HTTP (${replies} concurrent requests from a child process): ` +
        `${((cpu.user + cpu.system) / 1000 / replies).toFixed(2)} ms`,
    );
    if (failed > 0) {
      console.log(`${failed} check(s) failed`);
      process.exitCode = 1;
    } else console.log('self-test passed');
  } finally {
    tsa?.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--self-test'))
  await selfTest();
