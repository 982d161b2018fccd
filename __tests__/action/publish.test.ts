import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishReport } from '../../src/action/publish.js';
import { parseConfig } from '../../src/config.js';
import type { Detection } from '../../src/defender/types.js';
import type { AnnotationProperties } from '@actions/core';
import { reportWith } from '../helpers/reports.js';
import { expectValidReport } from '../helpers/schema.js';
import { scratchDir } from '../helpers/tmp.js';

function detection(i: number): Detection {
  const file = `C:\\a\\repo\\repo\\dist\\tool-${i}.exe`;
  return {
    id: `{d-${i}}`,
    threatName: 'Trojan:Win32/Wacatac.B!ml',
    action: 'Quarantine',
    status: 'Quarantined',
    resources: [{ kind: 'file', path: file, raw: `file:_${file}` }],
    origins: ['event 1116'],
    relevantBecause: 'a file this run built',
    advice: 'Sign it and submit it as a false positive.',
  };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('publishing a report with 25 relevant detections, checks unavailable', () => {
  it('emits exactly 10 error annotations and one notice, and the summary and report still carry all 25', async () => {
    const dir = scratchDir('publish-');
    const summaryFile = path.join(dir, 'summary.md');
    const outputFile = path.join(dir, 'output');
    writeFileSync(summaryFile, '');
    writeFileSync(outputFile, '');
    process.env.GITHUB_OUTPUT = outputFile;
    const env = { GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: dir, GITHUB_WORKSPACE: 'C:\\a\\repo\\repo' };
    const config = parseConfig((name) => (name === 'checks' ? 'false' : ''), env);
    const relevant = Array.from({ length: 25 }, (_, i) => detection(i));
    const report = reportWith({
      workspace: 'C:\\a\\repo\\repo',
      detections: {
        phase: 'main',
        since: 's',
        until: 'u',
        available: true,
        relevant,
        other: [],
        events: [],
        notes: [],
      },
      failures: ["Defender: 25 detection(s) touched this job's files (fail-on-detection: true)"],
    });
    const emitted: Array<{ level: string; message: string; properties: AnnotationProperties }> = [];
    const reportPath = await publishReport(report, config, {
      env,
      emit: (level, message, properties) => void emitted.push({ level, message, properties }),
    });
    const errors = emitted.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(10);
    expect(errors[0]?.properties.file).toBe('dist/tool-0.exe');
    expect(emitted.filter((e) => e.level === 'notice')).toHaveLength(1);
    expect(emitted.find((e) => e.level === 'notice')?.message).toMatch(
      /^15 more annotations are in the job summary/,
    );
    const saved = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(saved.detections.relevant).toHaveLength(25);
    expectValidReport(saved);
    expect(readFileSync(summaryFile, 'utf8').match(/Wacatac/g)?.length).toBeGreaterThanOrEqual(25);
  });
});
