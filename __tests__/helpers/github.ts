import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { AnnotationProperties } from '@actions/core';
import type { AnnotationLevel } from '../../src/report/annotation.js';
import type { GitHubContext } from '../../src/report/github.js';

export const API = 'https://api.github.com';
export const UPLOADS = 'https://uploads.github.com';
export const TOKEN = 'ghs_testtoken0123456789abcdefSECRET';

/** nock intercepts @actions/github's undici fetch only on Node >= 22; the action runs on 24, so the tests do too. */
export function requireNode24(): void {
  expect(process.version.startsWith('v24.'), `tests need Node 24 (npx vitest), got ${process.version}`).toBe(
    true,
  );
}

/** No request leaves the machine, and every test starts with no leftover interceptors. */
export function isolateNetwork(): void {
  nock.disableNetConnect();
  nock.cleanAll();
}

export function githubContext(overrides: Partial<GitHubContext> = {}): GitHubContext {
  return {
    owner: 'octo',
    repo: 'app',
    sha: 'a'.repeat(40),
    runId: 4242,
    runAttempt: 1,
    job: 'build',
    runnerName: 'GitHub Actions 7',
    serverUrl: 'https://github.com',
    apiUrl: API,
    ...overrides,
  };
}

export interface RecordedCommand {
  level: AnnotationLevel;
  message: string;
  properties: AnnotationProperties;
}

export function commandRecorder(): {
  commands: RecordedCommand[];
  emit: (l: AnnotationLevel, m: string, p: AnnotationProperties) => void;
} {
  const commands: RecordedCommand[] = [];
  return { commands, emit: (level, message, properties) => commands.push({ level, message, properties }) };
}

/**
 * For a test file that talks to GitHub through nock: Node 24 (so nock sees undici), no real network, and
 * after each test no request nock had no interceptor for and no interceptor left unused.
 */
export function strictNetwork(): void {
  const unexpected: string[] = [];
  const record = (req: { method?: string; url?: string }): void =>
    void unexpected.push(`${req.method} ${req.url}`);
  beforeAll(() => {
    requireNode24();
    nock.emitter.on('no match', record);
  });
  afterAll(() => void nock.emitter.removeListener('no match', record));
  beforeEach(() => {
    isolateNetwork();
    unexpected.length = 0;
  });
  afterEach(() => {
    expect(unexpected).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });
}

/**
 * A release `tag` of octo/app with no assets yet, and one upload interceptor per name that keeps the bytes
 * GitHub would store: what a user later downloads. nock hands binary bodies over as hex, text as text.
 */
export function releaseAcceptingUploads(names: readonly string[], tag = 'v1.0.0'): Map<string, Buffer> {
  const repo = '/repos/octo/app';
  const release = { id: 1, tag_name: tag, upload_url: `${UPLOADS}${repo}/releases/1/assets{?name,label}` };
  nock(API).get(`${repo}/releases/tags/${tag}`).reply(200, release);
  nock(API).get(`${repo}/releases/1/assets`).query(true).reply(200, []);
  const stored = new Map<string, Buffer>();
  for (const [id, name] of names.entries()) {
    nock(UPLOADS)
      .post(`${repo}/releases/1/assets`, (body: unknown) => {
        const text = body as string;
        stored.set(name, Buffer.from(text, /^([0-9a-f]{2})+$/.test(text) ? 'hex' : 'utf8'));
        return true;
      })
      .query({ name })
      .reply(201, {
        id: id + 1,
        name,
        browser_download_url: `https://github.com/octo/app/releases/download/${tag}/${name}`,
      });
  }
  return stored;
}
