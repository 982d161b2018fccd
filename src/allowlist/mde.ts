/**
 * Microsoft Defender for Endpoint custom indicators, CSV import (Settings > Endpoints > Indicators >
 * File hashes > Import; learn.microsoft.com/defender-endpoint/indicator-manage, "Import a list of IoCs",
 * whose sample CSV has these columns). One "Allowed" FileSha256 indicator per binary: MDE file
 * indicators match the flat SHA-256 of the file.
 */

export const MDE_COLUMNS = [
  'IndicatorType',
  'IndicatorValue',
  'ExpirationTime',
  'Action',
  'Severity',
  'Title',
  'Description',
  'RecommendedActions',
  'RbacGroups',
  'Category',
  'MitreTechniques',
  'GenerateAlert',
] as const;

export interface IndicatorRow {
  sha256: string;
  name: string;
  description: string;
}

export function formatDefenderIndicators(rows: IndicatorRow[]): string {
  const lines = [MDE_COLUMNS.join(',')];
  for (const row of rows) {
    const values: Record<(typeof MDE_COLUMNS)[number], string> = {
      IndicatorType: 'FileSha256',
      IndicatorValue: row.sha256.toLowerCase(),
      ExpirationTime: '',
      Action: 'Allowed',
      Severity: 'Informational',
      Title: `Allow ${row.name}`,
      Description: row.description,
      RecommendedActions: '',
      RbacGroups: '',
      Category: '',
      MitreTechniques: '',
      GenerateAlert: 'FALSE',
    };
    lines.push(MDE_COLUMNS.map((c) => csvField(values[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** RFC 4180 quoting; a leading = + - @ is neutralised so a file name cannot become a spreadsheet formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
