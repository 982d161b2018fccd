import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { artifactName, uploadReportArtifact } from '../../src/report/artifact.js';
import type { GitHubContext } from '../../src/report/github.js';
import { renderSummary } from '../../src/report/summary.js';
import { peReport, reportWith } from '../helpers/reports.js';
import { runtimeToken, startArtifactService, type ArtifactService } from './artifact-service.js';

const github: GitHubContext = {
  owner: 'o',
  repo: 'r',
  sha: 'a'.repeat(40),
  runId: 77,
  runAttempt: 1,
  job: 'release',
  runnerName: 'GitHub Actions 3',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
};

describe('the report artifact', () => {
  let dir: string;
  let service: ArtifactService;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'artifact-'));
    service = await startArtifactService();
    env = { ACTIONS_RUNTIME_TOKEN: runtimeToken(), ACTIONS_RESULTS_URL: service.url };
    // @actions/artifact reads these from process.env itself.
    for (const [k, v] of Object.entries({ ...env, GITHUB_SERVER_URL: 'https://github.com' }))
      vi.stubEnv(k, v);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function reportWithFiles() {
    const allow = path.join(dir, 'allowlist');
    mkdirSync(allow);
    for (const f of ['SHA256SUMS', 'applocker-policy.xml', 'defender-indicators.csv'])
      writeFileSync(path.join(allow, f), f);
    const pem = path.join(dir, 'ephemeral-code-signing-ABCD.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
    const reportPath = path.join(dir, 'report-main.json');
    writeFileSync(reportPath, '{}');
    const report = reportWith({
      analysis: {
        files: [peReport('/work/space/a.exe')],
        allowlist: {
          sha256sums: path.join(allow, 'SHA256SUMS'),
          applocker: path.join(allow, 'applocker-policy.xml'),
          defenderIndicators: path.join(allow, 'defender-indicators.csv'),
          hashes: [],
        },
      },
      signing: {
        tool: 'osslsigncode',
        digest: 'sha256',
        files: [],
        notes: [],
        certificate: {
          subject: 'CN=x',
          issuer: 'CN=x',
          thumbprint: 'AB'.repeat(20),
          notBefore: '2026-01-01',
          notAfter: '2027-01-01',
          source: 'ephemeral',
          selfSigned: true,
          publicCertPath: pem,
        },
      } as never,
    });
    return { report, reportPath };
  }

  it('uploads the JSON report, allowlisting files and public certificate as one artifact, and links it', async () => {
    const { report, reportPath } = reportWithFiles();
    const links = await uploadReportArtifact(report, reportPath, { github, env, stagingDir: dir });
    expect(links).toEqual({
      artifact: {
        name: 'go-av-guard-release-GitHub-Actions-3',
        url: 'https://github.com/o/r/actions/runs/77/artifacts/4242',
      },
    });
    expect(service.requests.map((r) => r.method)).toEqual(
      expect.arrayContaining(['CreateArtifact', 'blob block', 'blob blocklist', 'FinalizeArtifact']),
    );
    const zip = path.join(dir, 'uploaded.zip');
    writeFileSync(zip, service.blob() ?? Buffer.alloc(0));
    const names = execFileSync(
      'python3',
      ['-c', 'import sys,zipfile;print("\\n".join(sorted(zipfile.ZipFile(sys.argv[1]).namelist())))', zip],
      {
        encoding: 'utf8',
      },
    );
    expect(names.trim().split('\n')).toEqual([
      'allowlist/SHA256SUMS',
      'allowlist/applocker-policy.xml',
      'allowlist/defender-indicators.csv',
      'certificate/ephemeral-code-signing-ABCD.pem',
      'report-main.json',
    ]);
    expect(report.notes).toEqual([]);
    // The staging copy is gone again.
    expect(readdirSync(dir).sort()).toEqual([
      'allowlist',
      'ephemeral-code-signing-ABCD.pem',
      'report-main.json',
      'uploaded.zip',
    ]);
    const summary = renderSummary(report, links);
    expect(summary).toContain(
      '<a href="https://github.com/o/r/actions/runs/77/artifacts/4242">go-av-guard-release-GitHub-Actions-3</a>',
    );
    expect(summary).toContain(
      '<code>ephemeral-<wbr>code-<wbr>signing-<wbr>ABCD.<wbr>pem</code> (in the go-av-guard artifact)',
    );
  }, 60_000);

  it('a failed upload is a warning, and the summary names the report output instead', async () => {
    await service.close();
    service = await startArtifactService({ failCreate: true });
    vi.stubEnv('ACTIONS_RESULTS_URL', service.url);
    const { report, reportPath } = reportWithFiles();
    const links = await uploadReportArtifact(report, reportPath, {
      github,
      env: { ...env, ACTIONS_RESULTS_URL: service.url },
      stagingDir: dir,
    });
    expect(links.artifact).toBeUndefined();
    expect(links.reportFile).toMatch(/step output `report`/);
    expect(report.notes).toMatchObject([
      {
        level: 'warning',
        message: expect.stringMatching(
          /^The report artifact go-av-guard-release-GitHub-Actions-3 was not uploaded: /,
        ),
      },
    ]);
    expect(report.failures).toEqual([]);
  }, 60_000);

  it('outside a run that can upload (the CLI, no runtime token) nothing is tried', async () => {
    const { report, reportPath } = reportWithFiles();
    const links = await uploadReportArtifact(report, reportPath, {
      github: undefined,
      env: {},
      stagingDir: dir,
    });
    expect(links.artifact).toBeUndefined();
    expect(service.requests).toEqual([]);
  });

  it('names the artifact per job and runner, without characters artifact names may not hold', () => {
    expect(artifactName({ ...github, job: 'build', runnerName: 'my:runner/01 "x"' })).toBe(
      'go-av-guard-build-my-runner-01-x',
    );
    expect(artifactName({ ...github, runnerName: undefined })).toBe('go-av-guard-release');
  });
});
