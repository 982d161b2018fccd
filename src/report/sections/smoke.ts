import type { SmokeReport } from '../../smoke/types.js';
import type { Note } from '../note.js';
import { statusOf, type SectionView } from '../view.js';

const VERDICT_TEXT = {
  'av-certain': 'blocked by antivirus',
  'quarantined-likely': 'quarantined after build, most likely',
  'possibly-av': 'possibly antivirus',
  'missing-dll': 'missing DLL (not antivirus)',
  'not-av': 'not antivirus',
} as const;

const ms = (value: number | undefined): string => (value === undefined ? '' : `${value} ms`);

export function smokeView(smoke: SmokeReport): SectionView {
  const rows = smoke.variants.map((v) => [
    v.variant,
    v.status === 'skipped' ? `skipped: ${v.skipReason ?? ''}` : v.status,
    ms(v.buildMs),
    ms(v.runMs),
    v.exitCode === undefined || v.exitCode === null ? '' : String(v.exitCode),
    v.existedAfterBuild === undefined ? '' : v.existedAfterBuild ? 'yes' : 'no',
    v.diagnosis ? VERDICT_TEXT[v.diagnosis.verdict] : '',
  ]);
  const notes: Note[] = smoke.variants
    .filter((v) => v.diagnosis)
    .map((v) => ({
      level: v.status === 'failed' ? 'error' : 'warning',
      message: `${v.variant}: ${v.diagnosis?.summary ?? ''} Next: ${v.diagnosis?.nextStep ?? ''}${v.diagnosis?.evidence ? ` (evidence: ${v.diagnosis.evidence})` : ''}`,
    }));
  const lead = smoke.result === 'skipped' ? `Skipped: ${smoke.reason ?? ''}` : `Smoke build ${smoke.result}.`;
  return {
    title: 'Smoke builds',
    lead,
    status: smoke.result === 'failed' ? 'error' : smoke.result === 'skipped' ? 'skipped' : statusOf(notes),
    tables: [{ headers: ['Variant', 'Result', 'Build', 'Run', 'Exit', 'Binary kept', 'Diagnosis'], rows }],
    notes,
  };
}
