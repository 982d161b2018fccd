import { wrap } from '../report/text.js';
import { VERSION } from '../version.js';
import { COMMANDS, type Command } from './commands.js';
import { COMMON_FLAGS, type FlagSpec } from './flags.js';
import { actionInputs } from './inputs.js';

/** A command's flags: its action.yml inputs (kind and text from action.yml), then its CLI-only flags. */
export function commandFlags(command: Command): FlagSpec[] {
  const inputs = actionInputs();
  return [
    ...command.inputs.map((name) => {
      const spec = inputs.get(name);
      if (!spec) throw new Error(`command ${command.name} names the input ${name}, which action.yml lacks`);
      return spec;
    }),
    ...(command.extra ?? []),
  ];
}

function placeholder(spec: FlagSpec): string {
  if (spec.kind === 'boolean') return '';
  if (/-env$/.test(spec.name)) return ' VAR';
  if (/(file|path|dir)$/.test(spec.name) || spec.name === 'go') return ' PATH';
  if (/urls?$/.test(spec.name)) return ' URL';
  return ' VALUE';
}

function flagLines(specs: FlagSpec[], width: number): string[] {
  const names = specs.map((s) =>
    s.name === 'help' ? '-h, --help' : `--${s.name}${placeholder(s)}${s.kind === 'lines' ? '...' : ''}`,
  );
  const column = Math.min(34, Math.max(...names.map((n) => n.length)) + 4);
  const textWidth = Math.max(30, width - column);
  return specs.flatMap((spec, i) => {
    const extra = [
      spec.kind === 'lines' ? 'Repeat the flag for more.' : '',
      spec.kind === 'boolean' && spec.default === 'true'
        ? `On by default; --no-${spec.name} turns it off.`
        : '',
      spec.default && spec.kind !== 'boolean' ? `Default: ${spec.default}.` : '',
    ].filter(Boolean);
    const text = wrap([spec.description, ...extra].join(' '), textWidth);
    const name = `  ${names[i] ?? ''}`;
    const [first = '', ...rest] = text;
    const head =
      name.length + 2 > column ? [name, `${' '.repeat(column)}${first}`] : [`${name.padEnd(column)}${first}`];
    return [...head, ...rest.map((l) => `${' '.repeat(column)}${l}`)];
  });
}

export function generalHelp(width = 100): string {
  const column = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    `go-av-guard ${VERSION}: keep antivirus from breaking Go builds on Windows, and released Go binaries from being flagged.`,
    '',
    'Usage: go-av-guard <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => {
      const [first = '', ...rest] = wrap(c.summary, Math.max(30, width - column - 2));
      return [`  ${c.name.padEnd(column)}${first}`, ...rest.map((l) => `  ${' '.repeat(column)}${l}`)];
    }),
    '',
    'Run "go-av-guard <command> --help" for its flags. Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command, width = 100): string {
  return [
    `Usage: go-av-guard ${command.name} ${command.synopsis}`,
    '',
    ...wrap(command.summary, width),
    '',
    'Flags (named after the action inputs in action.yml):',
    ...flagLines([...commandFlags(command), ...COMMON_FLAGS], width),
    ...(command.notes?.length ? ['', ...command.notes.flatMap((n) => wrap(n, width))] : []),
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}
