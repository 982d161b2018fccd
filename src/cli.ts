import path from 'node:path';
import { ConfigError, parseConfig, type Config } from './config.js';
import type { Deps } from './deps.js';
import { COMMANDS, findCommand, REFUSED_FLAGS, type Command, type CommandContext } from './cli/commands.js';
import { commandFlags, commandHelp, generalHelp } from './cli/help.js';
import { parseFlags, UsageError, type ParsedFlags } from './cli/flags.js';
import { stderrProgress, type CliProgress } from './cli/progress.js';
import { runProcessOnDemand } from './platform/process.js';
import { memoryState } from './platform/state.js';
import type { Report } from './report/model.js';
import { jsonSafe, terminalSafe } from './report/inert.js';
import { sectionText, wrap } from './report/text.js';
import { headline, nextSteps, reportViews } from './report/views.js';
import { runPipeline } from './run.js';
import { runInPrivateFolder } from './runscope.js';
import { VERSION_FLAGS } from './stamp/versioninfo.js';
import { VERSION } from './version.js';

/** Where the CLI writes: stdout for results, stderr for everything else. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal: progress becomes one updating status line. */
  stderrIsTTY?: boolean;
  /** Terminal width for tables and help; 100 when unknown. */
  columns?: number;
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** The CLI: flags -> the same config and pipeline as the action -> text or JSON. Returns the exit code. */
export async function runCli(argv: string[], rawIo: CliIo, deps: Partial<Deps> = {}): Promise<number> {
  // Everything meant for a person passes through here: file and threat names cannot drive the terminal.
  const io: CliIo = { ...rawIo, stderr: (t) => rawIo.stderr(terminalSafe(t)) };
  const width = io.columns ?? 100;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] !== undefined ? findCommand(rest[0]) : undefined;
    (name === undefined ? io.stderr : io.stdout)(about ? commandHelp(about, width) : generalHelp(width));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = findCommand(name);
  if (!command) {
    const guess = COMMANDS.map((c) => c.name).find((c) => c.startsWith(name.slice(0, 3)));
    io.stderr(
      `go-av-guard: unknown command ${JSON.stringify(name)}${guess ? `; did you mean ${guess}?` : ''}\n\n${generalHelp(width)}`,
    );
    return EXIT.usage;
  }
  const usage = (message: string): number => {
    io.stderr(
      `go-av-guard ${command.name}: ${message}\nRun "go-av-guard ${command.name} --help" for its flags.\n`,
    );
    return EXIT.usage;
  };
  let flags: ParsedFlags;
  try {
    flags = parseFlags(rest, commandFlags(command), REFUSED_FLAGS);
    if (flags.help) {
      io.stdout(commandHelp(command, width));
      return EXIT.ok;
    }
    parseSince(flags.read('since'));
    checkNothingToDo(command, flags, deps.platform ?? process.platform);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  let progress: CliProgress | undefined;
  const print = (report: Report): number => {
    progress?.finish(report);
    io.stdout(flags.json ? jsonSafe(report) : renderText(report, width));
    return report.failures.length > 0 ? EXIT.failure : EXIT.ok;
  };
  const context: CommandContext = {
    command,
    flags,
    cwd: io.cwd,
    config: () => configFromFlags(command, flags, io),
    deps: (config) => {
      // Progress lines are made safe where they are built; the raw writer lets the status line use \r.
      progress = stderrProgress(rawIo.stderr, {
        tty: io.stderrIsTTY === true,
        workspace: config.workspace,
        columns: width,
      });
      return cliDeps(config, io, { progress, ...deps });
    },
    print,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    pipeline: async () => {
      const config = await context.config();
      const since = parseSince(flags.read('since'));
      const fleetPolicy = flags.read('fleet-policy');
      const deps = context.deps(config);
      // Each CLI run works in a private folder of its own, removed before it returns (or on a signal).
      const report = await runInPrivateFolder(config, deps, (inRun) =>
        runPipeline(inRun, deps, {
          capabilities: new Set(command.capabilities),
          reportPhase: 'cli',
          tempDirRemoved: true,
          ...(since ? { since } : {}),
          ...(fleetPolicy ? { fleetPolicyDir: path.resolve(io.cwd, fleetPolicy) } : {}),
        }),
      );
      return print(report);
    },
  };
  try {
    return await (command.run ?? ((c) => c.pipeline()))(context);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    // Every problem with a value the user gave is a usage error, named once each.
    if (error instanceof ConfigError) return usage(error.problems.join(`\ngo-av-guard ${command.name}: `));
    io.stderr(`go-av-guard ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}

/** A command that would do nothing is a mistake worth saying so: no files to sign, Defender off Windows. */
function checkNothingToDo(command: Command, flags: ParsedFlags, platform: NodeJS.Platform): void {
  if (flags.positionals.length > 0 && !command.positionalInput) {
    throw new UsageError(
      `"${command.name}" takes no file arguments, got ${JSON.stringify(flags.positionals[0])}`,
    );
  }
  const input = command.positionalInput;
  if (command.needsFiles && input && flags.positionals.length === 0 && !flags.read(input))
    throw new UsageError(`no files given: ${command.needsFiles}`);
  const windows = command.windowsOnly;
  if (windows && platform !== 'win32' && !(windows.unless && flags.read(windows.unless)))
    throw new UsageError(windows.message);
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
      if (input === 'version-info') return versionInfoFromFlags(flags);
      return flags.read(input) || command.inputDefaults?.[input] || '';
    },
    { ...io.env, GITHUB_WORKSPACE: io.env.GITHUB_WORKSPACE || io.cwd },
  );
}

/** `--file-version 1.2.3 --company-name X` become `version-info` lines, after any given directly. */
function versionInfoFromFlags(flags: ParsedFlags): string {
  const lines = Object.entries(VERSION_FLAGS)
    .filter(([flag]) => flags.read(flag))
    .map(([flag, key]) => `${key}: ${flags.read(flag)}`);
  return [flags.read('version-info'), ...lines].filter(Boolean).join('\n');
}

function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

function cliDeps(_config: Config, io: CliIo, overrides: Partial<Deps>): Deps {
  return {
    run: runProcessOnDemand,
    platform: process.platform,
    arch: process.arch,
    env: io.env,
    // In memory only: a CLI run cleans up in the same process and leaves no state for another to read.
    state: memoryState(),
    // The CLI has no log masker; secrets are kept out of everything it prints instead.
    setSecret: () => undefined,
    now: () => new Date(),
    ...overrides,
  };
}

/** The human output: the verdict and next steps, then one section per capability, tables fitted to `width`. */
export function renderText(report: Report, width = 100): string {
  const views = reportViews(report);
  const steps = nextSteps(report, views);
  const next = steps.length
    ? `\nWhat to do next:\n${steps.flatMap((s, i) => wrap(s, width - 4).map((l, k) => `${k ? ' '.repeat(String(i + 1).length + 1) : `${i + 1}.`} ${l}`)).join('\n')}\n`
    : '';
  return terminalSafe(`${headline(report)}\n${next}\n${views.map((v) => sectionText(v, width)).join('\n')}`);
}
