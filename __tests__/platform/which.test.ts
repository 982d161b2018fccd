import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeGo } from '../../src/doctor/goenv.js';
import { runPowerShell } from '../../src/platform/powershell.js';
import type { ProcessRunner } from '../../src/platform/process.js';
import { resolveProgram } from '../../src/platform/which.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('programs by absolute path, never from the workspace', () => {
  it('Windows search: a go.exe or powershell.exe in the current folder (the workspace) is never chosen', () => {
    const present = new Set([
      'go.exe', // what a bare-name start would find first on Windows: the workspace's own file
      '.\\go.exe',
      'tools\\go.exe',
      'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe',
      'powershell.exe',
    ]);
    const options = {
      platform: 'win32' as const,
      env: { Path: '.;tools;;C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin', PATHEXT: '.COM;.EXE;.BAT' },
      isExecutable: (f: string) => present.has(f),
    };
    expect(resolveProgram('go', options)).toBe('C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe');
    expect(resolveProgram('go.exe', options)).toBe(
      'C:\\hostedtoolcache\\windows\\go\\1.24.1\\x64\\bin\\go.exe',
    );
    // Only the workspace has one: not found, rather than the workspace's.
    expect(resolveProgram('powershell', options)).toBeUndefined();
    expect(resolveProgram('C:\\Go\\bin\\go.exe', options)).toBe('C:\\Go\\bin\\go.exe');
  });

  it('POSIX: "." and relative PATH entries are skipped on this machine too', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'which-'));
    dirs.push(work);
    const real = path.join(work, 'real-bin');
    mkdirSync(real);
    for (const f of [path.join(work, 'go'), path.join(real, 'go')]) {
      writeFileSync(f, '#!/bin/sh\nexit 0\n');
      chmodSync(f, 0o755);
    }
    writeFileSync(path.join(real, 'not-exec'), '');
    const env = { PATH: `.:${path.relative(process.cwd(), work)}::${real}` };
    expect(resolveProgram('go', { platform: 'linux', env })).toBe(path.join(real, 'go'));
    expect(resolveProgram('not-exec', { platform: 'linux', env })).toBeUndefined();
  });

  it('doctor starts go by the path it resolved, and PowerShell by SystemRoot, whatever PATH holds', async () => {
    const started: string[] = [];
    const run: ProcessRunner = async (file) => {
      started.push(file);
      return { exitCode: 0, stdout: '{"GOROOT":"C:\\\\go"}', stderr: '', durationMs: 1 };
    };
    const probe = await probeGo(run, 'go', {
      platform: 'win32',
      env: { PATH: '.;C:\\go\\bin', SystemRoot: 'C:\\Windows' },
    });
    // (Nothing exists at C:\go\bin on this machine: the lookup answers "not on PATH" without starting anything.)
    expect(probe.found).toBe(false);
    expect(started).toEqual([]);
    await runPowerShell(run, '1', null).catch(() => undefined);
    expect(started).toEqual(['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe']);
  });
});
