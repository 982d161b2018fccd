/**
 * What goes into a stamped binary's VERSIONINFO and manifest: the version numbers, the `version-info`
 * strings (multiline `Key: value`) and the application manifest text. Pure; no file access.
 */

/** StringFileInfo keys a user may set (VS_VERSIONINFO "StringFileInfo" names, learn.microsoft.com). */
export const VERSION_STRING_KEYS = [
  'CompanyName',
  'ProductName',
  'FileDescription',
  'LegalCopyright',
  'OriginalFilename',
  'InternalName',
  'Comments',
  'LegalTrademarks',
] as const;
export type VersionStringKey = (typeof VERSION_STRING_KEYS)[number];

/** The two version keys: numbers for VS_FIXEDFILEINFO, text as given for the string table. */
export const VERSION_NUMBER_KEYS = ['FileVersion', 'ProductVersion'] as const;

/** CLI flags of `go-av-guard stamp` and the version-info key each one sets. */
export const VERSION_FLAGS: Record<string, VersionStringKey | (typeof VERSION_NUMBER_KEYS)[number]> = {
  'file-version': 'FileVersion',
  'product-version': 'ProductVersion',
  'company-name': 'CompanyName',
  'product-name': 'ProductName',
  'file-description': 'FileDescription',
  copyright: 'LegalCopyright',
};

export interface VersionInfoInput {
  fileVersion?: string;
  productVersion?: string;
  strings: Partial<Record<VersionStringKey, string>>;
}

export interface ParsedVersion {
  /** major, minor, patch, build: each 0..65535 (VS_FIXEDFILEINFO holds four 16-bit parts). */
  parts: [number, number, number, number];
  /** The text shown in Explorer: the tag without its leading "v" ("1.2.3-rc.1"). */
  text: string;
}

/**
 * A release tag or version ("v1.2.3", "1.2", "1.2.3.4", "1.2.3-rc.1+meta") as four numbers and a text.
 * Undefined when it does not start with a number.
 */
export function parseVersion(value: string): ParsedVersion | undefined {
  const text = value.trim().replace(/^v(?=\d)/i, '');
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?=$|[-+])/.exec(text);
  if (!match) return undefined;
  const parts = match.slice(1, 5).map((p) => (p === undefined ? 0 : Number(p)));
  if (parts.some((p) => p > 0xffff)) return undefined;
  return { parts: parts as ParsedVersion['parts'], text };
}

/** `Key: value` lines (the `version-info` input) -> fields; problems name the line that is wrong. */
export function parseVersionInfoLines(lines: string[]): { input: VersionInfoInput; problems: string[] } {
  const input: VersionInfoInput = { strings: {} };
  const problems: string[] = [];
  const known = [...VERSION_STRING_KEYS, ...VERSION_NUMBER_KEYS] as readonly string[];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trim() : '';
    const value = colon > 0 ? line.slice(colon + 1).trim() : '';
    const name = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (!name) {
      problems.push(
        `version-info: expected "Key: value" lines with a key among ${known.join(', ')}, got ${JSON.stringify(line)}`,
      );
      continue;
    }
    if (name === 'FileVersion' || name === 'ProductVersion') {
      if (!parseVersion(value))
        problems.push(
          `version-info: ${name} must be a version such as 1.2.3 or v1.2.3 (parts up to 65535), got ${JSON.stringify(value)}`,
        );
      else if (name === 'FileVersion') input.fileVersion = value;
      else input.productVersion = value;
    } else if (value) {
      input.strings[name as VersionStringKey] = value;
    }
  }
  return { input, problems };
}

/** Microsoft's supportedOS ids ("Application manifests", learn.microsoft.com): Windows 7 up to 10/11. */
export const SUPPORTED_OS_IDS = {
  'Windows 7': '{35138b9a-5d96-4fbd-8e2d-a2440225f93a}',
  'Windows 8': '{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}',
  'Windows 8.1': '{1f676c76-80e1-4239-95bb-83d0f6d0da78}',
  'Windows 10 and 11': '{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}',
} as const;

/**
 * The application manifest (resource type 24): runs as the invoking user (no UAC prompt, no installer
 * detection), declares the supported Windows versions, long path awareness and UTF-8 as the active code
 * page (schemas as in "Application manifests" on learn.microsoft.com).
 */
export function applicationManifest(): string {
  const os = Object.entries(SUPPORTED_OS_IDS)
    .map(([name, id]) => `      <supportedOS Id="${id}"/> <!-- ${name} -->`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">',
    '  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">',
    '    <security>',
    '      <requestedPrivileges>',
    '        <requestedExecutionLevel level="asInvoker" uiAccess="false"/>',
    '      </requestedPrivileges>',
    '    </security>',
    '  </trustInfo>',
    '  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">',
    '    <application>',
    os,
    '    </application>',
    '  </compatibility>',
    '  <application xmlns="urn:schemas-microsoft-com:asm.v3">',
    '    <windowsSettings>',
    '      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>',
    '      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>',
    '    </windowsSettings>',
    '  </application>',
    '</assembly>',
    '',
  ].join('\n');
}
