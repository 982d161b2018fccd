import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { verifyPe } from '../../src/sign/authenticode/verify.js';
import { describeWithTool } from '../helpers/tools.js';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';

const run = promisify(execFile);
const REAL = path.join(import.meta.dirname, '..', 'fixtures', 'sign', 'real');

/** osslsigncode's integrity verdict per signature: does the calculated image digest match the signed one? */
async function osslsigncodeIntegrity(file: string): Promise<boolean[]> {
  const out = await run('osslsigncode', ['verify', '-in', file]).then(
    (r) => r.stdout,
    (e: { stdout: string }) => e.stdout,
  );
  return out
    .split(/^Signature Index: \d+.*$/m)
    .slice(1)
    .map((block) => !/MISMATCH/.test(block) && /Calculated message digest/.test(block));
}

describeWithTool(['osslsigncode'], 'real signed files from public packages (provenance in README.md)', () => {
  it.each([
    ['ms-sha256.dll', ['sha256'], true],
    ['ms-sha1-signtool.exe', ['sha1'], true],
    ['ms-nested-sha1-sha256.dll', ['sha1', 'sha256'], true],
    ['ms-nested-sha1-sha256-tampered.dll', ['sha1', 'sha256'], false],
  ] as const)('%s: our verdict agrees with osslsigncode verify', async (name, digests, intact) => {
    const file = path.join(REAL, name);
    const verdict = await verifyPe(await readFile(file), { anchors: readAnchors([]) });
    expect(verdict.signatures.map((s) => s.digest)).toEqual(digests);
    expect(verdict.intact).toBe(intact);
    expect(verdict.signatures.map((s) => s.intact)).toEqual(await osslsigncodeIntegrity(file));
    for (const s of verdict.signatures) {
      expect(s.signer).toMatch(/CN=Microsoft Corporation/);
      if (intact) expect(s.timestamp).toMatchObject({ intact: true });
      // No Microsoft root among the anchors: intact is never trusted, and says why.
      expect(s.trusted).toBe(false);
      if (intact) expect(s.trustProblems.join()).toMatch(/no trust anchor|not a trust anchor/);
    }
    if (!intact) expect(verdict.detail).toMatch(/image hash mismatch/);
  });
});
