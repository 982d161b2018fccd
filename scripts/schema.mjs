// Generates schema/report.schema.json from the Report type, so the published schema cannot drift from
// the code. `--check` fails when the committed schema differs (a test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'schema', 'report.schema.json');

const generated = createGenerator({
  path: path.join(root, 'src', 'report', 'model.ts'),
  tsconfig: path.join(root, 'tsconfig.json'),
  type: 'Report',
  skipTypeCheck: true,
}).createSchema('Report');
const schema = {
  $id: 'https://github.com/org/go-av-guard/schema/report.schema.json',
  title: 'go-av-guard report',
  description: 'The JSON report go-av-guard writes (step output `report`, CLI `--json`).',
  ...generated,
};
const text = `${JSON.stringify(schema, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(out, 'utf8') !== text) {
    console.error('schema/report.schema.json is out of date with src/report/model.ts: run npm run schema');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
