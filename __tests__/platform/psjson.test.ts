import { describe, expect, it } from 'vitest';
import { asArray, enumName, parsePsDate } from '../../src/platform/psjson.js';

describe('asArray', () => {
  it('wraps a single object that PowerShell returned bare', () => {
    expect(asArray({ a: 1 })).toEqual([{ a: 1 }]);
  });
  it('unwraps the {"value":[...],"Count":n} shape of arrays at the depth limit', () => {
    expect(asArray({ value: ['x', 'y'], Count: 2 })).toEqual(['x', 'y']);
  });
  it('treats null and empty as no results', () => {
    expect(asArray(null)).toEqual([]);
    expect(asArray(undefined)).toEqual([]);
  });
});

describe('parsePsDate', () => {
  it('reads Windows PowerShell 5.1 \\/Date(ms)\\/ dates', () => {
    // JSON.parse turns "\/Date(1738082691243)\/" into "/Date(1738082691243)/".
    const parsed = JSON.parse('"\\/Date(1738082691243)\\/"') as string;
    expect(parsePsDate(parsed)).toBe('2025-01-28T16:44:51.243Z');
  });
  it('reads PowerShell 7 ISO 8601 dates', () => {
    expect(parsePsDate('2025-01-28T16:44:51.243Z')).toBe('2025-01-28T16:44:51.243Z');
  });
  it('reads the {"value": ..., "DateTime": ...} wrapper of Get-Date output', () => {
    expect(parsePsDate({ value: '/Date(0)/', DisplayHint: 2, DateTime: 'Thursday' })).toBe(
      '1970-01-01T00:00:00.000Z',
    );
  });
  it('returns undefined for garbage rather than throwing', () => {
    expect(parsePsDate('not a date')).toBeUndefined();
    expect(parsePsDate({})).toBeUndefined();
  });
});

describe('enumName', () => {
  it('names documented values and keeps unknown ones as numbers', () => {
    const names = { 3: 'Quarantined' };
    expect(enumName(names, 3)).toBe('Quarantined');
    expect(enumName(names, 18)).toBe('unknown (18)');
    expect(enumName(names, '3')).toBe('Quarantined');
  });
});

describe('asArray with null elements', () => {
  it('drops nulls so callers can read fields of every element', () => {
    expect(asArray([null, { a: 1 }, undefined])).toEqual([{ a: 1 }]);
  });
});
