import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  createReadStream,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authenticodeSha256 } from '../../src/pe/authenticode.js';
import {
  imageDigest,
  imageFingerprint,
  peLayout,
  sameImage,
  signedContentEnd,
  signedImageSize,
} from '../../src/sign/authenticode/image.js';
import { readForSigning } from '../../src/sign/target.js';
import { buildWindowsPe } from '../helpers/gobuild.js';
import { describeWithTool } from '../helpers/tools.js';

// Past 2 GiB, one fs call or hash update of the whole file aborts the process or throws. A Go PE with a
// sparse overlay takes no disk; reading it takes ~2 GiB of memory for a few seconds.
describeWithTool(['go'], 'a PE file larger than 2 GiB', () => {
  let dir: string;
  let pe: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-large-'));
    pe = await buildWindowsPe();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read whole for signing; its SHA-256, image hash and fingerprint cover all of it', async () => {
    const file = path.join(dir, 'big.exe');
    copyFileSync(pe, file);
    truncateSync(file, 2 ** 31 + 4099);
    const read = await readForSigning(file);
    if ('refused' in read) throw new Error(read.refused);
    expect(read.bytes.length).toBe(2 ** 31 + 4099);
    const streamed = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 16 * 2 ** 20 }))
      streamed.update(chunk as Buffer);
    expect(read.snapshot.sha256).toBe(streamed.digest('hex'));
    // The section-by-section streamed image hash of the PE analysis agrees with the in-memory one.
    const layout = await peLayout(read.bytes);
    expect(imageDigest(read.bytes, layout, 'sha256').toString('hex')).toBe(await authenticodeSha256(file));
    const fingerprint = imageFingerprint(read.bytes, layout);
    expect(sameImage(read.bytes, layout, fingerprint)).toBe(true);
    read.bytes[read.bytes.length - 1] = 1;
    expect(sameImage(read.bytes, layout, fingerprint)).toBe(false);
  }, 120_000);

  it('is padded to 8 bytes past 2 GiB as below it (no offset wraps to a negative one)', () => {
    const layout = { checksumOffset: 0xd8, securityEntryOffset: 0x128, tableOffset: 0, tableSize: 0 };
    expect(signedContentEnd({ ...layout, contentEnd: 2 ** 31 + 3 }, false)).toBe(2 ** 31 + 8);
    expect(signedContentEnd({ ...layout, contentEnd: 2 ** 32 - 30 }, false)).toBe(2 ** 32 - 24);
    // Its table would start where a 32-bit offset cannot point: refused, as one file's failure.
    expect(() => signedContentEnd({ ...layout, contentEnd: 2 ** 32 - 9 }, false)).toThrow(/pass 4 GiB/);
    expect(signedImageSize(2 ** 31 + 8, { length: 2 ** 31 - 100 } as Buffer)).toBe(2 ** 32 - 80);
    // The largest signed file is 2^32 - 8 bytes (a multiple of 8); one byte more of signature is refused.
    expect(signedImageSize(2 ** 32 - 24, { length: 8 } as Buffer)).toBe(2 ** 32 - 8);
    expect(() => signedImageSize(2 ** 32 - 24, { length: 9 } as Buffer)).toThrow(/pass 4 GiB/);
  });

  it('past 4 GiB is refused before it is read: the certificate table offset is 32 bits', async () => {
    const file = path.join(dir, 'huge.exe');
    closeSync(openSync(file, 'w'));
    truncateSync(file, 2 ** 32);
    expect(await readForSigning(file)).toEqual({ refused: expect.stringMatching(/larger than 4 GiB/) });
  });
});
