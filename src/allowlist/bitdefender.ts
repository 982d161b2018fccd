import { csvField } from './mde.js';

/**
 * Bitdefender GravityZone antimalware exclusions of type "File hash" (Policies > Antimalware >
 * Exclusions, or Configuration profiles > Exclusions; bitdefender.com/business/support/en/77209-1180477-exclusions.html:
 * "File hash: the file with the specified hash. GravityZone supports the SHA-256 hash algorithm").
 * One row per release binary: the exclusion type, the SHA-256, the scan modules it applies to and a
 * description, in the order the console's exclusion grid shows them (Type, Excluded item, Modules).
 * The column layout of the console's CSV import is not on the public page the project could read;
 * see __tests__/fixtures/allowlist/README.md.
 */

export const BITDEFENDER_COLUMNS = ['Type', 'Excluded item', 'Modules', 'Description'] as const;
/** On-access, on-execute and on-demand scanning, and Advanced Threat Control (the page's module names). */
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
