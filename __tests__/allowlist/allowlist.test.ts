import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeAllowlist } from '../../src/allowlist/index.js';
import { appLockerPublisher } from '../../src/allowlist/applocker.js';
import { csvField, MDE_COLUMNS } from '../../src/allowlist/mde.js';
import { escapeXml } from '../../src/allowlist/xml.js';
import { authenticodeSha256 } from '../../src/pe/authenticode.js';
import { analyzeFiles, isPeError } from '../../src/pe/index.js';
import type { AllowlistFiles, PeReport } from '../../src/pe/types.js';
import { describeWithTool, hasTool } from '../helpers/tools.js';
import { buildWindowsBinaries, type WindowsBinaries } from '../pe/winbins.js';

describeWithTool(
  ['go', 'osslsigncode', 'openssl', 'sha256sum'],
  'allowlisting outputs for real release binaries',
  () => {
    let bins: WindowsBinaries;
    let reports: PeReport[];
    let written: AllowlistFiles;
    let allowlistDir: string;
    let oddName: string;

    beforeAll(async () => {
      bins = buildWindowsBinaries();
      // A name sha256sum has to escape: a backslash, and a space.
      oddName = path.join(bins.dir, 'odd \\ name.exe');
      copyFileSync(bins.stripped, oddName);
      const results = await analyzeFiles([bins.signed, bins.default, bins.signedTimestamped, oddName]);
      reports = results.filter((r): r is PeReport => !isPeError(r));
      expect(reports).toHaveLength(4);
      allowlistDir = path.join(bins.dir, 'release', 'allowlist');
      written = await writeAllowlist(reports, { dir: allowlistDir });
    });
    afterAll(() => rmSync(bins.dir, { recursive: true, force: true }));

    it('SHA256SUMS passes `sha256sum -c` run in its folder, and fails once a binary changes', () => {
      expect(written.sha256sums).toBe(path.join(allowlistDir, 'SHA256SUMS'));
      const ok = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: allowlistDir, encoding: 'utf8' });
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout.match(/: OK$/gm)).toHaveLength(4);
      writeFileSync(oddName, Buffer.concat([readFileSync(oddName), Buffer.from('x')]));
      const changed = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: allowlistDir, encoding: 'utf8' });
      expect(changed.status).not.toBe(0);
      expect(changed.stdout).toMatch(/name\.exe: FAILED/);
    });

    it('hashes are JSON-able data: path, name and the flat SHA-256', () => {
      expect(JSON.parse(JSON.stringify(written.hashes))).toEqual(
        reports.map((r) => ({ path: r.path, name: path.basename(r.path), sha256: r.sha256 })),
      );
    });

    it('the AppLocker policy is well-formed XML with a publisher rule naming the signer and hash rules for unsigned files', async () => {
      const xml = readFileSync(written.applocker, 'utf8');
      expect(XMLValidator.validate(xml)).toBe(true);
      // fast-xml-parser's validator tolerates a bare '&'; Python's expat parser is strict XML 1.0.
      const strict = spawnSync(
        'python3',
        ['-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', written.applocker],
        { encoding: 'utf8' },
      );
      expect(strict.stderr).toBe('');
      expect(strict.status).toBe(0);
      expect(xml).toContain(
        'PublisherName="O=&quot;EXAMPLE &amp; SONS &lt;TEST&gt;&quot;, L=LONDON, S=LONDON, C=GB"',
      );
      const policy = new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '',
        isArray: (name) => name.endsWith('Rule'),
      }).parse(xml);
      const collection = policy.AppLockerPolicy.RuleCollection;
      expect(collection.Type).toBe('Exe');
      const publisherRules = collection.FilePublisherRule;
      expect(publisherRules).toHaveLength(2);
      const withVersion = publisherRules[0].Conditions.FilePublisherCondition;
      // Parsed back, the escaped '&' and '<...>' of the certificate and version resource are intact.
      expect(withVersion.PublisherName).toBe('O="EXAMPLE & SONS <TEST>", L=LONDON, S=LONDON, C=GB');
      expect(withVersion.ProductName).toBe('Go AV Guard Fixture');
      expect(withVersion.BinaryName).toBe('hello.exe');
      expect(withVersion.BinaryVersionRange).toEqual({ LowSection: '1.2.3.4', HighSection: '*' });
      expect(publisherRules[1].Conditions.FilePublisherCondition).toMatchObject({
        ProductName: '*',
        BinaryName: '*',
      });
      expect(publisherRules[1].Conditions.FilePublisherCondition.BinaryVersionRange.LowSection).toBe('*');
      const hashRules = collection.FileHashRule;
      expect(
        hashRules.map(
          (r: { Conditions: { FileHashCondition: { FileHash: { SourceFileName: string } } } }) =>
            r.Conditions.FileHashCondition.FileHash.SourceFileName,
        ),
      ).toEqual(['default.exe', 'odd \\ name.exe']);
      const defaultHash = hashRules[0].Conditions.FileHashCondition.FileHash;
      expect(defaultHash.Type).toBe('SHA256');
      // AppLocker hashes the Authenticode image hash, not the flat file hash.
      expect(defaultHash.Data).toBe(`0x${(await authenticodeSha256(bins.default)).toUpperCase()}`);
      expect(defaultHash.Data.toLowerCase()).not.toBe(`0x${reports[1]?.sha256}`);
      expect(Number(defaultHash.SourceFileLength)).toBe(reports[1]?.size);
      const ids = [...publisherRules, ...hashRules].map((r: { Id: string }) => r.Id);
      expect(new Set(ids).size).toBe(4);
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('our Authenticode SHA-256 equals the digest osslsigncode computes for the same file', async () => {
      for (const file of [bins.signed, bins.signedTimestamped]) {
        // The throwaway certificate is untrusted, so verify exits non-zero; the digests are printed anyway.
        const out = spawnSync('osslsigncode', ['verify', '-in', file], { encoding: 'utf8' }).stdout;
        const calculated = out.match(/Calculated message digest\s*:\s*([0-9A-Fa-f]{64})/)?.[1];
        expect(calculated, out).toBeDefined();
        expect(await authenticodeSha256(file)).toBe(calculated?.toLowerCase());
      }
    });

    it('the Defender for Endpoint CSV has the documented columns and one Allowed FileSha256 row per binary', () => {
      const lines = readFileSync(written.defenderIndicators, 'utf8').trimEnd().split('\r\n');
      expect(lines[0]).toBe(MDE_COLUMNS.join(','));
      expect(lines).toHaveLength(5);
      const first = lines[1]?.split(',') ?? [];
      expect(first.slice(0, 6)).toEqual([
        'FileSha256',
        reports[0]?.sha256,
        '',
        'Allowed',
        'Informational',
        'Allow signed.exe',
      ]);
      expect(first.at(-1)).toBe('FALSE');
    });

    it('the publisher comes from the signing report when the file does not name one', async () => {
      const [signed] = reports;
      const bare: PeReport = { ...(signed as PeReport), signature: { present: true } };
      const dir = path.join(bins.dir, 'from-signing');
      const out = await writeAllowlist([bare], {
        dir,
        signing: {
          tool: 'built-in',
          digest: 'sha256',
          timestampUrls: [],
          notes: [],
          files: [],
          certificate: {
            source: 'ephemeral',
            subject: 'CN=go-av-guard ephemeral',
            issuer: 'CN=go-av-guard ephemeral',
            thumbprint: 'A'.repeat(40),
            notBefore: '',
            notAfter: '',
            selfSigned: true,
          },
        },
      });
      expect(readFileSync(out.applocker, 'utf8')).toContain('PublisherName="CN=GO-AV-GUARD EPHEMERAL"');
    });
  },
);

