import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubContext } from './github.js';
import type { Report } from './model.js';
import { warning } from './note.js';
import type { SummaryLinks } from './summary.js';

/** The part of @actions/artifact's client this uses; tests pass a stand-in or point the real one at a local service. */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
  ): Promise<{ id?: number | undefined; size?: number | undefined }>;
}

/** A file for the artifact and the name it gets there. */
interface Staged {
  from: string;
  as: string;
}

/** The files behind the summary that a reader on GitHub cannot otherwise open: they live on the runner's disk. */
export function artifactFiles(report: Report, reportPath: string): Staged[] {
  const files: Staged[] = [{ from: reportPath, as: path.basename(reportPath) }];
  const allowlist = report.analysis?.allowlist;
  if (allowlist)
    for (const file of [allowlist.sha256sums, allowlist.applocker, allowlist.defenderIndicators])
      files.push({ from: file, as: `allowlist/${path.basename(file)}` });
  const cert = report.signing?.certificate?.publicCertPath;
  if (cert) files.push({ from: cert, as: `certificate/${path.basename(cert)}` });
  return files;
}

/** Unique per job of a run: matrix jobs share GITHUB_JOB, so the runner's name tells them apart. */
export function artifactName(github: GitHubContext): string {
  const parts = ['go-av-guard', github.job, github.runnerName].filter(Boolean).join('-');
  // Artifact names may not hold " : < > | * ? \ / or line breaks.
  return parts
    .replace(/[\s"':<>|*?\\/]+/g, '-')
    .replace(/-+$/, '')
    .slice(0, 200);
}

/**
 * Uploads the JSON report, the allowlisting files and the public certificate as one workflow artifact and
 * returns the links for the summary. Outside a run that can upload (no runtime token, the CLI), or when
 * the upload fails, the summary names the report file instead; a failed upload is a warning, never a failure.
 */
export async function uploadReportArtifact(
  report: Report,
  reportPath: string,
  options: {
    github: GitHubContext | undefined;
    env: NodeJS.ProcessEnv;
    stagingDir: string;
    uploader?: ArtifactUploader;
  },
): Promise<SummaryLinks> {
  const fallback: SummaryLinks = { reportFile: 'the file named by the step output `report` (on the runner)' };
  const { github, env } = options;
  if (!github || !env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) return fallback;
  const name = artifactName(github);
  const root = path.join(options.stagingDir, 'artifact');
  try {
    await rm(root, { recursive: true, force: true });
    const staged: string[] = [];
    for (const file of artifactFiles(report, reportPath)) {
      const target = path.join(root, file.as);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(file.from, target);
      staged.push(target);
    }
    // Loaded only when there is something to upload: the client and its Azure SDK are most of the bundle.
    const uploader = options.uploader ?? new (await import('@actions/artifact')).DefaultArtifactClient();
    const result = await uploader.uploadArtifact(name, staged, root);
    if (!result.id) throw new Error('the artifact service returned no artifact id');
    const url = `${github.serverUrl}/${github.owner}/${github.repo}/actions/runs/${github.runId}/artifacts/${result.id}`;
    return { artifact: { name, url } };
  } catch (error) {
    report.notes.push(
      warning(
        `The report artifact ${name} was not uploaded: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    return fallback;
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}
