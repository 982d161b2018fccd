import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childrenOf,
  derInteger,
  derSequence,
  derTlv,
  encodingOf,
  readNode,
  type DerNode,
} from '../../src/pe/der.js';
import { berToDer } from '../../src/sign/keys/ber.js';
import { readPkcs12 } from '../../src/sign/keys/pkcs12.js';
import { exportPfx, makeTestPki, type TestPki } from '../helpers/pki.js';

/**
 * PKCS#12 in BER, as other tools write it: X.690 allows indefinite lengths (8.1.3.6) and octet strings in
 * segments (8.7.3). Java keytool and PKI.js write that shape (PKI.js#405: indefinite lengths, the encrypted
 * payload in 1024-byte pieces), and wolfSSL added it for customers' files (wolfSSL#6160). These files are
 * made from a DER one by openssl, re-encoded that way; `openssl pkcs12` reads each of them (checked below).
 */
const PASSWORD = 'bér "$(x)" `y` %Z%';
const SEGMENT = 1024;

const indefinite = (tag: number, parts: Buffer[]): Buffer =>
  Buffer.concat([Buffer.from([tag | 0x20, 0x80]), ...parts, Buffer.from([0, 0])]);

/**
 * The element at `node` re-encoded: constructed ones with indefinite lengths; octet strings (and the
 * [0] IMPLICIT one of EncryptedData) longer than a segment in segments. `values` swaps an octet string's
 * value, keyed by its offset (the authenticated safe re-encoded in turn).
 */
function ber(der: Buffer, node: DerNode, values = new Map<number, Buffer>()): Buffer {
  const tag = der[node.headerStart] as number;
  if (tag & 0x20)
    return indefinite(
      tag,
      childrenOf(der, node).map((child) => ber(der, child, values)),
    );
  if (tag !== 0x04 && tag !== 0x80) return der.subarray(node.headerStart, node.end);
  const value = values.get(node.start) ?? der.subarray(node.start, node.end);
  if (value.length <= SEGMENT) return derTlv(tag, value);
  const pieces: Buffer[] = [];
  for (let at = 0; at < value.length; at += SEGMENT)
    pieces.push(derTlv(0x04, value.subarray(at, at + SEGMENT)));
  return indefinite(tag, pieces);
}

/**
 * The PFX in BER; with `inner`, the authenticated safe inside its octet string as well (no MAC covers it
 * then); with `definiteRoot`, the outermost SEQUENCE keeps a definite length around indefinite ones.
 */
function pfxToBer(der: Buffer, inner: boolean, definiteRoot = false): Buffer {
  const root = readNode(der, 0) as DerNode;
  const values = new Map<number, Buffer>();
  if (inner) {
    const [, authSafe] = childrenOf(der, root);
    const [, explicit] = childrenOf(der, authSafe as DerNode);
    const [octets] = childrenOf(der, explicit as DerNode);
    const content = der.subarray((octets as DerNode).start, (octets as DerNode).end);
    values.set((octets as DerNode).start, ber(content, readNode(content, 0) as DerNode));
  }
  if (definiteRoot) return derTlv(0x30, Buffer.concat(childrenOf(der, root).map((c) => ber(der, c, values))));
  return ber(der, root, values);
}

