import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, parseConfig, type Config } from './config.js';
import type { Deps } from './deps.js';
import { COMMANDS, findCommand, type Command } from './cli/commands.js';
import { parseFlags, UsageError, type ParsedFlags } from './cli/flags.js';
import { runProcess } from './platform/process.js';
import { fileState } from './platform/state.js';
import { newReport, type Report } from './report/model.js';
import { info } from './report/note.js';
import { classifyRelevance, decodeDetectionsFile, parseDetectionsFile } from './defender/detections.js';
import { sectionText } from './report/text.js';
import { headline, reportViews } from './report/views.js';
import { runDemo } from './demo.js';
import { runPipeline } from './run.js';
import { renderVerifyText, verifyFiles } from './sign/verify-files.js';
import { VERSION } from './version.js';

/** Where the CLI writes: stdout for results, stderr for everything else. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The CLI: flags -> the same config and pipeline as the action -> text or JSON. Returns the exit code. */
export async function runCli(argv: string[], io: CliIo, deps: Partial<Deps> = {}): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(generalHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (!command) {
    io.stderr(`go-av-guard: unknown command "${name}"\n\n${generalHelp()}`);
    return EXIT.usage;
  }
  let flags: ParsedFlags;
  try {
    flags = parseFlags(rest, command.flags, command.extra);
    if (flags.help) {
      io.stdout(commandHelp(command));
      return EXIT.ok;
    }
    if (flags.positionals.length > 0 && !command.positionalInput) {
      throw new UsageError(
        `"${command.name}" takes no file arguments, got ${JSON.stringify(flags.positionals[0])}`,
      );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`go-av-guard ${command.name}: ${error.message}\n\n${commandHelp(command)}`);
    return EXIT.usage;
  }
  try {
    if (command.name === 'demo') return await demo(flags, io, deps);
    if (command.name === 'verify') return await verifyCommand(flags, io, deps);
    const config = await configFromFlags(command, flags, io);
    const allDeps = cliDeps(config, io, deps);
    const fromFile = flags.read('from-file');
    const since = parseSince(flags.read('since'));
    const report = fromFile
      ? await detectionsFromFile(path.resolve(io.cwd, fromFile), config, allDeps)
      : await runPipeline(config, allDeps, {
          capabilities: new Set(command.capabilities),
          reportPhase: 'cli',
          ...(since ? { since } : {}),
        });
    io.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return report.failures.length > 0 ? EXIT.failure : EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`go-av-guard ${command.name}: ${error.message}\n\n${commandHelp(command)}`);
      return EXIT.usage;
    }
    const message =
      error instanceof ConfigError
        ? error.problems.join('\n')
        : error instanceof Error
          ? error.message
          : String(error);
    io.stderr(`go-av-guard ${command.name}: ${message}\n`);
    return EXIT.failure;
  }
}

/** `--since` takes an ISO 8601 time or a duration back from now ("2h", "30m", "1d"). */
function parseSince(text: string): Date | undefined {
  if (!text) return undefined;
  const ago = /^(\d+)([smhd])$/.exec(text.trim());
  if (ago) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(ago[1]) * unit);
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed))
    throw new UsageError(
      `--since: expected an ISO 8601 time or a duration such as 2h, got ${JSON.stringify(text)}`,
    );
  return new Date(parsed);
}

/** Local forensics: saved cmdlet JSON or event XML from any machine, judged against this folder. */
async function detectionsFromFile(file: string, config: Config, deps: Deps): Promise<Report> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(
      `--from-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { cause: error },
    );
  }
  let parsed: ReturnType<typeof parseDetectionsFile>;
  try {
    parsed = parseDetectionsFile(decodeDetectionsFile(bytes));
  } catch (error) {
    throw new Error(`--from-file ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const report = newReport('cli', config.workspace, VERSION, deps.now());
  const times = parsed.detections
    .map((d) => d.time)
    .filter((t): t is string => Boolean(t))
    .sort();
  const split = classifyRelevance(parsed.detections, { workspace: config.workspace, files: [] });
  report.detections = {
    phase: 'cli',
    since: times[0] ?? report.startedAt,
    until: times.at(-1) ?? report.startedAt,
    available: true,
    relevant: split.relevant,
    other: split.other,
    events: parsed.events,
    notes: [
      info(
        `Read ${parsed.detections.length} detection(s) and ${parsed.events.length} event(s) from ${file}.`,
      ),
    ],
  };
  report.finishedAt = deps.now().toISOString();
  return report;
}

