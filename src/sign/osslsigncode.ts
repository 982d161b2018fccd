import { rm } from 'node:fs/promises';
import type { Digest } from '../config.js';
import { describeFailure, type ProcessRunner } from '../platform/process.js';
import type { TrustAnchors } from './anchors.js';
import type { Signer, VerifyExpectation, VerifyResult } from './signer.js';
import { classifyTimestampFailure } from './timestamp.js';
import { parseOsslsigncodeVerify } from './verify.js';

export interface OsslsigncodeOptions {
  path: string;
  run: ProcessRunner;
  /** Owner-only PEM key (a secret) and the certificate chain to embed; no password ever reaches argv. */
  keyFile: string;
  certsFile: string;
  digest: Digest;
  description?: string;
  descriptionUrl?: string;
  /** Trust anchors for verification of the signing chain and of the timestamp authority's chain. */
  anchors: TrustAnchors;
}

const STEP_TIMEOUT_MS = 120_000;
/** What osslsigncode prints when the signature was made but the timestamp could not be added. */
const TIMESTAMP_FAILURE =
  /RFC 3161 timestamping failed|Authenticode timestamping failed|HTTP failure|Failed to convert timestamp reply/;
const TIMESTAMP_TIMEOUT_MS = 60_000;

export function osslsigncodeSignArgs(
  o: OsslsigncodeOptions,
  input: string,
  output: string,
  nest: boolean,
): string[] {
  return [
    'sign',
    '-certs',
    o.certsFile,
    '-key',
    o.keyFile,
    '-h',
    o.digest,
    ...(o.description ? ['-n', o.description] : []),
    ...(o.descriptionUrl ? ['-i', o.descriptionUrl] : []),
    ...(nest ? ['-nest'] : []),
    '-in',
    input,
    '-out',
    output,
  ];
}

export function osslsigncodeTimestampArgs(
  o: OsslsigncodeOptions,
  input: string,
  output: string,
  url: string,
  index: number,
): string[] {
  return ['add', '-ts', url, '-h', o.digest, '-index', String(index), '-in', input, '-out', output];
}

export function osslsigncodeVerifyArgs(file: string, caFile: string, tsaCaFile: string): string[] {
  return ['verify', '-in', file, '-CAfile', caFile, '-TSA-CAfile', tsaCaFile];
}

/** osslsigncode on Linux/macOS: sign into a new file, `add` the timestamp into another, verify that one. */
export function osslsigncodeSigner(o: OsslsigncodeOptions): Signer {
  let firstVerification: Promise<VerifyResult> | undefined;
  return {
    tool: 'osslsigncode',
    async sign(original, out, nest) {
      await rm(out, { force: true });
      const result = await o.run(o.path, osslsigncodeSignArgs(o, original, out, nest), {
        timeoutMs: STEP_TIMEOUT_MS,
      });
      return result.exitCode === 0
        ? { ok: true }
        : { ok: false, message: `signing failed: ${describeFailure('osslsigncode', result)}` };
    },
    async signAndTimestamp(original, out, nest, url) {
      await rm(out, { force: true });
      const args = osslsigncodeSignArgs(o, original, out, nest);
      args.splice(args.indexOf('-in'), 0, '-ts', url);
      const result = await o.run(o.path, args, { timeoutMs: TIMESTAMP_TIMEOUT_MS });
      if (result.exitCode === 0) return { ok: true, value: out };
      await rm(out, { force: true });
      // A hung timestamp server shows as a kill by the time limit, rarely with osslsigncode's timestamp
      // message: it is the server's failure (transient, try the next one), not a signing failure.
      if (result.timedOut) return { ok: false, ...classifyTimestampFailure('', true) };
      const output = `${result.stderr}\n${result.stdout}`;
      if (result.spawnError || !TIMESTAMP_FAILURE.test(output)) {
        return {
          ok: false,
          transient: false,
          signFailed: true,
          message: `signing failed: ${describeFailure('osslsigncode', result)}`,
        };
      }
      return { ok: false, ...classifyTimestampFailure(output, Boolean(result.timedOut)) };
    },
    async timestamp(signed, out, url, index) {
      // osslsigncode refuses to overwrite, and a failed attempt may leave a partial file behind.
      await rm(out, { force: true });
      const result = await o.run(o.path, osslsigncodeTimestampArgs(o, signed, out, url, index), {
        timeoutMs: TIMESTAMP_TIMEOUT_MS,
      });
      if (result.exitCode === 0) return { ok: true, value: out };
      await rm(out, { force: true });
      if (result.spawnError)
        return { ok: false, transient: false, message: describeFailure('osslsigncode', result) };
      return {
        ok: false,
        ...classifyTimestampFailure(`${result.stderr}\n${result.stdout}`, Boolean(result.timedOut)),
      };
    },
    async verify(file, expect) {
      // The first verification runs alone: the others wait for the anchors it learns instead of each
      // loading the full CA bundle.
      if (firstVerification) await firstVerification.catch(() => undefined);
      else {
        const first = verifyWith(file, expect);
        firstVerification = first;
        return first;
      }
      return verifyWith(file, expect);
    },
  };

  async function verifyWith(file: string, expect: VerifyExpectation): Promise<VerifyResult> {
    const args = osslsigncodeVerifyArgs(
      file,
      o.anchors.forSigning(),
      o.anchors.forTimestamp(expect.timestampServer),
    );
    const result = await o.run(o.path, args, { timeoutMs: STEP_TIMEOUT_MS });
    if (result.spawnError || result.timedOut) {
      return {
        ok: false,
        chainTrusted: false,
        timestamped: false,
        detail: `verification failed: ${describeFailure('osslsigncode', result)}`,
      };
    }
    o.anchors.learn(result.stdout, expect.timestampServer);
    return parseOsslsigncodeVerify(result.stdout, result.stderr, result.exitCode, expect);
  }
}
