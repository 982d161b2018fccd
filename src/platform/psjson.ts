/**
 * PowerShell JSON comes in two dialects (Windows PowerShell 5.1 and PowerShell 7) and several shapes for
 * the same data. These helpers turn any of them into one plain form, and never throw on a surprise.
 */

/**
 * One result comes back as a bare object, none as null, deep arrays as {"value":[...],"Count":n}; a null
 * element (a cmdlet that wrote nothing for one item) is dropped so callers can read fields safely.
 */
export function asArray<T = unknown>(value: unknown): T[] {
  if (value === null || value === undefined || value === '') return [];
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined) as T[];
  if (isCountWrapper(value)) return asArray<T>(value.value);
  return [value as T];
}

function isCountWrapper(value: unknown): value is { value: unknown; Count: number } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'value' in value &&
    'Count' in value &&
    Object.keys(value).length === 2
  );
}

const ZONELESS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const MS_DATE = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/;

/**
 * Windows PowerShell 5.1 writes dates as "\/Date(ms)\/" (JSON.parse leaves "/Date(ms)/"), sometimes
 * wrapped as {"value": ..., "DateTime": "..."}; PowerShell 7 writes ISO 8601. Returns ISO 8601 or undefined.
 */
export function parsePsDate(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'object' && 'value' in (value as object))
    return parsePsDate((value as { value: unknown }).value);
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value).toISOString() : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = MS_DATE.exec(value.trim());
  if (ms) return new Date(Number(ms[1])).toISOString();
  // A time without a zone (Defender's event data, some saved files) is UTC, never this machine's local time.
  const text = ZONELESS.test(value.trim()) ? `${value.trim().replace(' ', 'T')}Z` : value;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

export function asString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function asStrings(value: unknown): string[] {
  return asArray(value)
    .map(asString)
    .filter((s): s is string => s !== undefined && s !== '');
}

export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 'True' || value === 'true') return true;
  if (value === 0 || value === 'False' || value === 'false') return false;
  return undefined;
}

/** Integers may arrive as numbers or strings (sint64 ThreatIDs exceed 2^53 in theory, not in practice). */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value.trim()))
    return Number.parseInt(value.trim(), 16);
  return undefined;
}

/** An enumeration value by its documented name, keeping unknown numbers: "unknown (18)". */
export function enumName(names: Readonly<Record<number, string>>, value: unknown): string | undefined {
  const n = asInteger(value);
  if (n === undefined) return asString(value);
  return names[n] ?? `unknown (${n})`;
}
