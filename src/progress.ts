/**
 * Progress of long work (signing, analysis, scans), as events a renderer turns into lines: stderr in the
 * CLI (an updating status line on a TTY), the log group in the action. Capabilities emit, never print.
 */
export type ProgressEvent =
  | {
      kind: 'file';
      capability: 'sign' | 'analyze' | 'scan' | 'stamp' | 'verify';
      path: string;
      ok: boolean;
      /** A few words: "signed and verified", "skipped: already signed", "failed: timestamp". */
      verdict: string;
      durationMs: number;
    }
  | { kind: 'retry'; server: string; attempt: number; reason: string; delayMs: number }
  | { kind: 'demoted'; server: string; reason: string };

export type Progress = (event: ProgressEvent) => void;

export const noProgress: Progress = () => undefined;
