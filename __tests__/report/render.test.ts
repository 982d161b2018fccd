import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { renderSummary } from '../../src/report/summary.js';
import { describeWithTool } from '../helpers/tools.js';
import { EVIL_HOST, hostileReport } from './payloads.js';
import { inspectSummary } from './render.js';

describeWithTool(['chromium'], 'hostile text in a summary, in a browser', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'summary-render-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads nothing, links nowhere and adds no heading; and still fits 1000 px', () => {
    const seen = inspectSummary(renderSummary(hostileReport(), { reportFile: 'r.json' }), dir);
    expect(seen.width).toBe(1000);
    expect(seen.images).toEqual([]);
    expect(seen.links).toEqual([]);
    expect(seen.headings).toEqual([
      '❌ go-av-guard: 6 problems to fix',
      'Doctor',
      'PE risk report',
      'If antivirus flags a release',
      'Defender detections',
      'Artifact scan',
    ]);
    expect(JSON.stringify(seen)).not.toContain(`${EVIL_HOST}/b.png"`);
    expect(seen.overflow).toEqual([]);
  }, 120_000);
});
