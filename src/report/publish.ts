import * as core from '@actions/core';
import type { AnnotationProperties } from '@actions/core';
import type { TriState } from '../config.js';
import type { Annotation, AnnotationLevel } from './annotation.js';
import {
  defaultOctokit,
  describeError,
  httpStatus,
  withRetry,
  type GitHubClient,
  type GitHubContext,
  type OctokitFactory,
  type RetryOptions,
} from './github.js';

/** The runner shows at most this many annotations of each level per step; the rest are dropped silently. */
export const RUNNER_LIMIT_PER_LEVEL = 10;
/** The Checks API takes at most 50 annotations per request. */
export const CHECKS_BATCH_SIZE = 50;
/** A check run's output summary holds at most 65,535 characters. */
export const CHECK_SUMMARY_LIMIT = 65_535;
export const CHECK_RUN_NAME = 'go-av-guard';

/** Writes one workflow-command annotation; the default goes through @actions/core, which escapes it. */
export type EmitAnnotation = (
  level: AnnotationLevel,
  message: string,
  properties: AnnotationProperties,
) => void;

export const emitWithCore: EmitAnnotation = (level, message, properties) => core[level](message, properties);

export interface PublishOptions {
  checks: TriState;
  token?: string;
  /** Check run output title. */
  title: string;
  /** Check run output summary (Markdown); cut to 65,535 characters here. */
  summary: string;
  /** Set on a check run this step creates; never on the job's own check run (the job sets that). */
  conclusion: 'success' | 'failure' | 'neutral';
  /** Undefined outside GitHub Actions: workflow commands only. */
  github?: GitHubContext;
  emit?: EmitAnnotation;
  octokit?: OctokitFactory;
  retry?: RetryOptions;
}

export interface PublishResult {
  via: 'checks' | 'workflow-commands';
  checkRunId?: number;
  /** True when the annotations went to this job's own check run rather than one this step created. */
  ownJobCheckRun?: boolean;
  /** Annotations written as workflow commands (the fallback notice not counted). */
  commandsEmitted: number;
  sentToChecks: number;
  /** Why the Checks API was not used, or failed, when annotations were left beyond the runner's limit. */
  fallbackReason?: string;
  /** How many annotations the fallback notice pointed to the job summary for. */
  moreInSummary?: number;
}

/**
 * Shows annotations where the user looks: the first 10 of each level as workflow commands, and, when more
 * remain and a token may write checks, all of them on a check run. Never throws: publishing trouble must
 * not hide the report itself, so it comes back as `fallbackReason`.
 */
export async function publishAnnotations(
  annotations: Annotation[],
  options: PublishOptions,
): Promise<PublishResult> {
  const emit = options.emit ?? emitWithCore;
  const shown = firstOfEachLevel(annotations, RUNNER_LIMIT_PER_LEVEL);
  for (const annotation of shown) emit(annotation.level, annotation.message, commandProperties(annotation));
  const result: PublishResult = { via: 'workflow-commands', commandsEmitted: shown.length, sentToChecks: 0 };
  const remaining = annotations.length - shown.length;
  if (remaining === 0) return result;

  const unavailable = checksUnavailable(options);
  if (unavailable) return fallBack(result, unavailable, remaining, emit);
  try {
    const sent = await sendToChecks(annotations, new Set(shown), options);
    return { ...result, via: 'checks', ...sent };
  } catch (error) {
    return fallBack(result, checksFailure(error, options.token), remaining, emit);
  }
}

/** Keeps the caller's order (most important first) and takes the first `limit` of each level. */
export function firstOfEachLevel(annotations: Annotation[], limit: number): Annotation[] {
  const counts: Record<AnnotationLevel, number> = { error: 0, warning: 0, notice: 0 };
  return annotations.filter((a) => ++counts[a.level] <= limit);
}

function commandProperties(annotation: Annotation): AnnotationProperties {
  const properties: AnnotationProperties = { title: annotation.title };
  if (annotation.file) properties.file = annotation.file;
  if (annotation.startLine !== undefined) properties.startLine = annotation.startLine;
  if (annotation.endLine !== undefined) properties.endLine = annotation.endLine;
  return properties;
}

function checksUnavailable(options: PublishOptions): string | undefined {
  if (options.checks === 'false') return 'checks is false';
  if (!options.token) {
    return options.checks === 'true' ? 'checks is true but no github-token was given' : 'no github-token';
  }
  if (!options.github) return 'not running in GitHub Actions (no GITHUB_REPOSITORY/GITHUB_SHA)';
  return undefined;
}

function checksFailure(error: unknown, token: string | undefined): string {
  if (httpStatus(error) === 403) {
    return 'the token may not write checks (HTTP 403; a pull request from a fork gets a read-only token); grant `permissions: checks: write`';
  }
  return `the Checks API failed: ${describeError(error, token)}`;
}

function fallBack(result: PublishResult, reason: string, more: number, emit: EmitAnnotation): PublishResult {
  emit(
    'notice',
    `${more} more ${more === 1 ? 'annotation is' : 'annotations are'} in the job summary (${reason}).`,
    {
      title: `go-av-guard: ${more} more ${more === 1 ? 'annotation' : 'annotations'}`,
    },
  );
  return { ...result, via: 'workflow-commands', fallbackReason: reason, moreInSummary: more };
}

