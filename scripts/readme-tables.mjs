// Writes the inputs and outputs tables of README.md from action.yml, so the two never drift.
// `node scripts/readme-tables.mjs --check` fails when README.md is out of date (a test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const action = parse(readFileSync(path.join(root, 'action.yml'), 'utf8'));
const escape = (text) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|');
const show = (value) => (value === '' || value === undefined ? '' : `\`${escape(value).replace(/`/g, '')}\``);

export function tables() {
  const inputs = Object.entries(action.inputs).map(
    ([name, i]) => `| \`${name}\` | ${show(i.default)} | ${escape(i.description)} |`,
  );
  const outputs = Object.entries(action.outputs).map(
    ([name, o]) => `| \`${name}\` | ${escape(o.description)} |`,
  );
  return [
    '<!-- inputs:start (generated from action.yml by scripts/readme-tables.mjs) -->',
    '<!-- prettier-ignore-start -->',
    '| Input | Default | Description |',
    '|---|---|---|',
    ...inputs,
    '<!-- inputs:end -->',
    '',
    '<!-- outputs:start -->',
    '| Output | Description |',
    '|---|---|',
    ...outputs,
    '<!-- prettier-ignore-end -->',
    '<!-- outputs:end -->',
  ].join('\n');
}

const readmePath = path.join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const re = /<!-- inputs:start[^]*<!-- outputs:end -->/;
if (!re.test(readme))
  throw new Error('README.md has no <!-- inputs:start --> ... <!-- outputs:end --> block');
const updated = readme.replace(re, tables());
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error(
      'README.md inputs/outputs tables are out of date with action.yml: run node scripts/readme-tables.mjs',
    );
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, updated);
}
