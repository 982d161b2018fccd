import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { InputReader } from '../config.js';

/**
 * CLI flags are the action's input names (`--timestamp-urls`, `--if-no-files-found`), so a user learns
 * one vocabulary. Multiline inputs take the flag more than once; booleans take `--x` / `--no-x`.
 * Secrets never come from argv: `--certificate-env`, `--certificate-password-env` name environment
 * variables, and `--certificate-password-stdin` reads standard input.
 */
export type FlagKind = 'text' | 'lines' | 'boolean';

export class UsageError extends Error {}

export interface ParsedFlags {
  read: InputReader;
  positionals: string[];
  json: boolean;
  help: boolean;
  values: Record<string, string | boolean | string[] | undefined>;
}

export function parseFlags(
  argv: string[],
  flags: Record<string, FlagKind>,
  extra: Record<string, 'text' | 'boolean'> = {},
): ParsedFlags {
  const options: NonNullable<ParseArgsConfig['options']> = {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, kind] of Object.entries(flags)) {
    options[name] = kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: kind === 'lines' };
  }
  for (const [name, kind] of Object.entries(extra))
    options[name] = { type: kind === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as ParsedFlags['values'];
  const read: InputReader = (name) => {
    const value = values[name];
    if (value === undefined) return '';
    if (Array.isArray(value)) return value.join('\n');
    return String(value);
  };
  return {
    read,
    positionals: parsed.positionals,
    json: values.json === true,
    help: values.help === true,
    values,
  };
}