interface ChecksSent {
  checkRunId: number;
  ownJobCheckRun: boolean;
  sentToChecks: number;
}

async function sendToChecks(
  annotations: Annotation[],
  shown: Set<Annotation>,
  options: PublishOptions,
): Promise<ChecksSent> {
  const github = options.github as GitHubContext;
  const octokit = (options.octokit ?? defaultOctokit)(options.token as string, github.apiUrl);
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, options.retry);
  const output = { title: options.title, summary: cutSummary(options.summary) };

  const own = await findOwnJobCheckRun(octokit, github, options.retry);
  if (own !== undefined) {
    // The commands above already landed on this check run: send only the ones the runner did not show.
    const rest = annotations.filter((a) => !shown.has(a));
    let sent = 0;
    try {
      for (const batch of batches(rest.map(toCheckAnnotation), CHECKS_BATCH_SIZE)) {
        await retry(() =>
          octokit.rest.checks.update({
            ...repoOf(github),
            check_run_id: own,
            output: { ...output, annotations: batch },
          }),
        );
        sent += batch.length;
      }
      return { checkRunId: own, ownJobCheckRun: true, sentToChecks: rest.length };
    } catch (error) {
      // A 403 will not get better on a run of our own, and once some landed here a second run would repeat them;
      // otherwise (e.g. the job's run was not updatable) a run of our own may still work.
      if (httpStatus(error) === 403 || sent > 0) throw error;
    }
  }

  const created = await retry(() =>
    octokit.rest.checks.create({
      ...repoOf(github),
      name: CHECK_RUN_NAME,
      head_sha: github.sha,
      status: 'in_progress',
    }),
  );
  const checkRunId = created.data.id;
  const all = batches(annotations.map(toCheckAnnotation), CHECKS_BATCH_SIZE);
  try {
    for (const [i, batch] of all.entries()) {
      const last = i === all.length - 1;
      await retry(() =>
        octokit.rest.checks.update({
          ...repoOf(github),
          check_run_id: checkRunId,
          output: { ...output, annotations: batch },
          ...(last
            ? {
                status: 'completed' as const,
                conclusion: options.conclusion,
                completed_at: new Date().toISOString(),
              }
            : {}),
        }),
      );
    }
  } catch (error) {
    // Do not leave our check run spinning forever; the annotations still reach the user through the summary.
    await octokit.rest.checks
      .update({
        ...repoOf(github),
        check_run_id: checkRunId,
        status: 'completed',
        conclusion: options.conclusion,
        output,
      })
      .catch(() => undefined);
    throw error;
  }
  return { checkRunId, ownJobCheckRun: false, sentToChecks: annotations.length };
}

function repoOf(github: GitHubContext): { owner: string; repo: string } {
  return { owner: github.owner, repo: github.repo };
}

interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

function toCheckAnnotation(annotation: Annotation): CheckAnnotation {
  const start = annotation.startLine ?? 1;
  return {
    // The API wants a path; `.github` is where the runner itself files annotations that have none.
    path: annotation.file ?? '.github',
    start_line: start,
    end_line: Math.max(annotation.endLine ?? start, start),
    annotation_level: annotation.level === 'error' ? 'failure' : annotation.level,
    title: annotation.title,
    message: annotation.message,
  };
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Cuts a summary to the check run limit, with a note saying where the rest is. */
export function cutSummary(summary: string, limit = CHECK_SUMMARY_LIMIT): string {
  if (summary.length <= limit) return summary;
  const note = '\n\n… cut to fit the check run; the full report is in the job summary.';
  let end = limit - note.length;
  // Never split a surrogate pair: half a character is not valid text.
  const code = summary.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return summary.slice(0, end) + note;
}

interface WorkflowJob {
  name: string;
  status: string;
  runner_name?: string | null;
  check_run_url?: string;
}

/**
 * This job's own check run, so annotations show under the job that found them instead of under whichever
 * workflow GitHub files a new check run in. Undefined when it cannot be told apart (no `actions: read`, a
 * matrix with no runner name, not in a run).
 */
export async function findOwnJobCheckRun(
  octokit: GitHubClient,
  github: GitHubContext,
  retry?: RetryOptions,
): Promise<number | undefined> {
  if (!github.runId) return undefined;
  let jobs: WorkflowJob[];
  try {
    jobs = await withRetry(
      () =>
        octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
          ...repoOf(github),
          run_id: github.runId,
          attempt_number: github.runAttempt,
          per_page: 100,
        }),
      retry,
    );
  } catch {
    return undefined;
  }
  const job = pickOwnJob(jobs, github);
  const id = Number(job?.check_run_url?.split('/').pop());
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

export function pickOwnJob(jobs: WorkflowJob[], github: GitHubContext): WorkflowJob | undefined {
  const running = jobs.filter((j) => j.status === 'in_progress');
  const only = (list: WorkflowJob[]): WorkflowJob | undefined => (list.length === 1 ? list[0] : undefined);
  if (github.runnerName) {
    const byRunner = only(running.filter((j) => j.runner_name === github.runnerName));
    if (byRunner) return byRunner;
  }
  // GITHUB_JOB is the job's key; its display name is the key, or "key (matrix values)" for matrix jobs.
  const byName = only(running.filter((j) => j.name === github.job || j.name.startsWith(`${github.job} (`)));
  return byName ?? only(running);
}
