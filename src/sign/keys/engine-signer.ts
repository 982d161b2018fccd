import { readFile, rm, writeFile } from 'node:fs/promises';
import { signPe } from '../authenticode/engine.js';
import { requestTimestamp, TimestampError } from '../authenticode/timestamp.js';
import type { Signer } from '../signer.js';
import type { DigestAlgorithm, SigningKey } from './types.js';

/**
 * The file pipeline's Signer over the in-process engine, for keys that live elsewhere (PKCS#11, Artifact
 * Signing, Key Vault): the engine signs, the platform's tool (osslsigncode or signtool) verifies. A remote
 * signature costs a round trip (and money): the signature over a given digest is asked for once, so a
 * timestamp retry re-assembles the file without signing again.
 */
export interface EngineSignerOptions {
  digest: DigestAlgorithm;
  description?: string;
  descriptionUrl?: string;
  /** Verification by the platform's tool; its `tool` names the report's tool. */
  verifier: Signer;
  timestampTimeoutMs?: number;
}

export function engineSigner(key: SigningKey, o: EngineSignerOptions): Signer {
  const signatures = new Map<string, Promise<Uint8Array>>();
  const remembered: SigningKey = {
    ...key,
    // signData would sign anew each time; remote keys sign digests only.
    signData: undefined,
    signDigest: (digest, algorithm) => {
      const id = `${algorithm}:${Buffer.from(digest).toString('hex')}`;
      let signature = signatures.get(id);
      if (!signature) {
        signature = key.signDigest(digest, algorithm);
        signatures.set(id, signature);
        signature.catch(() => signatures.delete(id));
      }
      return signature;
    },
  };
  // What each temp file was signed from, so timestamping it later starts from the original bytes.
  const sources = new Map<string, { original: string; nest: boolean }>();

  const assemble = async (original: string, out: string, nest: boolean, url?: string): Promise<void> => {
    const input = await readFile(original);
    const signed = await signPe(input, remembered, {
      digest: o.digest,
      append: nest,
      ...(o.description ? { description: o.description } : {}),
      ...(o.descriptionUrl ? { descriptionUrl: o.descriptionUrl } : {}),
      ...(url
        ? {
            timestamp: (signature: Buffer, digest: DigestAlgorithm) =>
              requestTimestamp(url, signature, digest, { timeoutMs: o.timestampTimeoutMs ?? 60_000 }),
          }
        : {}),
    });
    await rm(out, { force: true });
    await writeFile(out, signed.bytes, { flag: 'wx' });
  };

  const timestampFailure = (error: unknown): { ok: false; transient: boolean; message: string } =>
    error instanceof TimestampError
      ? { ok: false, transient: error.transient, message: `timestamp failed: ${error.message}` }
      : {
          ok: false,
          transient: false,
          message: `signing failed: ${error instanceof Error ? error.message : String(error)}`,
        };

  return {
    tool: o.verifier.tool,
    async sign(original, out, nest) {
      try {
        await assemble(original, out, nest);
        sources.set(out, { original, nest });
        return { ok: true };
      } catch (error) {
        return {
          ok: false,
          message: `signing failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    },
    async signAndTimestamp(original, out, nest, url) {
      try {
        await assemble(original, out, nest, url);
        return { ok: true, value: out };
      } catch (error) {
        const failure = timestampFailure(error);
        return error instanceof TimestampError ? failure : { ...failure, signFailed: true };
      }
    },
    async timestamp(signed, out, url) {
      const from = sources.get(signed);
      if (!from)
        return { ok: false, transient: false, message: `timestamp failed: ${signed} was not signed here` };
      try {
        await assemble(from.original, out, from.nest, url);
        return { ok: true, value: out };
      } catch (error) {
        return timestampFailure(error);
      }
    },
    verify: (file, expect) => o.verifier.verify(file, expect),
  };
}
