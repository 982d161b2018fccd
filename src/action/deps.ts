import * as core from '@actions/core';
import type { Deps } from '../deps.js';
import { runProcessOnDemand } from '../platform/process.js';
import type { StateStore } from '../platform/state.js';
import { progressLine } from '../report/progress.js';

/**
 * The runner's state store. saveState only appends to GITHUB_STATE, and getState reads STATE_* variables
 * that the runner sets for the post step alone, so within one step a value must be kept in process too:
 * otherwise a capability that updates a record (secret files to remove) would start from empty each time.
 */
export function runnerState(getState = core.getState, saveState = core.saveState): StateStore {
  const written = new Map<string, string>();
  return {
    get: (key) => written.get(key) ?? getState(key),
    set: (key, value) => {
      written.set(key, value);
      saveState(key, value);
    },
  };
}

export function actionDeps(): Deps {
  return {
    run: runProcessOnDemand,
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    state: runnerState(),
    setSecret: (value) => {
      if (value) core.setSecret(value);
    },
    now: () => new Date(),
    // Per-file lines land in the log group of the phase that emits them (Signing, PE risk report).
    progress: (event) => core.info(progressLine(event, process.env.GITHUB_WORKSPACE ?? '')),
  };
}
