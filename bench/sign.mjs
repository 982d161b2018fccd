#!/usr/bin/env node
// Benchmark: our `go-av-guard sign` against a plain sequential per-file `osslsigncode sign -ts URL` loop,
// on 64 Go-built Windows PE files, against a local RFC 3161 TSA (`openssl ts -reply`) that adds 100 ms to
// every reply. Self-contained: its own certificates (openssl), its own TSA, its own Go build.
// Needs: node >= 24, go, osslsigncode, openssl, and the bundled CLI (dist/cli/index.js).
// Usage: node bench/sign.mjs [--files 64] [--latency-ms 100] [--concurrency 32]
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
// GO_AV_GUARD_CLI points at another build of the CLI (e.g. one bundled to a temp folder).
const cli = process.env.GO_AV_GUARD_CLI ?? path.join(here, '..', 'dist', 'cli', 'index.js');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const FILES = arg('files', 64);
const LATENCY_MS = arg('latency-ms', 100);
const CONCURRENCY = arg('concurrency', 32);
const MIN_RATIO = 5;
const PASSWORD_VAR = 'GO_AV_GUARD_BENCH_PFX_PASSWORD';
const PASSWORD = 'bench "pässword" $(whoami);';

const work = await mkdtemp(path.join(tmpdir(), 'gag-bench-sign-'));
const at = (...p) => path.join(work, ...p);
let server;
try {
  // --- certificates: a CA, a TSA (critical timeStamping EKU), a code-signing leaf, and its PFX ---
  const openssl = (...args) => run('openssl', args, { env: { ...process.env, [PASSWORD_VAR]: PASSWORD } });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Bench CA',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const issue = async (name, cn, ext) => {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    await writeFile(at(`${name}.ext`), ext);
    await openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-set_serial',
      String(Date.now() % 1e9),
      '-out',
      at(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
    );
  };
  await issue(
    'tsa',
    'Bench TSA',
    'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  await issue(
    'leaf',
    'Bench Signer',
    'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n',
  );
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

  // --- a local TSA: `openssl ts -reply` per request, own config and serial file each, plus fixed latency ---
  let requests = 0;
  const reply = async (query) => {
    const id = ++requests;
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
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        await new Promise((r) => setTimeout(r, LATENCY_MS));
        res
          .writeHead(200, { 'content-type': 'application/timestamp-reply' })
          .end(await reply(Buffer.concat(chunks)));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const tsaUrl = `http://127.0.0.1:${server.address().port}/`;

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
  const names = Array.from({ length: FILES }, (_, i) => `app-${String(i).padStart(2, '0')}.exe`);
  for (const side of ['baseline', 'ours']) {
    await mkdir(at(side));
    for (const name of names) await copyFile(at('go', 'bench.exe'), at(side, name));
  }

  // --- baseline: one `osslsigncode sign -ts` per file, one after the other ---
  const baselineStart = performance.now();
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
  const baselineMs = performance.now() - baselineStart;

  // --- ours: the bundled CLI, as a user would call it ---
  const oursStart = performance.now();
  const ours = await run(
    process.execPath,
    [
      cli,
      'sign',
      '--json',
      '--certificate-file',
      at('leaf.pfx'),
      '--certificate-password-env',
      PASSWORD_VAR,
      '--timestamp-urls',
      tsaUrl,
      '--concurrency',
      String(CONCURRENCY),
      ...names.map((n) => at('ours', n)),
    ],
    {
      cwd: at('ours'),
      env: { ...process.env, [PASSWORD_VAR]: PASSWORD, RUNNER_TEMP: at('runner-temp') },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error) => error);
  const oursMs = performance.now() - oursStart;
  if (ours.code)
    throw new Error(
      `go-av-guard sign failed (exit ${ours.code}):\n${ours.stderr}\n${String(ours.stdout).slice(0, 4000)}`,
    );

  // --- both sides really produced verifiable, timestamped signatures ---
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

  const ratio = baselineMs / oursMs;
  console.log(
    `files: ${FILES}, TSA latency: ${LATENCY_MS} ms, concurrency: ${CONCURRENCY}, TSA requests: ${requests}`,
  );
  console.log(`sequential osslsigncode loop: ${(baselineMs / 1000).toFixed(2)} s`);
  console.log(`go-av-guard sign (CLI, incl. start-up, verify): ${(oursMs / 1000).toFixed(2)} s`);
  console.log(`speed-up: ${ratio.toFixed(1)}x (required: >= ${MIN_RATIO}x)`);
  if (ratio < MIN_RATIO) process.exitCode = 1;
} finally {
  server?.closeAllConnections();
  server?.close();
  await rm(work, { recursive: true, force: true });
}
