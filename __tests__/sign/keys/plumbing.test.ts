import { generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ecdsaJoseToDer,
  joseAlgorithm,
  orderChain,
  parseCertificates,
} from '../../../src/sign/keys/certs.js';
import {
  fetchWithRetry,
  limitConcurrency,
  retryAfterMs,
  serviceDetail,
  DEFAULT_REMOTE_POLICY,
} from '../../../src/sign/keys/remote.js';
import { pkcs7Of } from '../../helpers/azure-artifact-signing.js';
import { makeTestPki, type TestPki } from '../../helpers/pki.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

describe('certificate plumbing', () => {
  let work: string;
  let pki: TestPki;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gag-certs-'));
    pki = makeTestPki(work);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const subjects = (certs: Uint8Array[]) =>
    certs.map((c) => new X509Certificate(c).subject.split('\n').at(-1));

  it('reads PEM, a DER PKCS#7 and the double-base64 PKCS#7 Artifact Signing answers, and orders each leaf first', () => {
    const p7 = pkcs7Of([pki.ca, pki.leaf]);
    const want = ['CN=Leaf Signer', 'CN=go-av-guard Test CA'];
    expect(subjects(orderChain(parseCertificates(`${pki.ca.certPem}${pki.leaf.certPem}`)))).toEqual(want);
    expect(subjects(orderChain(parseCertificates(p7)))).toEqual(want);
    expect(
      subjects(orderChain(parseCertificates(Buffer.from(p7.toString('base64')).toString('base64')))),
    ).toEqual(want);
    expect(subjects(parseCertificates(new X509Certificate(pki.leaf.certPem).raw))).toEqual([
      'CN=Leaf Signer',
    ]);
  });

  it('turns a JOSE r||s ECDSA signature into the DER CMS carries', () => {
    for (const curve of ['P-256', 'P-384', 'P-521']) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 8; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, ecdsaJoseToDer(raw))).toBe(
          true,
        );
      }
    }
    expect(joseAlgorithm('rsa', 'sha384')).toBe('RS384');
    expect(joseAlgorithm('ecdsa', 'sha512')).toBe('ES512');
  });
});

describe('remote plumbing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(10_000 + 3_000).toUTCString(), 10_000)).toBe(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('keeps at most `limit` calls running, in call order', async () => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const work = limitConcurrency(2, async (n: number) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(n);
      running--;
      return n * 2;
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => work(n)))).toEqual([2, 4, 6, 8, 10]);
    expect(peak).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual([1, 2]);
  });

  it('retries 429/503 after Retry-After, and stops at once on 403', async () => {
    const answers = [429, 503, 200, 403];
    let seen = 0;
    const server = http.createServer((_req, res) => {
      const status = answers[seen++] ?? 500;
      res
        .writeHead(status, status === 200 ? {} : { 'Retry-After': '1' })
        .end(JSON.stringify({ error: { code: 'C', message: `m${status}` } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const waits: number[] = [];
    const policy = { ...DEFAULT_REMOTE_POLICY, wait: async (ms: number) => void waits.push(ms) };
    try {
      const ok = await fetchWithRetry(url, () => ({}), policy);
      expect([ok.status, ok.attempts, waits]).toEqual([200, 3, [1000, 1000]]);
      const refused = await fetchWithRetry(url, () => ({}), policy);
      expect([refused.status, refused.attempts, serviceDetail(refused.body)]).toEqual([403, 1, 'C: m403']);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('gives up with the reason when nothing answers', async () => {
    // A port that was just free: nothing listens there any more.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const policy = { ...DEFAULT_REMOTE_POLICY, attempts: 2, wait: async () => undefined };
    await expect(fetchWithRetry(`http://127.0.0.1:${port}/`, () => ({}), policy)).rejects.toThrow(
      /^no answer after 2 tries \(.*ECONNREFUSED/,
    );
  });
});