describe('PKCS#12 in BER (indefinite lengths, octet strings in segments)', () => {
  let dir: string;
  let pki: TestPki;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gag-pkcs12-ber-'));
    pki = makeTestPki(path.join(dir, 'pki'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['with a MAC, the outer structures in BER', { legacy: false, nomac: false, definiteRoot: false }],
    [
      'legacy 3DES/RC2 with a MAC, the outer structures in BER',
      { legacy: true, nomac: false, definiteRoot: false },
    ],
    ['without a MAC, the encrypted parts in BER too', { legacy: false, nomac: true, definiteRoot: false }],
    [
      'whose definite outer length holds indefinite ones',
      { legacy: false, nomac: false, definiteRoot: true },
    ],
  ])(
    'reads a file %s, with the same key and certificates as its DER original',
    async (name, { definiteRoot, ...options }) => {
      const derFile = exportPfx(dir, `der-${name.replace(/\W+/g, '-')}`, pki.leaf, PASSWORD, {
        chain: pki.ca,
        ...options,
      });
      const der = readFileSync(derFile);
      const berBytes = pfxToBer(der, options.nomac, definiteRoot);
      expect(berBytes.equals(der)).toBe(false);
      if (!definiteRoot) expect(berBytes.subarray(0, 2)).toEqual(Buffer.from([0x30, 0x80]));
      // Rewritten as DER, the outer structures are the original bytes again (the inner ones stay as written).
      if (!options.nomac) expect(await berToDer(berBytes)).toEqual(der);
      expect(await berToDer(der)).toEqual(der);
      // A real reader of PKCS#12 accepts the re-encoded file (valid BER, MAC intact).
      const berFile = path.join(dir, `ber-${name.replace(/\W+/g, '-')}.pfx`);
      writeFileSync(berFile, berBytes);
      writeFileSync(`${berFile}.pass`, PASSWORD);
      execFileSync('openssl', [
        'pkcs12',
        '-in',
        berFile,
        '-passin',
        `file:${berFile}.pass`,
        '-nokeys',
        ...(options.legacy ? ['-legacy'] : []),
        '-out',
        `${berFile}.pem`,
      ]);
      expect(readFileSync(`${berFile}.pem`, 'utf8')).toContain('BEGIN CERTIFICATE');

      const fromDer = await readPkcs12(der, PASSWORD);
      const fromBer = await readPkcs12(berBytes, PASSWORD);
      expect(fromBer.keys).toHaveLength(1);
      expect(fromBer.certificates).toHaveLength(2);
      expect(fromBer).toEqual(fromDer);
      await expect(readPkcs12(berBytes, 'wrong')).rejects.toThrow(/wrong password|could not be decrypted/);
    },
  );

  it('refuses at once a key derivation with an iteration count no exporter writes (it would hang the run)', async () => {
    const der = readFileSync(exportPfx(dir, 'iterations', pki.leaf, PASSWORD));
    const [version, authSafe, macData] = childrenOf(der, readNode(der, 0) as DerNode) as DerNode[];
    const [digestInfo, salt] = childrenOf(der, macData as DerNode) as DerNode[];
    const mac = derSequence(
      encodingOf(der, digestInfo as DerNode),
      encodingOf(der, salt as DerNode),
      derInteger(2 ** 40),
    );
    const crafted = derSequence(
      encodingOf(der, version as DerNode),
      encodingOf(der, authSafe as DerNode),
      mac,
    );
    const started = Date.now();
    await expect(readPkcs12(crafted, PASSWORD)).rejects.toThrow(/asks for 1099511627776 iterations/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('calls a file whose octet string is some other element damaged, whatever its bytes inside', async () => {
    const der = readFileSync(exportPfx(dir, 'shape', pki.leaf, PASSWORD));
    const [version, authSafe, macData] = childrenOf(der, readNode(der, 0) as DerNode) as DerNode[];
    const [type, explicit] = childrenOf(der, authSafe as DerNode) as DerNode[];
    const [data] = childrenOf(der, explicit as DerNode) as DerNode[];
    // The same octet string, inside a SEQUENCE where the octet string belongs: the MAC would still match.
    const wrapped = derTlv(0xa0, derSequence(encodingOf(der, data as DerNode)));
    const crafted = derSequence(
      encodingOf(der, version as DerNode),
      derSequence(encodingOf(der, type as DerNode), wrapped),
      encodingOf(der, macData as DerNode),
    );
    await expect(readPkcs12(der, PASSWORD)).resolves.toMatchObject({ keys: [expect.any(Buffer)] });
    await expect(readPkcs12(crafted, PASSWORD)).rejects.toThrow(/not a PKCS#12 \(\.pfx\/\.p12\) file/);
  });
});
