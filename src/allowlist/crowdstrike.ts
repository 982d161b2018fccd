import { csvField } from './mde.js';

/**
 * CrowdStrike Falcon custom IOCs (IOC management): one `sha256` indicator per release binary with the
 * action `allow`, platform `windows`. The columns are the indicator fields of the Falcon IOC API
 * (`POST /iocs/entities/indicators/v1`: type, value, action, platforms, severity, description, filename
 * via metadata, applied_globally), as documented for PSFalcon's New-FalconIoc
 * (github.com/CrowdStrike/psfalcon/wiki/New-FalconIoc: action allow|detect|no_action|prevent|prevent_no_ui,
 * platform windows|mac|linux|...). The Falcon console's own import template is behind the support portal;
 * these are the API's public field names (see __tests__/fixtures/allowlist/README.md).
 * Severity is only meaningful for detect/prevent, so an allow indicator leaves it empty.
 */

export const CROWDSTRIKE_COLUMNS = [
  'type',
  'value',
  'action',
  'platforms',
  'severity',
  'description',
  'filename',
  'applied_globally',
] as const;

export const CROWDSTRIKE_ACTIONS = ['allow', 'no_action'] as const;

export interface CrowdStrikeRow {
  sha256: string;
  name: string;
  description: string;
}

export function formatCrowdStrikeIocs(
  rows: readonly CrowdStrikeRow[],
  action: (typeof CROWDSTRIKE_ACTIONS)[number] = 'allow',
): string {
  const lines = [CROWDSTRIKE_COLUMNS.join(',')];
  for (const row of rows) {
    const values: Record<(typeof CROWDSTRIKE_COLUMNS)[number], string> = {
      type: 'sha256',
      value: row.sha256.toLowerCase(),
      action,
      platforms: 'windows',
      severity: '',
      description: row.description,
      filename: row.name,
      applied_globally: 'true',
    };
    lines.push(CROWDSTRIKE_COLUMNS.map((c) => csvField(values[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
