#!/usr/bin/env node
// Checks the Node.js version before loading anything that could fail on an older one: the rest of the
// CLI is imported only once the check has passed, so Node 20 gets one clear line instead of a stack trace.
import module from 'node:module';
import { nodeTooOld } from '../cli/node-version.js';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exitCode = 1;
} else {
  // Node's on-disk compile cache (in the OS temp folder, as npm and tsc use it): a second run skips compiling
  // ~1.5 MB of bundled code. NODE_DISABLE_COMPILE_CACHE=1 turns it off. The action's steps do not use it.
  module.enableCompileCache?.();
  const { main } = await import('../cli/main.js');
  const { exitWhenWritten } = await import('../cli/exit.js');
  await exitWhenWritten(await main());
}
