import { describe, expect, it } from 'vitest';
import { loadPkcs12Certificate } from '../../src/sign/certificate.js';

const PASSWORD = 'pässwörd "$(x)';
const fixture = (name: string): string => new URL(`../fixtures/sign/${name}`, import.meta.url).pathname;

describe('PKCS#12 with a non-ASCII password (OpenSSL 3 PBES2)', () => {
  it.each(['pbes2-nonascii-asn1-quirk.pfx', 'pbes2-nonascii-asn1-quirk-2.pfx'])(
    'opens %s, whose first decryption attempt fails as ASN.1 rather than on padding',
    async (name) => {
      // The certificate inside has no code-signing usage: reaching that check proves the file opened.
      await expect(
        loadPkcs12Certificate(
          { kind: 'pkcs12-file', path: fixture(name), password: PASSWORD },
          new Date(),
          () => undefined,
        ),
      ).rejects.toThrow(/^certificate-file: CN=x is not a code-signing certificate/);
    },
  );
});