async function demo(flags: ParsedFlags, io: CliIo, overrides: Partial<Deps>): Promise<number> {
  const dir = path.resolve(io.cwd, 'demo-output');
  const config = parseConfig(() => '', {
    ...io.env,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: path.join(dir, 'runner-temp'),
  });
  const result = await runDemo(dir, cliDeps(config, io, overrides), flags.read('go') || 'go');
  io.stdout(flags.json ? `${JSON.stringify(result.report, null, 2)}\n` : renderText(result.report));
  io.stderr(`\nJob summary: ${result.summaryPath}\nJSON report: ${result.reportPath}\n`);
  return result.report.failures.length > 0 ? EXIT.failure : EXIT.ok;
}

async function configFromFlags(command: Command, flags: ParsedFlags, io: CliIo): Promise<Config> {
  const certificate = flags.read('certificate');
  if (certificate && certificate.toLowerCase() !== 'ephemeral') {
    throw new UsageError(
      '--certificate takes only "ephemeral"; pass a base64 PKCS#12 through --certificate-env VAR so it stays off the command line',
    );
  }
  const fromEnv = (flag: string): string => {
    const variable = flags.read(flag);
    if (!variable) return '';
    const value = io.env[variable];
    if (value === undefined)
      throw new UsageError(`--${flag}: the environment variable ${variable} is not set`);
    return value;
  };
  const password =
    flags.values['certificate-password-stdin'] === true
      ? stripNewline(await io.readStdin())
      : fromEnv('certificate-password-env');
  const base64 = fromEnv('certificate-env');
  const pin = fromEnv('pkcs11-pin-env');
  const secrets: Record<string, string> = {
    'certificate-password': password,
    'pkcs11-pin': pin,
    ...(base64 ? { certificate: base64 } : {}),
  };
  const positional = command.positionalInput;
  return parseConfig(
    (input) => {
      if (input in secrets) return secrets[input] ?? '';
      if (positional && input === positional)
        return [flags.read(input), ...flags.positionals].filter(Boolean).join('\n');
      return flags.read(input);
    },
    { ...io.env, GITHUB_WORKSPACE: io.env.GITHUB_WORKSPACE || io.cwd },
  );
}

/** `verify FILES`: in-process verification, exit 0 only when every file is intact (and trusted if asked). */
async function verifyCommand(flags: ParsedFlags, io: CliIo, deps: Partial<Deps>): Promise<number> {
  if (flags.positionals.length === 0) throw new UsageError('"verify" needs at least one file');
  const caFile = flags.read('ca-file');
  const results = await verifyFiles(
    flags.positionals.map((f) => path.resolve(io.cwd, f)),
    {
      requireTrusted: flags.read('require-trusted') === 'true',
      caFiles: caFile ? [path.resolve(io.cwd, caFile)] : [],
      env: io.env,
      ...(deps.progress ? { progress: deps.progress } : {}),
    },
  );
  io.stdout(flags.json ? `${JSON.stringify(results, null, 2)}\n` : renderVerifyText(results, io.cwd));
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function cliDeps(config: Config, io: CliIo, overrides: Partial<Deps>): Deps {
  return {
    run: runProcess,
    platform: process.platform,
    arch: process.arch,
    env: io.env,
    state: fileState(path.join(config.tempDir, 'cli-state.json')),
    // The CLI has no log masker; secrets are kept out of everything it prints instead.
    setSecret: () => undefined,
    now: () => new Date(),
    ...overrides,
  };
}

export function renderText(report: Report): string {
  return `${headline(report)}\n\n${reportViews(report).map(sectionText).join('\n')}`;
}

function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `go-av-guard ${VERSION}: keep antivirus from breaking Go builds on Windows, and released Go binaries from being flagged.`,
    '',
    'Usage: go-av-guard <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "go-av-guard <command> --help" for its flags. Exit codes: 0 ok, 1 failure, 2 usage error.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const flagNames = [...Object.keys(command.flags), ...Object.keys(command.extra ?? {})].map((f) => `--${f}`);
  return [
    `Usage: go-av-guard ${command.name} ${command.synopsis}`,
    '',
    command.summary,
    '',
    `Flags: --json, --help, ${flagNames.join(', ')}`,
    'Flags are named after the action inputs (see action.yml); repeat a flag for multi-line inputs; --no-X turns a boolean off.',
    ...(command.notes ?? []),
    '',
  ].join('\n');
}
