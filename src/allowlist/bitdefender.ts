import { csvField } from './mde.js';

/**
 * Bitdefender GravityZone antimalware exclusions of type "File hash" (Policies > Antimalware >
 * Exclusions, or Configuration profiles > Exclusions; bitdefender.com/business/support/en/77209-1180477-exclusions.html:
 * "File hash: the file with the specified hash. GravityZone supports the SHA-256 hash algorithm").
 * One row per release binary: the exclusion type, the SHA-256, the scan modules it applies to and a
 * description. This column layout is ours, built from the fields that page documents: no public Bitdefender
 * document the project found gives an import file or an API request for antimalware exclusions (the
 * documented CSV import and addToBlocklist are for the Blocklist, which blocks; createCustomRule exclusions
 * only stop EDR incidents). An administrator adds each SHA-256 as a "File hash" exclusion in the console;
 * see __tests__/fixtures/allowlist/README.md.
 */

export const BITDEFENDER_COLUMNS = ['Type', 'Excluded item', 'Modules', 'Description'] as const;
/**
 * Short forms of the scanning methods the page lists for in-policy exclusions (on-access, on-execute and
 * on-demand scanning, Advanced Threat Control); the page also lists Ransomware Mitigation, not included here.
 */
export const BITDEFENDER_MODULES = ['On-access', 'On-execute', 'On-demand', 'ATC/IDS'] as const;

export interface BitdefenderRow {
  sha256: string;
  description: string;
}

export function formatBitdefenderExclusions(rows: readonly BitdefenderRow[]): string {
  const lines = [BITDEFENDER_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      ['File hash', row.sha256.toLowerCase(), BITDEFENDER_MODULES.join('|'), row.description]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
