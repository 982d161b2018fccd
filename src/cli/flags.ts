import type { InputReader } from '../config.js';
import type { FlagKind, FlagSpec } from './inputs.js';

/**
 * CLI flags are the action's input names (`--timestamp-urls`, `--if-no-files-found`), so a user learns
 * one vocabulary. Multiline inputs take the flag more than once; booleans take `--x` / `--no-x`.
 * Secrets never come from argv: `--certificate-env`, `--certificate-password-env` name environment
 * variables, and `--certificate-password-stdin` reads standard input.
 */
export type { FlagKind, FlagSpec };

/** A mistake in how the CLI was called: exit code 2, with the command's usage. */
export class UsageError extends Error {}

export interface ParsedFlags {
  read: InputReader;
  positionals: string[];
  json: boolean;
  help: boolean;
  values: Record<string, string | boolean | string[] | undefined>;
}

/** Flags every command takes. */
export const COMMON_FLAGS: FlagSpec[] = [
  {
    name: 'json',
    kind: 'boolean',
    description: 'Print the report as JSON on stdout (progress and messages stay on stderr).',
  },
  { name: 'help', kind: 'boolean', description: 'Show this help.' },
];

/** Names that must never be flags, and what to use instead. */
export interface Refusal {
  name: string;
  why: string;
}

export function parseFlags(argv: string[], specs: FlagSpec[], refusals: Refusal[] = []): ParsedFlags {
  const byName = new Map([...COMMON_FLAGS, ...specs].map((s) => [s.name, s]));
  const values: ParsedFlags['values'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.replace(/^--?/, '').slice(0, eq < 0 ? undefined : eq - (arg.startsWith('--') ? 2 : 1));
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const refusal = refusals.find((r) => r.name === name);
    if (refusal) throw new UsageError(`--${name} is not accepted: ${refusal.why}`);
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-')) {
      const positive = byName.get(name.slice(3));
      if (positive?.kind === 'boolean') {
        spec = positive;
        negated = true;
      }
    }
    if (!spec || !arg.startsWith('--')) throw new UsageError(unknownFlag(arg, name, [...byName.keys()]));
    if (spec.kind === 'boolean') {
      if (inline === undefined) values[spec.name] = !negated;
      else if (!negated && /^(true|false)$/i.test(inline))
        values[spec.name] = inline.toLowerCase() === 'true';
      else throw new UsageError(`--${name} takes no value (use --${spec.name} or --no-${spec.name})`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`--${name} needs a value${next === undefined ? '' : `, got the flag ${next}`}`);
      value = next;
      i++;
    }
    const previous = values[spec.name];
    if (spec.kind === 'lines') values[spec.name] = [...((previous as string[] | undefined) ?? []), value];
    else if (previous !== undefined)
      throw new UsageError(
        `--${name} was given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)})`,
      );
    else values[spec.name] = value;
  }
  const read: InputReader = (name) => {
    const value = values[name];
    if (value === undefined) return '';
    if (Array.isArray(value)) return value.join('\n');
    return String(value);
  };
  return { read, positionals, json: values.json === true, help: values.help === true, values };
}

function unknownFlag(arg: string, name: string, known: string[]): string {
  const guess = closest(name, known);
  const shown = arg.length > 60 ? `${arg.slice(0, 57)}...` : arg;
  return `unknown flag ${JSON.stringify(shown)}${guess ? `; did you mean --${guess}?` : ''}`;
}

/** The known name a typo most likely meant: a unique prefix, else the nearest by edit distance. */
export function closest(name: string, known: string[]): string | undefined {
  const prefixed = known.filter((k) => k.startsWith(name) && name.length >= 3);
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ?? prefixed[0];
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swapped neighbours cost 1. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}
