import { lstatSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { configSecrets, maskUrlCredentials, type Config } from './config.js';
import type { Deps } from './deps.js';
import { createRunFolder, RUN_FOLDER_STATE, tempParent, withRunFolder } from './platform/runfolder.js';
import type { Report } from './report/model.js';
import { readSigningCleanup, SIGNING_TEMP_NAME } from './sign/cleanup.js';

/**
 * Where a run keeps its files. Config.tempDir from parseConfig is only a default for pure uses; a real run
 * (the action's main step, each CLI command) gets a fresh private folder of its own instead, so two runs on
 * one machine never share a file and nothing lies under a predictable shared name.
 */
export function inFolder(config: Config, folder: string): Config {
  const reportDir = config.report.reportDir === config.tempDir ? folder : config.report.reportDir;
  return { ...config, tempDir: folder, report: { ...config.report, reportDir } };
}

/**
 * The action's main step: a fresh run folder under RUNNER_TEMP, recorded in state so the post step knows
 * (after checking it) the one folder whose contents it may remove. It outlives the step: later steps build
 * in its go-tmp, and the report file stays there for the job.
 */
export async function startActionRun(config: Config, deps: Deps): Promise<Config> {
  const folder = await createRunFolder(tempParent(deps.env));
  deps.state.set(RUN_FOLDER_STATE, folder);
  return inFolder(config, folder);
}

/**
 * A CLI command: a fresh run folder for the length of `work`, removed in this same process when it ends,
 * fails or is interrupted. Signing's own cleanup has already run inside `work`; on an interrupt the temp
 * copies recorded beside binaries are removed too. No state is written anywhere another run could read.
 */
export function runInPrivateFolder<T>(
  config: Config,
  deps: Deps,
  work: (config: Config) => Promise<T>,
): Promise<T> {
  return withRunFolder(
    tempParent(deps.env),
    (folder) => {
      deps.state.set(RUN_FOLDER_STATE, folder);
      return work(inFolder(config, folder));
    },
    { onInterrupt: () => removeSigningTempsNow(deps) },
  );
}

/** Synchronous, for a signal handler: the recorded temp copies beside binaries, plain files with that name only. */
function removeSigningTempsNow(deps: Pick<Deps, 'state'>): void {
  for (const file of readSigningCleanup(deps).recorded.paths) {
    if (!SIGNING_TEMP_NAME.test(path.basename(file))) continue;
    try {
      if (lstatSync(file, { throwIfNoEntry: false })?.isFile()) unlinkSync(file);
    } catch {
      /* the process is going away; nothing better to do */
    }
  }
}

/**
 * Credentials written into URLs (a timestamp server's user and password) never reach the report, the
 * summary or the outputs: each URL is shown as `https://***@host/...` and any stray copy of a secret is
 * replaced by ***.
 */
export function maskConfigSecrets(report: Report, config: Config): Report {
  const secrets = configSecrets(config)
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return report;
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let text = maskUrlCredentials(value);
      for (const secret of secrets) text = text.split(secret).join('***');
      return text;
    }
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    return value;
  };
  return scrub(report) as Report;
}
