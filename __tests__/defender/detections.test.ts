import { describe, expect, it } from 'vitest';
import {
  classifyRelevance,
  collectDetections,
  decodeDetectionsFile,
  DETECTIONS_REPORTED_STATE_KEY,
  detectionWindowStart,
  parseDetectionsFile,
  READ_DETECTIONS_SCRIPT,
  readDetections,
  rememberDetectionWindowStart,
  type RelevanceContext,
} from '../../src/defender/detections.js';
import { parseEventXml } from '../../src/defender/eventxml.js';
import { mergeDetections } from '../../src/defender/merge.js';
import { parseResource, parseResourceList } from '../../src/defender/resources.js';
import type { Detection } from '../../src/defender/types.js';
import { powerShellScriptOf, POWERSHELL_INPUT_VAR, POWERSHELL_ARGS } from '../../src/platform/powershell.js';
import { memoryState } from '../../src/platform/state.js';
import {
  CTX,
  fixture,
  psReply,
  psReplyFromFixture,
  recordingRunner,
  RUNNER_GO,
  windowsDeps,
} from './helpers.js';

const GO_DETECTION = '{3F2B0C55-1B7E-4D0A-9C61-2B8D7A0E4F11}';
const ctx: RelevanceContext = {
  go: RUNNER_GO,
  workspace: CTX.workspace,
  runnerTemp: 'D:\\a\\_temp',
  goTmpDir: CTX.goTmpDir,
  files: ['D:\\a\\repo\\repo\\dist\\hello.exe'],
};
const byId = (list: Detection[], id: string): Detection | undefined => list.find((d) => d.id === id);

describe('resource strings', () => {
  it('file, containerfile, archive member, webfile with url and pid, process, unknown kinds', () => {
    expect(parseResource('file:_C:\\x\\a.exe')).toMatchObject({ kind: 'file', path: 'C:\\x\\a.exe' });
    expect(parseResource('containerfile:_C:\\x\\a.zip')).toMatchObject({
      kind: 'containerfile',
      path: 'C:\\x\\a.zip',
    });
    expect(parseResource('file:_C:\\x\\a.zip->inner.zip->deep.exe')).toMatchObject({
      kind: 'file',
      path: 'C:\\x\\a.zip',
      archiveMember: 'inner.zip->deep.exe',
    });
    expect(
      parseResource(
        'webfile:_q:\\Builds\\dl.exe|http://host/dl.exe|pid:14196,ProcessStart:132378130057195714',
      ),
    ).toMatchObject({
      kind: 'webfile',
      path: 'q:\\Builds\\dl.exe',
      url: 'http://host/dl.exe',
      pid: 14196,
    });
    expect(parseResource('process:_pid:3640,ProcessStart:133244017530289775')).toMatchObject({
      kind: 'process',
      pid: 3640,
    });
    expect(parseResource('behavior:_pid:1:123')).toMatchObject({ kind: 'other' });
    expect(parseResource('amsi:_\\Device\\HarddiskVolume3\\x.ps1')).toMatchObject({ kind: 'amsi' });
  });

  it('splits an event Path with several resources only where a new kind begins', () => {
    const list = parseResourceList('file:_C:\\a; b\\x.exe; containerfile:_C:\\y.zip');
    expect(list.map((r) => r.path)).toEqual(['C:\\a; b\\x.exe', 'C:\\y.zip']);
  });
});

