import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { statSync } from 'node:fs';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';
import { signWithEngine } from '../../src/sign/builtin.js';
import { localKey } from '../../src/sign/keys/local.js';
import type { SigningKey } from '../../src/sign/keys/types.js';
import type { SignConfig } from '../../src/config.js';
import type { Issued, TestPki } from '../helpers/pki.js';

const run = promisify(execFile);

/** osslsigncode verify against the test CA (signing and TSA chains): exit code and output. */
export async function osslVerify(file: string, pki: TestPki): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('osslsigncode', [
      'verify',
      '-in',
      file,
      '-CAfile',
      pki.ca.certFile,
      '-TSA-CAfile',
      pki.ca.certFile,
    ]);
    return { code: 0, out: `${stdout}\n${stderr}` };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}\n${e.stderr}` };
  }
}

export function keyOf(issued: Issued, pki: TestPki): SigningKey {
  const chain = [issued, pki.ca].map((i) => Buffer.from(new X509Certificate(i.certPem).raw));
  return localKey(createPrivateKey(issued.keyPem), chain, issued.cn);
}

/** A complete SignConfig: defaults as parseConfig gives them, then the test's own values. */
export function signConfig(over: Partial<SignConfig>): SignConfig {
  return {
    patterns: ['*.exe'],
    certificate: { kind: 'ephemeral' },
    timestampUrls: [],
    digest: 'sha256',
    description: undefined,
    descriptionUrl: undefined,
    skipSigned: true,
    appendSignature: false,
    signtoolPath: undefined,
    ifNoFilesFound: 'error',
    concurrency: 4,
    signer: 'auto',
    timestampTimeoutMs: 30_000,
    ...over,
  };
}

/** The built-in engine straight, on files as they are: sha256, skip-signed, the test CA as the only anchor. */
export function engineSign(
  files: string[],
  key: SigningKey,
  pki: TestPki,
): ReturnType<typeof signWithEngine> {
  return signWithEngine(
    files.map((f) => ({ path: f, target: f, size: statSync(f).size })),
    {
      key,
      digest: 'sha256',
      skipSigned: true,
      appendSignature: false,
      signerSubject: 'CN=Leaf Signer',
      selfSigned: false,
      trust: { anchors: readAnchors([pki.ca.certPem]) },
    },
  );
}
