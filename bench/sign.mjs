#!/usr/bin/env node
// Benchmark: our `go-av-guard sign` (the action's main step, as the CLI runs it) against a plain sequential
// per-file `osslsigncode sign -ts URL` loop, on Go-built Windows PE files, against a local RFC 3161 TSA that
// answers concurrently and adds a fixed latency to every reply. Each (files, latency) pair runs `--runs` times and
// reports medians; also the Node process's CPU seconds and, from one extra run under strace, how many processes it
// starts per file. Self-contained: certificates, TSA and Go build.
// The TSA (--tsa): `node` (default) answers in this process (bench/tsa.mjs: asn1-schema and node:crypto, about
// 1.5 ms of CPU per reply); `openssl` runs `openssl ts -reply` per request (about 20 ms of CPU each). A real TSA is
// remote, so its CPU is not the runner's; on a small runner, 40 concurrent openssl replies take ~0.85 s of CPU
// from the process being measured. The openssl TSA stays available to reproduce figures taken before the
// in-process one existed.
// Needs: node >= 24, go, osslsigncode, openssl (strace optional), and the bundled CLI (dist/cli/index.js).
// Usage: node bench/sign.mjs [--files 40,64] [--latency-ms 100,150] [--runs 5] [--tsa node|openssl] [--profile DIR]
// --compare OTHER_CLI: instead of the osslsigncode loop, runs this CLI and another build of it (e.g. one
// bundled from another commit with `node scripts/bundle.mjs --out DIR --only cli`) in turn, same files and TSA,
// and prints the medians of both (an A/B of a change; no 8x check).
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchCa, CODE_SIGNING_EXTENSIONS, TSA_EXTENSIONS } from './pki.mjs';
import { createTsaReply, serveTsa } from './tsa.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
// GO_AV_GUARD_CLI points at another build of the CLI (e.g. one bundled to a temp folder).
const cli = process.env.GO_AV_GUARD_CLI ?? path.join(here, '..', 'dist', 'cli', 'index.js');
const list = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1].split(',').map(Number) : fallback;
};
const FILE_COUNTS = list('files', [40, 64]);
const LATENCIES = list('latency-ms', [100, 150]);
const RUNS = list('runs', [5])[0];
const MIN_RATIO = 8;
const TSA_KIND = process.argv.includes('--tsa') ? process.argv[process.argv.indexOf('--tsa') + 1] : 'node';
if (TSA_KIND !== 'node' && TSA_KIND !== 'openssl') {
  console.error(`--tsa must be node or openssl, not ${TSA_KIND}`);
  process.exit(2);
}
const TSA_LABEL = TSA_KIND === 'node' ? 'TSA in-process (node)' : 'TSA openssl ts -reply per request';
const COMPARE_ARG = process.argv.includes('--compare')
  ? (process.argv[process.argv.indexOf('--compare') + 1] ?? '')
  : undefined;
if (COMPARE_ARG !== undefined && (COMPARE_ARG === '' || COMPARE_ARG.startsWith('--'))) {
  console.error('--compare needs the path of another build of the CLI (its dist/cli/index.js)');
  process.exit(2);
}
const COMPARE = COMPARE_ARG === undefined ? undefined : path.resolve(COMPARE_ARG);
// --profile DIR: our runs write V8 CPU profiles (.cpuprofile) there, for Chrome DevTools or speedscope.
const PROFILE_DIR = process.argv.includes('--profile')
  ? path.resolve(process.argv[process.argv.indexOf('--profile') + 1])
  : undefined;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
