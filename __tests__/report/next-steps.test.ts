import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/cli.js';
import { error as errorNote } from '../../src/report/note.js';
import { nextSteps } from '../../src/report/views.js';
import { reportWith } from '../helpers/reports.js';

/** A signing run that stopped before any file, as signFiles reports it: the error, and the same as a note. */
function failedSigning() {
  const error = 'certificate-file: /w/bad.pfx is not a PKCS#12 (.pfx/.p12) file, or it is damaged';
  return reportWith({
    signing: {
      tool: 'built-in',
      digest: 'sha256',
      timestampUrls: [],
      files: [],
      error,
      notes: [errorNote(error)],
    },
    failures: [`signing: ${error}`],
  });
}

describe('each error is said once', () => {
  it('a failure is not repeated as a next step from its own note', () => {
    const steps = nextSteps(failedSigning());
    expect(steps.filter((s) => s.includes('bad.pfx'))).toHaveLength(1);
    expect(steps[0]).toMatch(/^Fix: signing: certificate-file/);
  });

  it('the CLI text names it once in the steps and once in the Signing section', () => {
    const text = renderText(failedSigning(), 200);
    expect(text.split('bad.pfx').length - 1).toBe(2);
  });
});
