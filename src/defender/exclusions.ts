/**
 * Defender exclusions for the Go toolchain and the job's folders: planned (pure), applied and verified in
 * one PowerShell start, and removed again by the post step. The parts live in their own modules.
 */
export {
  GO_TOOLS,
  pathExclusionCovers,
  planExclusions,
  processExclusionCovers,
  wantedExclusions,
} from './plan.js';
export type { ExclusionContext, ExclusionPlan } from './plan.js';
export { APPLY_EXCLUSIONS_SCRIPT, folderExcludedAfter, guardExclusions } from './apply.js';
export { RESTORE_EXCLUSIONS_SCRIPT, restoreExclusions } from './restore.js';
export { EXCLUSIONS_STATE_KEY, recordedExclusions } from './readback.js';
