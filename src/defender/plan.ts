import path from 'node:path';
import type { ExclusionsConfig, TriState } from '../config.js';
import { defenderDidNotAnswer } from './status.js';
import type { DefenderExclusions, DefenderStatus, GoEnv } from '../doctor/types.js';
import { info, warning, type Note } from '../report/note.js';
import { normalizeWindowsPath, windowsPathCovers } from './paths.js';
import type { PlannedExclusion, WantedExclusion } from './types.js';

const win = path.win32;

/** The Go tools that compile and link: each runs from GOROOT\pkg\tool\<GOHOSTOS>_<GOHOSTARCH>\. */
export const GO_TOOLS = ['compile', 'link', 'asm', 'cgo', 'vet', 'buildid', 'pack'] as const;

export interface ExclusionContext {
  workspace: string;
  /** A dedicated folder under RUNNER_TEMP, exported as GOTMPDIR for later steps. */
  goTmpDir: string;
  /** This job's runner process (outlives main and post); default: this process's parent. */
  runnerPid?: number;
}

/** Only absolute Windows paths are wanted: Defender resolves variables as SYSTEM and relative paths not at all. */
function isAbsoluteWindowsPath(value: string): boolean {
  return /^[a-z]:[\\/]/i.test(value) || /^\\\\[^\\]+\\[^\\]+/.test(value);
}

/** The exclusions this job wants: the Go folders and tools from `go env`, the work dirs, and the user's extras. */
export function wantedExclusions(
  go: GoEnv | undefined,
  config: Pick<ExclusionsConfig, 'extraPaths' | 'extraProcesses'>,
  ctx: ExclusionContext,
): WantedExclusion[] {
  const wanted: WantedExclusion[] = [];
  const add = (kind: WantedExclusion['kind'], value: string, reason: string): void => {
    if (!value || !isAbsoluteWindowsPath(value)) return;
    const clean = win.normalize(value).replace(/(?<=[^:\\])\\+$/, '');
    if (wanted.some((w) => w.kind === kind && normalizeWindowsPath(w.value) === normalizeWindowsPath(clean)))
      return;
    wanted.push({ kind, value: clean, reason });
  };
  if (go) {
    add('path', go.goroot, 'GOROOT: the Go toolchain');
    for (const entry of go.gopath.split(';').filter(Boolean))
      add('path', win.join(entry, 'bin'), 'GOPATH\\bin: installed Go programs');
    add('path', go.gomodcache, 'GOMODCACHE: downloaded modules');
    add('path', go.gocache, 'GOCACHE: the build cache');
    if (go.gotmpdir) add('path', go.gotmpdir, 'GOTMPDIR: where go build and go test write their binaries');
  }
  add('path', ctx.goTmpDir, 'the Go build temp dir (GOTMPDIR for later steps)');
  add('path', ctx.workspace, 'the workspace');
  for (const extra of config.extraPaths) add('path', extra, 'exclusion-paths');
  if (go) {
    add('process', win.join(go.goroot, 'bin', 'go.exe'), 'the go command');
    const toolDir = win.join(
      go.goroot,
      'pkg',
      'tool',
      `${go.gohostos || go.goos}_${go.gohostarch || go.goarch}`,
    );
    for (const tool of GO_TOOLS) add('process', win.join(toolDir, `${tool}.exe`), `the Go ${tool} tool`);
  }
  for (const extra of config.extraProcesses) {
    // A bare name ("myapp.exe") is a valid Defender process exclusion: it matches that name anywhere.
    if (isAbsoluteWindowsPath(extra)) add('process', extra, 'exclusion-processes');
    else if (
      extra &&
      !wanted.some((w) => w.kind === 'process' && w.value.toLowerCase() === extra.toLowerCase())
    )
      wanted.push({ kind: 'process', value: extra, reason: 'exclusion-processes' });
  }
  return wanted;
}

