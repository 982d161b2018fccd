import path from 'node:path';
import { parseConfig, type Config } from '../config.js';
import { readSmallRegularFile } from '../platform/files.js';
import { runDemo } from '../demo.js';
import type { Deps } from '../deps.js';
import { newReport, type Report } from '../report/model.js';
import { info } from '../report/note.js';
import { VERSION } from '../version.js';
import { renderVerifyText, verifyFiles } from '../sign/verify-files.js';
import type { CommandContext } from './commands.js';

/** `detections --from-file F` reads a saved file on any OS; without it, Defender on this machine. */
export async function detectionsCommand(context: CommandContext): Promise<number> {
  const fromFile = context.flags.read('from-file');
  if (!fromFile) return context.pipeline();
  const config = await context.config();
  return context.print(
    await detectionsFromFile(path.resolve(context.cwd, fromFile), config, context.deps(config)),
  );
}

/** The whole pipeline offline in ./demo-output, with a job summary to open. */
export async function demoCommand(context: CommandContext): Promise<number> {
  const dir = path.resolve(context.cwd, 'demo-output');
  const config = parseConfig(() => '', {
    ...context.env,
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: path.join(dir, 'runner-temp'),
  });
  const result = await runDemo(dir, context.deps(config), context.flags.read('go') || 'go');
  const code = context.print(result.report);
  context.stderr(`\nJob summary: ${result.summaryPath}\nJSON report: ${result.reportPath}\n`);
  return code;
}

/** Local forensics: saved cmdlet JSON or event XML from any machine, judged against this folder. */
export async function detectionsFromFile(file: string, config: Config, deps: Deps): Promise<Report> {
  let bytes: Uint8Array;
  try {
    // Saved event logs can be large, but never unbounded: a device, a FIFO or a huge file is refused.
    bytes = await readSmallRegularFile(file, { maxBytes: 256 * 1024 * 1024, timeoutMs: 60_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code ? `cannot read ${file}: ${code}` : (error as Error).message;
    throw new Error(`--from-file: ${why}`, { cause: error });
  }
  // Loaded here, not at start-up: only this command reads saved detections (with an XML parser).
  const { classifyRelevance, decodeDetectionsFile, parseDetectionsFile } =
    await import('../defender/detections.js');
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
        `Read ${parsed.detections.length} detection(s) and ${parsed.events.length} event(s) from ${path.basename(file)}.`,
      ),
    ],
  };
  report.finishedAt = deps.now().toISOString();
  return report;
}

/** `verify FILES`: in-process verification; exit 0 only when every file is intact (and trusted if asked). */
export async function verifyCommand(context: CommandContext): Promise<number> {
  const { flags, cwd } = context;
  const caFile = flags.read('ca-file');
  const { progress } = context.deps(await context.config());
  const results = await verifyFiles(
    flags.positionals.map((f) => path.resolve(cwd, f)),
    {
      requireTrusted: flags.values['require-trusted'] === true,
      caFiles: caFile ? [path.resolve(cwd, caFile)] : [],
      env: context.env,
      ...(progress ? { progress } : {}),
    },
  );
  context.stdout(flags.json ? `${JSON.stringify(results, null, 2)}\n` : renderVerifyText(results, cwd));
  return results.every((r) => r.ok) ? 0 : 1;
}
