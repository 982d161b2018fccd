import { X509Certificate } from 'node:crypto';
import { tbsFields } from './cms.js';

/**
 * Trust anchors from PEM bundles, found by name: a chain looks up its issuer by the bytes of its issuer
 * name, which RFC 5280 (4.1.2.6) has a CA encode exactly as its own subject (Go's verifier matches names
 * the same way). An anchor is parsed only when a chain reaches it: a system bundle holds ~150
 * certificates, and parsing them all took ~10 ms of every run, most often for a chain that reaches none.
 */
export class TrustAnchors {
  private readonly bySubject = new Map<string, Anchor[]>();
  /** How many anchors were read (entries that are not certificates are skipped, as OpenSSL skips them). */
  readonly size: number;
  /** Tells sets apart in caches of chain verdicts (two sets of one size are not the same anchors). */
  readonly id = ++sets;

  constructor(ders: readonly Buffer[]) {
    let size = 0;
    for (const der of ders) {
      let subject: Buffer;
      try {
        subject = tbsFields(der).subject;
      } catch {
        continue;
      }
      const key = subject.toString('latin1');
      this.bySubject.set(key, [...(this.bySubject.get(key) ?? []), { der }]);
      size++;
    }
    this.size = size;
  }

  /** The anchors named as `cert`'s issuer (any of them may be the one that signed it). */
  issuersOf(cert: X509Certificate): X509Certificate[] {
    return this.named(nameOf(cert, 'issuer'));
  }

  /** Whether `cert` itself is an anchor. */
  includes(cert: X509Certificate): boolean {
    return this.named(nameOf(cert, 'subject')).some((a) => a.raw.equals(cert.raw));
  }

  private named(name: string | undefined): X509Certificate[] {
    const anchors = name === undefined ? undefined : this.bySubject.get(name);
    if (!anchors) return [];
    const out: X509Certificate[] = [];
    for (const anchor of anchors) {
      if (anchor.parsed === undefined) {
        try {
          anchor.parsed = new X509Certificate(anchor.der);
        } catch {
          anchor.parsed = null;
        }
      }
      if (anchor.parsed) out.push(anchor.parsed);
    }
    return out;
  }
}

let sets = 0;

interface Anchor {
  der: Buffer;
  /** Parsed on first use; null when OpenSSL cannot read it. */
  parsed?: X509Certificate | null;
}

const nameOf = (cert: X509Certificate, which: 'issuer' | 'subject'): string | undefined => {
  try {
    return tbsFields(cert.raw)[which].toString('latin1');
  } catch {
    return undefined;
  }
};

/** The certificates of PEM bundles (system CA bundle, a private CA, a test TSA) as trust anchors. */
export function readAnchors(pemTexts: readonly string[]): TrustAnchors {
  const ders: Buffer[] = [];
  for (const text of pemTexts) {
    for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
      ders.push(Buffer.from(pem.slice(27, -25), 'base64'));
  }
  return new TrustAnchors(ders);
}
