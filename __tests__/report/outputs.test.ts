import { describe, expect, it } from 'vitest';
import { OUTPUT_LIMIT_BYTES, stepOutputs } from '../../src/report/outputs.js';
import { doctorReport, peReport, reportWith } from '../helpers/reports.js';

describe('step outputs', () => {
  it('always names the report file and adds one JSON output per capability that ran', () => {
    const outputs = stepOutputs(reportWith({ doctor: doctorReport() }), '/tmp/r.json');
    expect(outputs.report).toBe('/tmp/r.json');
    expect(JSON.parse(outputs.doctor ?? '')).toMatchObject({ platform: 'linux', go: { found: true } });
    expect(outputs['smoke-result']).toBeUndefined();
  });

  it('points at the report instead of writing an output that is too large', () => {
    const files = Array.from({ length: 2000 }, (_, i) => peReport(`/dist/t-${i}.exe`));
    const outputs = stepOutputs(reportWith({ analysis: { files } }), '/tmp/r.json');
    expect(JSON.parse(outputs.analysis ?? '')).toEqual({ truncated: true, report: '/tmp/r.json' });
    expect(Buffer.byteLength(outputs.analysis ?? '')).toBeLessThan(OUTPUT_LIMIT_BYTES);
  });
});
