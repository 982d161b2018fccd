#!/usr/bin/env node
// Checks the Node.js version before loading anything that could fail on an older one: the rest of the
// CLI is imported only once the check has passed, so Node 20 gets one clear line instead of a stack trace.
import { nodeTooOld } from '../cli/node-version.js';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exitCode = 1;
} else {
  const { main } = await import('../cli/main.js');
  process.exitCode = await main();
}
