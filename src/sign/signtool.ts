import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../config.js';
import { readWhole } from '../platform/chunked.js';
import { describeFailure, type ProcessRunner } from '../platform/process.js';
import { timestampSignature } from './authenticode/engine.js';
import { padForSigning, peLayout } from './authenticode/image.js';
import { verifyPe } from './authenticode/verify.js';
import { toVerification, type JobCommon } from './builtin.js';
import { readForSigning, replaceWith, type ReadFile, type Target } from './target.js';
import type { SignedFile } from './types.js';
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

const STEP_TIMEOUT_MS = 300_000;
/** Windows caps a command line at 32,767 characters; files go in batches that stay well below. */
const MAX_ARGS_CHARS = 30_000;

export function signtoolSignArgs(o: SigntoolOptions, files: readonly string[], nest: boolean): string[] {
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
    ...files,
  ];
}

export function signtoolVerifyArgs(files: readonly string[]): string[] {
  return ['verify', '/pa', '/all', '/v', ...files];
}

export type SigntoolJob = SigntoolOptions & JobCommon;

interface Pending {
  target: Target & { target: string };
  read: ReadFile;
  temp: string;
  nest: boolean;
  index: number;
  started: number;
  /** Set once the file failed. */
  result?: SignedFile;
  /** Set once signed, timestamped and verified in process: the bytes and the report entry. */
  bytes?: Buffer;
  done?: SignedFile;
}

/**
 * signtool on Windows, as users of Windows runners ask for: every file signed in one call (per batch), the
 * timestamps fetched in process through the run's timestamp service, each file verified in process, and
 * `signtool verify /pa` once over all of them. Files are signed as copies; the originals are replaced only if
 * they are still what was read.
 */
export async function signWithSigntool(targets: readonly Target[], job: SigntoolJob): Promise<SignedFile[]> {
  const results = new Map<Target, SignedFile>();
  const pending: Pending[] = [];
  for (const t of targets) {
    const started = Date.now();
    if ('refused' in t) {
      results.set(t, { path: t.path, status: 'failed', reason: t.refused });
      continue;
    }
    const read = await readForSigning(t.target);
    if ('refused' in read) {
      results.set(t, { path: t.path, status: 'failed', reason: read.refused });
      continue;
    }
    const existing = await verifyPe(read.bytes, job.trust);
    if (existing.signed && existing.intact && job.skipSigned && !job.appendSignature) {
      const count = existing.signatures.length;
      results.set(t, {
        path: t.path,
        status: 'skipped',
        reason: `already signed (${count} intact signature${count === 1 ? '' : 's'}) and skip-signed is true; set append-signature to add one`,
        sha256: read.snapshot.sha256,
      });
      continue;
    }
    const nest = job.appendSignature && existing.signed && existing.intact;
    // signtool signs in place: it gets a copy of exactly the bytes read (a broken table already dropped).
    let input = read.bytes;
    if (existing.signed && !nest) {
      try {
        input = padForSigning(read.bytes, await peLayout(read.bytes)).content;
      } catch (error) {
        results.set(t, { path: t.path, status: 'failed', reason: String(error) });
        continue;
      }
    }
    const temp = path.join(
      path.dirname(t.target),
      `.${path.basename(t.target)}.${randomBytes(4).toString('hex')}.signing${path.extname(t.target)}`,
    );
    job.temps?.record([temp]);
    await writeFile(temp, input, { mode: 0o600, flag: 'wx' });
    pending.push({ target: t, read, temp, nest, index: nest ? existing.signatures.length : 0, started });
  }
  try {
    for (const nest of [false, true]) {
      for (const batch of batches(pending.filter((p) => p.nest === nest))) await signBatch(batch, nest, job);
    }
    await Promise.all(pending.filter((p) => !p.result).map((p) => finishInProcess(p, job)));
    const ready = pending.filter((p) => !p.result);
    for (const batch of batches(ready)) await verifyBatch(batch, job);
    await Promise.all(
      pending
        .filter((p) => !p.result)
        .map(async (p) => {
          const replaced = await replaceWith(p.read, p.bytes as Buffer, job.temps);
          if (!replaced.ok) p.result = { path: p.target.path, status: 'failed', reason: replaced.message };
          else p.result = { ...(p.done as SignedFile), sha256: replaced.sha256 };
        }),
    );
  } finally {
    for (const p of pending) await rm(p.temp, { force: true }).catch(() => undefined);
    job.temps?.forget(pending.map((p) => p.temp));
  }
  for (const p of pending) {
    const result = p.result as SignedFile;
    results.set(p.target, result);
    job.progress?.({
      kind: 'file',
      capability: 'sign',
      path: p.target.path,
      ok: result.status === 'signed',
      verdict: result.status === 'signed' ? 'signed and verified' : `failed: ${result.reason ?? ''}`,
      durationMs: Date.now() - p.started,
    });
  }
  return targets.map((t) => results.get(t) as SignedFile);
}

