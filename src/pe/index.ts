import { open, stat, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { identityOf, sameIdentity } from '../platform/replace.js';
import type { SigningReport } from '../sign/types.js';
import { buildInfoSection, BUILDINFO_WINDOW, parseBuildInfo } from './buildinfo.js';
import { ByteHistogram, shannonEntropy } from './entropy.js';
import {
  DIRECTORY,
  endOfImage,
  machineName,
  PeFormatError,
  readHeaders,
  rvaToOffset,
  subsystemName,
  type PeHeaders,
} from './headers.js';
import { PeImage } from './image.js';
import { readImports } from './imports.js';
import { detectPacker } from './packer.js';
import { readResources } from './resources.js';
import { evaluateRules } from './rules.js';
import { parseCertificateTable } from './signature.js';
import { workerFileHasher, type FileHasher } from './sha256.js';
import { streamOnce, type CaptureRange, type HistogramRange, type ImageHashPlan } from './stream.js';
import { firstSignedData } from '../sign/authenticode/image.js';
import { signatureDigests, verifySignatureTable, type TrustOptions } from '../sign/authenticode/verify.js';
import { systemAnchors } from '../sign/trust.js';
import type { SignedFile } from '../sign/types.js';
import type { AnalysisReport, PeError, PeReport } from './types.js';

export { evaluateRules } from './rules.js';
export type { AnalysisReport, Finding, PeError, PeReport } from './types.js';

/**
 * Static PE report for one binary, from one streaming pass (SHA-256, section entropy, and copies of the
 * small ranges the parsers need) plus a few small positional reads of headers. With several large files,
 * some are hashed by a worker thread that reads the same open file itself, while the pass here reads only
 * the chunks its sections and ranges need. Never throws: a file that is missing, a directory, not a PE
 * or damaged becomes a PeError with one sentence saying which.
 *
 * Why our own reader and not pe-library: pe-library parses a whole in-memory ArrayBuffer, so memory would
 * grow with the file and the bytes would be walked again for hashing and entropy; we need only headers,
 * a few small tables and one pass, which is about 1,000 lines here and keeps pace with openssl's SHA-256
 * alone (npm run bench:analyze).
 *
 * Overlay: bytes after everything the headers account for, i.e. after the section data, the COFF symbol
 * and string tables, and the Authenticode certificate table. The certificate table is not counted as
 * overlay, since every signed file has one; data after it is, since that is where droppers hide payloads.
 */

/** Captured ranges are kept in memory for parsing; anything larger is read on demand instead. */
const MAX_CAPTURE = 4 * 1024 * 1024;
const IMAGE_FILE_DLL = 0x2000;

export interface AnalyzeContext {
  /** This run's signing report: fills in the signer when the file's own signature cannot be read. */
  signing?: SigningReport;
  /** Trust anchors for the signature verdict; default: the system's CA bundle. */
  trust?: TrustOptions;
}

/**
 * Worker threads only pay when the files besides the largest hold this much: starting one costs about
 * 0.1 s of a core, what hashing ~150 MB costs.
 */
const WORKER_WORTH = 128 * 1024 * 1024;
/** At most this many files at once: each holds two 1 MiB buffers and its captured ranges. */
const MAX_LANES = 4;

export async function analyzeFiles(
  paths: string[],
  ctx: AnalyzeContext = {},
): Promise<AnalysisReport['files']> {
  const files: AnalysisReport['files'] = new Array(paths.length);
  let trust: Promise<TrustOptions> | undefined;
  const anchors = (): Promise<TrustOptions> =>
    (trust ??= ctx.trust ? Promise.resolve(ctx.trust) : systemAnchors().then((a) => ({ anchors: a })));
  // SHA-256 is most of the work and runs on one core per file, so large files are analyzed side by side:
  // one lane hashes on this thread, each other lane in a worker thread. Largest first, for the best split;
  // this thread takes the first file, as a worker needs a moment to start.
  const sizes = await Promise.all(paths.map(sizeOf));
  const order = paths.map((_, i) => i).sort((a, b) => (sizes[b] as number) - (sizes[a] as number));
  const besidesLargest = sizes.reduce((sum, s) => sum + s, 0) - Math.max(0, ...sizes);
  const workers = besidesLargest >= WORKER_WORTH ? Math.min(availableParallelism(), MAX_LANES) - 1 : 0;
  const lanes: Array<FileHasher | undefined> = [undefined];
  try {
    for (let i = 0; i < workers; i++) lanes.push(await workerFileHasher());
    let next = 0;
    await Promise.all(
      lanes.map(async (hasher) => {
        for (let i = order[next++]; i !== undefined; i = order[next++]) {
          const file = paths[i] as string;
          const signed = ctx.signing?.files.find(
            (f) => f.status !== 'failed' && f.verification && path.resolve(f.path) === path.resolve(file),
          );
          const verify = { trust: anchors, ...(signed ? { signed } : {}) };
          files[i] = withSigning(await analyzeFile(file, verify, hasher), ctx.signing);
        }
      }),
    );
  } finally {
    await Promise.all(lanes.map((h) => h?.close()));
  }
  return files;
}

/** The size for scheduling only: a file that cannot be read gets its error from analyzeFile. */
async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** The negation of isPeReport, for callers that handle the error case first. */
export function isPeError(result: PeReport | PeError): result is PeError {
  return 'error' in result;
}

interface VerifyOptions {
  trust: () => Promise<TrustOptions>;
  /** What this run's signing verified for this path: reused when the bytes are the same (same SHA-256). */
  signed?: SignedFile;
}

export async function analyzeFile(
  file: string,
  verify?: VerifyOptions,
  /** Hashes the file in another thread; without one, the streaming pass hashes it here. */
  hasher?: FileHasher,
): Promise<PeReport | PeError> {
  let handle: FileHandle | undefined;
  try {
    const info = await stat(file);
    if (info.isDirectory()) return { path: file, error: `${file} is a directory, not an executable file` };
    if (!info.isFile()) return { path: file, error: `${file} is not a regular file` };
    handle = await open(file, 'r');
    return await analyzeOpen(file, handle, info.size, verify, hasher);
  } catch (error) {
    return { path: file, error: describeError(file, error) };
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function analyzeOpen(
  file: string,
  handle: FileHandle,
  size: number,
  verify: VerifyOptions | undefined,
  hasher: FileHasher | undefined,
): Promise<PeReport | PeError> {
  const readAt = async (offset: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
    if (buffer.length === 0) return buffer;
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  };
  // What the file was before the pass: a rewrite in place (same size) while the pass or the hashing thread
  // reads it would mix old and new bytes, and shows as a new modification or change time.
  const before = identityOf(file, await handle.stat());
  const headers = await readHeaders(readAt, size);
  const stringTableLength =
    headers.symbolTableOffset > 0 && headers.symbolCount > 0
      ? (await readAt(headers.symbolTableOffset + headers.symbolCount * 18, 4)).readUInt32LE(0)
      : 0;

  const histograms: HistogramRange[] = headers.sections.map((s) => ({
    offset: s.rawOffset,
    length: s.rawSize,
    histogram: new ByteHistogram(),
  }));
  const captures = planCaptures(headers);
  // The signature's image hashes come from the same pass, unless signing verified these very bytes.
  const security = headers.directories[DIRECTORY.security];
  const table =
    verify && security && security.size > 0 && security.rva > 0 && security.rva + security.size <= size
      ? { tableOffset: security.rva, tableSize: security.size }
      : undefined;
  // The signature `verify` and signing judge: the first SignedData entry, read alone.
  const entry = table ? await firstSignedData(readAt, table) : undefined;
  const imageHashes =
    table && entry && !verify?.signed ? imagePlan(headers, entry, security?.rva ?? size) : undefined;
  const hashing = hasher?.hash(handle.fd, size);
  // The worker reads through this handle: wait for it even when the pass fails, as the caller closes it.
  const streamed = await streamOnce(
    handle,
    size,
    histograms,
    Object.values(captures),
    imageHashes,
    !hasher,
  ).finally(() => hashing?.catch(() => undefined));
  const hashed = await hashing;
  const sha256 = (hashed?.sha256 ?? streamed.sha256) as string;
  const bytesRead = Math.min(streamed.bytesRead, hashed?.bytesRead ?? size);
  if (bytesRead !== size) {
    return {
      path: file,
      error: `${file} changed while it was being read (${bytesRead} of ${size} bytes); analyze it again once it is written`,
    };
  }
  if (!sameIdentity(identityOf(file, await handle.stat()), before)) {
    return {
      path: file,
      error: `${file} changed while it was being read (it was written meanwhile); analyze it again once it is written`,
    };
  }
  const image = new PeImage(headers, size, handle, Object.values(captures));

  const resourceDir = headers.directories[DIRECTORY.resource];
  const importDir = headers.directories[DIRECTORY.import];
  const relocDir = headers.directories[DIRECTORY.baseReloc];
  const tlsDir = headers.directories[DIRECTORY.tls];
  const resources = await readResources(image, resourceDir?.rva ?? 0, resourceDir?.size ?? 0);
  const imports = await readImports(image, importDir?.rva ?? 0, importDir?.size ?? 0);
  const signature = captures.security?.data
    ? parseCertificateTable(captures.security.data)
    : { present: false };
  const goBuildInfo = captures.buildInfo?.data
    ? await parseBuildInfo(captures.buildInfo.data, (va, length) => image.readVa(va, length))
    : undefined;
  let verdict: PeReport['signature']['verdict'];
  if (verify && table) {
    const reused = verify.signed?.sha256 === sha256 ? verify.signed?.verification : undefined;
    if (reused) {
      verdict = { intact: reused.ok, trusted: reused.chainTrusted, detail: reused.detail };
    } else {
      let hashes = streamed.imageHashes;
      // The file changed since signing verified it: one more pass for its image hashes.
      if (!hashes && entry)
        hashes = (
          await streamOnce(handle, size, [], [], imagePlan(headers, entry, security?.rva ?? size), false)
        ).imageHashes;
      const checked = verifySignatureTable(entry, (digest) => hashes?.get(digest), await verify.trust());
      verdict = { intact: checked.intact, trusted: checked.trusted, detail: checked.detail };
    }
  }
  const executionLevel = resources.manifestText?.match(
    /requestedExecutionLevel[^>]*\blevel\s*=\s*["']([^"']+)["']/,
  )?.[1];

  const report: Omit<PeReport, 'findings'> = {
    path: file,
    size,
    sha256,
    machine: machineName(headers.machine),
    format: headers.format,
    subsystem: subsystemName(headers.subsystem),
    sections: headers.sections.map((s, i) => ({
      name: s.name,
      virtualSize: s.virtualSize,
      rawSize: s.rawSize,
      characteristics: s.characteristics,
      entropy: round(shannonEntropy((histograms[i] as HistogramRange).histogram.counts())),
    })),
    hasRelocations: (relocDir?.size ?? 0) > 0 && (relocDir?.rva ?? 0) > 0,
    resources: {
      present: resources.present,
      versionInfo: resources.versionInfo,
      manifest: resources.manifest,
      icon: resources.icon,
      types: resources.types,
      ...(resources.version ? { version: resources.version } : {}),
      ...(resources.fixedFileVersion ? { fixedFileVersion: resources.fixedFileVersion } : {}),
      ...(resources.fixedProductVersion ? { fixedProductVersion: resources.fixedProductVersion } : {}),
      ...(executionLevel ? { executionLevel } : {}),
    },
    imports,
    tls: (tlsDir?.size ?? 0) > 0 && (tlsDir?.rva ?? 0) > 0,
    overlaySize: Math.max(0, size - endOfImage(headers, stringTableLength)),
    isDll: (headers.characteristics & IMAGE_FILE_DLL) !== 0,
    signature: {
      present: signature.present,
      ...('signer' in signature && signature.signer
        ? { signer: signature.signer, source: 'file' as const }
        : {}),
      ...('signerName' in signature && signature.signerName ? { signerParts: signature.signerName } : {}),
      ...('issuer' in signature && signature.issuer ? { issuer: signature.issuer } : {}),
      ...('timestamped' in signature ? { timestamped: signature.timestamped } : {}),
      ...('problem' in signature && signature.problem ? { problem: signature.problem } : {}),
      ...(verdict ? { verdict } : {}),
    },
    ...(detectPacker(headers.sections) ? { packer: detectPacker(headers.sections) } : {}),
    ...(goBuildInfo ? { goBuildInfo } : {}),
  };
  return { ...report, findings: evaluateRules({ ...report, signatureProblem: report.signature.problem }) };
}

function imagePlan(headers: PeHeaders, entry: Buffer, end: number): ImageHashPlan {
  return {
    algorithms: signatureDigests(entry),
    skip: [
      [headers.checksumOffset, headers.checksumOffset + 4],
      [headers.securityEntryOffset, headers.securityEntryOffset + 8],
    ],
    end,
  };
}

/** The small ranges the parsers read, copied while the stream passes them. */
function planCaptures(
  headers: PeHeaders,
): Partial<Record<'resources' | 'imports' | 'buildInfo' | 'security', CaptureRange>> {
  const captures: Partial<Record<'resources' | 'imports' | 'buildInfo' | 'security', CaptureRange>> = {};
  const inSection = (rva: number | undefined): CaptureRange | undefined => {
    if (!rva) return undefined;
    const offset = rvaToOffset(headers, rva);
    if (offset === undefined) return undefined;
    const section = headers.sections.find((s) => offset >= s.rawOffset && offset < s.rawOffset + s.rawSize);
    const end = section ? section.rawOffset + section.rawSize : offset + 64 * 1024;
    return { offset, length: Math.min(end - offset, MAX_CAPTURE) };
  };
  const resources = inSection(headers.directories[DIRECTORY.resource]?.rva);
  if (resources) captures.resources = resources;
  const imports = inSection(headers.directories[DIRECTORY.import]?.rva);
  if (imports) captures.imports = { offset: imports.offset, length: Math.min(imports.length, 256 * 1024) };
  const data = buildInfoSection(headers.sections);
  if (data) captures.buildInfo = { offset: data.rawOffset, length: Math.min(data.rawSize, BUILDINFO_WINDOW) };
  const security = headers.directories[DIRECTORY.security];
  if (security && security.size > 0 && security.rva > 0) {
    captures.security = { offset: security.rva, length: Math.min(security.size, MAX_CAPTURE) };
  }
  return captures;
}

/** Fills the signer from this run's signing report when the file itself did not say. */
function withSigning(result: PeReport | PeError, signing: SigningReport | undefined): PeReport | PeError {
  if (isPeError(result) || !signing || !result.signature.present || result.signature.signer) return result;
  const signed = signing.files.find(
    (f) => f.status === 'signed' && path.resolve(f.path) === path.resolve(result.path),
  );
  const signer = signed?.signer ?? (signed ? signing.certificate?.subject : undefined);
  if (!signer) return result;
  return { ...result, signature: { ...result.signature, signer, source: 'signing' } };
}

function describeError(file: string, error: unknown): string {
  if (error instanceof PeFormatError) return `${file}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file} does not exist`;
  if (code === 'EACCES' || code === 'EPERM')
    return `${file} cannot be read (permission denied; on Windows, antivirus may be holding it)`;
  if (code === 'EISDIR') return `${file} is a directory, not an executable file`;
  return `${file} could not be analyzed: ${error instanceof Error ? error.message : String(error)}`;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
