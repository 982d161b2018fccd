import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The CLI's flags are action.yml's inputs, read from the action.yml that ships beside the code (in the
 * repository and in the npm package alike), so a flag's name, kind, default and help text can never drift
 * from the action's. A new input is a new flag the moment a command's row names it.
 */
export type FlagKind = 'text' | 'lines' | 'boolean';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  description: string;
  /** The action's default, shown in help when it says something. */
  default?: string;
}

interface ActionYml {
  name?: string;
  inputs?: Record<string, { description?: string; default?: unknown }>;
}

let cached: Map<string, FlagSpec> | undefined;

/** Every input of action.yml as a flag: booleans by their true/false default, repeatable "one per line" lists. */
export function actionInputs(): Map<string, FlagSpec> {
  cached ??= inputsFrom(parse(readFileSync(findActionYml(), 'utf8')) as ActionYml);
  return cached;
}

export function inputsFrom(action: ActionYml): Map<string, FlagSpec> {
  const specs = new Map<string, FlagSpec>();
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const description = String(input.description ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    const fallback = input.default === undefined ? '' : String(input.default).trim();
    const kind: FlagKind = /^(true|false)$/.test(fallback)
      ? 'boolean'
      : /\bper line\b/i.test(description)
        ? 'lines'
        : 'text';
    specs.set(name, {
      name,
      kind,
      description,
      ...(fallback && !fallback.includes('${{') ? { default: fallback.replace(/\n/g, ', ') } : {}),
    });
  }
  return specs;
}

/** action.yml is two folders up from src/cli/*.ts and from the bundle's dist/cli/*.js; look upwards to be sure. */
function findActionYml(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'action.yml');
    if (existsSync(candidate) && /^name:\s*go-av-guard\s*$/m.test(readFileSync(candidate, 'utf8')))
      return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('go-av-guard: action.yml is missing from the installation');
    dir = parent;
  }
}
