import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { framePowerShellScript } from '../../src/platform/powershell.js';
import { describePwsh, PWSH } from './harness.js';
import { SHIPPED_SCRIPTS } from './shipped.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runs syntax51.ps1 (pwsh's own parser) over named script texts and returns the problems per name. */
function check51(scripts: Record<string, string>): Record<string, string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'syntax51-'));
  try {
    const file = path.join(dir, 'scripts.json');
    writeFileSync(file, JSON.stringify(scripts));
    const out = execFileSync(
      PWSH,
      ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', path.join(here, 'syntax51.ps1'), file],
      {
        encoding: 'utf8',
        env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' },
        timeout: 120_000,
      },
    );
    return JSON.parse(out.trim().split('\n').pop() as string) as Record<string, string[]>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describePwsh('Windows PowerShell 5.1 syntax of every shipped script (pwsh parser, AST check)', () => {
  it('every script, exactly as framed and sent, parses and uses nothing 5.1 lacks', () => {
    const framed = Object.fromEntries(
      Object.entries(SHIPPED_SCRIPTS).map(([n, s]) => [n, framePowerShellScript(s)]),
    );
    expect(Object.keys(framed)).toHaveLength(8);
    const problems = check51(framed);
    expect(problems).toEqual(Object.fromEntries(Object.keys(framed).map((n) => [n, []])));
  }, 120_000);

  it('the check itself rejects each PowerShell 7-only construct and a script that does not parse', () => {
    const samples = {
      coalesce: '$a = $b ?? 1',
      coalesceAssign: '$a ??= 1',
      nullMember: '$a = ${b}?.Name',
      nullIndex: '$a = ${b}?[0]',
      ternary: '$a = $b ? 1 : 2',
      chainAnd: 'Get-Item x && Get-Item y',
      chainOr: 'Get-Item x || Get-Item y',
      asHashtable: '$x = "{}" | ConvertFrom-Json -AsHashtable',
      fromJsonDepth: '$x = "{}" | ConvertFrom-Json -Depth 5',
      enums: 'ConvertTo-Json -InputObject 1 -EnumsAsStrings',
      unclosed: '& { if ($true) { 1 }',
      fine: '$x = "{}" | ConvertFrom-Json; ConvertTo-Json -InputObject $x -Depth 8 -Compress',
    };
    const problems = check51(samples);
    for (const [name, list] of Object.entries(problems)) {
      if (name === 'fine') expect(list).toEqual([]);
      else expect(list.length, name).toBeGreaterThan(0);
    }
  }, 120_000);
});

it('every framed script is ASCII (PowerShell reads stdin in the console code page)', () => {
  for (const [name, script] of Object.entries(SHIPPED_SCRIPTS))
    expect(/^[\x20-\x7e\n]*$/.test(framePowerShellScript(script)), name).toBe(true);
});
