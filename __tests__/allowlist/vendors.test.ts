import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BITDEFENDER_COLUMNS, formatBitdefenderExclusions } from '../../src/allowlist/bitdefender.js';
import { CROWDSTRIKE_COLUMNS, formatCrowdStrikeIocs } from '../../src/allowlist/crowdstrike.js';
import { falsePositiveChecklist, MICROSOFT_SUBMISSION_URL } from '../../src/allowlist/falsepositive.js';
import { writeAllowlist } from '../../src/allowlist/index.js';
import { analyzeFiles, isPeError } from '../../src/pe/index.js';
import type { PeReport } from '../../src/pe/types.js';
import { newReport } from '../../src/report/model.js';
import { renderText } from '../../src/cli.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { describeWithTool } from '../helpers/tools.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'allowlist');

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks; records end with CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) field += c;
    else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

const rows = [
  {
    sha256: 'AB'.repeat(32),
    name: 'tool.exe',
    description: 'Release binary tool.exe (Tool 1.2.3), SHA-256 abab...',
  },
  { sha256: 'cd'.repeat(32), name: '=evil, "quoted".exe', description: 'line one\r\nline two, with comma' },
];

describe('CrowdStrike Falcon custom IOC CSV', () => {
  const example = parseCsv(readFileSync(path.join(FIXTURES, 'crowdstrike-ioc-example.csv'), 'utf8'));

  it('has the documented example header and columns, one allow/windows sha256 row per binary', () => {
    const ours = parseCsv(formatCrowdStrikeIocs(rows));
    expect(ours[0]).toEqual(example[0]);
    expect(ours[0]).toEqual([...CROWDSTRIKE_COLUMNS]);
    expect(ours).toHaveLength(3);
    for (const row of ours.slice(1)) expect(row).toHaveLength((example[0] as string[]).length);
    const record = (r: string[]) => Object.fromEntries((ours[0] as string[]).map((h, i) => [h, r[i]]));
    expect(record(ours[1] as string[])).toEqual({
      type: 'sha256',
      value: 'ab'.repeat(32),
      action: 'allow',
      platforms: 'windows',
      severity: '',
      description: rows[0]?.description,
      filename: 'tool.exe',
      applied_globally: 'true',
    });
    // Untrusted names survive quoting and cannot start a spreadsheet formula.
    expect(record(ours[2] as string[])).toMatchObject({
      filename: `'=evil, "quoted".exe`,
      description: 'line one\r\nline two, with comma',
    });
    // The documentation's example row reads the same way: same types of values in the same columns.
    const documented = record(example[1] as string[]);
    expect(documented.type).toBe('sha256');
    expect(documented.value).toMatch(/^[0-9a-f]{64}$/);
    expect(['allow', 'detect', 'no_action', 'prevent', 'prevent_no_ui']).toContain(documented.action);
  });

  it('can say no_action instead of allow', () => {
    expect(parseCsv(formatCrowdStrikeIocs(rows.slice(0, 1), 'no_action'))[1]?.[2]).toBe('no_action');
  });
});

// The fixture is our own layout of documented fields, not a vendor sample: see fixtures/allowlist/README.md.
describe('Bitdefender GravityZone file-hash exclusions', () => {
  it('matches the example layout: header, File hash type, lower-case SHA-256, all scan modules', () => {
    const example = parseCsv(readFileSync(path.join(FIXTURES, 'bitdefender-exclusions-example.csv'), 'utf8'));
    const ours = parseCsv(formatBitdefenderExclusions(rows));
    expect(ours[0]).toEqual(example[0]);
    expect(ours[0]).toEqual([...BITDEFENDER_COLUMNS]);
    expect(ours[1]).toEqual(['File hash', 'ab'.repeat(32), example[1]?.[2], rows[0]?.description]);
    expect(ours[2]?.[3]).toBe('line one\r\nline two, with comma');
  });
});

describe('Microsoft false-positive submission checklist', () => {
  it('names the submission page, each hash and signer, and asks to sign unsigned files first', () => {
    const list = falsePositiveChecklist([
      { name: 'a.exe', sha256: '1'.repeat(64), signer: 'CN=ACME' },
      { name: 'b.exe', sha256: '2'.repeat(64) },
    ]);
    expect(list.url).toBe('https://www.microsoft.com/en-us/wdsi/filesubmission');
    expect(list.files.map((f) => f.signer)).toEqual(['CN=ACME', undefined]);
    expect(list.steps[0]).toContain(MICROSOFT_SUBMISSION_URL);
    expect(list.steps.join('\n')).toMatch(/1 file\(s\) are unsigned: sign them first/);
    const allSigned = falsePositiveChecklist([{ name: 'a.exe', sha256: '1'.repeat(64), signer: 'CN=ACME' }]);
    expect(allSigned.steps.join('\n')).not.toMatch(/unsigned/);
  });
});

describeWithTool(['go'], 'allowlisting files for the other vendors, from a real binary', () => {
  it('writeAllowlist writes both vendor files, and the summary shows them with the checklist', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gav-vendors-'));
    try {
      const [report] = await analyzeFiles([await buildWindowsPe()]);
      if (!report || isPeError(report)) throw new Error('build failed');
      const written = await writeAllowlist([report as PeReport], { dir });
      expect(written.crowdstrike).toBe(path.join(dir, 'crowdstrike-iocs.csv'));
      expect(written.bitdefender).toBe(path.join(dir, 'bitdefender-exclusions.csv'));
      const cs = parseCsv(readFileSync(written.crowdstrike as string, 'utf8'));
      expect(cs[1]?.[1]).toBe(report.sha256);
      const bd = parseCsv(readFileSync(written.bitdefender as string, 'utf8'));
      expect(bd[1]?.[1]).toBe(report.sha256);

      const full = newReport('cli', dir, 'test');
      full.analysis = { files: [report], allowlist: written };
      const text = renderText(full);
      expect(text).toContain('If antivirus flags a release');
      expect(text).toContain('https://www.microsoft.com/en-us/wdsi/filesubmission');
      expect(text).toContain('crowdstrike-iocs.csv');
      expect(text).toContain('bitdefender-exclusions.csv');
      expect(text).toContain(report.sha256);
      expect(text).toContain('unsigned');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
