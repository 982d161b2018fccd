import * as core from '@actions/core';
import { actionDeps } from './action/deps.js';
import { readActionConfig } from './action/inputs.js';
import { publishReport } from './action/publish.js';
import type { Config } from './config.js';
import { STATE } from './constants.js';
import type { Deps } from './deps.js';
import { runPostSteps } from './run.js';

/**
 * The post step: puts the machine back (exclusions, certificates, secret files) and reads detections for
 * the whole job. Its own cleanup problems are warnings: cleanup never fails a job. Only a detection that
 * touched this job's files (with fail-on-detection) fails it, as the main step would have.
 */
export async function run(deps: Deps = actionDeps()): Promise<void> {
  if (deps.state.get(STATE.isPost) !== 'true') {
    core.info('go-av-guard: the main step did not start, so there is nothing to put back.');
    return;
  }
  let config: Config | undefined;
  try {
    config = readActionConfig();
  } catch (error) {
    // Inputs the main step already rejected: still clean up, with the defaults (restore: true).
    core.warning(
      `go-av-guard post: inputs could not be read (${error instanceof Error ? error.message : String(error)}); cleaning up with defaults.`,
    );
  }
  try {
    const report = await runPostSteps(config, deps, (name, work) => core.group(name, work));
    for (const note of report.notes) if (note.level !== 'info') core.warning(note.message);
    if (config) await publishReport(report, config);
    if (report.failures.length > 0) core.setFailed(report.failures.join('\n'));
  } catch (error) {
    core.warning(`go-av-guard cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
}
