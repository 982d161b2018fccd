import { afterEach, describe, expect, it } from 'vitest';
import { parseEventXml } from '../../src/defender/eventxml.js';
import { parseScanOutput } from '../../src/defender/scanoutput.js';
import { parseCheckExclusion } from '../../src/defender/readback.js';
import { parsePsDate } from '../../src/platform/psjson.js';

const tz = process.env.TZ;
afterEach(() => {
  if (tz === undefined) delete process.env.TZ;
  else process.env.TZ = tz;
});

function event(data: Record<string, string>, systemTime = '2025-03-01T12:00:00.000Z'): string {
  const items = Object.entries(data)
    .map(([k, v]) => `<Data Name='${k}'>${v}</Data>`)
    .join('');
  return `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Windows Defender'/><EventID>1117</EventID><TimeCreated SystemTime='${systemTime}'/></System><EventData>${items}</EventData></Event>`;
}

describe('Defender logs as they come', () => {
  it('resolves %%NNN name inserts (platform 4.18.1906) through the Action ID / Source ID tables', () => {
    const [d] = parseEventXml(
      event({
        'Detection ID': '{0EBC4BEA-5532-4EFB-8A34-64F91CC8702E}',
        'Threat Name': 'Virus:DOS/EICAR_Test_File',
        'Action ID': '2',
        'Action Name': '%%887',
        'Source ID': '3',
        'Source Name': '%%818',
        'Severity ID': '5',
        'Severity Name': '%%823',
        'Category ID': '42',
        'Category Name': '%%850',
        Path: 'file:_C:\\a\\x.exe',
      }),
    ).detections;
    expect(d).toMatchObject({
      action: 'Quarantine',
      source: 'Real-time protection',
      severity: 'Severe',
      category: 'Virus',
    });
  });

  it('keeps an insert it cannot resolve, and an unknown ID, without crashing', () => {
    const [d] = parseEventXml(
      event({ 'Detection ID': '{1}', 'Action Name': '%%809', 'Source ID': '77', 'Source Name': '%%999' }),
    ).detections;
    expect(d?.action).toBe('unknown (%%809)');
    expect(d?.source).toBe('unknown (77)');
  });

  it('reads event times without a zone as UTC, whatever the machine time zone', () => {
    process.env.TZ = 'America/New_York';
    expect(parsePsDate('2025-03-01T12:00:00')).toBe('2025-03-01T12:00:00.000Z');
    expect(parsePsDate('2025-03-01 12:00:00.123')).toBe('2025-03-01T12:00:00.123Z');
    expect(parsePsDate('2025-03-01T12:00:00+01:00')).toBe('2025-03-01T11:00:00.000Z');
    const [d] = parseEventXml(
      event({ 'Detection ID': '{2}', 'Detection Time': '2025-03-01T11:59:00.5' }),
    ).detections;
    expect(d?.time).toBe('2025-03-01T11:59:00.500Z');
  });
});

describe('language-independent decisions', () => {
  it('MpCmdRun scan verdicts: exit 0 is clean in any language; an unreadable exit 2 is unknown (error), never a guess', () => {
    const german = 'Suche gestartet...\nDurchsuchung abgeschlossen.';
    expect(parseScanOutput(german, 0).status).toBe('clean');
    expect(parseScanOutput(german, 2).status).toBe('error');
    expect(parseScanOutput(german, 5).status).toBe('error');
    expect(parseScanOutput(german, null).status).toBe('error');
  });

  it('an -CheckExclusion answer in another language is unknown, never "not excluded"', () => {
    expect(parseCheckExclusion({ ExitCode: 0, Output: 'Pfad "C:\\x" ist ausgeschlossen' })).toBeUndefined();
  });
});