it('AppLocker publisher names follow Get-AppLockerFileInformation: O, L, S, C in capitals, CN only without O', () => {
  expect(
    appLockerPublisher([
      { key: 'C', value: 'US' },
      { key: 'S', value: 'Washington' },
      { key: 'L', value: 'Redmond' },
      { key: 'O', value: 'Microsoft Corporation' },
      { key: 'CN', value: 'Microsoft Corporation' },
    ]),
  ).toBe('O=MICROSOFT CORPORATION, L=REDMOND, S=WASHINGTON, C=US');
  expect(appLockerPublisher([{ key: 'CN', value: 'Test, Inc.' }])).toBe('CN="TEST, INC."');
  expect(appLockerPublisher([])).toBeUndefined();
});

it('XML escaping covers markup, both quotes, and characters XML cannot carry', () => {
  expect(escapeXml(`a&b<c>"d"'e'\u0001f`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;f');
});

it('CSV fields are quoted per RFC 4180 and cannot start a spreadsheet formula', () => {
  expect(csvField('plain')).toBe('plain');
  expect(csvField('a, "b"')).toBe('"a, ""b"""');
  expect(csvField('=cmd|calc')).toBe("'=cmd|calc");
});

it('sha256sum is available wherever the tool-backed tests must run', () => {
  if (process.env.CI === 'true') expect(hasTool('sha256sum')).toBe(true);
});