describe('cmdlet JSON (Get-MpThreatDetection joined to Get-MpThreat)', () => {
  it('PowerShell 5.1 array: \\/Date()\\/ dates, ThreatStatusID 18 kept as "unknown (18)", names joined by ThreatID', () => {
    const text = `${fixture('threat-detection-ps51-array.json').trim().slice(0, -1)},${fixture('threat-ps51.json').trim().slice(1)}`;
    const { detections } = parseDetectionsFile(text);
    const zip = byId(detections, '{94BBE9CF-CDEB-4885-9178-CC93FB10822D}');
    expect(zip).toMatchObject({
      time: '2025-01-28T16:44:51.243Z',
      lastChange: '2025-01-28T16:45:06.220Z',
      status: 'unknown (18)',
      action: 'No action',
      source: 'Real-time protection',
      threatName: 'Trojan:Script/Wacatac.H!ml',
      category: 'unknown (200)',
      severity: 'unknown (3)',
      user: 'DESKTOP-O8964S4\\RaptorSniper',
      origins: ['Get-MpThreatDetection'],
    });
    expect(zip?.resources).toEqual([
      {
        kind: 'file',
        path: 'C:\\Users\\RaptorSniper\\Downloads\\a.zip',
        raw: 'file:_C:\\Users\\RaptorSniper\\Downloads\\a.zip',
      },
    ]);
    expect(byId(detections, GO_DETECTION)).toMatchObject({
      threatName: 'Trojan:Win32/Wacatac.B!ml',
      status: 'Quarantined',
      action: 'Quarantine',
      severity: 'Severe',
      category: 'Trojan',
    });
  });

  it('PowerShell 5.1 single object (no @()): one detection, no threat name without Get-MpThreat, "Unknown" process dropped', () => {
    const { detections } = parseDetectionsFile(fixture('threat-detection-ps51-single.json'));
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({
      id: GO_DETECTION,
      time: '2025-03-01T12:00:00.000Z',
      status: 'Quarantined',
    });
    expect(detections[0]?.threatName).toBeUndefined();
    expect(detections[0]?.process).toBeUndefined();
  });

  it('PowerShell 7 ISO 8601 dates, and GUIDs normalised to upper case in braces', () => {
    const { detections } = parseDetectionsFile(fixture('threat-detection-ps7.json'));
    expect(detections[0]).toMatchObject({
      id: '{B1C2D3E4-0000-4A4A-8B8B-0123456789AB}',
      time: '2025-03-01T12:00:00.123Z',
      lastChange: '2025-03-01T12:00:02.456Z',
    });
  });

  it('{"value":[...],"Count":n} wrapping, at the top and inside Resources; unknown enums become "unknown (N)"', () => {
    const { detections } = parseDetectionsFile(fixture('threat-detection-value-count.json'));
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({
      action: 'unknown (99)',
      source: 'unknown (6)',
      status: 'Block failed',
    });
    expect(detections[0]?.resources.map((r) => [r.kind, r.path, r.archiveMember])).toEqual([
      ['containerfile', 'C:\\Users\\dev\\Downloads\\tools.zip', undefined],
      ['file', 'C:\\Users\\dev\\Downloads\\tools.zip', 'bin/nc.exe'],
    ]);
  });

  it('a saved Get-MpThreat list alone still reads (webfile resource with url and pid)', () => {
    const { detections } = parseDetectionsFile(fixture('threat-ps51.json'));
    const pua = detections.find((d) => d.threatName === 'PUA:Win32/InstallCore');
    expect(pua).toMatchObject({ category: 'Potentially unwanted software', severity: 'Low' });
    expect(pua?.resources[0]).toMatchObject({
      kind: 'webfile',
      path: 'q:\\Builds\\Dalton_Download_Manager_3223905758.exe',
      pid: 14196,
    });
    expect(pua?.resources[0]?.url).toMatch(/^http:\/\/d18yzm5yb8map8\.cloudfront\.net\//);
  });
});

describe('event XML', () => {
  it('1117 from Get-WinEvent .ToXml(): single quotes, no UnusedN, a Path with containerfile, archive member and webfile', () => {
    const { detections } = parseDetectionsFile(fixture('event-1117-toxml.xml'));
    expect(detections).toHaveLength(1);
    const d = detections[0] as Detection;
    expect(d).toMatchObject({
      id: '{0EBC4BEA-5532-4EFB-8A34-64F91CC8702E}',
      time: '2023-03-27T14:42:34.272Z',
      threatName: 'HackTool:MSIL/SharpHound!MSR',
      threatId: 2147814944,
      severity: 'High',
      category: 'Tool',
      source: 'Downloads and attachments',
      action: 'Quarantine',
      status: 'Action taken',
      user: 'DESKTOP-887GK2L\\CyberJunkie',
      origins: ['event 1117'],
    });
    expect(d.process).toBeUndefined(); // "Unknown"
    expect(d.resources.map((r) => r.kind)).toEqual(['containerfile', 'file', 'webfile']);
    expect(d.resources[1]).toMatchObject({
      path: 'C:\\Users\\CyberJunkie\\Downloads\\SharpHound-v1.1.0.zip',
      archiveMember: 'SharpHound.exe',
    });
    expect(d.resources[2]).toMatchObject({ url: 'https://example.invalid/SharpHound.zip', pid: 3532 });
  });

  it('wevtutil output: several <Event> without a root, double quotes, UnusedN present; 1116+1117 merge into one detection', () => {
    const { detections, events } = parseDetectionsFile(fixture('events-wevtutil.xml'));
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({
      id: GO_DETECTION,
      origins: ['event 1117', 'event 1116'],
      action: 'Quarantine',
      status: 'Action taken',
      process: 'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\pkg\\tool\\windows_amd64\\link.exe',
      time: '2025-03-01T12:00:00.000Z',
    });
    expect(events).toEqual([
      { id: 5001, time: '2025-03-01T12:05:00.000Z', message: 'Real-time protection was disabled.' },
    ]);
  });

  it('1116 with UnusedN in single quotes and 1117 without them in double quotes under <Events> agree field by field', () => {
    const a = parseEventXml(fixture('event-1116-toxml-unused.xml')).detections[0];
    const b = parseEventXml(fixture('event-1117-wevtutil-no-unused.xml')).detections[0];
    for (const key of [
      'id',
      'time',
      'threatName',
      'threatId',
      'severity',
      'category',
      'source',
      'process',
      'user',
    ] as const) {
      expect(b?.[key], key).toEqual(a?.[key]);
    }
    expect(a?.action).toBeUndefined(); // 1116 has no action yet ("Not Applicable" is not read for 1116)
    expect(b?.action).toBe('Quarantine');
  });

  it('a 1116 and a 1117 of one detection, saved separately and concatenated, merge whatever the GUID case', () => {
    const both = `${fixture('event-1116-toxml-unused.xml')}\n${fixture('event-1117-wevtutil-no-unused.xml')}`;
    const { detections } = parseDetectionsFile(both);
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({
      id: '{7D5C1E20-9F3A-4B6C-8E2D-1A2B3C4D5E6F}',
      origins: ['event 1117', 'event 1116'],
      action: 'Quarantine',
    });
  });

  it('mergeDetections: same id in any case or without braces is one detection; cmdlet fields win, earliest time kept', () => {
    const merged = mergeDetections([
      {
        id: 'abc-1',
        time: '2025-03-01T12:00:05.000Z',
        status: 'Action taken',
        resources: [parseResource('file:_C:\\a.exe')],
        origins: ['event 1117'],
      },
      {
        id: '{ABC-1}',
        time: '2025-03-01T12:00:00.000Z',
        status: 'Quarantined',
        resources: [parseResource('FILE:_C:\\A.EXE')],
        origins: ['Get-MpThreatDetection'],
      },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      id: '{ABC-1}',
      status: 'Quarantined',
      time: '2025-03-01T12:00:00.000Z',
      origins: ['Get-MpThreatDetection', 'event 1117'],
    });
    expect(merged[0]?.resources).toHaveLength(1);
  });

  it('5007: an exclusion added shows which one', () => {
    const { events, detections } = parseDetectionsFile(fixture('event-5007-toxml.xml'));
    expect(detections).toEqual([]);
    expect(events[0]).toMatchObject({
      id: 5007,
      exclusion: { kind: 'path', value: 'C:\\hostedtoolcache\\windows\\go', change: 'added' },
      message: 'Defender path exclusion added: C:\\hostedtoolcache\\windows\\go',
    });
    const removed = parseEventXml(
      fixture('event-5007-toxml.xml')
        .replace(
          "<Data Name='Old Value'></Data>",
          "<Data Name='Old Value'>HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Processes\\C:\\go\\bin\\go.exe = 0x0</Data>",
        )
        .replace(/<Data Name='New Value'>[^<]*<\/Data>/, "<Data Name='New Value'></Data>"),
    );
    expect(removed.events[0]?.exclusion).toEqual({
      kind: 'process',
      value: 'C:\\go\\bin\\go.exe',
      change: 'removed',
    });
  });
});

describe('parseDetectionsFile: one clear error for empty, truncated and foreign files', () => {
  const cases: Array<[string, RegExp]> = [
    ['empty.txt', /^The file is empty: expected saved Get-MpThreatDetection/],
    ['truncated.json', /^The file cannot be read: the JSON is incomplete or damaged/],
    ['truncated.xml', /^The file cannot be read: the event XML is incomplete or damaged \(line \d+/],
    ['foreign.json', /^This JSON holds no Defender detections/],
    ['foreign.xml', /^This XML holds 1 event\(s\), none from Microsoft Defender/],
  ];
  for (const [name, message] of cases) {
    it(name, () => {
      expect(() => parseDetectionsFile(fixture(name))).toThrow(message);
      try {
        parseDetectionsFile(fixture(name));
      } catch (error) {
        expect((error as Error).message.split('\n')).toHaveLength(1);
      }
    });
  }
  it('plain text and whitespace-only files', () => {
    expect(() => parseDetectionsFile('hello')).toThrow(/^This is not a Defender detections file/);
    expect(() => parseDetectionsFile(' \r\n ')).toThrow(/^The file is empty/);
    expect(() => parseDetectionsFile('<root><a/></root>')).toThrow(/no <Event> elements/);
  });
  it('an empty JSON array is a valid "no detections"', () => {
    expect(parseDetectionsFile('[]')).toEqual({ detections: [], events: [] });
  });
  it('UTF-16LE with BOM (Windows PowerShell 5.1 `>` redirection) decodes', () => {
    const text = fixture('threat-detection-ps51-single.json');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(parseDetectionsFile(decodeDetectionsFile(bytes)).detections).toHaveLength(1);
    expect(() => parseDetectionsFile(bytes.toString('utf8'))).toThrow(/UTF-16/);
  });
});

describe('readDetections: one PowerShell start', () => {
  it('runs the constant script with the window start as data, joins, merges sources by detection id', async () => {
    const run = recordingRunner(psReplyFromFixture('read-detections-ps51.json'));
    const since = new Date('2025-03-01T11:55:00Z');
    const read = await readDetections(since, windowsDeps(run));
    expect(run.calls).toHaveLength(1);
    const call = run.calls[0]!;
    expect(call.args).toEqual(POWERSHELL_ARGS);
    expect(powerShellScriptOf(call.options)).toContain(READ_DETECTIONS_SCRIPT);
    expect(call.options?.env).toEqual({
      [POWERSHELL_INPUT_VAR]: JSON.stringify({ SinceMs: since.getTime() }),
    });
    expect(read.available).toBe(true);
    expect(read.reason).toBeUndefined();
    // The Go detection came from the cmdlet and both events: one entry, cmdlet status wins.
    const go = read.detections.filter((d) => d.id === GO_DETECTION);
    expect(go).toHaveLength(1);
    expect(go[0]).toMatchObject({
      origins: ['Get-MpThreatDetection', 'event 1117', 'event 1116'],
      status: 'Quarantined',
      threatName: 'Trojan:Win32/Wacatac.B!ml',
    });
    expect(read.events.map((e) => e.id)).toEqual([5007, 5001]);
  });

  it('one source failing leaves the other, with the reason; both failing is unavailable', async () => {
    const partial = await readDetections(
      new Date(0),
      windowsDeps(
        recordingRunner(
          psReply({
            Detections: [],
            Threats: [],
            Events: [],
            EventError: { Message: 'The specified channel could not be found', HResult: '0x80131500' },
          }),
        ),
      ),
    );
    expect(partial).toMatchObject({
      available: true,
      reason: expect.stringMatching(/event log could not be read: The specified channel/),
    });
    const none = await readDetections(
      new Date(0),
      windowsDeps(
        recordingRunner(
          psReply({
            Detections: [],
            Events: [],
            DetectionError: {
              Message: 'Operation failed with the following error: 0x800106ba',
              HResult: '0x80131500',
            },
            EventError: { Message: 'access denied', HResult: '0x80070005' },
          }),
        ),
      ),
    );
    expect(none.available).toBe(false);
    expect(none.reason).toMatch(/0x800106ba: the Defender service is not running/);
  });

  it('not Windows: no process, unavailable with the reason', async () => {
    const run = recordingRunner();
    const read = await readDetections(new Date(0), windowsDeps(run, { platform: 'linux' }));
    expect(read).toMatchObject({ available: false, reason: expect.stringMatching(/Windows only/) });
    expect(run.calls).toHaveLength(0);
  });
});

describe('classifyRelevance', () => {
  const detection = (resources: string[], extra: Partial<Detection> = {}): Detection => ({
    id: `{${resources.join('|')}}`,
    resources: resources.map(parseResource),
    origins: ['event 1116'],
    threatName: 'Trojan:Win32/Wacatac.B!ml',
    ...extra,
  });
  const split = (d: Detection) => classifyRelevance([d], ctx);

  it('a go-build temp binary: CI advice to exclude the go-build folder, the !ml explanation and the submission link', () => {
    const [d] = split(
      detection([
        'file:_C:\\Users\\runneradmin\\AppData\\Local\\Temp\\go-build3141592653\\b001\\exe\\hello.exe',
      ]),
    ).relevant;
    expect(d?.relevantBecause).toMatch(/go build or go test wrote/);
    expect(d?.advice).toMatch(
      /exclude C:\\Users\\runneradmin\\AppData\\Local\\Temp\\go-build3141592653 from Defender/,
    );
    expect(d?.advice).toMatch(/"!ml" marks a machine-learning verdict/);
    expect(d?.advice).toContain('https://www.microsoft.com/wdsi/filesubmission');
  });

  it('names the deepest Go folder: GOMODCACHE rather than GOPATH, GOCACHE', () => {
    expect(
      split(detection(['file:_C:\\Users\\runneradmin\\go\\pkg\\mod\\x@v1\\a.exe'])).relevant[0]
        ?.relevantBecause,
    ).toMatch(/in GOMODCACHE/);
    expect(
      split(detection(['file:_c:/users/RUNNERADMIN/appdata/local/go-build/ab/cd-d'])).relevant[0]
        ?.relevantBecause,
    ).toMatch(/in GOCACHE/);
    expect(
      split(
        detection(['file:_C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\pkg\\tool\\windows_amd64\\asm.exe']),
      ).relevant[0]?.relevantBecause,
    ).toMatch(/in GOROOT/);
    expect(
      split(detection(['file:_D:\\a\\_temp\\go-av-guard\\gotmp\\go-build1\\b001\\x.test.exe'])).relevant[0]
        ?.relevantBecause,
    ).toMatch(/the Go build temp dir/);
    expect(split(detection(['file:_D:\\a\\_temp\\other\\x.exe'])).relevant[0]?.relevantBecause).toMatch(
      /RUNNER_TEMP/,
    );
  });

  it('a file this run built: release advice (signing, version resource) and the path for the annotation', () => {
    const [d] = split(detection(['file:_d:\\A\\repo\\repo\\dist\\HELLO.exe'])).relevant;
    expect(d?.relevantBecause).toMatch(/a file this run built, signed or analysed/);
    expect(d?.advice).toMatch(
      /sign it \(Authenticode with an RFC 3161 timestamp\) and give it a version resource/,
    );
    expect(d?.relevantPath).toBe('d:\\A\\repo\\repo\\dist\\HELLO.exe');
  });

  it('an archive member inside the workspace is relevant through its archive', () => {
    const [d] = split(detection(['file:_D:\\a\\repo\\repo\\testdata\\bundle.zip->tool.exe'])).relevant;
    expect(d?.relevantBecause).toMatch(/in the workspace/);
  });

  it('a Go tool process makes it relevant even when the file is elsewhere; MSVC link.exe does not', () => {
    const tool = detection(['file:_C:\\elsewhere\\x.obj'], {
      process: 'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\pkg\\tool\\windows_amd64\\link.exe',
    });
    expect(split(tool).relevant[0]?.advice).toMatch(/exclude the process .*link\.exe.*exclusion-processes/);
    const msvc = detection(['file:_C:\\elsewhere\\x.obj'], {
      process: 'C:\\Program Files\\Microsoft Visual Studio\\2022\\VC\\bin\\link.exe',
    });
    expect(split(msvc).relevant).toEqual([]);
  });

  it('other detections on the machine stay other, untouched', () => {
    const d = detection(['file:_C:\\Users\\dev\\Downloads\\a.zip'], { process: 'C:\\Windows\\explorer.exe' });
    expect(split(d)).toEqual({ relevant: [], other: [d] });
  });

  it('EICAR gets no false-positive submission advice', () => {
    const [d] = split(
      detection(['file:_D:\\a\\repo\\repo\\av-probe\\eicar.com'], {
        threatName: 'Virus:DOS/EICAR_Test_File',
      }),
    ).relevant;
    expect(d?.advice).toMatch(/EICAR test file/);
    expect(d?.advice).not.toContain('filesubmission');
  });
});

describe('collectDetections', () => {
  it('main: keeps the window, splits relevant/other, notes 5001 and 5007, remembers what it reported', async () => {
    const deps = windowsDeps(recordingRunner(psReplyFromFixture('read-detections-ps51.json')));
    const since = new Date('2025-03-01T11:55:00Z');
    const report = await collectDetections('main', since, ctx, deps);
    expect(report).toMatchObject({
      phase: 'main',
      available: true,
      since: since.toISOString(),
      until: '2025-03-01T12:00:00.000Z',
    });
    // The January detection is before the window, the Go one inside it.
    expect(report.relevant.map((d) => d.id)).toEqual([GO_DETECTION]);
    expect(report.other).toEqual([]);
    expect(report.notes.map((n) => `${n.level}: ${n.message}`)).toEqual([
      'info: Defender path exclusion added: C:\\hostedtoolcache\\windows\\go (2025-03-01T12:00:30.000Z)',
      'warning: Defender real-time protection was disabled during the job (2025-03-01T12:05:00.000Z).',
    ]);
    expect(JSON.parse(deps.state.values[DETECTIONS_REPORTED_STATE_KEY] ?? '[]')).toEqual([GO_DETECTION]);

    const post = await collectDetections(
      'post',
      since,
      ctx,
      windowsDeps(recordingRunner(psReplyFromFixture('read-detections-ps51.json')), {
        state: memoryState(deps.state.values),
      }),
    );
    expect(post.relevant).toEqual([]);
    expect(post.notes[0]?.message).toMatch(/1 detection\(s\) were already reported by the main step/);
  });

  it('not Windows: unavailable with a reason, no process', async () => {
    const run = recordingRunner();
    const report = await collectDetections('cli', new Date(0), ctx, windowsDeps(run, { platform: 'darwin' }));
    expect(report).toMatchObject({
      available: false,
      reason: expect.stringMatching(/Windows only \(this is darwin\)/),
      relevant: [],
      other: [],
    });
    expect(run.calls).toHaveLength(0);
  });

  it('the window start round-trips through state', () => {
    const deps = windowsDeps(recordingRunner());
    const start = rememberDetectionWindowStart(deps);
    expect(
      detectionWindowStart(
        windowsDeps(recordingRunner(), { state: memoryState(deps.state.values) }),
        new Date(0),
      ),
    ).toEqual(start);
    expect(detectionWindowStart(windowsDeps(recordingRunner()), new Date(5))).toEqual(new Date(5));
  });
});
