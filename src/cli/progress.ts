import { progressLine } from '../report/progress.js';
import type { Progress } from '../progress.js';

export interface StderrProgressOptions {
  /** stderr is a terminal: keep one status line that updates in place instead of a line per file. */
  tty: boolean;
  workspace: string;
  columns?: number;
}

/**
 * Progress on stderr, so `--json` on stdout stays clean. Off a terminal (CI logs, pipes) every event is a
 * line; on a terminal a finished file rewrites one status line, and failures, retries and demotions are
 * kept as lines of their own so they stay on screen.
 */
export function stderrProgress(write: (text: string) => void, options: StderrProgressOptions): Progress {
  let done = 0;
  let failed = 0;
  let status = false;
  const clear = (): void => {
    if (status) write('\r\u001b[2K');
    status = false;
  };
  return (event) => {
    const line = progressLine(event, options.workspace);
    if (!options.tty) {
      write(`${line}\n`);
      return;
    }
    if (event.kind === 'file') {
      done++;
      if (!event.ok) failed++;
    }
    clear();
    if (event.kind !== 'file' || !event.ok) write(`${line}\n`);
    write(
      `${done} file(s) done${failed ? `, ${failed} failed` : ''}; last: ${line}`.slice(
        0,
        (options.columns ?? 100) - 1,
      ),
    );
    status = true;
  };
}
