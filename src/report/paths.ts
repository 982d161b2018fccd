import path from 'node:path';

/** Workspace-relative with forward slashes inside the workspace (what GitHub links to), else as given. */
export function annotationPath(file: string, workspace: string): string {
  const windows = /^[a-z]:[\\/]/i.test(workspace) || /^[a-z]:[\\/]/i.test(file);
  const p = windows ? path.win32 : path.posix;
  const relative = p.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || p.isAbsolute(relative)) return file;
  return relative.split(p.sep).join('/');
}
