import { it, expect } from 'vitest';
import { standInMachine } from './harness.js';
import { runPowerShell } from '../../src/platform/powershell.js';
import { DEFENDER_STATUS_SCRIPT } from '../../src/defender/status.js';
it('probe', async () => {
  for (const mode of ['FullLanguage', 'ConstrainedLanguage'] as const) {
    const m = await standInMachine(mode);
    try {
      const r = await runPowerShell(m.run, DEFENDER_STATUS_SCRIPT, null);
      console.log(JSON.stringify(r));
    } catch (e) { console.log(String(e)); }
    await m.cleanup();
  }
}, 60000);
