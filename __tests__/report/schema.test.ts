import { describe, expect, it } from 'vitest';
import { doctorReport, reportWith } from '../helpers/reports.js';
import { expectValidReport } from '../helpers/schema.js';

describe('report schema', () => {
  it('accepts a real report and rejects a damaged one', () => {
    const report = reportWith({ doctor: doctorReport() });
    expectValidReport(report);
    expect(() => expectValidReport({ ...report, schemaVersion: 2 })).toThrow();
    expect(() =>
      expectValidReport({ ...report, doctor: { ...report.doctor, go: { found: 'yes' } } }),
    ).toThrow();
    expect(() => expectValidReport({ ...report, surprise: true })).toThrow();
  });
});
