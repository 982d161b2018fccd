import { rm } from 'node:fs/promises';
import type { Digest } from '../config.js';
import { describeFailure, type ProcessRunner } from '../platform/process.js';
import type { Signer } from './signer.js';
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
  /** Trust anchors for verification, and for the timestamp authority (osslsigncode's default when absent). */
  caFile?: string;
  tsaCaFile?: string;
}

const STEP_TIMEOUT_MS = 120_000;
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

export function osslsigncodeVerifyArgs(o: OsslsigncodeOptions, file: string): string[] {
  return [
    'verify',
    '-in',
    file,
    ...(o.caFile ? ['-CAfile', o.caFile] : []),
    ...(o.tsaCaFile ? ['-TSA-CAfile', o.tsaCaFile] : []),
  ];
}

/** osslsigncode on Linux/macOS: sign into a new file, `add` the timestamp into another, verify that one. */
export function osslsigncodeSigner(o: OsslsigncodeOptions): Signer {
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
      const result = await o.run(o.path, osslsigncodeVerifyArgs(o, file), { timeoutMs: STEP_TIMEOUT_MS });
      if (result.spawnError || result.timedOut) {
        return {
          ok: false,
          chainTrusted: false,
          timestamped: false,
          detail: `verification failed: ${describeFailure('osslsigncode', result)}`,
        };
      }
      return parseOsslsigncodeVerify(result.stdout, result.stderr, result.exitCode, expect);
    },
  };
}
