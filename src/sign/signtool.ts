import { copyFile } from 'node:fs/promises';
import type { Digest } from '../config.js';
import { describeFailure, type ProcessRunner } from '../platform/process.js';
import type { Signer } from './signer.js';
import { classifyTimestampFailure } from './timestamp.js';
import { parseSigntoolVerify, signtoolErrors } from './verify.js';

export interface SigntoolOptions {
  path: string;
  run: ProcessRunner;
  /** The certificate is picked from the store by SHA-1 thumbprint: signtool never sees a password or a PFX. */
  thumbprint: string;
  /** The certificate lives in LocalMachine\My rather than CurrentUser\My. */
  machineStore: boolean;
  digest: Digest;
  description?: string;
  descriptionUrl?: string;
}

const STEP_TIMEOUT_MS = 120_000;
const TIMESTAMP_TIMEOUT_MS = 60_000;

export function signtoolSignArgs(o: SigntoolOptions, file: string, nest: boolean): string[] {
  return [
    'sign',
    '/sha1',
    o.thumbprint,
    ...(o.machineStore ? ['/sm'] : []),
    '/s',
    'My',
    '/fd',
    o.digest,
    ...(nest ? ['/as'] : []),
    ...(o.description ? ['/d', o.description] : []),
    ...(o.descriptionUrl ? ['/du', o.descriptionUrl] : []),
    file,
  ];
}

export function signtoolTimestampArgs(
  o: SigntoolOptions,
  file: string,
  url: string,
  index: number,
): string[] {
  return ['timestamp', '/tr', url, '/td', o.digest, '/tp', String(index), file];
}

export function signtoolVerifyArgs(file: string, index: number): string[] {
  return ['verify', '/pa', '/v', '/ds', String(index), file];
}

/** signtool works in place, so each step first copies its input to the step's own output file. */
export function signtoolSigner(o: SigntoolOptions): Signer {
  return {
    tool: 'signtool',
    async sign(original, out, nest) {
      await copyFile(original, out);
      const result = await o.run(o.path, signtoolSignArgs(o, out, nest), { timeoutMs: STEP_TIMEOUT_MS });
      if (result.exitCode === 0) return { ok: true };
      const why = signtoolErrors(`${result.stdout}\n${result.stderr}`) || describeFailure('signtool', result);
      return { ok: false, message: `signing failed: ${why}` };
    },
    async timestamp(signed, out, url, index) {
      await copyFile(signed, out);
      const result = await o.run(o.path, signtoolTimestampArgs(o, out, url, index), {
        timeoutMs: TIMESTAMP_TIMEOUT_MS,
      });
      if (result.exitCode === 0) return { ok: true, value: out };
      if (result.spawnError)
        return { ok: false, transient: false, message: describeFailure('signtool', result) };
      return {
        ok: false,
        ...classifyTimestampFailure(`${result.stderr}\n${result.stdout}`, Boolean(result.timedOut)),
      };
    },
    async verify(file, expect) {
      const result = await o.run(o.path, signtoolVerifyArgs(file, expect.index), {
        timeoutMs: STEP_TIMEOUT_MS,
      });
      if (result.spawnError || result.timedOut) {
        return {
          ok: false,
          chainTrusted: false,
          timestamped: false,
          detail: `verification failed: ${describeFailure('signtool', result)}`,
        };
      }
      return parseSigntoolVerify(result.stdout, result.stderr, result.exitCode, expect);
    },
  };
}
