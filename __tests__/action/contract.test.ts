import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.js';
import { OUTPUTS } from '../../src/report/outputs.js';
import { VERSION } from '../../src/version.js';

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
};

describe('action.yml is the contract', () => {
  it('declares exactly the inputs the config reads', () => {
    const read = new Set<string>();
    parseConfig((name) => {
      read.add(name);
      return '';
    }, {});
    // `github-token` is read for the Checks API and uploads.
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('declares every output the action sets', () => {
    expect(Object.values(OUTPUTS).sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it('runs on node24 with a post step that always runs', () => {
    expect(action.runs).toMatchObject({
      using: 'node24',
      main: 'dist/main/index.js',
      post: 'dist/post/index.js',
      'post-if': 'always()',
    });
  });

  it('has README tables in step with action.yml', () => {
    execFileSync(process.execPath, ['scripts/readme-tables.mjs', '--check'], { stdio: 'pipe' });
  });

  it('gives the CLI the inputs of action.yml as they are (src/cli/action-inputs.ts is generated)', () => {
    execFileSync(process.execPath, ['scripts/action-inputs.mjs', '--check'], { stdio: 'pipe' });
  });

  it('publishes a report schema generated from the Report type', () => {
    execFileSync(process.execPath, ['scripts/schema.mjs', '--check'], { stdio: 'pipe' });
  });

  it('reports the package version', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
