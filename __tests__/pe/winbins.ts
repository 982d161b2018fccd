import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real Windows PE files for the PE and allowlist tests: cross-compiled with this machine's Go
 * (GOOS=windows), one with a version resource/manifest/icon linked in from a committed .syso, and copies
 * signed with osslsigncode using a throwaway certificate (and a local throwaway timestamp authority).
 */

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pe');

export const SIGNER_SUBJECT = '/C=GB/ST=London/L=London/O=Example & Sons <Test>/CN=go-av-guard test signer';

export interface WindowsBinaries {
  dir: string;
  /** `go version` of the toolchain that built them, e.g. "go1.19.8". */
  goVersion: string;
  default: string;
  stripped: string;
  windowsgui: string;
  cgoOff: string;
  i386: string;
  resources: string;
  signed: string;
  signedTimestamped: string;
  certPem: string;
}

const MAIN_GO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from go-av-guard") }\n';

function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(file, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function writeModule(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.17\n');
  writeFileSync(path.join(dir, 'main.go'), MAIN_GO);
}

export function buildWindowsBinaries(): WindowsBinaries {
  const dir = mkdtempSync(path.join(tmpdir(), 'gav-pe-'));
  const src = path.join(dir, 'src');
  writeModule(src);
  const goVersion = run('go', ['env', 'GOVERSION'], src).trim();
  const build = (out: string, args: string[], env: Record<string, string> = {}, cwd = src): string => {
    const file = path.join(dir, out);
    run('go', ['build', '-o', file, ...args, '.'], cwd, {
      GOOS: 'windows',
      GOARCH: 'amd64',
      GOFLAGS: '-mod=mod',
      ...env,
    });
    return file;
  };
  const withResources = path.join(dir, 'src-rsrc');
  writeModule(withResources);
  copyFileSync(
    path.join(FIXTURES, 'rsrc_windows_amd64.syso'),
    path.join(withResources, 'rsrc_windows_amd64.syso'),
  );

  const bins = {
    default: build('default.exe', []),
    stripped: build('stripped.exe', ['-ldflags=-s -w']),
    windowsgui: build('windowsgui.exe', ['-ldflags=-H=windowsgui']),
    cgoOff: build('cgo-off.exe', [], { CGO_ENABLED: '0' }),
    i386: build('hello-386.exe', [], { GOARCH: '386' }),
    resources: build('hello.exe', [], {}, withResources),
  };

  // Throwaway code-signing certificate and timestamp authority: never trusted, removed with the temp dir.
  /** A self-signed certificate for one purpose, valid two days. */
  const selfSigned = (name: string, subject: string, usage: string): { key: string; cert: string } => {
    const key = path.join(dir, `${name}-key.pem`);
    const cert = path.join(dir, `${name}-cert.pem`);
    const args = [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
    ];
    run('openssl', [...args, '-subj', subject, '-addext', `extendedKeyUsage=${usage}`], dir);
    return { key, cert };
  };
  const { key, cert: certPem } = selfSigned('signer', SIGNER_SUBJECT, 'codeSigning');
  const { key: tsaKey, cert: tsaCert } = selfSigned(
    'tsa',
    '/CN=go-av-guard test TSA',
    'critical,timeStamping',
  );
  const sign = (input: string, out: string, extra: string[]): string => {
    const file = path.join(dir, out);
    run(
      'osslsigncode',
      [
        'sign',
        '-certs',
        certPem,
        '-key',
        key,
        '-n',
        'go-av-guard test',
        '-h',
        'sha256',
        ...extra,
        '-in',
        input,
        '-out',
        file,
      ],
      dir,
    );
    return file;
  };
  const signed = sign(bins.resources, 'signed.exe', []);
  const signedTimestamped = sign(bins.default, 'signed-ts.exe', [
    '-TSA-certs',
    tsaCert,
    '-TSA-key',
    tsaKey,
    '-TSA-time',
    String(Math.floor(Date.now() / 1000)),
  ]);
  return { dir, goVersion, ...bins, signed, signedTimestamped, certPem };
}

/** What python3-pefile sees in each file (see pefile_dump.py). */
export function pefileDump(python: string, files: string[]): Record<string, PefileView> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pefile_dump.py');
  return JSON.parse(
    execFileSync(python, [script, ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  ) as Record<string, PefileView>;
}

export interface PefileView {
  machine: number;
  magic: number;
  subsystem: number;
  sections: Array<{ name: string; virtualSize: number; rawSize: number; characteristics: number }>;
  hasRelocations: boolean;
  resourceTypes: Array<number | string>;
  version: Record<string, string>;
  security: { offset: number; size: number };
  imports: string[];
  tls: boolean;
}

/** A copy of a PE with its first two sections renamed UPX0/UPX1, the shape UPX leaves (UPX is not packaged here). */
export function fakeUpx(source: string, out: string): string {
  const bytes = Buffer.from(readFileSync(source));
  const peOffset = bytes.readUInt32LE(0x3c);
  const table = peOffset + 24 + bytes.readUInt16LE(peOffset + 20);
  bytes.write('UPX0\0\0\0\0', table, 'latin1');
  bytes.write('UPX1\0\0\0\0', table + 40, 'latin1');
  // UPX0 holds no file data: the program is unpacked into it at run time.
  bytes.writeUInt32LE(0, table + 16);
  writeFileSync(out, bytes);
  return out;
}
