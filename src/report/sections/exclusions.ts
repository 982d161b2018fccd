import type { ExclusionsReport } from '../../defender/types.js';
import { codeCell, statusOf, type SectionView } from '../view.js';

const ACTION_TEXT = { add: 'to add', present: 'already there', covered: 'covered' } as const;

export function exclusionsView(ex: ExclusionsReport): SectionView {
  const added = new Set(ex.added.map((a) => `${a.kind}\u0000${a.value.toLowerCase()}`));
  const failed = new Map(ex.notApplied.map((n) => [`${n.kind}\u0000${n.value.toLowerCase()}`, n.reason]));
  const rows = ex.planned.map((p) => {
    const key = `${p.kind}\u0000${p.value.toLowerCase()}`;
    let state: string = ACTION_TEXT[p.action];
    if (p.action === 'covered' && p.coveredBy) state = `covered by ${p.coveredBy}`;
    if (added.has(key)) state = 'added and verified';
    if (failed.has(key)) state = `not applied: ${failed.get(key)}`;
    if (p.action === 'add' && ex.dryRun) state = 'would add (dry run)';
    return [p.kind, codeCell(p.value), p.reason, state];
  });
  const tables = [{ headers: ['Kind', 'Entry', 'Why', 'State'], rows, fold: 20 }];
  if (ex.restore) {
    tables.push({
      headers: ['Restored', 'Entry', 'Why', 'State'],
      rows: [
        ...ex.restore.removed.map((r) => ['removed', codeCell(r.value), r.reason, 'removed']),
        ...ex.restore.failed.map((r) => ['not removed', codeCell(r.value), r.reason, r.reason]),
      ],
      fold: 20,
    });
  }
  const lead = ex.skipped
    ? `Nothing to change: ${ex.skipped}`
    : ex.dryRun
      ? `Dry run: ${ex.planned.filter((p) => p.action === 'add').length} exclusion(s) would be added.`
      : `${ex.added.length} exclusion(s) added and verified, ${ex.notApplied.length} not applied.`;
  const gotmp = ex.gotmpdir
    ? [
        {
          level: 'info' as const,
          message: `GOTMPDIR points at ${ex.gotmpdir} for the later steps of this job.`,
        },
      ]
    : [];
  const notes = [...ex.notes, ...gotmp];
  const status = ex.failure
    ? 'error'
    : ex.notApplied.length > 0
      ? 'warning'
      : ex.skipped
        ? 'skipped'
        : statusOf(notes);
  return { title: 'Defender exclusions', lead, status, tables, notes };
}
