import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { backoffDelay, withRetries, type AttemptOutcome } from '../../src/sign/retry.js';
import { classifyTimestampFailure, timestampWithFailover } from '../../src/sign/timestamp.js';
import { parseOsslsigncodeVerify, parseSigntoolVerify } from '../../src/sign/verify.js';
import { mapWithConcurrency } from '../../src/sign/pool.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'sign');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const expectation = { index: 0, digest: 'sha256' as const, timestamped: true, selfSigned: false };

describe('osslsigncode verify output (captured)', () => {
  it('accepts a trusted, timestamped signature', () => {
    expect(
      parseOsslsigncodeVerify(fixture('osslsigncode-verify-timestamped.txt'), '', 0, expectation),
    ).toMatchObject({
      ok: true,
      chainTrusted: true,
      timestamped: true,
      timestampTrusted: true,
      digest: 'sha256',
      timestampTime: '2026-11-24T21:32:54.000Z',
    });
  });
  it('tells an untrusted chain (digest matches) apart from a broken signature', () => {
    const untrusted = parseOsslsigncodeVerify(
      fixture('osslsigncode-verify-untrusted.txt'),
      '',
      1,
      expectation,
    );
    expect(untrusted).toMatchObject({ ok: true, chainTrusted: false, timestampTrusted: false });
    expect(untrusted.detail).toMatch(
      /^file digest matches; chain not trusted on this machine \(unable to get local issuer certificate\)/,
    );
    expect(
      parseOsslsigncodeVerify(fixture('osslsigncode-verify-untrusted.txt'), '', 1, {
        ...expectation,
        selfSigned: true,
      }).detail,
    ).toMatch(/chain not trusted, as expected/);
    expect(
      parseOsslsigncodeVerify(fixture('osslsigncode-verify-tampered.txt'), '', 1, expectation),
    ).toMatchObject({
      ok: false,
      detail: 'signature broken: the file digest does not match the signed digest',
    });
  });
  it('fails on the wrong digest, a missing timestamp or a missing signature index', () => {
    expect(
      parseOsslsigncodeVerify(fixture('osslsigncode-verify-timestamped.txt'), '', 0, {
        ...expectation,
        digest: 'sha512',
      }).detail,
    ).toBe('signature uses digest sha256, but sha512 was asked for');
    const noTimestamp = fixture('osslsigncode-verify-timestamped.txt').replace(/Timestamp time:.*\n/, '');
    expect(parseOsslsigncodeVerify(noTimestamp, '', 0, expectation)).toMatchObject({
      ok: false,
      detail: 'the signature has no timestamp',
    });
    expect(
      parseOsslsigncodeVerify(fixture('osslsigncode-verify-timestamped.txt'), '', 0, {
        ...expectation,
        index: 1,
      }).ok,
    ).toBe(false);
  });
});

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

describe('timestamp retries and failover', () => {
  it('classifies real osslsigncode failures', () => {
    expect(
      classifyTimestampFailure(
        'error:1E800069:HTTP routines:parse_http_line1:received error:../crypto/http/http_client.c:490:code=503, reason=Service Unavailable',
        false,
      ),
    ).toEqual({ transient: true, message: 'HTTP 503 Service Unavailable' });
    expect(classifyTimestampFailure('received error:code=404, reason=Not Found', false)).toEqual({
      transient: false,
      message: 'HTTP 404 Not Found',
    });
    expect(classifyTimestampFailure('system library:BIO_connect:Connection refused', false)).toEqual({
      transient: true,
      message: 'connection refused',
    });
    expect(classifyTimestampFailure('Failed to convert timestamp reply from http://x', false).transient).toBe(
      true,
    );
    expect(classifyTimestampFailure('', true)).toEqual({ transient: true, message: 'timed out' });
  });

  it('backs off exponentially with jitter, capped', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0.5))).toEqual([100, 200, 300, 300]);
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 0.999)).toBe(150);
  });

  it('retries transient failures, not permanent ones, and moves on to the next server', async () => {
    const waits: number[] = [];
    const seen: string[] = [];
    const outcomes: Record<string, AttemptOutcome<string>> = {
      a: { ok: false, transient: true, message: 'connection refused' },
      b: { ok: false, transient: false, message: 'HTTP 404 Not Found' },
      c: { ok: true, value: 'out' },
    };
    const result = await timestampWithFailover(
      ['a', 'b', 'c'],
      { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
      async (url) => (seen.push(url), outcomes[url] as AttemptOutcome<string>),
      async (ms) => void waits.push(ms),
    );
    expect(result).toEqual({ ok: true, server: 'c', file: 'out' });
    expect(seen).toEqual(['a', 'a', 'a', 'b', 'c']);
    expect(waits).toHaveLength(2);
    const { attempts } = await withRetries(
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      async () => outcomes.b as AttemptOutcome<string>,
      async () => undefined,
    );
    expect(attempts).toBe(1);
  });
});

describe('worker pool', () => {
  it('never runs more than the limit, nor more workers than items, and keeps order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
    let started = 0;
    await mapWithConcurrency([1], 16, async () => void started++);
    expect(started).toBe(1);
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
        'certificate: give exactly one certificate source (certificate, certificate-file, certificate-thumbprint, pkcs11-key, artifact-signing-profile or azure-key-vault-certificate), got certificate and certificate-file',
      ]);
    }
  });
});

describe('sign patterns', () => {
  it('are relative to the workspace, ! excludes, last match wins, files only, nothing printed', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { expandPatterns } = await import('../../src/platform/glob.js');
    const ws = mkdtempSync(path.join(tmpdir(), 'gag-glob-[x] '));
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
    } finally {
      process.stdout.write = write;
    }
    expect(writes).toEqual([]);
  });
});
