import { coveringExclusion } from '../defender/paths.js';
import { defenderDidNotAnswer } from '../defender/status.js';
import { info, warning, type Note } from '../report/note.js';
import type { DoctorReport } from './types.js';

const STALE_SIGNATURES_MS = 7 * 24 * 3600 * 1000;

/** What doctor's facts mean for the user, as plain sentences, most important first. Pure. */
export function adviseOnDoctor(facts: Omit<DoctorReport, 'advice'>, now = new Date()): Note[] {
  const notes: Note[] = [];
  if (!facts.go.found) notes.push(warning(`Go: ${facts.go.reason}.`));
  if (!facts.signingTool.found) notes.push(warning(`Signing: ${facts.signingTool.reason}.`));
  if (facts.platform !== 'win32') {
    notes.push(
      info(
        `Defender checks and exclusions apply to Windows only; on ${facts.platform} go-av-guard runs smoke builds, signing and analysis.`,
      ),
    );
    return notes;
  }
  const defender = facts.defender;
  if (defender?.powerShellLanguageMode === 'ConstrainedLanguage') {
    notes.push(
      info(
        'This machine runs PowerShell in Constrained Language Mode (WDAC/AppLocker): Defender status, exclusions, detections and the scan work; importing a certificate into the Windows store for signtool is skipped, so sign with the in-process engine.',
      ),
    );
  }
  if (!defender || !defender.available) {
    notes.push(
      warning(
        `${defenderDidNotAnswer(defender)}: its service is stopped, another antivirus product replaced it, or this process lacks rights. ` +
          'Exclusions cannot be managed through Defender here; if CrowdStrike, Bitdefender, McAfee or another product is active, ask its administrators to exclude the Go folders listed below.',
      ),
    );
    return notes;
  }
  if (defender.amRunningMode && /passive/i.test(defender.amRunningMode)) {
    notes.push(
      info(
        `Defender runs in ${defender.amRunningMode}: another antivirus product is primary and Defender exclusions do not affect it.`,
      ),
    );
  }
  const goFolders = facts.go.found
    ? [facts.go.env.goroot, facts.go.env.gocache, facts.go.env.gomodcache].filter(Boolean)
    : [];
  const covering = goFolders.map((folder) => coveringExclusion(defender.exclusions.paths, folder));
  const allCovered = goFolders.length > 0 && covering.every(Boolean);
  const coveredBy = [...new Set(covering)].join(', ');
  if (defender.realTimeProtectionEnabled === false) {
    const cover = allCovered ? ` and ${coveredBy} ${coveredBy.includes(',') ? 'are' : 'is'} excluded` : '';
    notes.push(
      info(
        `Real-time protection is off${cover}: exclusions not needed${facts.hostedRunner ? ' (as on every GitHub-hosted Windows runner)' : ''}.`,
      ),
    );
  } else if (allCovered) {
    notes.push(
      info(
        `Real-time protection is on, and the Go folders are already excluded (${coveredBy}): exclusions not needed.`,
      ),
    );
  } else {
    notes.push(
      warning(
        'Real-time protection is on and the Go folders are not excluded: Defender can slow Go builds and quarantine go-build test binaries. ' +
          (facts.elevated === false
            ? 'Adding exclusions needs an elevated runner (this process is not elevated).'
            : 'exclusions: auto adds the Go folders and tools, and removes them in the post step.'),
      ),
    );
  }
  if (defender.isTamperProtected) {
    notes.push(
      info(
        'Tamper protection is on: a local change to exclusions can be ignored while the command still succeeds; go-av-guard reads each one back.',
      ),
    );
  }
  if (defender.preferenceError) {
    notes.push(
      warning(
        `Exclusions could not be read (${defender.preferenceError}); go-av-guard checks each one with MpCmdRun.exe -CheckExclusion instead.`,
      ),
    );
  } else if (defender.exclusions.hidden) {
    notes.push(
      info(
        'Exclusions are hidden from local administrators (HideExclusionsFromLocalAdmins); go-av-guard checks them with MpCmdRun.exe -CheckExclusion instead.',
      ),
    );
  }
  if (
    defender.signatureLastUpdated &&
    now.getTime() - Date.parse(defender.signatureLastUpdated) > STALE_SIGNATURES_MS
  ) {
    notes.push(
      info(
        `Security intelligence was last updated ${defender.signatureLastUpdated.slice(0, 10)}: older signatures miss fixes for false positives too.`,
      ),
    );
  }
  return notes;
}
