import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestPki } from './pki.js';

const execFileAsync = promisify(execFile);

export type TsaMode = 'good' | '503' | 'garbage' | 'slow';

/** A real RFC 3161 timestamp authority on 127.0.0.1: `openssl ts -reply` behind node:http. */
export interface TestTsa {
  /** http://127.0.0.1:<port>/<mode> */
  url(mode: TsaMode): string;
  /** A port nothing listens on: connection refused. */
  refusedUrl: string;
  /** Requests seen per mode. */
  requests: Record<TsaMode, number>;
  close(): Promise<void>;
}

/**
 * Modes by URL path: good (a real reply), 503 (Service Unavailable), garbage (200 with bytes that are no
 * TimeStampResp), slow (a real reply after `slowMs`). Each request gets its own config and serial file,
 * so concurrent requests never race on openssl's serial counter.
 */
export async function startTsa(pki: TestPki, options: { slowMs?: number } = {}): Promise<TestTsa> {
  const work = mkdtempSync(path.join(tmpdir(), 'gag-tsa-'));
  const requests: Record<TsaMode, number> = { good: 0, '503': 0, garbage: 0, slow: 0 };
  let counter = 0;
  const reply = async (query: Buffer): Promise<Buffer> => {
    const id = `${process.pid}-${++counter}`;
    const queryFile = path.join(work, `${id}.tsq`);
    const replyFile = path.join(work, `${id}.tsr`);
    const serialFile = path.join(work, `${id}.serial`);
    const configFile = path.join(work, `${id}.cnf`);
    await writeFile(queryFile, query);
    await writeFile(serialFile, `${counter.toString(16).padStart(4, '0')}\n`);
    await writeFile(configFile, tsaConfig(pki, serialFile));
    await execFileAsync('openssl', [
      'ts',
      '-reply',
      '-config',
      configFile,
      '-queryfile',
      queryFile,
      '-out',
      replyFile,
    ]);
    return readFile(replyFile);
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const mode = (req.url ?? '/').slice(1) as TsaMode;
      if (mode in requests) requests[mode]++;
      const answer = async (): Promise<void> => {
        if (mode === '503') {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
        } else if (mode === 'garbage') {
          res
            .writeHead(200, { 'content-type': 'application/timestamp-reply' })
            .end(Buffer.from('this is not a TimeStampResp'));
        } else if (mode === 'good' || mode === 'slow') {
          if (mode === 'slow') await new Promise((r) => setTimeout(r, options.slowMs ?? 100));
          const body = await reply(Buffer.concat(chunks));
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body);
        } else {
          res.writeHead(404).end();
        }
      };
      answer().catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const refusedUrl = `http://127.0.0.1:${await closedPort()}/`;
  return {
    url: (mode) => `http://127.0.0.1:${port}/${mode}`,
    refusedUrl,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(work, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/** A port that was free a moment ago and now has no listener. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function tsaConfig(pki: TestPki, serialFile: string): string {
  return [
    '[ tsa ]',
    'default_tsa = tsa_config1',
    '[ tsa_config1 ]',
    `serial = ${serialFile}`,
    'crypto_device = builtin',
    `signer_cert = ${pki.tsa.certFile}`,
    `certs = ${pki.ca.certFile}`,
    `signer_key = ${pki.tsa.keyFile}`,
    'signer_digest = sha256',
    'default_policy = 1.2.3.4.1',
    'digests = sha1, sha256, sha384, sha512',
    'accuracy = secs:1',
    'ordering = yes',
    'tsa_name = yes',
    'ess_cert_id_chain = no',
    'ess_cert_id_alg = sha256',
    '',
  ].join('\n');
}
