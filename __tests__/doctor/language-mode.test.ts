import { describe, expect, it } from 'vitest';
import { parseDefenderStatus } from '../../src/defender/status.js';
import { adviseOnDoctor } from '../../src/doctor/advice.js';
import { doctorWith } from '../defender/helpers.js';

describe('Constrained Language Mode in doctor', () => {
  it('reports the language mode and says plainly what it skips', () => {
    const probe = parseDefenderStatus({
      Elevated: true,
      LanguageMode: 'ConstrainedLanguage',
      Status: {
        AMServiceEnabled: true,
        AntivirusEnabled: true,
        RealTimeProtectionEnabled: true,
        AMRunningMode: 'Normal',
      },
      Preference: { ExclusionPath: null },
    });
    expect(probe.defender.powerShellLanguageMode).toBe('ConstrainedLanguage');
    const facts = doctorWith(probe.defender);
    const advice = adviseOnDoctor(facts).map((n) => n.message);
    expect(advice.join('\n')).toMatch(
      /runs PowerShell in Constrained Language Mode .*importing a certificate into the Windows store for signtool is skipped/,
    );
    const full = parseDefenderStatus({ LanguageMode: 'FullLanguage', Status: {}, Preference: {} });
    const fullFacts = doctorWith(full.defender);
    expect(
      adviseOnDoctor(fullFacts)
        .map((n) => n.message)
        .join('\n'),
    ).not.toMatch(/Constrained/);
  });
});
