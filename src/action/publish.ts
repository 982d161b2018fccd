import * as core from '@actions/core';
import { appendFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import { collectAnnotations } from '../report/annotations.js';
import { reportFilePath, writeReportFile } from '../report/file.js';
import { githubContextFromEnv, releaseIdFromEvent, type OctokitFactory } from '../report/github.js';
import type { Report } from '../report/model.js';
import { info, warning } from '../report/note.js';
import { stepOutputs } from '../report/outputs.js';
import { publishAnnotations, type EmitAnnotation, type PublishResult } from '../report/publish.js';
import { publishRelease } from '../report/release.js';
import { uploadReportArtifact } from '../report/artifact.js';
import { renderSummary } from '../report/summary.js';
import { headline } from '../report/views.js';
import { allowlistDirFor } from '../run.js';

export interface GitHubSeams {
  emit?: EmitAnnotation;
  octokit?: OctokitFactory;
  env?: NodeJS.ProcessEnv;
}

/**
 * Everything a finished report becomes on the runner: release assets (when asked), annotations within
 * and beyond the runner's limits, the JSON file, outputs and the job summary. Decides nothing itself:
 * upload problems are recorded in the report like any other result.
 */
export async function publishReport(
  report: Report,
  config: Config,
  seams: GitHubSeams = {},
): Promise<string> {
  const env = seams.env ?? process.env;
  const github = githubContextFromEnv(env);
  const reportPath = reportFilePath(report, config.report.reportDir);
  if (config.report.uploadReleaseAssets && report.phase === 'main')
    await uploadToRelease(report, config, env, seams);

  const annotations = collectAnnotations(report);
  let published: PublishResult | undefined;
  if (annotations.length > 0) {
    published = await publishAnnotations(annotations, {
      checks: config.report.checks,
      ...(config.report.token ? { token: config.report.token } : {}),
      title: headline(report),
      summary: renderSummary(report, { reportFile: 'the job summary and the step output `report`' }),
      conclusion: report.failures.length > 0 ? 'failure' : 'success',
      ...(github ? { github } : {}),
      ...(seams.emit ? { emit: seams.emit } : {}),
      ...(seams.octokit ? { octokit: seams.octokit } : {}),
    });
    if (published.via === 'checks') {
      report.notes.push(
        info(`${published.sentToChecks} annotation(s) sent to check run ${published.checkRunId ?? ''}.`),
      );
    }
  }

  await writeReportFile(report, config.report.reportDir);
  const links = await uploadReportArtifact(report, reportPath, {
    github,
    env,
    stagingDir: config.tempDir,
  });
  for (const [name, value] of Object.entries(stepOutputs(report, reportPath))) core.setOutput(name, value);
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (summaryFile) await appendFile(summaryFile, renderSummary(report, links));
  return reportPath;
}

async function uploadToRelease(
  report: Report,
  config: Config,
  env: NodeJS.ProcessEnv,
  seams: GitHubSeams,
): Promise<void> {
  const github = githubContextFromEnv(env);
  const token = config.report.token;
  if (!github || !token) {
    report.failures.push('upload-release-assets: needs a GitHub Actions run and github-token');
    return;
  }
  if (report.failures.length > 0) {
    report.notes.push(warning(`Release upload skipped: this step failed (${report.failures.join('; ')}).`));
    return;
  }
  const releaseId = releaseIdFromEvent(env);
  if (releaseId === undefined && !config.report.releaseTag) {
    report.failures.push(
      'upload-release-assets: not a release event; set release-tag to the release to upload to',
    );
    return;
  }
  try {
    const outcome = await publishRelease(report, {
      token,
      owner: github.owner,
      repo: github.repo,
      apiUrl: github.apiUrl,
      allowlistDir: allowlistDirFor(config, report),
      ...(releaseId !== undefined ? { releaseId } : {}),
      ...(config.report.releaseTag ? { tag: config.report.releaseTag } : {}),
      ...(seams.octokit ? { octokit: seams.octokit } : {}),
    });
    if ('skipped' in outcome) report.notes.push(warning(`Release upload skipped: ${outcome.skipped}`));
    else
      report.notes.push(
        info(
          `Uploaded to the release: ${outcome.uploaded.map((a) => `${a.name}${a.replaced ? ' (replaced)' : ''}`).join(', ')}.`,
        ),
      );
  } catch (error) {
    report.failures.push(`release upload: ${error instanceof Error ? error.message : String(error)}`);
  }
}
