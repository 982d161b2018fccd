import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratchDir } from './tmp.js';

/** A runner-shaped environment: INPUT_* inputs, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, GITHUB_STATE. */
export function runnerEnv(inputs: Record<string, string>) {
  const dir = scratchDir('runner-');
  const files = {
    output: path.join(dir, 'output'),
    summary: path.join(dir, 'summary.md'),
    state: path.join(dir, 'state'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: path.join(dir, 'temp'),
    GITHUB_WORKSPACE: dir,
    INPUT_SMOKE: 'false',
    'INPUT_GITHUB-TOKEN': '',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { dir, env, files };
}

/** Reads name<<delimiter ... delimiter blocks from a GITHUB_OUTPUT file. */
export function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([^]*?)\n\2$/gm;
  for (const m of readFileSync(file, 'utf8').matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}
