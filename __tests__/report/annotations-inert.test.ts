/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { afterEach, expect, it, vi } from 'vitest';
import { collectAnnotations } from '../../src/report/annotations.js';
import { publishAnnotations } from '../../src/report/publish.js';
import { hostileReport } from './payloads.js';

afterEach(() => vi.restoreAllMocks());

it('hostile names reach workflow-command annotations as one escaped line each', async () => {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const annotations = collectAnnotations(hostileReport());
  await publishAnnotations(annotations, { checks: 'false', title: 't', summary: 's', conclusion: 'failure' });
  const lines = written.join('').split(/\r?\n/).filter(Boolean);
  expect(lines.length).toBeGreaterThan(10);
  for (const line of lines) {
    // Every line the runner reads is a whole command: nothing a payload wrote starts a line of its own.
    expect(line).toMatch(/^::(error|warning|notice) [^\n]*::/);
    const [, properties = ''] = /^::\w+ (.*?)::/.exec(line) ?? [];
    // Inside properties, , and : are escaped, so a title cannot add a file= or end the property list.
    for (const property of properties.split(','))
      expect(property).toMatch(/^(title|file|line|endLine)=[^:,]*$/);
    expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  }
  expect(written.join('')).toContain('%0A%0A# All binaries verified clean');
});
