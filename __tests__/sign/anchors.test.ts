import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';
import { OID } from '../../src/sign/authenticode/oids.js';
import { chainProblems } from '../../src/sign/authenticode/verify.js';
import { issue, type Issued } from '../helpers/pki.js';

describe('trust anchors found by name', () => {
  let dir: string;
  let first: Issued;
  let second: Issued;
  let leaf: X509Certificate;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-anchors-'));
    // Two roots of one name (a renewed key, as CAs do): only the second signed the leaf.
    first = issue(dir, 'first', { cn: 'Same Name Root', ca: true });
    second = issue(dir, 'second', { cn: 'Same Name Root', ca: true });
    leaf = new X509Certificate(
      issue(dir, 'leaf', { cn: 'Leaf', issuer: second, eku: ['codeSigning'] }).certPem,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const problems = (pems: string[], cert = leaf): string[] =>
    chainProblems(cert, [], readAnchors(pems), new Date(), OID.codeSigning);

  it('tries every anchor of the issuer name and trusts the one that signed', () => {
    expect(problems([first.certPem, second.certPem])).toEqual([]);
    expect(problems([second.certPem, first.certPem])).toEqual([]);
  });

  it('does not trust a chain whose issuer name has no anchor that signed it (no verdict reused across sets)', () => {
    expect(problems([second.certPem])).toEqual([]);
    expect(problems([first.certPem])).toEqual([
      expect.stringMatching(/^no trust anchor for CN=Same Name Root/),
    ]);
    expect(problems([])).toEqual([expect.stringMatching(/^no trust anchor/)]);
  });

  it('trusts a certificate that is itself an anchor', () => {
    const root = new X509Certificate(first.certPem);
    const anchors = readAnchors([first.certPem]);
    expect(anchors.includes(root)).toBe(true);
    expect(anchors.includes(new X509Certificate(second.certPem))).toBe(false);
  });

  it('skips entries that are not certificates and counts the rest', () => {
    const junk = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----';
    const anchors = readAnchors([`${junk}\n${first.certPem}`, second.certPem]);
    expect(anchors.size).toBe(2);
    expect(
      anchors
        .issuersOf(leaf)
        .map((a) => a.fingerprint256)
        .sort(),
    ).toEqual([first, second].map((c) => new X509Certificate(c.certPem).fingerprint256).sort());
  });

  it('builds the path for each pool of certificates the signature carries (no verdict reused across pools)', () => {
    const root = issue(dir, 'pool-root', { cn: 'Pool Root', ca: true });
    const middle = issue(dir, 'pool-middle', { cn: 'Pool Middle', ca: true, issuer: root });
    const end = new X509Certificate(
      issue(dir, 'pool-leaf', { cn: 'Pool Leaf', issuer: middle, eku: ['codeSigning'] }).certPem,
    );
    const anchors = readAnchors([root.certPem]);
    const check = (pool: X509Certificate[]) => chainProblems(end, pool, anchors, new Date(), OID.codeSigning);
    expect(check([new X509Certificate(middle.certPem)])).toEqual([]);
    expect(check([])).toEqual([expect.stringMatching(/^no trust anchor for .*Pool Middle/)]);
  });

  it('checks validity at each time asked, also within one hour', () => {
    const root = issue(dir, 'time-root', { cn: 'Time Root', ca: true });
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const expires = new Date(hour - 3 * 3_600_000 + 30 * 60_000);
    const end = new X509Certificate(
      issue(dir, 'time-leaf', { cn: 'Time Leaf', issuer: root, eku: ['codeSigning'], notAfter: expires })
        .certPem,
    );
    const anchors = readAnchors([root.certPem]);
    const at = (minutes: number) =>
      chainProblems(end, [], anchors, new Date(expires.getTime() + minutes * 60_000), OID.codeSigning);
    expect(at(-10)).toEqual([]);
    expect(at(10)).toEqual([expect.stringMatching(/^CN=Time Leaf\b.* was not valid at /)]);
  });

  it('does not take an end-entity certificate as an issuer, even one without keyUsage', () => {
    // openssl makes what OpenSSL's own issuer check lets through: CA:FALSE and no keyUsage extension.
    const at = (name: string) => path.join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('r.key'),
      '-out',
      at('r.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=Real Root',
      '-addext',
      'basicConstraints=critical,CA:true',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
    writeFileSync(at('leaf.ext'), 'basicConstraints=CA:false\nextendedKeyUsage=codeSigning\n');
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('l.key'),
      '-out',
      at('l.csr'),
      '-subj',
      '/CN=Legit Signer',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      at('l.csr'),
      '-CA',
      at('r.pem'),
      '-CAkey',
      at('r.key'),
      '-set_serial',
      '2',
      '-days',
      '2',
      '-extfile',
      at('leaf.ext'),
      '-out',
      at('l.pem'),
    );
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      at('f.key'),
      '-out',
      at('f.csr'),
      '-subj',
      '/CN=Forged Vendor',
    );
    openssl(
      'x509',
      '-req',
      '-in',
      at('f.csr'),
      '-CA',
      at('l.pem'),
      '-CAkey',
      at('l.key'),
      '-set_serial',
      '3',
      '-days',
      '2',
      '-extfile',
      at('leaf.ext'),
      '-out',
      at('f.pem'),
    );
    const legit = new X509Certificate(readFileSync(at('l.pem')));
    const forged = new X509Certificate(readFileSync(at('f.pem')));
    const anchors = readAnchors([readFileSync(at('r.pem'), 'utf8')]);
    expect(chainProblems(legit, [], anchors, new Date(), OID.codeSigning)).toEqual([]);
    expect(chainProblems(forged, [legit], anchors, new Date(), OID.codeSigning)).toEqual([
      expect.stringMatching(/^no trust anchor for CN=Legit Signer/),
    ]);
  });
});
