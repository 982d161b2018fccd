import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
});
