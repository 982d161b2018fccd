import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newReport, type Report } from '../../src/report/model.js';
import {
  publishRelease,
  releaseAssets,
  uploadReleaseAssets,
  type UploadOptions,
} from '../../src/report/release.js';
import type { SignedFile } from '../../src/sign/types.js';
import { releaseIdFromEvent } from '../../src/report/github.js';
import { API, TOKEN, UPLOADS, strictNetwork } from '../helpers/github.js';

const REPO = '/repos/octo/app';
const UPLOAD_URL = `${UPLOADS}${REPO}/releases/1/assets{?name,label}`;
const RELEASE = { id: 1, tag_name: 'v1.0.0', upload_url: UPLOAD_URL };

let dir: string;
let app: string;
let sums: string;

strictNetwork();
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gav-release-'));
  app = path.join(dir, 'app.exe');
  sums = path.join(dir, 'SHA256SUMS');
  await writeFile(app, Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0xff, 0x00, 0x0a, 0x0d]));
  await writeFile(sums, `${'0'.repeat(64)}  app.exe\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function options(overrides: Partial<UploadOptions> = {}): UploadOptions {
  return { token: TOKEN, owner: 'octo', repo: 'app', tag: 'v1.0.0', retry: { delayMs: 1 }, ...overrides };
}

function asset(name: string): { id: number; name: string; browser_download_url: string } {
  return {
    id: 900,
    name,
    browser_download_url: `https://github.com/octo/app/releases/download/v1.0.0/${name}`,
  };
}

function signedReport(files: SignedFile[], signingError?: string): Report {
  const report = newReport('main', '/w', '0.1.0');
  report.signing = {
    tool: 'built-in',
    digest: 'sha256',
    timestampUrls: [],
    files,
    notes: [],
    error: signingError,
  };
  report.analysis = {
    files: [],
    allowlist: {
      sha256sums: 'SHA256SUMS',
      applocker: 'applocker.xml',
      defenderIndicators: 'indicators.csv',
      hashes: [],
    },
  };
  return report;
}

const verified = { ok: true, chainTrusted: false, timestamped: true, detail: 'ok' };

describe('releaseAssets', () => {
  it('lists the signed files, then SHA256SUMS and the allowlisting files', () => {
    const report = signedReport([
      { path: '/w/bin/app.exe', status: 'signed', verification: verified },
      { path: '/w/bin/old.exe', status: 'skipped', reason: 'already signed' },
    ]);
    expect(releaseAssets(report, '/w/allowlist')).toEqual({
      files: [
        '/w/bin/app.exe',
        '/w/allowlist/SHA256SUMS',
        '/w/allowlist/applocker.xml',
        '/w/allowlist/indicators.csv',
      ],
    });
  });

  it('skips everything when one file failed to sign, failed verification, or signing failed outright', () => {
    const ok: SignedFile = { path: '/w/a.exe', status: 'signed', verification: verified };
    expect(
      releaseAssets(
        signedReport([ok, { path: '/w/b.exe', status: 'failed', reason: 'timestamp servers down' }]),
      ),
    ).toEqual({
      skip: 'signing failed for /w/b.exe (timestamp servers down)',
    });
    const bad = {
      path: '/w/b.exe',
      status: 'signed' as const,
      verification: { ...verified, ok: false, detail: 'bad digest' },
    };
    expect(releaseAssets(signedReport([ok, bad]))).toEqual({
      skip: 'verification failed for /w/b.exe (bad digest)',
    });
    expect(releaseAssets(signedReport([ok, { path: '/w/c.exe', status: 'signed' }]))).toEqual({
      skip: 'verification failed for /w/c.exe (not verified)',
    });
    expect(releaseAssets(signedReport([], 'certificate password is wrong'))).toEqual({
      skip: 'signing failed: certificate password is wrong',
    });
    expect(releaseAssets(newReport('main', '/w', '0.1.0'))).toEqual({
      skip: 'nothing was signed in this run',
    });
  });
});