/** A Defender wildcard entry (`*` one path level or part of a name, `?` one character) as a regex. */
function wildcardRegex(pattern: string, withChildren: boolean): RegExp {
  const escaped = normalizeWindowsPath(pattern)
    .split('')
    .map((c) => (c === '*' ? '[^\\\\]*' : c === '?' ? '[^\\\\]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}${withChildren ? '(?:\\\\.*)?' : ''}$`);
}

/** Does an existing path exclusion cover `target`? Handles parents, case, separators and wildcards. */
export function pathExclusionCovers(existing: string, target: string): boolean {
  if (/[*?]/.test(existing)) return wildcardRegex(existing, true).test(normalizeWindowsPath(target));
  return windowsPathCovers(existing, target);
}

/** Does an existing process exclusion cover `target`? A bare name matches that name in any folder. */
export function processExclusionCovers(existing: string, target: string): boolean {
  const e = normalizeWindowsPath(existing);
  const t = normalizeWindowsPath(target);
  if (/[*?]/.test(e)) return wildcardRegex(existing, false).test(t);
  if (!e.includes('\\')) return win.basename(t) === e;
  return e === t;
}

export interface ExclusionPlan {
  planned: PlannedExclusion[];
  /** Why nothing will be added (RTP off in auto mode, not elevated, Defender off, mode false). */
  skipped?: string;
  /** Set in mode 'true' when the plan cannot be carried out; the step fails with this message. */
  failure?: string;
  /** Missing entries that will deliberately not be added, with why (see hidden process exclusions). */
  held: Array<WantedExclusion & { reason: string }>;
  notes: Note[];
}

const HIDDEN_PROCESS_REASON =
  'exclusions are hidden from local administrators, so go-av-guard cannot tell whether this process exclusion already exists; ' +
  'it is not added, so that the post step can never remove one that was there before (the path exclusions still apply)';

/**
 * Compares what the job wants with what Defender has. Pure. An entry already present (case, separators and
 * trailing backslashes aside) or covered by a parent or wildcard exclusion is left alone; only the rest is
 * added. When the lists are hidden, paths are checked with MpCmdRun -CheckExclusion at apply time.
 */
export function planExclusions(
  wanted: readonly WantedExclusion[],
  current: DefenderExclusions,
  status: DefenderStatus | undefined,
  mode: TriState,
  elevated: boolean | undefined,
): ExclusionPlan {
  const notes: Note[] = [];
  const held: ExclusionPlan['held'] = [];
  if (mode === 'false') return { planned: [], skipped: 'exclusions is false', held, notes };

  const planned: PlannedExclusion[] = wanted.map((w) => {
    const list = w.kind === 'path' ? current.paths : current.processes;
    const covers = w.kind === 'path' ? pathExclusionCovers : processExclusionCovers;
    const same = list.find((e) => normalizeWindowsPath(e) === normalizeWindowsPath(w.value));
    if (same) return { ...w, action: 'present' };
    const parent = list.find((e) => covers(e, w.value));
    if (parent) return { ...w, action: 'covered', coveredBy: parent };
    return { ...w, action: 'add' };
  });
  // A wanted folder inside another wanted folder needs no entry of its own.
  for (const p of planned) {
    if (p.kind !== 'path' || p.action !== 'add') continue;
    const parent = planned.find(
      (q) => q !== p && q.kind === 'path' && q.action === 'add' && windowsPathCovers(q.value, p.value),
    );
    if (parent) Object.assign(p, { action: 'covered', coveredBy: parent.value });
  }

  const toAdd = planned.filter((p) => p.action === 'add');
  const blocker = cannotChange(status, elevated);
  const skip = (reason: string, note: Note, failure?: string): ExclusionPlan => ({
    planned,
    skipped: reason,
    held,
    notes: [...notes, note],
    ...(failure ? { failure } : {}),
  });

  if (toAdd.length === 0) {
    notes.push(
      info('Defender exclusions: everything the Go build needs is already excluded; nothing to add.'),
    );
    return { planned, held, notes };
  }
  if (blocker) {
    const message = `Defender exclusions cannot be added: ${blocker}.`;
    return mode === 'true'
      ? skip(blocker, { level: 'error', message }, `exclusions: true, but ${blocker}`)
      : skip(blocker, warning(`${message} Continuing without them (exclusions: auto).`));
  }
  if (mode === 'auto' && status?.realTimeProtectionEnabled === false) {
    const reason = 'real-time protection is off, so exclusions would change nothing for the build';
    return skip(
      reason,
      info(`Defender exclusions not added: ${reason} (set exclusions: true to add them anyway).`),
    );
  }
  if (mode === 'auto' && status?.amRunningMode && /passive|not running/i.test(status.amRunningMode)) {
    const reason = `Defender runs in ${status.amRunningMode}: another antivirus product is primary and Defender exclusions do not affect it`;
    return skip(reason, info(`Defender exclusions not added: ${reason}.`));
  }
  if (current.hidden) {
    notes.push(
      info(
        'Exclusions are hidden from local administrators: each path is checked with MpCmdRun.exe -CheckExclusion before and after it is added.',
      ),
    );
    for (const p of toAdd.filter((e) => e.kind === 'process'))
      held.push({ kind: p.kind, value: p.value, reason: HIDDEN_PROCESS_REASON });
  }
  if (status?.isTamperProtected) {
    notes.push(
      info(
        'Tamper protection is on: it can ignore a change and still report success, so each exclusion is read back.',
      ),
    );
  }
  return { planned, held, notes };
}

/** Why this machine's Defender settings cannot be changed by this process, if they cannot. */
function cannotChange(status: DefenderStatus | undefined, elevated: boolean | undefined): string | undefined {
  if (!status || !status.available) {
    return `${defenderDidNotAnswer(status)}: its service is stopped or another antivirus product replaced it`;
  }
  if (elevated === false) return 'this process is not elevated (run the job as an administrator)';
  return undefined;
}
