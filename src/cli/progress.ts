import type { Progress, ProgressEvent } from '../progress.js';
import type { Report } from '../report/model.js';
import { progressLine } from '../report/progress.js';
import { isPeReport } from '../pe/types.js';

export interface StderrProgressOptions {
  /** stderr is a terminal: keep one status line that updates in place instead of a line per file. */
  tty: boolean;
  workspace: string;
  columns?: number;
}

export interface CliProgress extends Progress {
  /** After the run: a line for each file the report has that no event named (a capability that does not emit yet). */
  finish: (report: Report) => void;
}

/**
 * Progress on stderr, so `--json` on stdout stays clean. Off a terminal (CI logs, pipes) every event is a
 * line; on a terminal a finished file rewrites one status line, and failures, retries and demotions are
 * kept as lines of their own so they stay on screen.
 */
export function stderrProgress(write: (text: string) => void, options: StderrProgressOptions): CliProgress {
  let done = 0;
  let failed = 0;
  let status = false;
  const named = new Set<string>();
  const emit = (event: ProgressEvent): void => {
    const line = progressLine(event, options.workspace);
    if (event.kind === 'file') {
      named.add(`${event.capability}\u0000${event.path}`);
      done++;
      if (!event.ok) failed++;
    }
    if (!options.tty) {
      write(`${line}\n`);
      return;
    }
    // \r and "erase line" rewrite the status line; the text itself was made inert by progressLine.
    if (status) write('\r\u001b[2K');
    if (event.kind !== 'file' || !event.ok) write(`${line}\n`);
    write(
      `${done} file(s) done${failed ? `, ${failed} failed` : ''}; last: ${line}`.slice(
        0,
        (options.columns ?? 100) - 1,
      ),
    );
    status = true;
  };
  const finish = (report: Report): void => {
    const file = (
      capability: 'sign' | 'analyze' | 'scan',
      path: string,
      ok: boolean,
      verdict: string,
    ): void => {
      if (!named.has(`${capability}\u0000${path}`))
        emit({ kind: 'file', capability, path, ok, verdict, durationMs: NaN });
    };
    for (const f of report.signing?.files ?? [])
      file(
        'sign',
        f.path,
        f.status !== 'failed',
        f.status === 'failed'
          ? (f.reason ?? 'unknown error')
          : f.reason
            ? `${f.status}: ${f.reason}`
            : f.status,
      );
    for (const f of report.analysis?.files ?? [])
      file('analyze', f.path, isPeReport(f), isPeReport(f) ? `${f.findings.length} finding(s)` : f.error);
    for (const f of report.scan?.files ?? [])
      file(
        'scan',
        f.path,
        f.status !== 'detected' && f.status !== 'error',
        f.threatName ? `${f.status}: ${f.threatName}` : f.status,
      );
    if (status) write('\n');
    status = false;
  };
  return Object.assign(emit, { finish });
}
