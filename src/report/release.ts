import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatSha256Sums } from '../allowlist/sha256sums.js';
import type { Report } from './model.js';
import {
  defaultOctokit,
  describeError,
  httpStatus,
  isRateLimited,
  withRetry,
  type GitHubClient,
  type OctokitFactory,
  type RetryOptions,
} from './github.js';

export type ReleaseAssetsPlan = { files: string[] } | { skip: string };

/**
 * What to attach to the release: the files this run signed, then SHA256SUMS and the allowlisting files.
 * Nothing at all when any signing or verification failed: a release must not ship a half-signed set.
 * Relative allowlist paths in the report are taken from `allowlistDir`.
 */
export function releaseAssets(report: Report, allowlistDir?: string): ReleaseAssetsPlan {
  const signing = report.signing;
  if (!signing) return { skip: 'nothing was signed in this run' };
  if (signing.error) return { skip: `signing failed: ${signing.error}` };
  const failed = signing.files.filter((f) => f.status === 'failed');
  if (failed.length > 0) {
    return {
      skip: `signing failed for ${failed.map((f) => `${f.path} (${f.reason ?? 'no reason given'})`).join(', ')}`,
    };
  }
  const signed = signing.files.filter((f) => f.status === 'signed');
  const unverified = signed.filter((f) => f.verification?.ok !== true);
  if (unverified.length > 0) {
    const why = (f: (typeof signed)[number]): string => f.verification?.detail ?? 'not verified';
    return { skip: `verification failed for ${unverified.map((f) => `${f.path} (${why(f)})`).join(', ')}` };
  }
  if (signed.length === 0) return { skip: 'no file was signed in this run' };

  const allowlist = report.analysis?.allowlist;
  const allowlistFiles = allowlist
    ? [allowlist.sha256sums, allowlist.applocker, allowlist.defenderIndicators]
    : [];
  const resolve = (file: string): string => (allowlistDir ? path.resolve(allowlistDir, file) : file);
  const files = [...signed.map((f) => f.path), ...allowlistFiles.filter(Boolean).map(resolve)];
  return { files: [...new Set(files)] };
}

export interface UploadOptions {
  token: string;
  owner: string;
  repo: string;
  /** The release on a `release` event (from the event payload); otherwise the release of `tag` is used. */
  releaseId?: number;
  tag?: string;
  apiUrl?: string;
  octokit?: OctokitFactory;
  retry?: RetryOptions;
  /**
   * Files whose checksums the uploaded SHA256SUMS lists, by the names they get on the release. The local
   * SHA256SUMS names files relative to its own folder (right for `sha256sum -c` there); on a release
   * everything sits in one flat list of base names, so the uploaded copy is written for that layout.
   */
  checksummed?: string[];
}

/** The release asset holding the checksums. */
export const SHA256SUMS_NAME = 'SHA256SUMS';

/** `sha256sum` lines for files as they are downloaded from a release: base names, hashes of these bytes. */
export function releaseSha256Sums(files: Array<{ name: string; data: Buffer }>): string {
  return formatSha256Sums(
    files.map((f) => ({
      path: path.join(path.sep, f.name),
      sha256: createHash('sha256').update(f.data).digest('hex'),
    })),
    path.sep,
  );
}

export interface UploadedAsset {
  name: string;
  url: string;
  /** An asset of the same name was there before and was deleted first. */
  replaced: boolean;
}

interface ReleaseAsset {
  id: number;
  name: string;
}

/**
 * Attaches files to a release under their base names, replacing assets of the same name. Throws an Error
 * whose message says what to change (permissions, tag) when GitHub refuses; the token never appears in it.
 */
