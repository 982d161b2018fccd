import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/defender/types.js';
import { classifyFailure } from '../../src/smoke/classify.js';

// Error texts from ../shared/reference/windows-samples.md (Windows FormatMessage texts, Go's own wording).
const INFECTED_BUILD =
  'go build example.com/hello: open C:\\Users\\runner\\AppData\\Local\\Temp\\go-build061194467\\b001\\exe\\a.out.exe: Operation did not complete successfully because the file contains a virus or potentially unwanted software.';
const INFECTED_TOOL =
  'fork/exec C:\\Program Files\\Go\\pkg\\tool\\windows_amd64\\asm.exe: Operation did not complete successfully because the file contains a virus or potentially unwanted software.';
const DELETED_NEW =
  'This file contains a virus or potentially unwanted software and cannot be opened. Due to the nature of this virus or potentially unwanted software, the file has been removed from this location.';
const DELETED_OLD =
  'This file contains a virus and cannot be opened. Due to the nature of this virus, the file has been removed from this location.';
const ACCESS_DENIED =
  'link.exe: cannot create $WORK\\b001\\exe\\a.out.exe: open C:\\Users\\runner\\AppData\\Local\\Temp\\go-build1\\b001\\exe\\a.out.exe: Access is denied.';
const CANNOT_EXECUTE = 'The system cannot execute the specified program.';
const DLL_NOT_FOUND = 'exit status 0xc0000135';
const ACCESS_VIOLATION = 'exit status 0xc0000005';

const wacatac: Detection = {
  id: '{94BBE9CF-CDEB-4885-9178-CC93FB10822D}',
  threatName: 'Trojan:Win32/Wacatac.B!ml',
  resources: [
    { kind: 'file', path: 'C:\\work\\smoke-default.exe', raw: 'file:_C:\\work\\smoke-default.exe' },
  ],
  origins: ['Get-MpThreatDetection'],
};

describe('classifyFailure', () => {
  it.each([
    ['ERROR_VIRUS_INFECTED from go build', INFECTED_BUILD],
    ['ERROR_VIRUS_INFECTED from a Go tool', INFECTED_TOOL],
    ['ERROR_VIRUS_DELETED, current text', DELETED_NEW],
    ['ERROR_VIRUS_DELETED, older text without "or potentially unwanted software"', DELETED_OLD],
    ['HRESULT 0x800700E1', 'CreateProcess failed: 0x800700E1'],
    ['HRESULT 0x800700E2', 'failed with 0x800700e2'],
  ])('%s is antivirus for certain', (_name, output) => {
    const d = classifyFailure({ exitCode: 1, output });
    expect(d.verdict).toBe('av-certain');
    expect(d.evidence && output.includes(d.evidence)).toBe(true);
    expect(d.nextStep).toMatch(/Exclude/);
  });

  it('exit codes 225 and 226 are ERROR_VIRUS_INFECTED and ERROR_VIRUS_DELETED', () => {
    expect(classifyFailure({ exitCode: 225, output: '' })).toMatchObject({
      verdict: 'av-certain',
      evidence: expect.stringMatching(/ERROR_VIRUS_INFECTED/),
    });
    expect(classifyFailure({ exitCode: 226, output: '' })).toMatchObject({
      verdict: 'av-certain',
      evidence: expect.stringMatching(/ERROR_VIRUS_DELETED/),
    });
  });

  it('a file that vanished after a successful build is "quarantined, most likely"', () => {
    const d = classifyFailure({ exitCode: 0, output: '', vanishedAfterBuild: true });
    expect(d.verdict).toBe('quarantined-likely');
    expect(d.nextStep).toMatch(/protection history/);
  });

  it.each([
    ['"Access is denied."', ACCESS_DENIED],
    ['"The system cannot execute the specified program."', CANNOT_EXECUTE],
  ])('%s is only "possibly antivirus"', (_name, output) => {
    const d = classifyFailure({ exitCode: 1, output });
    expect(d.verdict).toBe('possibly-av');
    expect(d.evidence).toMatch(/Access is denied|cannot execute/);
  });

  it('0xc0000135 is a missing DLL, not antivirus, as text or as an unsigned or signed exit code', () => {
    for (const input of [
      { exitCode: 1, output: `main.exe: ${DLL_NOT_FOUND}` },
      { exitCode: 3221225781, output: '' },
      { exitCode: -1073741515, output: '' },
    ]) {
      const d = classifyFailure(input);
      expect(d.verdict).toBe('missing-dll');
      expect(d.summary).toMatch(/not antivirus/);
      expect(d.nextStep).toMatch(/CGO_ENABLED=0/);
    }
  });

  it('0xc0000005 is not Defender', () => {
    for (const input of [
      { exitCode: 1, output: ACCESS_VIOLATION },
      { exitCode: 3221225477, output: '' },
    ]) {
      const d = classifyFailure(input);
      expect(d.verdict).toBe('not-av');
      expect(d.summary).toMatch(/Defender does not cause this/);
    }
  });

  it('anything else is not antivirus, with a next step', () => {
    const d = classifyFailure({
      exitCode: 1,
      output: './main.go:3:1: syntax error: non-declaration statement outside function body',
    });
    expect(d).toMatchObject({ verdict: 'not-av' });
    expect(d.nextStep.length).toBeGreaterThan(10);
    expect(d.evidence).toBeUndefined();
  });

  it('cites detections in the same window, and they turn a suspicion into certainty', () => {
    expect(
      classifyFailure({ exitCode: 0, output: '', vanishedAfterBuild: true, detections: [wacatac] }),
    ).toMatchObject({
      verdict: 'av-certain',
      detections: ['Trojan:Win32/Wacatac.B!ml'],
      summary: expect.stringMatching(/Wacatac/),
    });
    expect(
      classifyFailure({ exitCode: 1, output: ACCESS_DENIED, detections: [wacatac, wacatac] }).detections,
    ).toEqual(['Trojan:Win32/Wacatac.B!ml']);
    expect(
      classifyFailure({ exitCode: 1, output: INFECTED_BUILD, detections: [wacatac] }).detections,
    ).toEqual(['Trojan:Win32/Wacatac.B!ml']);
    // A missing DLL stays a missing DLL; the detection is still mentioned.
    const dll = classifyFailure({
      exitCode: 1,
      output: DLL_NOT_FOUND,
      detections: [{ ...wacatac, threatName: undefined }],
    });
    expect(dll.verdict).toBe('missing-dll');
    expect(dll.detections).toEqual([`detection ${wacatac.id}`]);
  });

  it('the certain verdicts win over the vague ones in mixed output', () => {
    expect(classifyFailure({ exitCode: 1, output: `${ACCESS_DENIED}\n${INFECTED_TOOL}` }).verdict).toBe(
      'av-certain',
    );
    expect(classifyFailure({ exitCode: 1, output: `${ACCESS_DENIED}\n${DLL_NOT_FOUND}` }).verdict).toBe(
      'missing-dll',
    );
  });
});
