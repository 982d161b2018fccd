import { createHash } from 'node:crypto';
import { escapeXml } from './xml.js';

/**
 * An AppLocker policy (the XML that `Get-AppLockerPolicy -Xml` exports and `Set-AppLockerPolicy -XmlPolicy
 * <file> -Merge` imports; schema on learn.microsoft.com, "AppLocker policy XML"): a FilePublisherRule for
 * each signed binary and a FileHashRule (Authenticode SHA-256, as AppLocker computes it) for each
 * unsigned one. Rules allow Everyone (S-1-1-0); the collections are NotConfigured so merging the file
 * never switches enforcement on by itself.
 */

export interface PublisherRuleInput {
  kind: 'publisher';
  name: string;
  /** AppLocker publisher name: "O=..., L=..., S=..., C=..." from the signing certificate. */
  publisher: string;
  product: string;
  binaryName: string;
  /** Lowest file version allowed ("*" for any). */
  lowVersion: string;
  dll: boolean;
}

export interface HashRuleInput {
  kind: 'hash';
  name: string;
  authenticodeSha256: string;
  fileName: string;
  fileLength: number;
  dll: boolean;
}

export type AppLockerRule = PublisherRuleInput | HashRuleInput;

const EVERYONE = 'S-1-1-0';

/**
 * AppLocker names a publisher by the certificate subject without CN, in O, L, S, C order and in capitals,
 * as Get-AppLockerFileInformation shows it; a certificate with no O (ephemeral, test) falls back to CN.
 */
export function appLockerPublisher(parts: Array<{ key: string; value: string }>): string | undefined {
  const pick = (key: string): string[] => parts.filter((p) => p.key === key).map((p) => p.value);
  const order = pick('O').length > 0 ? ['O', 'L', 'S', 'C'] : ['CN', 'L', 'S', 'C'];
  const named = order.flatMap((key) => pick(key).map((value) => ({ key, value })));
  if (named.length === 0) return undefined;
  return named
    .map(({ key, value }) => {
      const upper = value.toUpperCase();
      return `${key}=${/[,+"\\<>;=]/.test(upper) ? `"${upper.replace(/"/g, '""')}"` : upper}`;
    })
    .join(', ');
}

/** "CN=x, O=y, C=z" (as signing reports it) back into parts; quoted values may hold commas. */
export function parseSubject(subject: string): Array<{ key: string; value: string }> {
  const parts: Array<{ key: string; value: string }> = [];
  const pattern = /\s*([A-Za-z0-9.]+)\s*=\s*("(?:[^"]|"")*"|[^,]*)\s*(?:,|$)/g;
  for (const match of subject.matchAll(pattern)) {
    const [, key, raw] = match;
    if (!key || raw === undefined) continue;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.trim();
    parts.push({ key: key.toUpperCase() === 'ST' ? 'S' : key.toUpperCase(), value });
  }
  return parts;
}

export function formatAppLockerPolicy(rules: AppLockerRule[]): string {
  const collections: Array<['Exe' | 'Dll', AppLockerRule[]]> = [
    ['Exe', rules.filter((r) => !r.dll)],
    ['Dll', rules.filter((r) => r.dll)],
  ];
  const body = collections
    .filter(([, list]) => list.length > 0)
    .map(
      ([type, list]) =>
        `  <RuleCollection Type="${type}" EnforcementMode="NotConfigured">\n${list.map(formatRule).join('')}  </RuleCollection>\n`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>\n<AppLockerPolicy Version="1">\n${body}</AppLockerPolicy>\n`;
}

function formatRule(rule: AppLockerRule): string {
  const a = escapeXml;
  const id = ruleId(rule);
  if (rule.kind === 'publisher') {
    return [
      `    <FilePublisherRule Id="${id}" Name="${a(rule.name)}" Description="Allow ${a(rule.binaryName)} signed by ${a(rule.publisher)} (written by go-av-guard)" UserOrGroupSid="${EVERYONE}" Action="Allow">`,
      '      <Conditions>',
      `        <FilePublisherCondition PublisherName="${a(rule.publisher)}" ProductName="${a(rule.product)}" BinaryName="${a(rule.binaryName)}">`,
      `          <BinaryVersionRange LowSection="${a(rule.lowVersion)}" HighSection="*" />`,
      '        </FilePublisherCondition>',
      '      </Conditions>',
      '    </FilePublisherRule>',
      '',
    ].join('\n');
  }
  return [
    `    <FileHashRule Id="${id}" Name="${a(rule.name)}" Description="Allow this exact build of ${a(rule.fileName)} (unsigned; written by go-av-guard)" UserOrGroupSid="${EVERYONE}" Action="Allow">`,
    '      <Conditions>',
    '        <FileHashCondition>',
    `          <FileHash Type="SHA256" Data="0x${rule.authenticodeSha256.toUpperCase()}" SourceFileName="${a(rule.fileName)}" SourceFileLength="${rule.fileLength}" />`,
    '        </FileHashCondition>',
    '      </Conditions>',
    '    </FileHashRule>',
    '',
  ].join('\n');
}

/** A GUID derived from the rule's content, so the same binaries give the same policy on every run. */
function ruleId(rule: AppLockerRule): string {
  const h = createHash('sha256').update(JSON.stringify(rule)).digest('hex');
  const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
