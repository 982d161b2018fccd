import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig } from './config.js';
import type { Deps } from './deps.js';
import { describeFailure } from './platform/process.js';
import { writeReportFile } from './report/file.js';
import type { Report } from './report/model.js';
import { renderSummary } from './report/summary.js';
import { CAPABILITIES, runPipeline } from './run.js';

/** A release-shaped program: a console tool and a GUI build of it, as a Go project would ship them. */
const DEMO_MAIN = `package main

import (
\t"fmt"
\t"os"
)

var version = "dev"

func main() {
\tfmt.Printf("hello from go-av-guard's demo %s on %d args\\n", version, len(os.Args))
}
`;

export interface DemoResult {
  report: Report;
  dir: string;
  summaryPath: string;
  reportPath: string;
}

/**
 * The whole pipeline, offline, on this machine: cross-compiles Windows binaries with the local Go, then
 * smoke, ephemeral signing (no timestamp: no network), analysis and allowlisting, as the action would.
 */
export async function runDemo(dir: string, deps: Deps, go = 'go'): Promise<DemoResult> {
  await rm(dir, { recursive: true, force: true });
  const src = path.join(dir, 'src');
  const dist = path.join(dir, 'dist');
  await mkdir(src, { recursive: true });
  await mkdir(dist, { recursive: true });
  await writeFile(path.join(src, 'go.mod'), 'module example.com/demo\n\ngo 1.19\n');
  await writeFile(path.join(src, 'main.go'), DEMO_MAIN);
  const builds: Array<[string, string[]]> = [
    ['hello.exe', ['-trimpath', '-ldflags', '-X main.version=1.0.0']],
    ['hello-gui.exe', ['-trimpath', '-ldflags', '-H=windowsgui -s -w -X main.version=1.0.0']],
  ];
  for (const [name, flags] of builds) {
    const result = await deps.run(go, ['build', ...flags, '-o', path.join(dist, name), '.'], {
      cwd: src,
      env: { GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      timeoutMs: 300_000,
    });
    if (result.exitCode !== 0)
      throw new Error(`demo: cross-compiling ${name} failed: ${describeFailure(go, result)}`);
  }
  const inputs: Record<string, string> = {
    go,
    'smoke-variants': 'default\ncgo-off\nstripped\ntest\nrun',
    sign: 'dist/*.exe',
    certificate: 'ephemeral',
    'timestamp-urls': 'none',
    analyze: 'dist/*.exe',
    'allowlist-dir': 'allowlist',
    'fail-on-detection': 'true',
  };
  const config = parseConfig((name) => inputs[name] ?? '', {
    ...deps.env,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: path.join(dir, 'runner-temp'),
  });
  const report = await runPipeline(config, deps, { capabilities: new Set(CAPABILITIES), reportPhase: 'cli' });
  const reportPath = await writeReportFile(report, dir);
  const summaryPath = path.join(dir, 'summary.md');
  await writeFile(summaryPath, renderSummary(report, { reportFile: `\`${path.basename(reportPath)}\`` }));
  return { report, dir, summaryPath, reportPath };
}
