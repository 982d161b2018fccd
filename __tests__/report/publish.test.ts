import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import type { Annotation, AnnotationLevel } from '../../src/report/annotation.js';
import { githubContextFromEnv } from '../../src/report/github.js';
import {
  CHECK_SUMMARY_LIMIT,
  cutSummary,
  emitWithCore,
  publishAnnotations,
  type PublishOptions,
} from '../../src/report/publish.js';
import { API, TOKEN, commandRecorder, githubContext, strictNetwork } from '../helpers/github.js';

const REPO = '/repos/octo/app';
const JOBS = `${REPO}/actions/runs/4242/attempts/1/jobs`;

function detections(count: number, level: AnnotationLevel = 'error'): Annotation[] {
  return Array.from({ length: count }, (_, i) => ({
    level,
    title: `Trojan:Win32/Wacatac.B!ml in app${i}.exe`,
    message: `Defender quarantined bin/app${i}.exe. Sign the binary and submit it as a false positive.`,
    file: `bin/app${i}.exe`,
    startLine: 1,
  }));
}

function options(overrides: Partial<PublishOptions> = {}): PublishOptions {
  return {
    checks: 'auto',
    token: TOKEN,
    title: '25 detections',
    summary: 'Summary',
    conclusion: 'failure',
    github: githubContext(),
    retry: { delayMs: 1 },
    ...overrides,
  };
}

interface CheckUpdate {
  status?: string;
  conclusion?: string;
  output: { title: string; summary: string; annotations: Array<{ annotation_level: string; path: string }> };
}

strictNetwork();

describe('publishAnnotations without the Checks API', () => {
  it('shows exactly 10 errors as workflow commands and one notice for the other 15', async () => {
    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(25), options({ token: undefined, emit }));

    expect(commands.filter((c) => c.level === 'error')).toHaveLength(10);
    const notices = commands.filter((c) => c.level === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(/^15 more annotations are in the job summary/);
    expect(commands).toHaveLength(11);
    // Most important first: the caller's order is kept, so the first ten are the first ten given.
    expect(commands.slice(0, 10).map((c) => c.properties.file)).toEqual(detections(10).map((a) => a.file));
    expect(commands[0]?.properties).toEqual({
      title: detections(1)[0]?.title,
      file: 'bin/app0.exe',
      startLine: 1,
    });
    expect(result).toMatchObject({
      via: 'workflow-commands',
      commandsEmitted: 10,
      sentToChecks: 0,
      moreInSummary: 15,
    });
    expect(result.fallbackReason).toBe('no github-token');
  });

  it('makes no request when checks is false, even with a token', async () => {
    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(25), options({ checks: 'false', emit }));
    expect(commands).toHaveLength(11);
    expect(result.fallbackReason).toBe('checks is false');
  });

  it('takes the first 10 of each level and needs no notice when nothing is left over', async () => {
    const { commands, emit } = commandRecorder();
    const mixed = [...detections(10, 'error'), ...detections(10, 'warning'), ...detections(3, 'notice')];
    const result = await publishAnnotations(mixed, options({ emit }));
    expect(commands.map((c) => c.level)).toEqual(mixed.map((a) => a.level));
    expect(result).toEqual({ via: 'workflow-commands', commandsEmitted: 23, sentToChecks: 0 });
  });

  it('caps every level at 10 on its own', async () => {
    const { commands, emit } = commandRecorder();
    const mixed = [...detections(12, 'warning'), ...detections(12, 'error'), ...detections(11, 'notice')];
    const result = await publishAnnotations(mixed, options({ checks: 'false', emit }));
    const count = (level: AnnotationLevel): number => commands.filter((c) => c.level === level).length;
    expect([count('error'), count('warning'), count('notice')]).toEqual([10, 10, 11]);
    expect(result).toMatchObject({ commandsEmitted: 30, moreInSummary: 5 });
  });

  it('writes workflow commands through @actions/core with paths and messages escaped', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      emitWithCore('error', 'line one\nline two 100%', {
        title: 'Trojan: x, y',
        file: 'bin/<script>alert(1)</script>,a:b%0A.exe',
        startLine: 3,
      });
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(1);
    const command = written[0]?.trimEnd() ?? '';
    expect(command).toBe(
      '::error title=Trojan%3A x%2C y,file=bin/<script>alert(1)</script>%2Ca%3Ab%250A.exe,line=3::line one%0Aline two 100%25',
    );
    // One command on one line: nothing in the path could start a second one.
    expect(command.split('\n')).toHaveLength(1);
  });
});

