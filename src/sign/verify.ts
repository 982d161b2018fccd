import type { VerifyExpectation, VerifyResult } from './signer.js';
import { toIsoTime } from './signer.js';

/** OpenSSL's words for "the chain does not end in a root this machine trusts" (as opposed to a bad signature). */
export const UNTRUSTED_CHAIN =
  /unable to get local issuer certificate|self[- ]signed certificate|certificate not found in local repository|unable to get issuer certificate/i;

function verdict(
  ok: boolean,
  chainTrusted: boolean,
  timestamped: boolean,
  detail: string,
  extra: Partial<VerifyResult> = {},
): VerifyResult {
  return { ok, chainTrusted, timestamped, detail, ...extra };
}

/**
 * Reads `osslsigncode verify` output (2.9 shape, see __tests__/fixtures/sign/README.md) for the signature we
 * made: intact (digest matches, signature checks), digest as asked, timestamp present; a chain that ends in
 * an untrusted root is told apart from a broken signature.
 */
export function parseOsslsigncodeVerify(
  stdout: string,
  stderr: string,
  exitCode: number | null,
  expect: VerifyExpectation,
): VerifyResult {
  const blocks = new Map<number, string>();
  const parts = stdout.split(/^Signature Index: (\d+).*$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) blocks.set(Number(parts[i]), parts[i + 1] ?? '');
  const block = blocks.get(expect.index);
  if (block === undefined) {
    const summary = lastLines(`${stdout}\n${stderr}`);
    return verdict(
      false,
      false,
      false,
      `signature broken or missing: osslsigncode found no signature at index ${expect.index}${summary ? ` (${summary})` : ''}`,
    );
  }
  const digest = /Message digest algorithm\s*:\s*(\S+)/.exec(block)?.[1]?.toLowerCase();
  if (/MISMATCH/.test(block)) {
    return verdict(
      false,
      false,
      false,
      'signature broken: the file digest does not match the signed digest',
      { digest },
    );
  }
  if (digest !== expect.digest) {
    return verdict(
      false,
      false,
      false,
      `signature uses digest ${digest ?? 'unknown'}, but ${expect.digest} was asked for`,
      { digest },
    );
  }
  const timeText = /Timestamp time: (.+)/.exec(block)?.[1]?.trim();
  const timestamped = timeText !== undefined;
  const timestampTime = timeText ? toIsoTime(timeText) : undefined;
  if (expect.timestamped && !timestamped) {
    return verdict(false, false, false, 'the signature has no timestamp', { digest });
  }
  const tsAt = block.search(/^Timestamp Server Signature verification:/m);
  const tsSection = tsAt >= 0 ? block.slice(0, block.indexOf('\n', tsAt) + 1 || undefined) : '';
  const signSection = tsAt >= 0 ? block.slice(tsSection.length) : block;
  let timestampTrusted = true;
  const notes: string[] = [];
  if (timestamped && /Timestamp Server Signature verification: failed/.test(block)) {
    if (!UNTRUSTED_CHAIN.test(tsSection)) {
      return verdict(
        false,
        false,
        timestamped,
        `timestamp broken: ${errorsIn(tsSection) || 'the timestamp signature did not verify'}`,
        { digest, timestampTime },
      );
    }
    timestampTrusted = false;
    notes.push(`timestamp authority's chain not trusted on this machine (${errorsIn(tsSection)})`);
  }
  const signature = /^Signature verification: (\w+)/m.exec(signSection)?.[1];
  const extra = { digest, timestampTime, timestampTrusted };
  if (signature === 'ok') {
    const detail = expect.selfSigned
      ? 'signature intact; chain not trusted, as expected (self-signed certificate)'
      : 'signature intact; chain trusted';
    return verdict(true, !expect.selfSigned, timestamped, [detail, ...notes].join('; '), extra);
  }
  if (signature === 'failed' && UNTRUSTED_CHAIN.test(signSection)) {
    // OpenSSL checks the chain first, so only the digest match is proven here; say so.
    const detail = expect.selfSigned
      ? 'chain not trusted, as expected (self-signed certificate); file digest matches'
      : `file digest matches; chain not trusted on this machine (${errorsIn(signSection)})`;
    return verdict(true, false, timestamped, [detail, ...notes].join('; '), extra);
  }
  if (signature === undefined && exitCode === 0) {
    return verdict(true, !expect.selfSigned, timestamped, ['signature intact', ...notes].join('; '), extra);
  }
  return verdict(
    false,
    false,
    timestamped,
    `signature broken: ${errorsIn(signSection) || lastLines(`${stdout}\n${stderr}`) || 'osslsigncode verify failed'}`,
    extra,
  );
}

function errorsIn(text: string): string {
  return [...text.matchAll(/Error: (.+)/g)]
    .map((m) => m[1]?.trim())
    .filter(Boolean)
    .join('; ');
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
