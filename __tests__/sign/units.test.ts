import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProgressEvent } from '../../src/progress.js';
import { TimestampService } from '../../src/sign/authenticode/tsa.js';
import { Semaphore } from '../../src/sign/builtin.js';
import { chooseSigner } from '../../src/sign/index.js';
import { backoffDelay } from '../../src/sign/retry.js';
import { parseSigntoolVerify } from '../../src/sign/verify.js';
import { scratchDir } from '../helpers/tmp.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'sign');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const expectation = { index: 0, digest: 'sha256' as const, timestamped: true, selfSigned: false };

describe('signtool verify output (reconstructed shapes)', () => {
  it('reads trusted, untrusted-root and bad-digest results', () => {
    expect(parseSigntoolVerify(fixture('signtool-verify-trusted.txt'), '', 0, expectation)).toMatchObject({
      ok: true,
      chainTrusted: true,
      timestampTime: '2025-11-24T21:32:54.000Z',
    });
    expect(
      parseSigntoolVerify(
        fixture('signtool-verify-untrusted-root.txt'),
        fixture('signtool-verify-untrusted-root.stderr.txt'),
        1,
        { ...expectation, selfSigned: true },
      ),
    ).toMatchObject({
      ok: true,
      chainTrusted: false,
      detail: 'signature intact; chain not trusted, as expected (self-signed certificate)',
    });
    expect(
      parseSigntoolVerify(
        fixture('signtool-verify-bad-digest.txt'),
        fixture('signtool-verify-bad-digest.stderr.txt'),
        1,
        expectation,
      ).ok,
    ).toBe(false);
  });
});

describe('timestamp service: retries, demotion, time limit', () => {
  let server: http.Server;
  let base: string;
  const hits: Record<string, number> = {};
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const mode = (req.url ?? '/').slice(1);
      hits[mode] = (hits[mode] ?? 0) + 1;
      if (mode === '503') res.writeHead(503).end('busy');
      else if (mode === '404') res.writeHead(404).end();
      else if (mode === 'garbage') res.writeHead(200).end('not a TimeStampResp');
      // 'hung': accepts and never answers
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0.5))).toEqual([100, 200, 300, 300]);
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 0.999)).toBe(150);
  });

  it('retries a 5xx, not a 404; a failed server is demoted for the rest of the run; events say so', async () => {
    const events: ProgressEvent[] = [];
    const waits: number[] = [];
    const service = new TimestampService([`${base}/503`, `${base}/404`, `${base}/garbage`], {
      timeoutMs: 5_000,
      retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
      progress: (e) => events.push(e),
      wait: async (ms) => void waits.push(ms),
    });
    const before = { ...hits };
    await expect(service.stamp(Buffer.from('sig'), 'sha256')).rejects.toThrow(
      new RegExp(
        `^timestamping failed on every server: ${base}/503: HTTP 503 Service Unavailable \\(3 attempts\\); ${base}/404: HTTP 404 Not Found \\(1 attempt\\); ${base}/garbage: invalid reply`,
      ),
    );
    expect((hits['503'] ?? 0) - (before['503'] ?? 0)).toBe(3);
    expect((hits['404'] ?? 0) - (before['404'] ?? 0)).toBe(1);
    expect(events.filter((e) => e.kind === 'retry')).toHaveLength(2 + 2);
    expect(events.filter((e) => e.kind === 'demoted').map((e) => (e as { server: string }).server)).toEqual([
      `${base}/503`,
      `${base}/404`,
      `${base}/garbage`,
    ]);
    // The second file asks nobody: every server was demoted.
    const again = { ...hits };
    await expect(service.stamp(Buffer.from('sig2'), 'sha256')).rejects.toThrow(
      /earlier in this run; not asked again/,
    );
    expect(hits).toEqual(again);
    expect(service.demotedServers()).toHaveLength(3);
  });

  it('a server that never answers costs one time-out, then is skipped', async () => {
    const service = new TimestampService([`${base}/hung`], {
      timeoutMs: 300,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => service.stamp(Buffer.from(`s${i}`), 'sha256')),
    );
    await expect(service.stamp(Buffer.from('late'), 'sha256')).rejects.toThrow(
      /timed out after 0.3 s \(1 attempt\)|not asked again/,
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('CPU semaphore', () => {
  it('never runs more than its capacity at once', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 7 }, () =>
        semaphore.with(1, async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});

describe('which tool signs (signer input)', () => {
  const pfx = { kind: 'pkcs12-file' as const, path: 'a.pfx', password: 'x' };
  it('auto: signtool on Windows for PFX and store certificates, built-in elsewhere and for ephemeral keys', () => {
    expect(chooseSigner('auto', pfx, 'win32')).toBe('signtool');
    expect(chooseSigner('auto', { kind: 'thumbprint', thumbprint: 'AB' }, 'win32')).toBe('signtool');
    expect(chooseSigner('auto', { kind: 'ephemeral' }, 'win32')).toBe('built-in');
    expect(chooseSigner('auto', pfx, 'linux')).toBe('built-in');
    expect(chooseSigner('built-in', pfx, 'win32')).toBe('built-in');
  });
  it('refuses what cannot work, with the reason', () => {
    expect(() => chooseSigner('signtool', pfx, 'linux')).toThrow(/signtool runs only on Windows/);
    expect(() => chooseSigner('osslsigncode', pfx, 'linux')).toThrow(/never puts a key in either/);
    expect(() => chooseSigner('built-in', { kind: 'thumbprint', thumbprint: 'AB' }, 'win32')).toThrow(
      /store certificate signs with signtool/,
    );
    expect(() => chooseSigner('signtool', { kind: 'ephemeral' }, 'win32')).toThrow(/ephemeral/);
  });
  it('parses signer and timestamp-timeout', () => {
    const given: Record<string, string> = { signer: 'built-in', 'timestamp-timeout': '7' };
    const config = parseConfig((name) => given[name] ?? '', {});
    expect(config.sign.signer).toBe('built-in');
    expect(config.sign.timestampTimeoutMs).toBe(7_000);
    expect(parseConfig(() => '', {}).sign).toMatchObject({ signer: 'auto', timestampTimeoutMs: 30_000 });
    expect(() => parseConfig((name) => (name === 'signer' ? 'jsign' : ''), {})).toThrow(ConfigError);
  });
});

describe('two certificate sources (parseConfig)', () => {
  it('is one clear error', () => {
    const inputs: Record<string, string> = {
      sign: 'dist/*.exe',
      certificate: 'ephemeral',
      'certificate-file': 'cert.pfx',
    };
    expect(() => parseConfig((name) => inputs[name] ?? '', {})).toThrow(ConfigError);
    try {
      parseConfig((name) => inputs[name] ?? '', {});
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile, azure-key-vault-certificate or aws-kms-key), got certificate and certificate-file',
      ]);
    }
  });
});

describe('sign patterns', () => {
  it('are relative to the workspace, ! excludes, last match wins, files only, nothing printed', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { expandPatterns } = await import('../../src/platform/glob.js');
    const ws = scratchDir('gag-glob-[x] ');
    for (const f of [
      'dist/app.exe',
      'dist/debug/app.exe',
      'dist/ünï cødé.exe',
      'dist/.hidden.exe',
      'dist/README.md',
      'dist/dir.exe/x.txt',
    ]) {
      mkdirSync(path.dirname(path.join(ws, f)), { recursive: true });
      writeFileSync(path.join(ws, f), '');
    }
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (
      writes.push(String(chunk)),
      true
    )) as typeof process.stdout.write;
    try {
      const rel = async (patterns: string[]) =>
        (await expandPatterns(patterns, ws)).map((f) => path.relative(ws, f));
      // Wildcards skip dot-files (our own temp files are dot-files); naming one explicitly still works.
      expect(await rel(['dist/**/*.exe', '!dist/debug/**'])).toEqual(['dist/app.exe', 'dist/ünï cødé.exe']);
      expect(await rel(['dist/.hidden.exe'])).toEqual(['dist/.hidden.exe']);
      expect(await rel(['dist/*.exe', '!dist/*.exe', 'dist/app.exe'])).toEqual(['dist/app.exe']);
      expect(await rel([path.join(ws, 'dist', 'ünï cødé.exe')])).toEqual(['dist/ünï cødé.exe']);
      expect(await rel(['dist'])).toEqual([]);
      // Plain paths (no glob syntax) name one file each, as patterns and as exclusions.
      expect(await rel(['./dist/app.exe', 'dist/missing.exe'])).toEqual(['dist/app.exe']);
      expect(await rel(['dist/**/*.exe', '!dist/app.exe'])).toEqual([
        'dist/debug/app.exe',
        'dist/ünï cødé.exe',
      ]);
      expect(await rel(['dist/**/*.exe', '!dist/debug'])).toEqual([
        'dist/app.exe',
        'dist/debug/app.exe',
        'dist/ünï cødé.exe',
      ]);
    } finally {
      process.stdout.write = write;
    }
    expect(writes).toEqual([]);
  });
});

