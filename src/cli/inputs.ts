import { ACTION_INPUTS } from './action-inputs.js';

/**
 * The CLI's flags are action.yml's inputs (src/cli/action-inputs.ts is generated from it, and a test fails
 * when the two differ), so a flag's name, kind, default and help text can never drift from the action's.
 * A new input is a new flag the moment a command's row names it.
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
  inputs?: Record<string, { description?: string; default?: unknown }>;
}

let cached: Map<string, FlagSpec> | undefined;

/** Every input of action.yml as a flag: booleans by their true/false default, repeatable "one per line" lists. */
export function actionInputs(): Map<string, FlagSpec> {
  cached ??= inputsFrom({ inputs: ACTION_INPUTS });
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
