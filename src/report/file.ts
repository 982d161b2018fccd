import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from './model.js';

export function reportFilePath(report: Pick<Report, 'phase'>, dir: string): string {
  return path.join(dir, `report-${report.phase}.json`);
}

/** Writes the JSON report (the full record, never cut) and returns its path. */
export async function writeReportFile(report: Report, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = reportFilePath(report, dir);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