describe('uploadReleaseAssets (real @actions/github client, nock)', () => {
  it('uploads each file to the uploads host of the release for the tag', async () => {
    const bodies = new Map<string, Buffer>();
    nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get(`${REPO}/releases/tags/v1.0.0`)
      .reply(200, RELEASE)
      .get(`${REPO}/releases/1/assets`)
      .query({ per_page: '100' })
      .reply(200, []);
    for (const name of ['app.exe', 'SHA256SUMS']) {
      nock(UPLOADS, {
        reqheaders: { 'content-type': 'application/octet-stream', authorization: `token ${TOKEN}` },
      })
        .post(`${REPO}/releases/1/assets`, (body: unknown) => {
          bodies.set(name, Buffer.from(body as string, 'hex'));
          return true;
        })
        .query({ name })
        .reply(201, asset(name));
    }

    const result = await uploadReleaseAssets([app, sums], options());

    expect(result.uploaded).toEqual([
      { name: 'app.exe', url: asset('app.exe').browser_download_url, replaced: false },
      { name: 'SHA256SUMS', url: asset('SHA256SUMS').browser_download_url, replaced: false },
    ]);
    // The exact bytes, not a JSON or UTF-8 rendering of them.
    expect(bodies.get('app.exe')).toEqual(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0xff, 0x00, 0x0a, 0x0d]));
  });

  it('replaces an asset of the same name: delete first, then upload', async () => {
    const order: string[] = [];
    nock(API)
      .get(`${REPO}/releases/tags/v1.0.0`)
      .reply(200, RELEASE)
      .get(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(200, [asset('app.exe'), { ...asset('other.zip'), id: 901 }])
      .delete(`${REPO}/releases/assets/900`)
      .reply(204, () => {
        order.push('delete');
        return '';
      });
    nock(UPLOADS)
      .post(`${REPO}/releases/1/assets`)
      .query({ name: 'app.exe' })
      .reply(201, () => {
        order.push('upload');
        return asset('app.exe');
      });

    const result = await uploadReleaseAssets([app], options());
    expect(order).toEqual(['delete', 'upload']);
    expect(result.uploaded).toEqual([
      { name: 'app.exe', url: asset('app.exe').browser_download_url, replaced: true },
    ]);
  });

  it('retries a 502 on upload, clearing a half-created asset, for the release named by a release event', async () => {
    nock(API)
      .get(`${REPO}/releases/1`)
      .reply(200, RELEASE)
      .get(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(200, [])
      // After the 502 the upload left a broken asset behind.
      .get(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(200, [{ ...asset('app.exe'), id: 950 }])
      .delete(`${REPO}/releases/assets/950`)
      .reply(204);
    nock(UPLOADS)
      .post(`${REPO}/releases/1/assets`)
      .query({ name: 'app.exe' })
      .reply(502, 'Bad Gateway')
      .post(`${REPO}/releases/1/assets`)
      .query({ name: 'app.exe' })
      .reply(201, asset('app.exe'));

    const result = await uploadReleaseAssets([app], options({ tag: undefined, releaseId: 1 }));
    expect(result.uploaded).toEqual([
      { name: 'app.exe', url: asset('app.exe').browser_download_url, replaced: false },
    ]);
  });

  it('says to grant contents: write on a 403, without the token', async () => {
    nock(API)
      .get(`${REPO}/releases/tags/v1.0.0`)
      .reply(200, RELEASE)
      .get(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(200, []);
    nock(UPLOADS)
      .post(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(403, { message: 'Resource not accessible by integration' });

    const error = await uploadReleaseAssets([app], options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /refused to upload app\.exe in octo\/app \(HTTP 403\).*permissions: contents: write/,
    );
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('says the release does not exist on a 404 for the tag', async () => {
    nock(API).get(`${REPO}/releases/tags/v9.9.9`).reply(404, { message: 'Not Found' });
    await expect(uploadReleaseAssets([app], options({ tag: 'v9.9.9' }))).rejects.toThrow(
      /octo\/app has no release for tag "v9\.9\.9" \(HTTP 404\)\. Create the release first/,
    );
  });

  it('refuses two files that would share a name on the release, before any request', async () => {
    await expect(uploadReleaseAssets([app, path.join(dir, 'arm64', 'app.exe')], options())).rejects.toThrow(
      /two files would both be named "app\.exe"/,
    );
  });
});

describe('publishRelease', () => {
  it('uploads nothing after a failed signing', async () => {
    const report = signedReport([
      { path: app, status: 'signed', verification: verified },
      { path: path.join(dir, 'b.exe'), status: 'failed', reason: 'signtool exited 1' },
    ]);
    // No interceptors: any request at all is an unmatched request, and strictNetwork fails the test.
    const outcome = await publishRelease(report, { ...options(), allowlistDir: dir });
    expect(outcome).toEqual({ skipped: `signing failed for ${path.join(dir, 'b.exe')} (signtool exited 1)` });
    expect(nock.isDone()).toBe(true);
  });

  it('uploads the signed files and allowlisting files when signing succeeded', async () => {
    const report = signedReport([{ path: app, status: 'signed', verification: verified }]);
    report.analysis = {
      files: [],
      allowlist: { sha256sums: sums, applocker: '', defenderIndicators: '', hashes: [] },
    };
    nock(API)
      .get(`${REPO}/releases/tags/v1.0.0`)
      .reply(200, RELEASE)
      .get(`${REPO}/releases/1/assets`)
      .query(true)
      .reply(200, []);
    nock(UPLOADS).post(`${REPO}/releases/1/assets`).query({ name: 'app.exe' }).reply(201, asset('app.exe'));
    nock(UPLOADS)
      .post(`${REPO}/releases/1/assets`)
      .query({ name: 'SHA256SUMS' })
      .reply(201, asset('SHA256SUMS'));

    const outcome = await publishRelease(report, options());
    expect(outcome).toMatchObject({ uploaded: [{ name: 'app.exe' }, { name: 'SHA256SUMS' }] });
  });
});

describe('releaseIdFromEvent', () => {
  it('takes the release id from a release event payload only', async () => {
    const event = path.join(dir, 'event.json');
    await writeFile(event, JSON.stringify({ action: 'published', release: { id: 123, tag_name: 'v1.0.0' } }));
    expect(releaseIdFromEvent({ GITHUB_EVENT_NAME: 'release', GITHUB_EVENT_PATH: event })).toBe(123);
    expect(releaseIdFromEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: event })).toBeUndefined();
  });
});