describe('publishAnnotations with the Checks API (real @actions/github client, nock)', () => {
  it('creates one check run and sends 120 annotations in 3 updates of at most 50, concluding on the last', async () => {
    const updates: CheckUpdate[] = [];
    let created: Record<string, unknown> | undefined;
    nock(API).get(JOBS).query(true).reply(403, { message: 'Resource not accessible by integration' });
    nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .post(`${REPO}/check-runs`, (body: Record<string, unknown>) => {
        created = body;
        return true;
      })
      .reply(201, { id: 77 })
      .patch(`${REPO}/check-runs/77`, (body: CheckUpdate) => {
        updates.push(body);
        return true;
      })
      .times(3)
      .reply(200, { id: 77 });

    const { commands, emit } = commandRecorder();
    const longSummary = 'x'.repeat(CHECK_SUMMARY_LIMIT + 5000);
    const result = await publishAnnotations(
      detections(120),
      options({ checks: 'true', emit, summary: longSummary }),
    );

    expect(created).toMatchObject({ name: 'go-av-guard', head_sha: 'a'.repeat(40) });
    expect(updates.map((u) => u.output.annotations.length)).toEqual([50, 50, 20]);
    expect(updates.every((u) => u.output.annotations.every((a) => a.annotation_level === 'failure'))).toBe(
      true,
    );
    expect(updates.map((u) => u.status)).toEqual([undefined, undefined, 'completed']);
    expect(updates.map((u) => u.conclusion)).toEqual([undefined, undefined, 'failure']);
    expect(updates.at(-1)?.output.summary.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    expect(updates.at(-1)?.output.summary).toMatch(/full report is in the job summary/);
    // The first ten still show in the job log, and no fallback notice is needed.
    expect(commands.map((c) => c.level)).toEqual(Array(10).fill('error'));
    expect(result).toEqual({
      via: 'checks',
      checkRunId: 77,
      ownJobCheckRun: false,
      commandsEmitted: 10,
      sentToChecks: 120,
    });
  });

  it('falls back to 10 commands and one notice when creating the check run gets a 403', async () => {
    nock(API).get(JOBS).query(true).reply(200, { total_count: 0, jobs: [] });
    nock(API).post(`${REPO}/check-runs`).reply(403, { message: 'Resource not accessible by integration' });

    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(25), options({ emit }));

    expect(commands.filter((c) => c.level === 'error')).toHaveLength(10);
    expect(commands.filter((c) => c.level === 'notice')).toHaveLength(1);
    expect(result).toMatchObject({
      via: 'workflow-commands',
      commandsEmitted: 10,
      sentToChecks: 0,
      moreInSummary: 15,
    });
    expect(result.fallbackReason).toMatch(/checks: write/);
    expect(JSON.stringify(result) + JSON.stringify(commands)).not.toContain(TOKEN);
  });

  it("adds the annotations the runner did not show to this job's own check run, leaving its conclusion to the job", async () => {
    nock(API)
      .get(JOBS)
      .query({ per_page: '100' })
      .reply(200, {
        total_count: 3,
        jobs: [
          {
            name: 'build (ubuntu-latest)',
            status: 'in_progress',
            runner_name: 'GitHub Actions 3',
            check_run_url: `${API}${REPO}/check-runs/501`,
          },
          {
            name: 'build (windows-latest)',
            status: 'in_progress',
            runner_name: 'GitHub Actions 7',
            check_run_url: `${API}${REPO}/check-runs/502`,
          },
          {
            name: 'lint',
            status: 'completed',
            runner_name: 'GitHub Actions 7',
            check_run_url: `${API}${REPO}/check-runs/400`,
          },
        ],
      });
    const updates: CheckUpdate[] = [];
    nock(API)
      .patch(`${REPO}/check-runs/502`, (body: CheckUpdate) => {
        updates.push(body);
        return true;
      })
      .times(3)
      .reply(200, { id: 502 });

    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(120), options({ emit }));

    expect(commands).toHaveLength(10);
    expect(updates.map((u) => u.output.annotations.length)).toEqual([50, 50, 10]);
    expect(updates.map((u) => u.output.annotations[0]?.path)).toEqual([
      'bin/app10.exe',
      'bin/app60.exe',
      'bin/app110.exe',
    ]);
    expect(updates.every((u) => u.status === undefined && u.conclusion === undefined)).toBe(true);
    expect(result).toEqual({
      via: 'checks',
      checkRunId: 502,
      ownJobCheckRun: true,
      commandsEmitted: 10,
      sentToChecks: 110,
    });
  });

  it("falls back without creating a run of its own when the job's own run refuses with 403", async () => {
    nock(API)
      .get(JOBS)
      .query(true)
      .reply(200, {
        total_count: 1,
        jobs: [
          {
            name: 'build',
            status: 'in_progress',
            runner_name: 'other',
            check_run_url: `${API}${REPO}/check-runs/600`,
          },
        ],
      });
    nock(API)
      .patch(`${REPO}/check-runs/600`)
      .reply(403, { message: 'Resource not accessible by integration' });

    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(25), options({ emit }));
    expect(commands).toHaveLength(11);
    expect(result).toMatchObject({ via: 'workflow-commands', moreInSummary: 15 });
  });

  it("creates a run of its own when the job's own run cannot take annotations for another reason", async () => {
    nock(API)
      .get(JOBS)
      .query(true)
      .reply(200, {
        total_count: 1,
        jobs: [{ name: 'build', status: 'in_progress', check_run_url: `${API}${REPO}/check-runs/600` }],
      });
    nock(API)
      .patch(`${REPO}/check-runs/600`)
      .reply(422, { message: 'Unprocessable' })
      .post(`${REPO}/check-runs`)
      .reply(201, { id: 601 })
      .patch(`${REPO}/check-runs/601`)
      .reply(200, { id: 601 });

    const { emit } = commandRecorder();
    const result = await publishAnnotations(
      detections(25),
      options({ emit, github: githubContext({ runnerName: undefined }) }),
    );
    expect(result).toEqual({
      via: 'checks',
      checkRunId: 601,
      ownJobCheckRun: false,
      commandsEmitted: 10,
      sentToChecks: 25,
    });
  });

  it("does not repeat annotations on a second run once some landed on the job's own run", async () => {
    nock(API)
      .get(JOBS)
      .query(true)
      .reply(200, {
        total_count: 1,
        jobs: [{ name: 'build', status: 'in_progress', check_run_url: `${API}${REPO}/check-runs/600` }],
      });
    nock(API)
      .patch(`${REPO}/check-runs/600`)
      .reply(200, { id: 600 })
      .patch(`${REPO}/check-runs/600`)
      .reply(422, {});

    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(detections(70), options({ emit }));
    expect(commands.filter((c) => c.level === 'notice')).toHaveLength(1);
    expect(result).toMatchObject({ via: 'workflow-commands', moreInSummary: 60 });
    expect(result.fallbackReason).toMatch(/HTTP 422/);
  });

  it('retries a 502 and a secondary rate limit on an update', async () => {
    nock(API).get(JOBS).query(true).reply(404, { message: 'Not Found' });
    nock(API)
      .post(`${REPO}/check-runs`)
      .reply(201, { id: 9 })
      .patch(`${REPO}/check-runs/9`)
      .reply(502, 'Bad Gateway')
      .patch(`${REPO}/check-runs/9`)
      .reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '1' })
      .patch(`${REPO}/check-runs/9`)
      .reply(200, { id: 9 });

    const { emit } = commandRecorder();
    const result = await publishAnnotations(detections(11), options({ emit }));
    expect(result).toMatchObject({ via: 'checks', checkRunId: 9, sentToChecks: 11 });
  });

  it('completes its check run and falls back when the Checks API keeps failing', async () => {
    nock(API).get(JOBS).query(true).reply(404, { message: 'Not Found' });
    const completions: CheckUpdate[] = [];
    nock(API)
      .post(`${REPO}/check-runs`)
      .reply(201, { id: 10 })
      .patch(`${REPO}/check-runs/10`)
      .times(2)
      .reply(500, 'oops')
      .patch(`${REPO}/check-runs/10`, (body: CheckUpdate) => {
        completions.push(body);
        return true;
      })
      .reply(200, { id: 10 });

    const { commands, emit } = commandRecorder();
    const result = await publishAnnotations(
      detections(11),
      options({ emit, retry: { retries: 1, delayMs: 1 } }),
    );
    expect(completions).toMatchObject([{ status: 'completed', conclusion: 'failure' }]);
    expect(commands.filter((c) => c.level === 'notice')).toHaveLength(1);
    expect(result).toMatchObject({ via: 'workflow-commands', moreInSummary: 1 });
    expect(result.fallbackReason).toMatch(/^the Checks API failed: HTTP 500/);
  });
});

