import type { VerifyExpectation, VerifyResult } from './signer.js';
import { toIsoTime } from './signer.js';

function verdict(
  ok: boolean,
  chainTrusted: boolean,
  timestamped: boolean,
  detail: string,
  extra: Partial<VerifyResult> = {},
): VerifyResult {
  return { ok, chainTrusted, timestamped, detail, ...extra };
}

function lastLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-2)
    .join(' | ');
}

/**
 * Reads `signtool verify /pa /v /ds <index>` output (shapes in __tests__/fixtures/sign/). WinVerifyTrust checks
 * the digest before the chain, so "terminated in a root certificate which is not trusted" means intact.
 */
export function parseSigntoolVerify(
  stdout: string,
  stderr: string,
  exitCode: number | null,
  expect: VerifyExpectation,
): VerifyResult {
  const text = `${stdout}\n${stderr}`;
  const digest = /Hash of file \((\w+)\)/.exec(text)?.[1]?.toLowerCase();
  const timeText = /The signature is timestamped: (.+)/.exec(text)?.[1]?.trim();
  const timestamped = timeText !== undefined;
  const timestampTime = timeText ? toIsoTime(timeText) : undefined;
  const extra = { digest, timestampTime };
  const errors = signtoolErrors(text);
  if (/0x80096010|did not verify|0x80096011|0x800b0100|No signature found/i.test(text)) {
    return verdict(
      false,
      false,
      timestamped,
      `signature broken: ${errors || 'signtool could not verify the signature'}`,
      extra,
    );
  }
  if (digest && digest !== expect.digest) {
    return verdict(
      false,
      false,
      timestamped,
      `signature uses digest ${digest}, but ${expect.digest} was asked for`,
      extra,
    );
  }
  if (expect.timestamped && !timestamped)
    return verdict(false, false, false, 'the signature has no timestamp', extra);
  if (exitCode === 0 && /Successfully verified/.test(text)) {
    return verdict(true, true, timestamped, 'signature intact; chain trusted', extra);
  }
  if (/not trusted by the trust provider|0x800b0109/i.test(text)) {
    const detail = expect.selfSigned
      ? 'signature intact; chain not trusted, as expected (self-signed certificate)'
      : 'signature intact; chain ends in a root certificate this machine does not trust';
    return verdict(true, false, timestamped, detail, extra);
  }
  return verdict(
    false,
    false,
    timestamped,
    `signature broken: ${errors || lastLines(text) || `signtool verify exited with ${exitCode}`}`,
    extra,
  );
}

export function signtoolErrors(text: string): string {
  // signtool wraps long errors onto indented continuation lines.
  return text
    .replace(/\r/g, '')
    .replace(/\n[ \t]+(?=\S)/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('SignTool Error:'))
    .map((l) => l.replace(/^SignTool Error:\s*/, '').trim())
    .join('; ');
}
