import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { guardExclusions } from '../../src/defender/apply.js';
import { READ_DETECTIONS_SCRIPT, collectDetections, readDetections } from '../../src/defender/detections.js';
import { recordedExclusions } from '../../src/defender/readback.js';
import { restoreExclusions } from '../../src/defender/restore.js';
import { SCAN_ARTIFACTS_SCRIPT, readScanReply } from '../../src/defender/scan.js';
import { DEFENDER_STATUS_SCRIPT, probeDefender } from '../../src/defender/status.js';
import { memoryState } from '../../src/platform/state.js';
import {
  PowerShellError,
  runPowerShell,
  sharePowerShell,
  type SharedPowerShell,
} from '../../src/platform/powershell.js';
import { findStoreCertificate, importPfx, removeCertificates } from '../../src/sign/store.js';
import { CTX, doctorWith, windowsDeps } from '../defender/helpers.js';
import { exportPfx, makeTestPki } from '../helpers/pki.js';
import {
  defaultState,
  describePwsh,
  LANGUAGE_MODES,
  standInMachine,
  type Machine,
  type StandInState,
  EXCLUSIONS,
} from './harness.js';

const NOW = new Date('2026-11-30T12:00:00Z');
const SINCE = new Date(NOW.getTime() - 10 * 60_000);
const at = (minutesFromSince: number): string =>
  new Date(SINCE.getTime() + minutesFromSince * 60_000).toISOString();
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const OPERATIONAL = 'Microsoft-Windows-Windows Defender/Operational';

/** A Defender 1117 event as Get-WinEvent's ToXml() writes it (platform 4.18.1906 style: unresolved name inserts). */
export function event1117(id: string, time: string, file: string): string {
  const data = {
    'Detection ID': id,
    'Detection Time': time.replace(/Z$/, ''),
    'Threat ID': '2147519003',
    'Threat Name': 'Virus:DOS/EICAR_Test_File',
    'Severity ID': '5',
    'Severity Name': '%%823',
    'Category ID': '42',
    'Category Name': '%%850',
    'Source ID': '3',
    'Source Name': '%%818',
    'Process Name': 'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\pkg\\tool\\windows_amd64\\link.exe',
    'Detection User': 'RUNNER\\runneradmin',
    Path: `file:_${file}`,
    'Action ID': '2',
    'Action Name': '%%809',
  };
  const items = Object.entries(data)
    .map(([k, v]) => `<Data Name='${k}'>${v}</Data>`)
    .join('');
  return `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Windows Defender' Guid='{11cd958a-c507-4ef3-b3f2-5fd9dfbd2c78}'/><EventID>1117</EventID><TimeCreated SystemTime='${time}'/><Channel>${OPERATIONAL}</Channel></System><EventData>${items}</EventData></Event>`;
}

