import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UNTRUSTED_CHAIN } from './verify.js';

/**
 * Trust anchors for `osslsigncode verify`, learned once per run. Loading a whole system CA bundle costs each
 * verify process more CPU than the signature check itself; after the first full verification we know which
 * roots the signing chain and each timestamp server's chain end in, and later files verify against just those.
 * Nothing is learned from a failed verification, so a file is never judged against fewer anchors than it needs.
 */
export class TrustAnchors {
  private signing: string | undefined;
  private readonly tsa = new Map<string, string>();
  private written = 0;

  constructor(
    private readonly dir: string,
    /** Full anchor files: a CA bundle plus anything the run added (a self-signed leaf, a test CA). */
    readonly caFile: string,
    readonly tsaCaFile: string,
  ) {}

  forSigning(): string {
    return this.signing ?? this.caFile;
  }

  forTimestamp(server: string | undefined): string {
    return (server && this.tsa.get(server)) || this.tsaCaFile;
  }

  /**
   * Reads the chains osslsigncode printed and keeps only the anchors they used. A chain that did not verify
   * against the full bundle cannot verify against any part of it either, so one unrelated anchor gives the
   * same verdict ("not trusted") at a fraction of the cost.
   */
  learn(output: string, server: string | undefined): void {
    this.signing ??= this.narrowFor(
      this.caFile,
      output,
      'Signing certificate chain verified using:',
      /^Signature verification: (\w+)/m,
    );
    if (server && !this.tsa.has(server)) {
      const narrowed = this.narrowFor(
        this.tsaCaFile,
        output,
        'Timestamp verified using:',
        /^Timestamp Server Signature verification: (\w+)/m,
      );
      if (narrowed) this.tsa.set(server, narrowed);
    }
  }

  private narrowFor(bundle: string, output: string, start: string, verdict: RegExp): string | undefined {
    const from = output.indexOf(start);
    const end = from < 0 ? null : verdict.exec(output.slice(from));
    if (from < 0 || !end) return undefined;
    const text = output.slice(from, from + end.index);
    if (end[1] === 'ok')
      return this.narrow(
        bundle,
        new Set([...text.matchAll(/Subject: (.+)/g)].map((m) => (m[1] ?? '').trim())),
      );
    if (UNTRUSTED_CHAIN.test(text)) return this.write(readCertificates(bundle).slice(0, 1));
    return undefined;
  }

  private narrow(bundle: string, subjects: Set<string>): string | undefined {
    if (subjects.size === 0) return undefined;
    const picked = readCertificates(bundle).filter((c) => subjects.has(c.subject));
    // Only a set that holds the chain's root (self-issued) can stand in for the full bundle.
    if (!picked.some((c) => c.selfIssued)) return undefined;
    return this.write(picked);
  }

  private write(certs: Array<{ pem: string }>): string | undefined {
    if (certs.length === 0) return undefined;
    const file = path.join(this.dir, `anchors-${++this.written}.pem`);
    writeFileSync(file, certs.map((c) => c.pem).join('\n'));
    return file;
  }
}

const cache = new Map<string, Array<{ subject: string; selfIssued: boolean; pem: string }>>();

function readCertificates(file: string): Array<{ subject: string; selfIssued: boolean; pem: string }> {
  let certs = cache.get(file);
  if (!certs) {
    const pems =
      readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    certs = pems.flatMap((pem) => {
      try {
        const cert = new X509Certificate(pem);
        return [{ subject: opensslName(cert.subject), selfIssued: cert.subject === cert.issuer, pem }];
      } catch {
        return [];
      }
    });
    cache.set(file, certs);
  }
  return certs;
}

/** Node's "C=US\nO=Example\nCN=Root" as OpenSSL's one-line "/C=US/O=Example/CN=Root", as osslsigncode prints it. */
function opensslName(name: string): string {
  return name
    .split('\n')
    .map((part) => `/${part}`)
    .join('');
}
