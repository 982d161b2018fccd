import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyzeFile, analyzeFiles, isPeError } from '../../src/pe/index.js';
import { MACHINES, SUBSYSTEMS } from '../../src/pe/headers.js';
import type { PeReport } from '../../src/pe/types.js';
import { describeWithTool, pythonWithPefile } from '../helpers/tools.js';
import { buildWindowsBinaries, fakeUpx, pefileDump, type WindowsBinaries } from './winbins.js';
import { readAnchors } from '../../src/sign/authenticode/anchors.js';

async function report(file: string): Promise<PeReport> {
  const result = await analyzeFile(file);
  if (isPeError(result)) throw new Error(result.error);
  return result;
}

const ids = (r: PeReport): string[] => r.findings.map((f) => f.id);

describeWithTool(
  ['go', 'osslsigncode', 'openssl'],
  'analyzeFile on real Windows binaries built with GOOS=windows',
  () => {
    let bins: WindowsBinaries;
    beforeAll(() => {
      bins = buildWindowsBinaries();
    });
    afterAll(() => rmSync(bins.dir, { recursive: true, force: true }));

    const every = (): string[] => [
      bins.default,
      bins.stripped,
      bins.windowsgui,
      bins.cgoOff,
      bins.i386,
      bins.resources,
      bins.signed,
      bins.signedTimestamped,
    ];

    it('agrees with python3-pefile on machine, format, subsystem, sections, relocations, resources, imports, TLS and the security directory', async () => {
      const python = pythonWithPefile();
      if (!python && process.env.CI !== 'true') return;
      expect(python, 'python3 with pefile (Debian python3-pefile) is required in CI').toBeDefined();
      const theirs = pefileDump(python as string, every());
      for (const file of every()) {
        const ours = await report(file);
        const pefile = theirs[file];
        if (!pefile) throw new Error(`pefile did not report ${file}`);
        const where = path.basename(file);
        expect(ours.machine, where).toBe(MACHINES[pefile.machine]);
        expect(ours.format, where).toBe(pefile.magic === 0x20b ? 'PE32+' : 'PE32');
        expect(ours.subsystem, where).toBe(SUBSYSTEMS[pefile.subsystem]);
        expect(
          ours.sections.map(({ name, virtualSize, rawSize, characteristics }) => ({
            name,
            virtualSize,
            rawSize,
            characteristics,
          })),
          where,
        ).toEqual(pefile.sections);
        expect(ours.hasRelocations, where).toBe(pefile.hasRelocations);
        expect(ours.resources.present, where).toBe(pefile.resourceTypes.length > 0);
        expect(ours.resources.types ?? [], where).toEqual(pefile.resourceTypes);
        expect(ours.resources.version ?? {}, where).toEqual(pefile.version);
        expect(ours.signature.present, where).toBe(pefile.security.size > 0);
        expect(ours.imports, where).toEqual(pefile.imports);
        expect(ours.tls, where).toBe(pefile.tls);
      }
    });

    it('hashes the whole file (SHA-256) and measures section entropy within 0..8', async () => {
      for (const file of [bins.default, bins.signed]) {
        const ours = await report(file);
        expect(ours.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
        expect(ours.size).toBe(readFileSync(file).length);
        const text = ours.sections.find((s) => s.name === '.text');
        expect(text?.entropy).toBeGreaterThan(4);
        expect(text?.entropy).toBeLessThan(7.2);
        for (const s of ours.sections) expect(s.entropy).toBeGreaterThanOrEqual(0);
      }
    });

    it('reads Go build info (1.18+ inline layout): the version equals `go version` of the toolchain, plus module and settings', async () => {
      const plain = await report(bins.default);
      expect(plain.goBuildInfo?.goVersion).toBe(bins.goVersion);
      expect(plain.goBuildInfo?.path).toBe('example.com/hello');
      expect(plain.goBuildInfo?.mainModule).toBe('example.com/hello');
      expect(plain.goBuildInfo?.mainVersion).toBe('(devel)');
      expect(plain.goBuildInfo?.settings).toMatchObject({ GOOS: 'windows', GOARCH: 'amd64' });
      expect((await report(bins.cgoOff)).goBuildInfo?.settings.CGO_ENABLED).toBe('0');
      expect((await report(bins.stripped)).goBuildInfo?.settings['-ldflags']).toBe('-s -w');
      expect((await report(bins.windowsgui)).goBuildInfo?.settings['-ldflags']).toBe('-H=windowsgui');
      expect((await report(bins.i386)).goBuildInfo?.settings.GOARCH).toBe('386');
    });

    it('reads Go build info in the pre-1.18 pointer layout (synthetic: the header rewritten to point at Go string headers)', async () => {
      const copy = path.join(bins.dir, 'old-layout.exe');
      writeFileSync(copy, rewriteToPointerLayout(readFileSync(bins.default)));
      const old = await report(copy);
      expect(old.goBuildInfo).toEqual({
        goVersion: 'go1.16.15',
        path: 'example.com/old',
        mainModule: 'example.com/old',
        mainVersion: 'v1.2.3',
        settings: {},
      });
    });

    it('reads formats, subsystems and resources', async () => {
      expect((await report(bins.default)).format).toBe('PE32+');
      expect((await report(bins.i386)).format).toBe('PE32');
      expect((await report(bins.i386)).machine).toBe('i386');
      expect((await report(bins.default)).subsystem).toBe('windows-cui');
      expect((await report(bins.windowsgui)).subsystem).toBe('windows-gui');
      const res = await report(bins.resources);
      expect(res.resources).toMatchObject({
        present: true,
        versionInfo: true,
        manifest: true,
        icon: true,
        fixedFileVersion: '1.2.3.4',
        fixedProductVersion: '1.2.3.0',
        executionLevel: 'asInvoker',
      });
      expect(res.resources.version?.CompanyName).toBe('Example & Sons <Fixture>');
      expect((await report(bins.default)).resources.present).toBe(false);
    });

    it('reads the signer and the timestamp from the Authenticode signature', async () => {
      const signed = await report(bins.signed);
      expect(signed.signature).toMatchObject({ present: true, timestamped: false, source: 'file' });
      expect(signed.signature.signer).toBe(
        'CN=go-av-guard test signer, O="Example & Sons <Test>", L=London, S=London, C=GB',
      );
      expect(signed.signature.signerParts).toContainEqual({ key: 'O', value: 'Example & Sons <Test>' });
      expect(ids(signed)).toContain('GAV-PE-NO-TIMESTAMP');
      expect(ids(signed)).not.toContain('GAV-PE-UNSIGNED');
      expect(ids(signed)).not.toContain('GAV-PE-NO-VERSIONINFO');
      const stamped = await report(bins.signedTimestamped);
      expect(stamped.signature.timestamped).toBe(true);
      expect(ids(stamped)).not.toContain('GAV-PE-NO-TIMESTAMP');
      // The certificate table is part of the image, not overlay.
      expect(signed.overlaySize).toBe(0);
      expect(stamped.overlaySize).toBe(0);
    });

    it('several large files analyzed side by side get the reports they get one at a time, in the order given', async () => {
      // 70 MiB each: the files besides the largest hold over 128 MiB, so on two or more cores some are
      // hashed in a worker thread.
      const padding = randomBytes(70 * 1024 * 1024);
      const large = (source: string, name: string): string => {
        const file = path.join(bins.dir, name);
        writeFileSync(file, Buffer.concat([readFileSync(source), padding]));
        return file;
      };
      const files = [
        large(bins.default, 'large-default.exe'),
        bins.stripped,
        large(bins.signed, 'large-signed.exe'),
        path.join(bins.dir, 'missing.exe'),
        large(bins.windowsgui, 'large-gui.exe'),
      ];
      const together = await analyzeFiles(files, { trust: { anchors: readAnchors([]) } });
      const oneByOne = [];
      for (const file of files)
        oneByOne.push(await analyzeFile(file, { trust: async () => ({ anchors: readAnchors([]) }) }));
      expect(together).toEqual(oneByOne);
      expect(together.map((r) => r.path)).toEqual(files);
      const signed = together[2];
      expect(signed && !isPeError(signed) && signed.signature.verdict?.intact).toBe(true);
      expect(signed && !isPeError(signed) && signed.sha256).toBe(
        createHash('sha256')
          .update(readFileSync(files[2] as string))
          .digest('hex'),
      );
    });

    it('a file the hashing thread finds shorter than its size is reported as changed, not hashed', async () => {
      const size = readFileSync(bins.default).length;
      const shrunk = {
        hash: async () => ({ sha256: '0'.repeat(64), bytesRead: size - 1 }),
        close: async () => {},
      };
      const result = await analyzeFile(bins.default, undefined, shrunk);
      expect(isPeError(result) && result.error).toMatch(
        /changed while it was being read \(\d+ of \d+ bytes\)/,
      );
      const whole = {
        hash: async () => ({ sha256: 'f'.repeat(64), bytesRead: size }),
        close: async () => {},
      };
      expect(await analyzeFile(bins.default, undefined, whole)).toMatchObject({ sha256: 'f'.repeat(64) });
    });

    it('a file rewritten in place (same size) while it is read is reported as changed', async () => {
      const copy = path.join(path.dirname(bins.default), `rewritten-${process.pid}.exe`);
      copyFileSync(bins.default, copy);
      const bytes = readFileSync(copy);
      try {
        // The "hashing thread" is where the rewrite lands: the same length, other bytes, mid-analysis.
        const rewriting = {
          hash: async () => {
            await new Promise((r) => setTimeout(r, 20));
            writeFileSync(copy, Buffer.from(bytes).fill(0x41, bytes.length - 4096));
            return { sha256: '0'.repeat(64), bytesRead: bytes.length };
          },
          close: async () => {},
        };
        const result = await analyzeFile(copy, undefined, rewriting);
        expect(isPeError(result) && result.error).toMatch(
          /changed while it was being read \(it was written meanwhile\)/,
        );
      } finally {
        rmSync(copy, { force: true });
      }
    });

    it('falls back to the signing report for the signer only when the file does not name one', async () => {
      const [fromFile] = await analyzeFiles([bins.signed], {
        signing: {
          tool: 'built-in',
          digest: 'sha256',
          timestampUrls: [],
          notes: [],
          files: [{ path: bins.signed, status: 'signed', signer: 'CN=someone else' }],
        },
      });
      expect(fromFile && !isPeError(fromFile) && fromFile.signature.signer).toMatch(
        /^CN=go-av-guard test signer/,
      );
    });

    it('raises the findings that fit each binary, with why and advice', async () => {
      const plain = await report(bins.default);
      expect(ids(plain)).toEqual(expect.arrayContaining(['GAV-PE-UNSIGNED', 'GAV-PE-NO-VERSIONINFO']));
      expect(ids(plain)).not.toContain('GAV-PE-GUI-UNSIGNED');
      expect(ids(plain)).not.toContain('GAV-PE-UPX');
      expect(ids(plain)).not.toContain('GAV-PE-STRIPPED');
      // Go's compressed DWARF (.zdebug_*, discardable) is near-random by design: not a packing sign.
      expect(ids(plain)).not.toContain('GAV-PE-HIGH-ENTROPY');
      expect(ids(await report(bins.windowsgui))).toContain('GAV-PE-GUI-UNSIGNED');
      expect(ids(await report(bins.stripped))).toContain('GAV-PE-STRIPPED');
      expect(ids(await report(bins.resources))).not.toContain('GAV-PE-NO-VERSIONINFO');
      for (const f of plain.findings) {
        expect(f.why.length).toBeGreaterThan(20);
        expect(f.advice.length).toBeGreaterThan(20);
      }
      expect(plain.findings.find((f) => f.id === 'GAV-PE-NO-VERSIONINFO')?.advice).toMatch(
        /go-av-guard stamp --file-version .*go-winres/,
      );
    });

    it('detects UPX by section names and shape (synthetic: sections renamed UPX0/UPX1 in a copy)', async () => {
      const upx = await report(fakeUpx(bins.default, path.join(bins.dir, 'upx.exe')));
      expect(upx.packer).toBe('UPX');
      expect(upx.findings.find((f) => f.id === 'GAV-PE-UPX')?.severity).toBe('error');
      expect((await report(bins.default)).packer).toBeUndefined();
    });

    it('reports appended data as overlay', async () => {
      const copy = path.join(bins.dir, 'overlay.exe');
      writeFileSync(copy, Buffer.concat([readFileSync(bins.stripped), Buffer.alloc(1000, 7)]));
      const withOverlay = await report(copy);
      expect(withOverlay.overlaySize).toBe(1000);
      expect(ids(withOverlay)).toContain('GAV-PE-OVERLAY');
      expect((await report(bins.stripped)).overlaySize).toBe(0);
      expect((await report(bins.default)).overlaySize).toBe(0);
    });
  },
);

/**
 * Go before 1.18 stored two pointers to Go string headers after the 16-byte magic+flags. Rewrites the
 * build info of a 1.18+ binary into that shape: string headers and string bytes written right after it.
 */
function rewriteToPointerLayout(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const magic = Buffer.from('\xff Go buildinf:', 'latin1');
  const at = out.indexOf(magic);
  if (at < 0 || at % 16 !== 0) throw new Error('no aligned build info in the fixture');
  const peOffset = out.readUInt32LE(0x3c);
  const imageBase = out.readBigUInt64LE(peOffset + 24 + 24);
  const table = peOffset + 24 + out.readUInt16LE(peOffset + 20);
  let va = -1n;
  for (let i = 0; i < out.readUInt16LE(peOffset + 6); i++) {
    const s = table + i * 40;
    const raw = out.readUInt32LE(s + 20);
    if (at >= raw && at < raw + out.readUInt32LE(s + 16))
      va = imageBase + BigInt(out.readUInt32LE(s + 12) + (at - raw));
  }
  if (va < 0n) throw new Error('build info is not inside a section');
  const version = Buffer.from('go1.16.15');
  const sentinelStart = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
  const sentinelEnd = Buffer.from('f932433186182072008242104116d8f2', 'hex');
  const mod = Buffer.concat([
    sentinelStart,
    Buffer.from('path\texample.com/old\nmod\texample.com/old\tv1.2.3\t\n'),
    sentinelEnd,
  ]);
  out[at + 14] = 8; // pointer size
  out[at + 15] = 0; // little-endian, pointer layout
  out.writeBigUInt64LE(va + 32n, at + 16); // -> version string header
  out.writeBigUInt64LE(va + 48n, at + 24); // -> modinfo string header
  out.writeBigUInt64LE(va + 64n, at + 32);
  out.writeBigUInt64LE(BigInt(version.length), at + 40);
  out.writeBigUInt64LE(va + 80n, at + 48);
  out.writeBigUInt64LE(BigInt(mod.length), at + 56);
  version.copy(out, at + 64);
  mod.copy(out, at + 80);
  return out;
}
