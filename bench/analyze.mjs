// Benchmark: `analyze` (SHA-256 + section entropy + PE parsing in one streaming pass) against
// `openssl dgst -sha256` over the same >= 500 MB of real Go PE files, in the same run, plus the peak
// memory (maxRSS) of analyze on a 100 MB and a 500 MB file. Targets: median throughput >= 0.9x openssl over 5
// rounds, peak flat in file size (500 MB within 1.25x of 100 MB, and under 150 MB).
// GO_AV_GUARD_CLI points at another build of the CLI (e.g. one bundled to a temp folder).
//
//   npm run bench:analyze            (BENCH_DIR=/some/disk to put the big files elsewhere)
//
// It runs the bundled CLI (`node dist/cli/index.js analyze --json <files>`) when that CLI reports our
// per-file hashes; otherwise it bundles src/pe/index.ts with ncc into a temp folder and runs a tiny
// harness that calls analyzeFiles() the same way. The big files are deleted afterwards.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const MB = 1024 * 1024;
const work = mkdtempSync(path.join(process.env.BENCH_DIR || tmpdir(), 'gav-bench-analyze-'));

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  const seed = buildGoPe();
  // The 500 MB file grows its last section, so every byte goes through the entropy histogram as well as
  // the hash (the worst case); the two 100 MB files carry their padding as overlay (hash only).
  const big = padded(seed, 'big-500mb.exe', 500 * MB, 'section');
  const files = [
    big,
    padded(seed, 'overlay-a.exe', 100 * MB, 'overlay'),
    padded(seed, 'overlay-b.exe', 100 * MB, 'overlay'),
  ];
  const totalBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);

  const runner = await chooseRunner(seed);
  // Warm the page cache so both tools read from memory, then alternate and keep each tool's best run.
  await timed('openssl', ['dgst', '-sha256', ...files]);
  const openssl = [];
  const ours = [];
  for (let round = 0; round < 5; round++) {
    openssl.push((await timed('openssl', ['dgst', '-sha256', ...files])).seconds);
    const result = await runner.analyze(files);
    if (result.missing.length > 0) throw new Error(`analyze did not report: ${result.missing.join(', ')}`);
    ours.push(result.seconds);
  }
  const peak = await runner.analyze([big]);
  const peakSmall = await runner.analyze([files[1]]);

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const bestOpenssl = median(openssl);
  const bestOurs = median(ours);
  const mbps = (s) => totalBytes / MB / s;
  const ratio = mbps(bestOurs) / mbps(bestOpenssl);
  const peakMb = peak.maxRssKb / 1024;
  const figures = {
    runner: runner.name,
    files: files.map((f) => `${path.basename(f)} ${(statSync(f).size / MB).toFixed(0)} MB`),
    totalMB: Math.round(totalBytes / MB),
    opensslSeconds: openssl.map(round3),
    analyzeSeconds: ours.map(round3),
    opensslMBps: Math.round(mbps(bestOpenssl)),
    analyzeMBps: Math.round(mbps(bestOurs)),
    throughputRatio: round3(ratio),
    peakRssMB500: Math.round(peakMb),
    peakRssMB100: Math.round(peakSmall.maxRssKb / 1024),
    node: process.version,
  };
  console.log(JSON.stringify(figures, null, 2));
  const failures = [];
  if (ratio < 0.9) failures.push(`median throughput ${ratio.toFixed(2)}x openssl is below 0.9x`);
  if (peak.maxRssKb > 1.25 * peakSmall.maxRssKb)
    failures.push(
      `peak memory grows with file size: ${peakMb.toFixed(0)} MB on 500 MB vs ${(peakSmall.maxRssKb / 1024).toFixed(0)} MB on 100 MB`,
    );
  if (peakMb >= 150)
    failures.push(`peak memory ${peakMb.toFixed(0)} MB on the 500 MB file is not under 150 MB`);
  if (failures.length > 0) {
    console.error(failures.join('\n'));
    process.exitCode = 1;
  } else {
    console.log(
      `ok: analyze ${figures.throughputRatio}x openssl throughput, ${figures.peakRssMB500} MB peak on 500 MB`,
    );
  }
}

/** A real Windows PE from this machine's Go. */
function buildGoPe() {
  const src = path.join(work, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, 'go.mod'), 'module example.com/bench\n\ngo 1.17\n');
  writeFileSync(
    path.join(src, 'main.go'),
    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("bench") }\n',
  );
  const out = path.join(work, 'seed.exe');
  execFileSync('go', ['build', '-o', out, '-ldflags=-s -w', '.'], {
    cwd: src,
    env: { ...process.env, GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' },
    stdio: 'inherit',
  });
  return out;
}

