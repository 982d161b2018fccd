import * as core from '@actions/core';
import { appendFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import { writeReportFile } from '../report/file.js';
import type { Report } from '../report/model.js';
import { stepOutputs } from '../report/outputs.js';
import { renderSummary } from '../report/summary.js';

/** Renders a finished report for the runner: JSON file, outputs, job summary. Decides nothing. */
export async function publishReport(report: Report, config: Config): Promise<string> {
  const reportPath = await writeReportFile(report, config.report.reportDir);
  for (const [name, value] of Object.entries(stepOutputs(report, reportPath))) core.setOutput(name, value);
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) await appendFile(summaryFile, renderSummary(report, reportPath));
  return reportPath;
}
