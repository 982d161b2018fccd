import type { ProgressEvent } from '../progress.js';
import { oneLine } from './inert.js';
import { annotationPath } from './paths.js';

/** " (1.2 s)", or nothing when the time was not measured. */
const took = (ms: number): string => (Number.isFinite(ms) ? ` (${seconds(ms)})` : '');
const seconds = (ms: number): string =>
  ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;

/** One line for a progress event, the same in the CLI's stderr and the action's log group. */
export function progressLine(event: ProgressEvent, workspace: string): string {
  switch (event.kind) {
    case 'file':
      return oneLine(
        `${event.capability}: ${annotationPath(event.path, workspace)}: ${event.ok ? '' : 'FAILED '}${event.verdict}${took(event.durationMs)}`,
      );
    case 'retry':
      return oneLine(
        `timestamp: ${event.server} attempt ${event.attempt} failed (${event.reason}); retrying in ${seconds(event.delayMs)}`,
      );
    case 'demoted':
      return oneLine(`timestamp: ${event.server} moved to the end of the list: ${event.reason}`);
  }
}
