import { execFile } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { verifyPe, verifyPeFile } from '../../src/sign/authenticode/verify.js';
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
    // Verifying the file on disk, streamed in flat memory (`go-av-guard verify`), gives the same verdict.
    const handle = await open(file, 'r');
    try {
      expect(await verifyPeFile(handle, (await handle.stat()).size, { anchors: readAnchors([]) })).toEqual(
        verdict,
      );
    } finally {
      await handle.close();
    }
  });

  it('a file cut short while its image streams is reported as changed, not judged', async () => {
    const handle = await open(path.join(REAL, 'ms-sha256.dll'), 'r');
    try {
      const size = (await handle.stat()).size;
      // Headers and table read as usual; the stream's reads (its own 1 MiB buffers) find the file cut at 4 KiB.
      const cut = {
        read: (async (buffer: Buffer, offset: number, length: number, position: number) => {
          if (buffer.length !== 1 << 20) return handle.read(buffer, offset, length, position);
          const { bytesRead } = await handle.read(
            buffer,
            offset,
            Math.max(0, Math.min(length, 4096 - position)),
            position,
          );
          return { bytesRead, buffer };
        }) as typeof handle.read,
      } as typeof handle;
      const verdict = await verifyPeFile(cut, size, { anchors: readAnchors([]) });
      expect(verdict.intact).toBe(false);
      expect(verdict.detail).toMatch(/changed while it was being read/);
    } finally {
      await handle.close();
    }
  });
});