/** Copies the seed PE and pads it to `size` with random bytes, as overlay or as part of its last section. */
function padded(seed, name, size, mode) {
  const bytes = Buffer.from(readFileSync(seed));
  const extra = size - bytes.length;
  if (mode === 'section') {
    const pe = bytes.readUInt32LE(0x3c);
    const count = bytes.readUInt16LE(pe + 6);
    const table = pe + 24 + bytes.readUInt16LE(pe + 20);
    let last = table;
    for (let i = 1; i < count; i++) {
      const s = table + i * 40;
      if (bytes.readUInt32LE(s + 20) > bytes.readUInt32LE(last + 20)) last = s;
    }
    if (bytes.readUInt32LE(last + 20) + bytes.readUInt32LE(last + 16) !== bytes.length) {
      throw new Error('the seed PE does not end with its last section');
    }
    bytes.writeUInt32LE(bytes.readUInt32LE(last + 16) + extra, last + 16); // SizeOfRawData
  }
  const file = path.join(work, name);
  const fd = openSync(file, 'w');
  writeSync(fd, bytes);
  // Random data in 8 MB blocks, each reused a few times: incompressible and cheap to make.
  const block = randomBytes(8 * MB);
  for (let left = extra; left > 0; left -= block.length)
    writeSync(fd, block, 0, Math.min(block.length, left));
  closeSync(fd);
  return file;
}

/** Runs a command, returns wall seconds, stdout and the child's peak RSS (from a preload that records it). */
function timed(file, args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${file} ${args.slice(0, 3).join(' ')} ... exited ${code}`));
      else resolve({ seconds, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

/** Node with a preload that writes process.resourceUsage().maxRSS (KB) to a file at exit. */
async function nodeMeasured(args) {
  const rssFile = path.join(work, `rss-${process.hrtime.bigint()}.json`);
  const preload = `data:text/javascript,${encodeURIComponent(
    `import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));`,
  )}`;
  const result = await timed(process.execPath, ['--import', preload, ...args]);
  return { ...result, maxRssKb: Number(readFileSync(rssFile, 'utf8')) };
}

async function chooseRunner(seed) {
  const seedHash = execFileSync('openssl', ['dgst', '-sha256', '-r', seed], { encoding: 'utf8' }).split(
    ' ',
  )[0];
  const cli = process.env.GO_AV_GUARD_CLI ?? path.join(root, 'dist', 'cli', 'index.js');
  const reported = (stdout, files, hashOf) => files.filter((f) => !stdout.includes(hashOf(f)));
  const hashes = new Map();
  const hashOf = (f) => {
    if (!hashes.has(f))
      hashes.set(
        f,
        execFileSync('openssl', ['dgst', '-sha256', '-r', f], { encoding: 'utf8' }).split(' ')[0],
      );
    return hashes.get(f);
  };
  try {
    const probe = await nodeMeasured([cli, 'analyze', '--json', seed]);
    if (probe.stdout.includes(seedHash)) {
      return {
        name: 'node dist/cli/index.js analyze --json',
        analyze: async (files) => {
          const r = await nodeMeasured([cli, 'analyze', '--json', ...files]);
          return { ...r, missing: reported(r.stdout, files, hashOf) };
        },
      };
    }
  } catch {
    /* no usable CLI: fall through to the bundled harness */
  }
  const bundle = path.join(work, 'pe-bundle');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
      'build',
      'src/pe/index.ts',
      '-o',
      bundle,
      '--quiet',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const harness = path.join(work, 'harness.mjs');
  writeFileSync(
    harness,
    `import { analyzeFiles } from ${JSON.stringify(path.join(bundle, 'index.js'))};\n` +
      `const files = await analyzeFiles(process.argv.slice(2));\n` +
      `process.stdout.write(JSON.stringify(files));\n`,
  );
  return {
    name: 'src/pe analyzeFiles (ncc bundle; dist/cli analyze did not report hashes)',
    analyze: async (files) => {
      const r = await nodeMeasured([harness, ...files]);
      return { ...r, missing: reported(r.stdout, files, hashOf) };
    },
  };
}

function round3(n) {
  return Math.round(n * 1000) / 1000;
}
