import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../src/cli.js';
import { expectValidReport } from '../helpers/schema.js';
import { recordingIo } from './io.js';

const fixture = (name: string): string => new URL(`../fixtures/defender/${name}`, import.meta.url).pathname;

async function cli(args: string[]) {
  const t = recordingIo();
  const code = await runCli(args, t.io);
  return { code, out: t.out(), err: t.err() };
}

describe('go-av-guard detections --from-file', () => {
  it.each([
    'events-wevtutil.xml',
    'event-1117-toxml.xml',
    'event-1116-toxml-unused.xml',
    'event-1117-wevtutil-no-unused.xml',
    'threat-detection-ps51-array.json',
    'threat-detection-ps51-single.json',
    'threat-detection-ps7.json',
    'threat-detection-value-count.json',
    'read-detections-ps51.json',
  ])('reads %s', async (name) => {
    const { code, out, err } = await cli(['detections', '--from-file', fixture(name), '--json']);
    expect(err).toBe('');
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(out);
    expectValidReport(report);
    const all = [...report.detections.relevant, ...report.detections.other];
    expect(all.length + report.detections.events.length).toBeGreaterThan(0);
  });

  it('shows threat, files and action in the text output', async () => {
    const { code, out } = await cli(['detections', '--from-file', fixture('event-1117-toxml.xml')]);
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('HackTool:MSIL/SharpHound!MSR');
    // Long paths wrap inside their column; joined up they are whole.
    expect(out.replace(/\s+/g, '')).toContain('SharpHound-v1.1.0.zip->SharpHound.exe');
    expect(out).toMatch(/Other detections on this machine/);
  });

  it.each(['empty.txt', 'truncated.json', 'truncated.xml', 'foreign.json', 'foreign.xml'])(
    'gives one clear error and exit 1 for %s',
    async (name) => {
      const { code, out, err } = await cli(['detections', '--from-file', fixture(name)]);
      expect(code).toBe(EXIT.failure);
      expect(out).toBe('');
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(new RegExp(`^go-av-guard detections: --from-file .*${name.replace('.', '\\.')}: `));
    },
  );

  it('says so when the file does not exist', async () => {
    const { code, err } = await cli(['detections', '--from-file', '/no/such/file.xml']);
    expect(code).toBe(EXIT.failure);
    expect(err).toMatch(/--from-file: .*\/no\/such\/file\.xml.*ENOENT/);
  });

  it.runIf(process.platform !== 'win32')(
    'refuses /dev/zero at once instead of reading without end',
    async () => {
      const started = Date.now();
      const { code, err } = await cli(['detections', '--from-file', '/dev/zero']);
      expect(code).toBe(EXIT.failure);
      expect(err).toMatch(/--from-file: \/dev\/zero is a character device, not a regular file/);
      expect(Date.now() - started).toBeLessThan(5_000);
    },
  );

  it('rejects a --since it cannot read as a usage error', async () => {
    const { code, err } = await cli(['detections', '--since', 'yesterday-ish']);
    expect(code).toBe(EXIT.usage);
    expect(err).toMatch(/--since: expected an ISO 8601 time or a duration such as 2h/);
  });

  it('on this machine (not Windows) says live detections are not readable here, and exits 2', async () => {
    if (process.platform === 'win32') return;
    const { code, out, err } = await cli(['detections', '--since', '2h', '--json']);
    expect(code).toBe(EXIT.usage);
    expect(out).toBe('');
    expect(err).toMatch(
      /Defender, which runs only on Windows; here, read a saved file with --from-file FILE/,
    );
  });
});
