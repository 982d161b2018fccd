import type { SmokeVariant } from '../config.js';

export type Verdict = 'av-certain' | 'quarantined-likely' | 'possibly-av' | 'missing-dll' | 'not-av';

export interface Diagnosis {
  verdict: Verdict;
  /** One sentence: what happened. */
  summary: string;
  /** One sentence: what to do next. */
  nextStep: string;
  /** The error text or code the verdict rests on. */
  evidence?: string;
  /** Threat names of detections in the same window that touch this variant's files. */
  detections?: string[];
}

export interface SmokeVariantResult {
  variant: SmokeVariant;
  status: 'passed' | 'failed' | 'skipped';
  skipReason?: string;
  buildMs?: number;
  runMs?: number;
  exitCode?: number | null;
  outputSeen: boolean;
  /** Did the built file still exist right after the build (AV quarantines on write)? */
  existedAfterBuild?: boolean;
  binary?: string;
  diagnosis?: Diagnosis;
  /** The last lines of build/run output, for the report. */
  output?: string;
}

export interface SmokeReport {
  result: 'passed' | 'failed' | 'skipped';
  reason?: string;
  workDir?: string;
  variants: SmokeVariantResult[];
}