for (const mode of LANGUAGE_MODES) {
  describePwsh(`the shipped PowerShell scripts, run by pwsh 7 in ${mode}`, () => {
    let machine: Machine;
    let ps: SharedPowerShell;
    const reset = (change: (s: StandInState) => void = () => undefined): Promise<void> => {
      const state = defaultState();
      change(state);
      return machine.write(state);
    };
    const deps = (state = memoryState()) => windowsDeps(ps.run, { env: machine.env, state, now: () => NOW });

    beforeAll(async () => {
      machine = await standInMachine(mode);
      ps = sharePowerShell(machine.run, { tempDir: machine.dir });
    }, 120_000);
    afterAll(async () => {
      await ps?.close();
      await machine?.cleanup();
    });

    it('status: Defender state, exclusions, elevation and the language mode', async () => {
      await reset((s) => (s.preference.ExclusionPath = ['D:\\agent\\_work']));
      const raw = (await runPowerShell(ps.run, DEFENDER_STATUS_SCRIPT, null)) as Record<string, unknown>;
      expect(raw.LanguageMode).toBe(mode);
      const probe = await probeDefender(ps.run);
      expect(probe.elevated).toBe(true);
      expect(probe.defender).toMatchObject({
        available: true,
        realTimeProtectionEnabled: true,
        signatureVersion: '1.441.12.0',
        signatureLastUpdated: '2026-06-01T03:12:44.000Z',
        cloudProtection: true,
        exclusions: { paths: ['D:\\agent\\_work'], processes: [], hidden: false },
      });
    }, 60_000);

    it('status: a stopped Defender (0x800106ba) is an error the report names, not a crash', async () => {
      await reset((s) => {
        s.failures['Get-MpComputerStatus'] = {
          message: 'Failed to get status. error: 0x800106ba. The service is not running.',
          hresult: 0x800106ba | 0,
        };
      });
      const probe = await probeDefender(ps.run);
      expect(probe.defender.available).toBe(false);
      expect(probe.defender.errorCode).toBe('0x800106ba');
      expect(probe.elevated).toBe(true);
    }, 60_000);

    it('exclusions: adds, reads back and records; restore removes exactly those', async () => {
      await reset((s) => (s.preference.ExclusionPath = ['D:\\agent\\_work']));
      const doctor = doctorWith((await probeDefender(ps.run)).defender);
      const state = memoryState();
      const report = await guardExclusions(
        EXCLUSIONS,
        doctor,
        { ...CTX, runnerPid: process.pid },
        deps(state),
      );
      expect(report.notApplied).toEqual([]);
      const added = report.added.map((a) => a.value);
      expect(added).toEqual(expect.arrayContaining([CTX.goTmpDir, 'C:\\Users\\runneradmin\\go\\pkg\\mod']));
      expect(report.added.some((a) => a.kind === 'process')).toBe(true);
      const after = await machine.read();
      expect(after.preference.ExclusionPath).toEqual([
        'D:\\agent\\_work',
        ...report.added.filter((a) => a.kind === 'path').map((a) => a.value),
      ]);
      expect(
        recordedExclusions(state)
          .map((e) => e.value)
          .sort(),
      ).toEqual([...added].sort());

      const restore = await restoreExclusions(deps(state));
      expect(restore.failed).toEqual([]);
      expect(restore.removed.map((e) => e.value).sort()).toEqual([...added].sort());
      const back = await machine.read();
      expect(back.preference.ExclusionPath).toEqual(['D:\\agent\\_work']);
      expect(back.preference.ExclusionProcess).toEqual([]);
    }, 60_000);

    it('exclusions: with hidden lists, MpCmdRun -CheckExclusion proves each path new and in effect', async () => {
      await reset((s) => (s.preference.HideExclusionsFromLocalAdmins = true));
      const doctor = doctorWith((await probeDefender(ps.run)).defender);
      expect(doctor.defender?.exclusions.hidden).toBe(true);
      const report = await guardExclusions(EXCLUSIONS, doctor, { ...CTX, runnerPid: process.pid }, deps());
      expect(report.added.length).toBeGreaterThan(0);
      expect(report.added.every((a) => a.kind === 'path')).toBe(true);
      expect(report.notApplied.filter((n) => n.kind === 'path')).toEqual([]);
      const checks = (await machine.read()).calls.filter((c) => c.name === 'MpCmdRun');
      expect(checks.length).toBe(report.added.length * 2);
    }, 60_000);

    it('exclusions: tamper protection accepting the call and changing nothing is caught by the read-back', async () => {
      await reset((s) => (s.tamper = true));
      const doctor = doctorWith((await probeDefender(ps.run)).defender);
      const report = await guardExclusions(EXCLUSIONS, doctor, { ...CTX, runnerPid: process.pid }, deps());
      expect(report.added).toEqual([]);
      expect(report.notApplied[0]?.reason).toMatch(/not there when read back/);
    }, 60_000);

    it('detections: the window, the join to Get-MpThreat, and event names resolved from %%NNN inserts', async () => {
      const file = 'D:\\a\\_temp\\go-build123\\b001\\exe\\hello.exe';
      await reset((s) => {
        s.detections = [
          {
            DetectionID: '{AAAAAAAA-0000-0000-0000-000000000001}',
            ThreatID: 2147519003,
            InitialDetectionTime: at(3),
            LastThreatStatusChangeTime: at(3),
            Resources: [`file:_${file}`],
            CleaningActionID: 2,
            ThreatStatusID: 3,
            DetectionSourceTypeID: 3,
            ProcessName: 'C:\\go\\pkg\\tool\\link.exe',
            DomainUser: 'RUNNER\\runneradmin',
          },
          {
            DetectionID: '{BBBBBBBB-0000-0000-0000-000000000002}',
            ThreatID: 2147519003,
            InitialDetectionTime: at(-7),
            LastThreatStatusChangeTime: at(-7),
            Resources: ['file:_C:\\old.exe'],
            CleaningActionID: 2,
            ThreatStatusID: 3,
            DetectionSourceTypeID: 3,
          },
        ];
        s.threats = [
          {
            ThreatID: 2147519003,
            ThreatName: 'Virus:DOS/EICAR_Test_File',
            SeverityID: 5,
            CategoryID: 42,
            Resources: [],
          },
        ];
        s.events = [
          {
            log: OPERATIONAL,
            id: 1117,
            time: at(4),
            xml: event1117('{CCCCCCCC-0000-0000-0000-000000000003}', at(4), file),
          },
          {
            log: OPERATIONAL,
            id: 1117,
            time: at(-7),
            xml: event1117('{DDDDDDDD-0000-0000-0000-000000000004}', at(-7), 'C:\\old2.exe'),
          },
        ];
      });
      // The script's own cut: five minutes of slack before the window, never more, never less.
      const raw = (await runPowerShell(ps.run, READ_DETECTIONS_SCRIPT, {
        SinceMs: SINCE.getTime(),
      })) as Record<string, unknown>;
      const ids = (raw.Detections as Array<{ DetectionID: string }>).map((d) => d.DetectionID);
      expect(ids).toEqual(['{AAAAAAAA-0000-0000-0000-000000000001}']);
      expect((raw.Events as string[]).length).toBe(1);

      const read = await readDetections(SINCE, deps());
      expect(read.reason).toBeUndefined();
      const fromCmdlet = read.detections.find((d) => /aaaaaaaa/i.test(d.id));
      expect(fromCmdlet).toMatchObject({
        threatName: 'Virus:DOS/EICAR_Test_File',
        time: at(3),
        action: 'Quarantine',
        status: 'Quarantined',
        severity: 'Severe',
      });
      const fromEvent = read.detections.find((d) => /cccccccc/i.test(d.id));
      expect(fromEvent).toMatchObject({
        action: 'Quarantine',
        source: 'Real-time protection',
        severity: 'Severe',
        category: 'Virus',
        time: at(4),
      });

      const report = await collectDetections(
        'main',
        SINCE,
        { workspace: 'D:\\a\\repo', files: [file] },
        deps(),
      );
      expect(report.available).toBe(true);
      expect(report.relevant.map((d) => d.threatName)).toContain('Virus:DOS/EICAR_Test_File');
    }, 60_000);

    it('detections: no events is no error (NoMatchingEventsFound), a broken log is a named problem', async () => {
      await reset();
      expect((await readDetections(SINCE, deps())).reason).toBeUndefined();
      await reset(
        (s) =>
          (s.failures['Get-WinEvent'] = {
            message: 'The RPC server is unavailable',
            hresult: 0x800706ba | 0,
          }),
      );
      const read = await readDetections(SINCE, deps());
      expect(read.available).toBe(true);
      expect(read.reason).toMatch(/event log could not be read: The RPC server is unavailable/);
    }, 60_000);

    it('scan: copies scanned in a fresh folder with -DisableRemediation, verdicts read from MpCmdRun, nothing left behind', async () => {
      await reset();
      const files = path.join(machine.dir, 'files');
      await mkdir(files, { recursive: true });
      const clean = path.join(files, 'hello.exe');
      const infected = path.join(files, 'eicar.exe');
      await writeFile(clean, 'MZ clean');
      await writeFile(infected, EICAR);
      const folder = path.join(machine.dir, 'tmp', 'go-av-guard-scan-1');
      const raw = (await runPowerShell(ps.run, SCAN_ARTIFACTS_SCRIPT, {
        Folders: [folder],
        Files: [clean, infected],
      })) as Record<string, unknown>;
      const doctor = doctorWith((await probeDefender(ps.run)).defender);
      const report = readScanReply([clean, infected], raw, doctor);
      expect(report.performed).toBe(true);
      expect(report.files).toEqual([
        { path: clean, status: 'clean' },
        expect.objectContaining({
          path: infected,
          status: 'detected',
          threatName: 'Virus:DOS/EICAR_Test_File',
        }),
      ]);
      expect(existsSync(folder)).toBe(false);
      const scans = (await machine.read()).calls.filter(
        (c) => c.name === 'MpCmdRun' && JSON.stringify(c).includes('-Scan'),
      );
      expect(scans).toHaveLength(2);
      for (const s of scans)
        expect((s.parameters as { args: string[] }).args).toContain('-DisableRemediation');
    }, 60_000);

    if (mode === 'FullLanguage') {
      it('certificate store: import, find and remove a PFX for real (X509Store of .NET on this machine)', async () => {
        const pki = makeTestPki(path.join(machine.dir, 'pki'));
        const pfx = exportPfx(pki.dir, 'signer', pki.leaf, "pa'ss $word");
        const imported = await importPfx(ps.run, { path: pfx }, "pa'ss $word");
        expect(imported).toMatchObject({ hasPrivateKey: true, existed: false });
        expect(imported.thumbprint).toMatch(/^[0-9A-F]{40}$/);
        const found = await findStoreCertificate(ps.run, imported.thumbprint);
        expect(found).toMatchObject({
          location: 'CurrentUser',
          hasPrivateKey: true,
          ekus: ['1.3.6.1.5.5.7.3.3'],
        });
        const removed = await removeCertificates(ps.run, [imported.thumbprint]);
        expect(removed).toEqual({ removed: [imported.thumbprint], failed: [] });
        expect(await findStoreCertificate(ps.run, imported.thumbprint)).toBeUndefined();
      }, 60_000);
    } else {
      it('certificate store: each script says plainly what Constrained Language Mode skips', async () => {
        const skipped =
          /PowerShell script stopped: this machine runs PowerShell in Constrained Language Mode: .+ is skipped/;
        await expect(importPfx(ps.run, { path: '/nonexistent.pfx' }, 'x')).rejects.toThrow(skipped);
        await expect(findStoreCertificate(ps.run, 'A'.repeat(40))).rejects.toThrow(skipped);
        await expect(removeCertificates(ps.run, ['A'.repeat(40)])).rejects.toThrow(PowerShellError);
      }, 60_000);
    }

    it('ran every script above in one PowerShell start', () => {
      expect(machine.starts()).toBe(1);
      expect(ps.starts()).toBe(1);
    });
  });
}
