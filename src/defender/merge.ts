import type { Detection } from './types.js';

/** Detection IDs arrive as "{GUID}" from both sources, in either case; compare them in one form. */
export function normalizeDetectionId(id: string): string {
  const bare = id
    .trim()
    .replace(/^\{|\}$/g, '')
    .toUpperCase();
  return bare ? `{${bare}}` : '';
}

/** Which source wins a field both have: the cmdlet (current state) first, then later events over earlier. */
const ORIGIN_RANK: Record<Detection['origins'][number], number> = {
  'Get-MpThreatDetection': 0,
  'event 1119': 1,
  'event 1118': 2,
  'event 1117': 3,
  'event 1116': 4,
};

const rank = (d: Detection): number => Math.min(...d.origins.map((o) => ORIGIN_RANK[o]));

/**
 * One detection per detection ID across sources: fields are taken from the best source that has them,
 * resources are united (by their raw text), origins listed. Detections without an ID are kept as they are.
 */
export function mergeDetections(detections: readonly Detection[]): Detection[] {
  const byId = new Map<string, Detection[]>();
  const loose: Detection[] = [];
  for (const d of detections) {
    const id = normalizeDetectionId(d.id);
    if (!id) loose.push(d);
    else byId.set(id, [...(byId.get(id) ?? []), { ...d, id }]);
  }
  const merged = [...byId.values()].map((group) => {
    const ordered = [...group].sort((a, b) => rank(a) - rank(b));
    const out: Detection = { id: ordered[0]!.id, resources: [], origins: [] };
    for (const d of ordered) {
      for (const [key, value] of Object.entries(d) as Array<[keyof Detection, unknown]>) {
        if (key === 'resources' || key === 'origins' || value === undefined) continue;
        if (out[key] === undefined) (out as unknown as Record<string, unknown>)[key] = value;
      }
      for (const r of d.resources)
        if (!out.resources.some((x) => x.raw.toLowerCase() === r.raw.toLowerCase())) out.resources.push(r);
      for (const o of d.origins) if (!out.origins.includes(o)) out.origins.push(o);
    }
    // The earliest time is when it was first detected.
    const times = group
      .map((d) => d.time)
      .filter((t): t is string => !!t)
      .sort();
    if (times[0]) out.time = times[0];
    return out;
  });
  return [...merged, ...loose].sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
}