function batches(items: Pending[]): Pending[][] {
  const out: Pending[][] = [];
  let current: Pending[] = [];
  let length = 0;
  for (const item of items) {
    if (current.length > 0 && length + item.temp.length + 3 > MAX_ARGS_CHARS) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(item);
    length += item.temp.length + 3;
  }
  if (current.length > 0) out.push(current);
  return out;
}

async function signBatch(batch: Pending[], nest: boolean, job: SigntoolJob): Promise<void> {
  const result = await job.run(
    job.path,
    signtoolSignArgs(
      job,
      batch.map((p) => p.temp),
      nest,
    ),
    {
      timeoutMs: STEP_TIMEOUT_MS,
    },
  );
  if (result.exitCode === 0) return;
  // signtool names each file it signed; the others failed with the errors it printed.
  const text = `${result.stdout}\n${result.stderr}`;
  const why = signtoolErrors(text) || describeFailure('signtool', result);
  for (const p of batch) {
    if (!text.includes(`Successfully signed: ${p.temp}`))
      p.result = { path: p.target.path, status: 'failed', reason: `signing failed: ${why}` };
  }
}

/** Timestamp (in process, shared service) and verify (in process) one signed copy. */
async function finishInProcess(p: Pending, job: SigntoolJob): Promise<void> {
  let server: string | undefined;
  try {
    let bytes: Buffer = await readWhole(p.temp);
    if (job.timestamps) {
      const service = job.timestamps;
      bytes = await timestampSignature(bytes, p.index, job.digest, async (signature, digest) => {
        const stamped = await service.stamp(signature, digest);
        server = stamped.server;
        return stamped.token;
      });
      await writeFile(p.temp, bytes);
    }
    const verdict = await verifyPe(bytes, job.trust);
    const verification = toVerification(verdict, p.index);
    const ours = verdict.signatures[p.index];
    if (!ours?.intact || ours.digest !== job.digest) {
      p.result = {
        path: p.target.path,
        status: 'failed',
        reason: `verification failed: ${verification.detail}`,
        verification,
      };
      return;
    }
    p.bytes = bytes;
    p.done = {
      path: p.target.path,
      status: 'signed',
      signer: job.signerSubject,
      ...(server ? { timestampServer: server } : {}),
      ...(ours.timestamp?.time ? { timestampTime: ours.timestamp.time } : {}),
      verification,
      signatureIndex: p.index,
    };
  } catch (error) {
    p.result = {
      path: p.target.path,
      status: 'failed',
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/** `signtool verify /pa /all` over every signed copy at once; a file it calls broken fails. */
async function verifyBatch(batch: Pending[], job: SigntoolJob): Promise<void> {
  const result = await job.run(job.path, signtoolVerifyArgs(batch.map((p) => p.temp)), {
    timeoutMs: STEP_TIMEOUT_MS,
  });
  if (result.exitCode === 0) return;
  if (result.spawnError || result.timedOut) {
    for (const p of batch)
      p.result = {
        path: p.target.path,
        status: 'failed',
        reason: `verification failed: ${describeFailure('signtool', result)}`,
      };
    return;
  }
  const text = `${result.stdout}\n${result.stderr}`;
  for (const p of batch) {
    // Each file's part of the output starts at "Verifying: <file>"; a batch of one is all of it.
    const at = text.indexOf(`Verifying: ${p.temp}`);
    const next = at < 0 ? -1 : text.indexOf('Verifying: ', at + 11);
    const block =
      at >= 0 ? text.slice(at, next < 0 ? undefined : next) : batch.length === 1 ? text : undefined;
    if (block === undefined) {
      p.result = {
        path: p.target.path,
        status: 'failed',
        reason: `signtool verify failed: ${signtoolErrors(text) || `exit code ${result.exitCode}`}`,
      };
      continue;
    }
    const verdict = parseSigntoolVerify(block, '', 1, {
      index: p.index,
      digest: job.digest,
      timestamped: Boolean(job.timestamps),
      selfSigned: job.selfSigned,
    });
    if (!verdict.ok)
      p.result = { path: p.target.path, status: 'failed', reason: `signtool verify: ${verdict.detail}` };
  }
}