// Preloaded into the CLI: writes the process's own CPU time (user + system, seconds) at exit.
const CPU_PROBE = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeFileSync(process.env.GAG_BENCH_CPU_FILE, String((u.user + u.system) / 1e6)); });",
)}`;
const PASSWORD_VAR = 'GO_AV_GUARD_BENCH_PFX_PASSWORD';
const PASSWORD = 'bench "pässword" $(whoami);';

const work = await mkdtemp(path.join(tmpdir(), 'gag-bench-sign-'));
const at = (...p) => path.join(work, ...p);
let tsa;
try {
  // --- certificates: a CA, a TSA (critical timeStamping EKU), a code-signing leaf, and its PFX ---
  const { openssl, issue } = await benchCa(work, 'Bench CA', { ...process.env, [PASSWORD_VAR]: PASSWORD });
  await issue('tsa', 'Bench TSA', TSA_EXTENSIONS);
  await issue('leaf', 'Bench Signer', CODE_SIGNING_EXTENSIONS);
  await openssl(
    'pkcs12',
    '-export',
    '-inkey',
    at('leaf.key'),
    '-in',
    at('leaf.pem'),
    '-certfile',
    at('ca.pem'),
    '-passout',
    `env:${PASSWORD_VAR}`,
    '-out',
    at('leaf.pfx'),
  );

  // --- a local TSA, concurrent, with a fixed latency before each reply: in-process, or `openssl ts -reply` per
  // request (own config and serial file each) ---
  let opensslReplies = 0;
  const opensslReply = async (query) => {
    const id = ++opensslReplies;
    const f = (ext) => at('tsa', `${id}.${ext}`);
    await writeFile(f('tsq'), query);
    await writeFile(f('serial'), `${id.toString(16).padStart(4, '0')}\n`);
    await writeFile(
      f('cnf'),
      [
        '[ tsa ]',
        'default_tsa = t',
        '[ t ]',
        `serial = ${f('serial')}`,
        'crypto_device = builtin',
        `signer_cert = ${at('tsa.pem')}`,
        `certs = ${at('ca.pem')}`,
        `signer_key = ${at('tsa.key')}`,
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha1, sha256, sha384, sha512',
        'accuracy = secs:1',
        'ess_cert_id_alg = sha256',
        '',
      ].join('\n'),
    );
    await run('openssl', ['ts', '-reply', '-config', f('cnf'), '-queryfile', f('tsq'), '-out', f('tsr')]);
    return readFile(f('tsr'));
  };
  await mkdir(at('tsa'));
  tsa = await serveTsa(
    TSA_KIND === 'node'
      ? createTsaReply({
          certPem: await readFile(at('tsa.pem')),
          keyPem: await readFile(at('tsa.key')),
          caPem: await readFile(at('ca.pem')),
          policy: '1.2.3.4.1',
        })
      : opensslReply,
  );
  const tsaUrl = tsa.url;

  // --- 64 copies of one Go-built PE, for each side ---
  await mkdir(at('go'));
  await writeFile(at('go', 'go.mod'), 'module bench\n\ngo 1.19\n');
  await writeFile(
    at('go', 'main.go'),
    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("bench") }\n',
  );
  await run('go', ['build', '-o', 'bench.exe', '.'], {
    cwd: at('go'),
    env: { ...process.env, GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' },
  });
  const failures = [];
  for (const FILES of FILE_COUNTS) {
    for (const LATENCY_MS of LATENCIES) {
      tsa.latencyMs = LATENCY_MS;
      const names = Array.from({ length: FILES }, (_, i) => `app-${String(i).padStart(2, '0')}.exe`);
      const fresh = async (side) => {
        await rm(at(side), { recursive: true, force: true });
        await mkdir(at(side));
        for (const name of names) await copyFile(at('go', 'bench.exe'), at(side, name));
      };
      const baseline = async () => {
        await fresh('baseline');
        const start = performance.now();
        for (const name of names) {
          const file = at('baseline', name);
          await run('osslsigncode', [
            'sign',
            '-certs',
            at('leaf.pem'),
            '-key',
            at('leaf.key'),
            '-h',
            'sha256',
            '-ts',
            tsaUrl,
            '-in',
            file,
            '-out',
            `${file}.signed`,
          ]);
          await rename(`${file}.signed`, file);
        }
        return performance.now() - start;
      };
      const signArgs = (build) => [
        build,
        'sign',
        '--json',
        '--certificate-file',
        at('leaf.pfx'),
        '--certificate-password-env',
        PASSWORD_VAR,
        '--timestamp-urls',
        tsaUrl,
        ...names.map((n) => at('ours', n)),
      ];
      const oursArgs = signArgs(cli);
      const oursEnv = {
        ...process.env,
        [PASSWORD_VAR]: PASSWORD,
        RUNNER_TEMP: at('runner-temp'),
        GAG_BENCH_CPU_FILE: at('cpu.txt'),
      };
      const ours = async (build = cli) => {
        await fresh('ours');
        const start = performance.now();
        const result = await run(
          process.execPath,
          [
            ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []),
            '--import',
            CPU_PROBE,
            ...signArgs(build),
          ],
          {
            cwd: at('ours'),
            env: oursEnv,
            maxBuffer: 64 * 1024 * 1024,
          },
        ).catch((error) => error);
        const ms = performance.now() - start;
        if (result.code)
          throw new Error(
            `go-av-guard sign failed (exit ${result.code}):\n${result.stderr}\n${String(result.stdout).slice(0, 4000)}`,
          );
        return { ms, cpu: Number(await readFile(at('cpu.txt'), 'utf8')) };
      };
      if (COMPARE) {
        // Interleaved, so a change in the host's speed reaches both builds alike.
        const builds = [cli, COMPARE];
        for (const build of builds) await ours(build);
        const times = builds.map(() => ({ ms: [], cpu: [] }));
        for (let i = 0; i < RUNS; i++)
          for (const [j, build] of builds.entries()) {
            const o = await ours(build);
            times[j].ms.push(o.ms);
            times[j].cpu.push(o.cpu);
          }
        const [a, b] = times.map((t) => ({ ms: median(t.ms), cpu: median(t.cpu) }));
        console.log(
          `files ${FILES}, latency ${LATENCY_MS} ms, ${RUNS} runs each: this build ${(a.ms / 1000).toFixed(3)} s (CPU ${a.cpu.toFixed(3)} s), ` +
            `${COMPARE} ${(b.ms / 1000).toFixed(3)} s (CPU ${b.cpu.toFixed(3)} s); this build / the other: ` +
            `wall ${(a.ms / b.ms).toFixed(3)}x, CPU ${(a.cpu / b.cpu).toFixed(3)}x`,
        );
        continue;
      }
      // One untimed run of each side first, in the first configuration: both find the Go files, the tools
      // and Node's compile cache warm, as every later run does.
      if (FILES === FILE_COUNTS[0] && LATENCY_MS === LATENCIES[0]) {
        await baseline();
        await ours();
      }
      const baseMs = [];
      const oursMs = [];
      const cpu = [];
      const ratios = [];
      for (let i = 0; i < RUNS; i++) {
        const b = await baseline();
        const o = await ours();
        baseMs.push(b);
        oursMs.push(o.ms);
        cpu.push(o.cpu);
        ratios.push(b / o.ms);
      }
      // Both sides really produced verifiable, timestamped signatures.
      for (const side of ['baseline', 'ours']) {
        for (const name of names) {
          const { stdout } = await run('osslsigncode', [
            'verify',
            '-in',
            at(side, name),
            '-CAfile',
            at('ca.pem'),
            '-TSA-CAfile',
            at('ca.pem'),
          ]);
          if (!/Timestamp time:/.test(stdout)) throw new Error(`${side}/${name}: no timestamp`);
        }
      }
      // Processes our CLI starts, from one untimed run under strace (execve of the CLI itself not counted).
      let perFile = 'n/a (no strace)';
      try {
        await fresh('ours');
        const trace = at('strace.txt');
        await run('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', trace, process.execPath, ...oursArgs], {
          cwd: at('ours'),
          env: oursEnv,
          maxBuffer: 64 * 1024 * 1024,
        });
        const execs = (await readFile(trace, 'utf8'))
          .split('\n')
          .filter((l) => /execve\(/.test(l) && !/ENOENT/.test(l));
        perFile = ((execs.length - 1) / FILES).toFixed(2);
      } catch {
        /* strace missing or not permitted */
      }
      const ratio = median(baseMs) / median(oursMs);
      console.log(
        `files ${FILES}, ${TSA_LABEL}, latency ${LATENCY_MS} ms, ${RUNS} runs: osslsigncode loop ${(median(baseMs) / 1000).toFixed(2)} s, ` +
          `go-av-guard sign ${(median(oursMs) / 1000).toFixed(2)} s (median ratio of runs ${median(ratios).toFixed(1)}x, ratio of medians ${ratio.toFixed(1)}x; ` +
          `runs ${ratios.map((r) => r.toFixed(1)).join(' ')}), Node CPU ${median(cpu).toFixed(2)} s, processes per file ${perFile}`,
      );
      if (ratio < MIN_RATIO)
        failures.push(`${FILES} files / ${LATENCY_MS} ms: ${ratio.toFixed(1)}x < ${MIN_RATIO}x`);
    }
  }
  console.log(`TSA requests served: ${tsa.requests} (${TSA_LABEL})`);
  if (failures.length > 0) {
    console.log(`below the required ${MIN_RATIO}x: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
} finally {
  tsa?.close();
  await rm(work, { recursive: true, force: true });
}
