import { asInteger } from '../platform/psjson.js';
import type { DetectionResource, ResourceKind } from './types.js';

const KINDS: readonly ResourceKind[] = ['file', 'containerfile', 'webfile', 'amsi', 'regkeyvalue', 'process'];
const PREFIX = /^([a-z]+):_/i;

/**
 * One Defender resource string: `file:_C:\x.exe`, `containerfile:_C:\a.zip`, `file:_C:\a.zip->inner.exe`,
 * `webfile:_C:\dl.exe|https://host/dl.exe|pid:123,ProcessStart:456`, `process:_pid:123,ProcessStart:456`.
 */
export function parseResource(raw: string): DetectionResource {
  const text = raw.trim();
  const prefix = PREFIX.exec(text);
  const named = prefix?.[1]?.toLowerCase() ?? '';
  const kind: ResourceKind = (KINDS as readonly string[]).includes(named) ? (named as ResourceKind) : 'other';
  let rest = prefix ? text.slice(prefix[0].length) : text;
  const resource: DetectionResource = { kind, path: rest, raw: text };

  if (kind === 'webfile') {
    const [file = '', url, ...more] = rest.split('|');
    rest = file;
    if (url) resource.url = url;
    const pid = asInteger(/(?:^|,)pid:(\d+)/i.exec(more.join('|'))?.[1]);
    if (pid !== undefined) resource.pid = pid;
  }
  if (kind === 'process') {
    const pid = asInteger(/(?:^|,)pid:(\d+)/i.exec(rest)?.[1]);
    if (pid !== undefined) resource.pid = pid;
    // process:_ carries a pid, sometimes followed by the image path; keep whatever path there is.
    rest = rest.replace(/^pid:\d+(?:,ProcessStart:\d+)?,?/i, '');
  }
  // An archive member: the first `->` separates the archive from the (possibly nested) member.
  const arrow = rest.indexOf('->');
  if (arrow > 0 && kind !== 'regkeyvalue') {
    resource.archiveMember = rest.slice(arrow + 2);
    rest = rest.slice(0, arrow);
  }
  resource.path = rest;
  return resource;
}

/** Event 1116/1117 `Path` joins resources with "; "; split only where a new `kind:_` begins. */
export function parseResourceList(joined: string): DetectionResource[] {
  return joined
    .split(/;\s*(?=[a-z]+:_)/i)
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseResource);
}

/** Resources that name a place on disk (what relevance and annotations can use). */
export function isFileResource(resource: DetectionResource): boolean {
  return (
    resource.kind === 'file' ||
    resource.kind === 'containerfile' ||
    resource.kind === 'webfile' ||
    (resource.kind === 'other' && /^[a-z]:\\|^\\\\/i.test(resource.path))
  );
}
