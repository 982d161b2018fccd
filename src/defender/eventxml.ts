import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { asInteger, enumName, parsePsDate } from '../platform/psjson.js';
import { CATEGORY, CLEANING_ACTION, DETECTION_SOURCE, SEVERITY } from './enums.js';
import { normalizeDetectionId } from './merge.js';
import { parseResourceList } from './resources.js';
import { meaningful, set } from './threatjson.js';
import type { DefenderEvent, Detection } from './types.js';

export const DEFENDER_PROVIDER = 'Microsoft-Windows-Windows Defender';
const DETECTION_EVENTS = [1116, 1117, 1118, 1119] as const;

/** How each detection event reads as a status when the cmdlet has none. */
const EVENT_STATUS: Record<(typeof DETECTION_EVENTS)[number], string> = {
  1116: 'Detected',
  1117: 'Action taken',
  1118: 'Action failed',
  1119: 'Action failed (critical)',
};

const UNRESOLVED_INSERT = /^%%\d+$/;

export class EventXmlError extends Error {}

export interface ParsedEvents {
  detections: Detection[];
  events: DefenderEvent[];
  /** All <Event> elements seen, of any provider or ID. */
  total: number;
  /** Of those, how many came from Microsoft Defender. */
  defender: number;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  isArray: (name) => name === 'Event' || name === 'Data',
});

type Node = Record<string, unknown>;

/**
 * Defender event XML in any of its saved forms: one `Get-WinEvent ... .ToXml()` string (single-quoted
 * attributes), `wevtutil qe ... /f:xml` output (several <Event> elements and no root, double quotes), or
 * the same under an <Events> root. EventData is read by Name, so UnusedN elements may come and go.
 */
export function parseEventXml(xml: string): ParsedEvents {
  const body = xml.replace(/^\uFEFF/, '').replace(/<\?xml[^>]*\?>/g, '');
  const wrapped = `<GoAvGuardEvents>${body}</GoAvGuardEvents>`;
  const valid = XMLValidator.validate(wrapped);
  if (valid !== true) {
    throw new EventXmlError(
      `the event XML is incomplete or damaged (line ${valid.err.line}: ${valid.err.msg})`,
    );
  }
  const events = findEvents(parser.parse(wrapped) as Node);
  const out: ParsedEvents = { detections: [], events: [], total: events.length, defender: 0 };
  for (const event of events) {
    const system = (event.System ?? {}) as Node;
    const provider = attr(system.Provider, 'Name');
    if (provider && provider !== DEFENDER_PROVIDER) continue;
    const id = asInteger(text(system.EventID));
    if (!provider && !(id !== undefined && [...DETECTION_EVENTS, 5001, 5007].includes(id))) continue;
    out.defender++;
    const data = eventData(event);
    const time = parsePsDate(attr(system.TimeCreated, 'SystemTime'));
    if (id === 1116 || id === 1117 || id === 1118 || id === 1119)
      out.detections.push(detectionFromEvent(id, data, time));
    else if (id === 5001)
      out.events.push({ id, ...(time ? { time } : {}), message: 'Real-time protection was disabled.' });
    else if (id === 5007) out.events.push(configurationChange(data, time));
  }
  return out;
}

/** <Event> elements at any depth (bare, under <Events>, or both in one concatenated file). */
function findEvents(node: unknown): Node[] {
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Node).flatMap(([key, child]) => {
    if (key === 'Event') return Array.isArray(child) ? (child as Node[]) : [];
    if (key.startsWith('@_') || key === '#text') return [];
    return Array.isArray(child) ? child.flatMap(findEvents) : findEvents(child);
  });
}

function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (typeof node === 'object' && '#text' in (node as Node)) return String((node as Node)['#text']);
  return typeof node === 'object' ? '' : undefined;
}

function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as Node)[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** EventData as Name -> value; elements without a Name (never seen from Defender) are skipped. */
function eventData(event: Node): Map<string, string> {
  const map = new Map<string, string>();
  const data = ((event.EventData ?? {}) as Node).Data;
  for (const item of Array.isArray(data) ? data : []) {
    const name = attr(item, 'Name');
    if (name) map.set(name.toLowerCase(), (text(item) ?? '').trim());
  }
  return map;
}

function detectionFromEvent(
  id: 1116 | 1117 | 1118 | 1119,
  data: Map<string, string>,
  created: string | undefined,
): Detection {
  const get = (name: string): string | undefined => meaningful(data.get(name.toLowerCase()));
  // Older platforms (4.18.1906) store names as unresolved message inserts ("%%809"): the ID beside
  // them says the same through the documented tables; an insert with no usable ID is kept, marked.
  const named = (field: string, table: Readonly<Record<number, string>>): string | undefined => {
    const text = get(`${field} Name`);
    if (text !== undefined && !UNRESOLVED_INSERT.test(text)) return text;
    const byId = get(`${field} ID`) === undefined ? undefined : enumName(table, get(`${field} ID`));
    return byId ?? (text === undefined ? undefined : `unknown (${text})`);
  };
  const d: Detection = {
    id: normalizeDetectionId(data.get('detection id') ?? ''),
    resources: parseResourceList(data.get('path') ?? ''),
    origins: [`event ${id}`],
  };
  set(d, 'time', parsePsDate(get('Detection Time')) ?? created);
  set(d, 'threatName', get('Threat Name'));
  set(d, 'threatId', asInteger(get('Threat ID')));
  set(d, 'severity', named('Severity', SEVERITY));
  set(d, 'category', named('Category', CATEGORY));
  set(d, 'source', named('Source', DETECTION_SOURCE));
  set(d, 'process', get('Process Name'));
  set(d, 'user', get('Detection User'));
  if (id !== 1116) set(d, 'action', named('Action', CLEANING_ACTION));
  const failed = id === 1118 || id === 1119 ? get('Error Description') : undefined;
  set(d, 'status', failed ? `${EVENT_STATUS[id]}: ${failed}` : EVENT_STATUS[id]);
  return d;
}

const EXCLUSION_KEY = /\\Exclusions\\(Paths|Processes|Extensions)\\(.+?)(?:\s*=\s*0x[0-9a-f]+)?\s*$/i;

/** 5007: a setting changed. An exclusion shows as HKLM\...\Exclusions\Paths\<value> = 0x0 in New or Old Value. */
function configurationChange(data: Map<string, string>, time: string | undefined): DefenderEvent {
  const oldValue = data.get('old value') ?? '';
  const newValue = data.get('new value') ?? '';
  const event: DefenderEvent = {
    id: 5007,
    ...(time ? { time } : {}),
    message: `Defender configuration changed: ${oldValue || '(none)'} -> ${newValue || '(none)'}`,
    ...(oldValue ? { oldValue } : {}),
    ...(newValue ? { newValue } : {}),
  };
  const match = EXCLUSION_KEY.exec(newValue) ?? EXCLUSION_KEY.exec(oldValue);
  if (match) {
    const kinds = { paths: 'path', processes: 'process', extensions: 'extension' } as const;
    const kind = kinds[match[1]!.toLowerCase() as keyof typeof kinds];
    const change = EXCLUSION_KEY.test(newValue) ? 'added' : 'removed';
    event.exclusion = { kind, value: match[2]!, change };
    event.message = `Defender ${kind} exclusion ${change}: ${match[2]}`;
  }
  return event;
}
