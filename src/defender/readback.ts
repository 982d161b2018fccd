import { randomUUID } from 'node:crypto';
import { asString, asStrings } from '../platform/psjson.js';
import { readJsonState, writeJsonState, type StateStore } from '../platform/state.js';
import { normalizeWindowsPath } from './paths.js';
import { errorInfo, HIDDEN_MARKER } from './status.js';
import type { WantedExclusion } from './types.js';

/** State key under which the main step records exactly the exclusions it added and verified. */
export const EXCLUSIONS_STATE_KEY = 'go-av-guard-defender-exclusions-added';

export function recordedExclusions(state: StateStore): WantedExclusion[] {
  const raw = readJsonState<unknown>(state, EXCLUSIONS_STATE_KEY, []);
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is WantedExclusion =>
      !!e &&
      typeof e === 'object' &&
      (e.kind === 'path' || e.kind === 'process') &&
      typeof e.value === 'string' &&
      e.value !== '',
  );
}

export function recordExclusions(state: StateStore, entries: readonly WantedExclusion[]): void {
  writeJsonState(
    state,
    EXCLUSIONS_STATE_KEY,
    entries.map((e) => ({ kind: e.kind, value: e.value, reason: e.reason })),
  );
}

/** State key: who this job is in the machine-wide exclusion record (job id, runner process id). */
export const EXCLUSIONS_OWNER_STATE_KEY = 'go-av-guard-exclusions-owner';

/** This job in the machine-wide record: a job id and the process that lives as long as the job. */
export interface ExclusionOwner {
  job: string;
  pid: number;
}

/**
 * The owner recorded by the main step, or a new one: the workflow run, attempt and job plus a random
 * part (two matrix legs share a job name), and the runner process (this process's parent, which
 * outlives both steps of the action; for the CLI, the shell that started it).
 */
export function exclusionOwner(state: StateStore, env: NodeJS.ProcessEnv, runnerPid: number): ExclusionOwner {
  const saved = readJsonState<Partial<ExclusionOwner>>(state, EXCLUSIONS_OWNER_STATE_KEY, {});
  if (typeof saved.job === 'string' && saved.job !== '' && typeof saved.pid === 'number') {
    return { job: saved.job, pid: saved.pid };
  }
  const run = [env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter(Boolean).join('-');
  const owner = { job: `${run || 'local'}-${randomUUID().slice(0, 8)}`, pid: runnerPid };
  writeJsonState(state, EXCLUSIONS_OWNER_STATE_KEY, owner);
  return owner;
}

/** The exclusion lists Get-MpPreference gave back after a change, or why they are unknown. */
export interface ReadBack {
  paths: string[];
  processes: string[];
  /** The lists answered "N/A: Must be an administrator to view exclusions". */
  hidden: boolean;
  error?: string;
}

export function parseReadBack(data: Record<string, unknown>): ReadBack {
  const paths = asStrings(data.ExclusionPath);
  const processes = asStrings(data.ExclusionProcess);
  const hidden = [...paths, ...processes].some((v) => HIDDEN_MARKER.test(v));
  const error = errorInfo(data.PreferenceError);
  return {
    paths: paths.filter((v) => !HIDDEN_MARKER.test(v)),
    processes: processes.filter((v) => !HIDDEN_MARKER.test(v)),
    hidden,
    ...(error ? { error: error.message } : {}),
  };
}

export function readBackHas(readBack: ReadBack, entry: Pick<WantedExclusion, 'kind' | 'value'>): boolean {
  const list = entry.kind === 'path' ? readBack.paths : readBack.processes;
  return list.some((v) => normalizeWindowsPath(v) === normalizeWindowsPath(entry.value));
}

/** The script's result row for one entry (the scripts echo Kind and Value back). */
export function resultFor(
  results: ReadonlyArray<Record<string, unknown>>,
  entry: Pick<WantedExclusion, 'kind' | 'value'>,
): Record<string, unknown> | undefined {
  return results.find((r) => asString(r.Kind) === entry.kind && asString(r.Value) === entry.value);
}

/** One caught cmdlet error as a sentence, with what an HRESULT we know of means. */
export function describeDefenderError(raw: unknown): string | undefined {
  const info = errorInfo(raw);
  if (!info) return undefined;
  if (info.code === '0x800106ba') {
    return `${info.message} (0x800106ba: the Defender service is not running, another antivirus product replaced it, or this process is not elevated)`;
  }
  return info.code && !info.message.toLowerCase().includes(info.code)
    ? `${info.message} (${info.code})`
    : info.message;
}

/** MpCmdRun -CheckExclusion's answer: true "is excluded", false "is not excluded", undefined unknown. */
export function parseCheckExclusion(raw: unknown): boolean | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const output = String((raw as Record<string, unknown>).Output ?? '');
  if (/\bis not excluded\b/i.test(output)) return false;
  if (/\bis excluded\b/i.test(output)) return true;
  return undefined;
}
