import type { FleetPolicyFiles } from '../../defender/fleet.js';
import type { StampReport } from '../../stamp/types.js';
import { pathCell, type SectionView } from '../view.js';

export function stampingView(stamping: StampReport, workspace: string): SectionView {
  const counts = ['stamped', 'skipped', 'failed'].map(
    (s) => `${stamping.files.filter((f) => f.status === s).length} ${s}`,
  );
  return {
    title: 'Version resource and manifest',
    lead: `${counts.join(', ')} (stamp: ${stamping.mode}, version from ${stamping.versionSource}).`,
    tables: [
      {
        headers: ['File', 'Status', 'Written', 'File version', 'Detail'],
        rows: stamping.files.map((f) => [
          pathCell(f.path, workspace),
          f.status,
          (f.added ?? []).join(', '),
          f.fileVersion ?? '',
          f.reason ?? (f.signatureDropped ? 'its old signature was removed; this run signs it again' : ''),
        ]),
        fold: 25,
      },
    ],
    notes: stamping.notes,
  };
}

export function fleetPolicyView(fleet: FleetPolicyFiles, workspace: string): SectionView {
  return {
    title: 'Fleet exclusions for self-hosted runners',
    lead: `${fleet.paths.length} path and ${fleet.processes.length} process exclusion(s), ready to deploy once instead of per job.`,
    tables: [
      {
        headers: ['File', 'How to deploy it'],
        rows: [
          [
            pathCell(fleet.reg, workspace),
            'Group Policy registry keys (Defender Path/Process Exclusions policy): reg import, or a GPO registry preference',
          ],
          [
            pathCell(fleet.intune, workspace),
            'Intune: Devices > Configuration > Create > Templates > Custom, one OMA-URI (String) row per entry',
          ],
        ],
      },
    ],
    notes: fleet.skipped.map((s) => ({
      level: 'warning',
      message: `Not in the policy files: ${s.value}: ${s.reason}`,
    })),
  };
}
