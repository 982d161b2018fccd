import * as core from '@actions/core';
import { actionDeps } from './action/deps.js';
import { readActionConfig } from './action/inputs.js';
import { publishReport } from './action/publish.js';
import { STATE } from './constants.js';
import { rememberDetectionWindowStart } from './defender/detections.js';
import { failureMessage } from './outcome.js';
import { collectAnnotations } from './report/annotations.js';
import { CAPABILITIES, runPipeline, type Phase } from './run.js';
import { startActionRun } from './runscope.js';

const group: Phase = (name, work) => core.group(name, work);

/** The action's main step: inputs -> config -> pipeline -> report -> runner. */
export async function run(): Promise<void> {
  try {
    const deps = actionDeps();
    rememberDetectionWindowStart(deps);
    deps.state.set(STATE.isPost, 'true');
    const config = await startActionRun(readActionConfig(), deps);
    const report = await runPipeline(config, deps, {
      capabilities: new Set(CAPABILITIES),
      phase: group,
      reportPhase: 'main',
    });
    // Later steps build in the folder this run excluded, instead of all of %TEMP%.
    if (report.exclusions?.gotmpdir) core.exportVariable('GOTMPDIR', report.exclusions.gotmpdir);
    const reportPath = await publishReport(report, config);
    core.info(`go-av-guard report: ${reportPath}`);
    const annotated = collectAnnotations(report).map((a) => a.message);
    if (report.failures.length > 0) core.setFailed(failureMessage(report.failures, annotated));
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