describe('cutSummary', () => {
  it('keeps a short summary and cuts a long one with a note, never splitting a character', () => {
    expect(cutSummary('short')).toBe('short');
    const cut = cutSummary('😀'.repeat(40_000));
    expect(cut.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    expect(cut).toMatch(/😀\n\n… cut to fit the check run/);
  });
});

describe('githubContextFromEnv', () => {
  it('reads the run from the runner environment and attaches to the PR head, not the merge commit', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gav-event-'));
    try {
      const event = path.join(dir, 'event.json');
      await writeFile(event, JSON.stringify({ pull_request: { head: { sha: 'b'.repeat(40) } } }));
      const env = {
        GITHUB_REPOSITORY: 'octo/app',
        GITHUB_SHA: 'm'.repeat(40),
        GITHUB_RUN_ID: '4242',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_JOB: 'build',
        RUNNER_NAME: 'GitHub Actions 7',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_API_URL: 'https://ghes.example/api/v3',
      };
      expect(githubContextFromEnv(env)).toEqual({
        owner: 'octo',
        repo: 'app',
        sha: 'b'.repeat(40),
        runId: 4242,
        runAttempt: 2,
        job: 'build',
        runnerName: 'GitHub Actions 7',
        serverUrl: 'https://github.com',
        apiUrl: 'https://ghes.example/api/v3',
        eventName: 'pull_request',
      });
      expect(githubContextFromEnv({ ...env, GITHUB_EVENT_PATH: path.join(dir, 'missing.json') })?.sha).toBe(
        'm'.repeat(40),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is undefined outside GitHub Actions', () => {
    expect(githubContextFromEnv({})).toBeUndefined();
  });
});
