import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../src/pe/rules.js';
import { peReport } from '../helpers/reports.js';

/** A report without findings: what the rules are evaluated on. */
function base() {
  const report: Partial<ReturnType<typeof peReport>> = peReport('/a.exe', 0);
  delete report.findings;
  return report as Omit<ReturnType<typeof peReport>, 'findings'>;
}

const section = (name: string, entropy: number, characteristics: number) => ({
  name,
  virtualSize: 65536,
  rawSize: 65536,
  characteristics,
  entropy,
});

describe('high-entropy rule', () => {
  it('flags a near-random loaded section', () => {
    const findings = evaluateRules({ ...base(), sections: [section('.text', 7.9, 0x60000020)] });
    expect(findings.find((f) => f.id === 'GAV-PE-HIGH-ENTROPY')?.title).toBe(
      'High-entropy section .text (7.90 bits/byte)',
    );
  });

  it('ignores discardable sections such as Go compressed DWARF, and ordinary code', () => {
    const findings = evaluateRules({
      ...base(),
      sections: [section('/19', 7.99, 0x42100040), section('.text', 6.1, 0x60000020)],
    });
    expect(findings.map((f) => f.id)).not.toContain('GAV-PE-HIGH-ENTROPY');
  });
});
