import path from 'node:path';
import type { GoEnv } from '../doctor/types.js';
import { normalizeWindowsPath, windowsPathCovers } from './paths.js';
import { GO_TOOLS } from './plan.js';
import { isFileResource } from './resources.js';
import type { Detection } from './types.js';

export const FALSE_POSITIVE_SUBMISSION_URL = 'https://www.microsoft.com/wdsi/filesubmission';

export interface RelevanceContext {
  go?: GoEnv;
  workspace: string;
  runnerTemp?: string;
  goTmpDir?: string;
  /** Files this run built, signed or analysed. */
  files: string[];
}

type Place = 'file' | 'ci' | 'workspace';

interface Root {
  path: string;
  label: string;
  place: Place;
}

/** The folders that make a detection this job's business, each with the words the user knows it by. */
function rootsOf(ctx: RelevanceContext): Root[] {
  const roots: Root[] = [];
  const add = (p: string | undefined, label: string, place: Place): void => {
    if (p && p !== 'off') roots.push({ path: p, label, place });
  };
  const go = ctx.go;
  add(ctx.goTmpDir, 'the Go build temp dir', 'ci');
  add(go?.gotmpdir, 'GOTMPDIR', 'ci');
  add(go?.gocache, 'GOCACHE', 'ci');
  add(go?.gomodcache, 'GOMODCACHE', 'ci');
  add(go?.goroot, 'GOROOT', 'ci');
  for (const p of (go?.gopath ?? '').split(';')) add(p, 'GOPATH', 'ci');
  add(ctx.workspace, 'the workspace', 'workspace');
  add(ctx.runnerTemp, 'RUNNER_TEMP', 'ci');
  // The deepest folder names the place best (GOMODCACHE rather than GOPATH).
  return roots.sort((a, b) => normalizeWindowsPath(b.path).length - normalizeWindowsPath(a.path).length);
}

interface Reason {
  because: string;
  place: Place | 'tool';
  path?: string;
  folder?: string;
}

function whyRelevant(d: Detection, ctx: RelevanceContext, roots: Root[]): Reason | undefined {
  const files = ctx.files.map((f) => ({ file: f, norm: normalizeWindowsPath(f) }));
  for (const resource of d.resources.filter(isFileResource)) {
    const p = resource.path;
    const file = files.find((f) => f.norm === normalizeWindowsPath(p));
    if (file)
      return {
        because: `it flagged ${p}, a file this run built, signed or analysed`,
        place: 'file',
        path: p,
      };
  }
  for (const resource of d.resources.filter(isFileResource)) {
    const p = resource.path;
    const root = roots.find((r) => windowsPathCovers(r.path, p));
    if (root)
      return {
        because: `it flagged ${p}, in ${root.label} (${root.path})`,
        place: root.place,
        path: p,
        folder: root.path,
      };
    // go build and go test write under %TEMP%\go-build<digits>\ when GOTMPDIR is unset.
    const goBuild = /^(.*?\\go-build\d+)\\/i.exec(p.replace(/\//g, '\\'));
    if (goBuild?.[1]) {
      const folder = goBuild[1];
      return {
        because: `it flagged ${p}, a binary go build or go test wrote to its temp folder`,
        place: 'ci',
        path: p,
        folder,
      };
    }
  }
  const process = d.process;
  if (process && isGoTool(process, ctx.go)) {
    return { because: `it was raised while the Go tool ${process} ran`, place: 'tool', path: process };
  }
  if (process) {
    const root = roots.find((r) => windowsPathCovers(r.path, process));
    if (root)
      return {
        because: `it was raised while ${process} ran, from ${root.label}`,
        place: root.place,
        path: process,
      };
  }
  return undefined;
}

/** go.exe, or one of the compile/link/... tools under GOROOT\pkg\tool\<os_arch>\ (not MSVC's link.exe). */
export function isGoTool(processPath: string, go?: GoEnv): boolean {
  const p = normalizeWindowsPath(processPath);
  const name = path.win32.basename(p).replace(/\.exe$/, '');
  if (
    go?.goroot &&
    windowsPathCovers(path.win32.join(go.goroot, 'bin'), p) &&
    (name === 'go' || name === 'gofmt')
  )
    return true;
  if (name === 'go' && /\\go\\bin\\go\.exe$/.test(p)) return true;
  return (GO_TOOLS as readonly string[]).includes(name) && /\\pkg\\tool\\[^\\]+_[^\\]+\\[^\\]+$/.test(p);
}

function adviceFor(d: Detection, reason: Reason): string {
  const parts: string[] = [];
  const name = d.threatName ?? '';
  if (/eicar/i.test(name)) {
    parts.push(
      'This is the EICAR test file, harmless by design: expected only where it was planted on purpose.',
    );
  } else if (/!ml\b/i.test(name)) {
    parts.push(
      `"!ml" marks a machine-learning verdict, common for new, unsigned Go binaries and often a false positive.`,
    );
  }
  if (reason.place === 'ci' || reason.place === 'tool') {
    const what = reason.place === 'tool' ? `the process ${reason.path}` : `${reason.folder ?? reason.path}`;
    parts.push(
      `On a CI machine, exclude ${what} from Defender for the job (go-av-guard exclusions: true, or exclusion-${reason.place === 'tool' ? 'processes' : 'paths'}).`,
    );
  }
  if (reason.place === 'file' || reason.place === 'workspace') {
    parts.push(
      'For a binary you release: sign it (Authenticode with an RFC 3161 timestamp) and give it a version resource (company, product, description); both lower the false-positive risk.',
    );
  }
  if (!/eicar/i.test(name)) {
    parts.push(
      `If the file is clean, submit it to Microsoft as a false positive: ${FALSE_POSITIVE_SUBMISSION_URL}`,
    );
  }
  return parts.join(' ');
}

/**
 * Splits detections into those that touch this job (the Go toolchain and caches, the Go temp dir, the
 * workspace, RUNNER_TEMP, the files this run made, or a Go tool process) and the other ones on the machine.
 * Each relevant one gets why it matters and what to do. Pure.
 */
export function classifyRelevance(
  detections: readonly Detection[],
  ctx: RelevanceContext,
): { relevant: Detection[]; other: Detection[] } {
  const roots = rootsOf(ctx);
  const relevant: Detection[] = [];
  const other: Detection[] = [];
  for (const d of detections) {
    const reason = whyRelevant(d, ctx, roots);
    if (!reason) {
      other.push(d);
      continue;
    }
    relevant.push({
      ...d,
      relevantBecause: reason.because,
      advice: adviceFor(d, reason),
      ...(reason.path && reason.place !== 'tool' ? { relevantPath: reason.path } : {}),
    });
  }
  return { relevant, other };
}