describe('wordSum', () => {
  it('is the sum of 16-bit little-endian words modulo 0xffff for short views at every offset', async () => {
    const { wordSum } = await import('../../src/sign/authenticode/image.js');
    const backing = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
    for (let offset = 0; offset < 8; offset++)
      for (let length = 0; length <= 24; length++) {
        const bytes = backing.subarray(offset, offset + length);
        let plain = 0;
        for (let at = 0; at < length; at += 2) plain += (bytes[at] as number) | ((bytes[at + 1] ?? 0) << 8);
        expect(wordSum(bytes), `offset ${offset}, length ${length}`).toBe(plain % 0xffff);
      }
  });
});

describe('peChecksum', () => {
  /** imagehlp's algorithm written plainly: 16-bit little-endian words, CheckSum as 0, carries folded, + size. */
  const reference = (bytes: Buffer, checksumOffset: number): number => {
    let sum = 0;
    for (let at = 0; at < bytes.length; at += 2) {
      if (at === checksumOffset || at === checksumOffset + 2) continue;
      sum += (bytes[at] as number) | ((bytes[at + 1] ?? 0) << 8);
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return ((sum & 0xffff) + (sum >>> 16) + bytes.length) >>> 0;
  };

  it.each([
    ['an even length', 200_001 * 2, 0],
    ['an odd length', 200_001 * 2 + 1, 0],
    ['more than one block', 3 * 16384 * 2 + 6, 0],
    ['a view at an odd offset', 70_001, 1],
    ['a view at an even offset not a multiple of 4', 70_002, 2],
    ['a length of 4n + 3', 70_003, 0],
    // 2^21 32-bit words of 0xffffffff pass 2^53, where a double stops counting exactly.
    ['over 8 MiB', 9 * 1024 * 1024 + 2, 0],
  ])('matches the plain algorithm for %s', async (_name, length, offset) => {
    const { randomBytes } = await import('node:crypto');
    const { peChecksum } = await import('../../src/sign/authenticode/image.js');
    const backing = Buffer.alloc(length + offset);
    randomBytes(length).copy(backing, offset);
    const bytes = backing.subarray(offset);
    expect(peChecksum(bytes, 0x98)).toBe(reference(bytes, 0x98));
    bytes.fill(0xff);
    expect(peChecksum(bytes, 0x98)).toBe(reference(bytes, 0x98));
  });
});
