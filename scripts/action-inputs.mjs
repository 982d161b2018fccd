// Writes src/cli/action-inputs.ts from action.yml: the CLI's flags (names, help text, defaults) come from
// action.yml without a YAML parser in the CLI, whose every start paid ~40 ms to parse it.
// `node scripts/action-inputs.mjs --check` fails when the file is out of date (a test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'src', 'cli', 'action-inputs.ts');
const action = parse(readFileSync(path.join(root, 'action.yml'), 'utf8'));
const inputs = Object.fromEntries(
  Object.entries(action.inputs ?? {}).map(([name, input]) => [
    name,
    {
      description: String(input.description ?? ''),
      ...(input.default === undefined ? {} : { default: String(input.default) }),
    },
  ]),
);
const source = [
  '// Generated from action.yml by scripts/action-inputs.mjs: do not edit; run `npm run action-inputs`.',
  '',
  "/** action.yml's inputs, as written there: the CLI takes each one as a flag. */",
  `export const ACTION_INPUTS: Readonly<Record<string, { description: string; default?: string }>> = ${JSON.stringify(inputs, null, 2)};`,
  '',
].join('\n');
const text = await format(source, { ...(await resolveConfig(out)), filepath: out });
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== text) {
    console.error('src/cli/action-inputs.ts is out of date with action.yml: run npm run action-inputs');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