export async function uploadReleaseAssets(
  files: string[],
  options: UploadOptions,
): Promise<{ uploaded: UploadedAsset[] }> {
  const names = files.map((file) => path.basename(file));
  const clash = names.find((name, i) => names.indexOf(name) !== i);
  if (clash) {
    const paths = files.filter((file) => path.basename(file) === clash);
    throw new Error(
      `release upload: two files would both be named "${clash}" on the release: ${paths.join(', ')}`,
    );
  }
  if (options.releaseId === undefined && !options.tag) {
    throw new Error('release upload: no release to upload to; run on a `release` event or set `release-tag`');
  }

  const octokit = (options.octokit ?? defaultOctokit)(
    options.token,
    options.apiUrl ?? 'https://api.github.com',
  );
  const where = `${options.owner}/${options.repo}`;
  const fail = (action: string, error: unknown): Error => {
    const status = httpStatus(error);
    if (status === 403 && !isRateLimited(error)) {
      return new Error(
        `release upload: GitHub refused to ${action} in ${where} (HTTP 403). The token needs write access to releases: ` +
          'add `permissions: contents: write` to the job (a pull request from a fork never gets it).',
      );
    }
    if (status === 404 && action === 'find the release') {
      const which =
        options.releaseId !== undefined ? `release ${options.releaseId}` : `release for tag "${options.tag}"`;
      return new Error(
        `release upload: ${where} has no ${which} (HTTP 404). Create the release first, or set \`release-tag\` to the tag of an existing release.`,
      );
    }
    return new Error(
      `release upload: could not ${action} in ${where}: ${describeError(error, options.token)}`,
    );
  };
  const retry = <T>(fn: () => Promise<T>, beforeRetry?: RetryOptions['beforeRetry']): Promise<T> =>
    withRetry(fn, { ...options.retry, beforeRetry });
  const repo = { owner: options.owner, repo: options.repo };

  const release = await retry(() =>
    options.releaseId !== undefined
      ? octokit.rest.repos.getRelease({ ...repo, release_id: options.releaseId })
      : octokit.rest.repos.getReleaseByTag({ ...repo, tag: options.tag as string }),
  ).catch((error: unknown) => {
    throw fail('find the release', error);
  });
  const releaseId = release.data.id;
  const listAssets = (): Promise<ReleaseAsset[]> =>
    retry(() =>
      octokit.paginate(octokit.rest.repos.listReleaseAssets, {
        ...repo,
        release_id: releaseId,
        per_page: 100,
      }),
    );
  const existing = await listAssets().catch((error: unknown) => {
    throw fail('list the release assets', error);
  });

  // Each file is read once: what is hashed into SHA256SUMS is exactly what is uploaded.
  const contents = await Promise.all(files.map((file) => readFile(file)));
  const sumsIndex = names.indexOf(SHA256SUMS_NAME);
  if (sumsIndex >= 0) {
    const covered = names.flatMap((name, i) =>
      i !== sumsIndex && options.checksummed?.includes(files[i] as string)
        ? [{ name, data: contents[i] as Buffer }]
        : [],
    );
    if (covered.length > 0) contents[sumsIndex] = Buffer.from(releaseSha256Sums(covered));
  }
  const uploaded: UploadedAsset[] = [];
  for (const [i, name] of names.entries()) {
    const data = contents[i] as Buffer;
    const old = existing.find((asset) => asset.name === name);
    if (old) {
      await retry(() => octokit.rest.repos.deleteReleaseAsset({ ...repo, asset_id: old.id })).catch(
        (error: unknown) => {
          throw fail(`replace ${name}`, error);
        },
      );
    }
    // A failed upload can leave a broken asset of that name behind, which makes the next try fail: clear it.
    const clearHalfUpload = async (): Promise<void> => {
      const stale = (await listAssets()).find((asset) => asset.name === name);
      if (stale) await octokit.rest.repos.deleteReleaseAsset({ ...repo, asset_id: stale.id });
    };
    const response = await retry(
      () => uploadOne(octokit, release.data.upload_url, { ...repo, release_id: releaseId, name, data }),
      clearHalfUpload,
    ).catch((error: unknown) => {
      throw fail(`upload ${name}`, error);
    });
    uploaded.push({ name, url: response.data.browser_download_url, replaced: old !== undefined });
  }
  return { uploaded };
}

function uploadOne(
  octokit: GitHubClient,
  uploadUrl: string,
  asset: { owner: string; repo: string; release_id: number; name: string; data: Buffer },
): ReturnType<GitHubClient['rest']['repos']['uploadReleaseAsset']> {
  return octokit.rest.repos.uploadReleaseAsset({
    ...asset,
    // The release's own upload_url points at the uploads host (also on GHES); the route default would not.
    url: uploadUrl,
    // Octokit types the body as a string; a Buffer is sent as the exact bytes.
    data: asset.data as unknown as string,
    headers: { 'content-type': 'application/octet-stream', 'content-length': asset.data.length },
  });
}

export type ReleaseOutcome = { uploaded: UploadedAsset[] } | { skipped: string };

/** The whole release step: decides from the report, and only then talks to GitHub. */
export async function publishRelease(
  report: Report,
  options: UploadOptions & { allowlistDir?: string },
): Promise<ReleaseOutcome> {
  const plan = releaseAssets(report, options.allowlistDir);
  if ('skip' in plan) return { skipped: plan.skip };
  const signed = report.signing?.files.filter((f) => f.status === 'signed').map((f) => f.path) ?? [];
  return uploadReleaseAssets(plan.files, { checksummed: signed, ...options });
}
