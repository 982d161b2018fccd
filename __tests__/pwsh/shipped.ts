import { APPLY_EXCLUSIONS_SCRIPT } from '../../src/defender/apply.js';
import { READ_DETECTIONS_SCRIPT } from '../../src/defender/detections.js';
import { RESTORE_EXCLUSIONS_SCRIPT } from '../../src/defender/restore.js';
import { SCAN_ARTIFACTS_SCRIPT } from '../../src/defender/scan.js';
import { DEFENDER_STATUS_SCRIPT } from '../../src/defender/status.js';
import {
  FIND_CERTIFICATE_SCRIPT,
  IMPORT_PFX_SCRIPT,
  REMOVE_CERTIFICATES_SCRIPT,
} from '../../src/sign/store.js';

/** Every PowerShell script the product ships, by name: the list the syntax and real-run tests cover. */
export const SHIPPED_SCRIPTS: Readonly<Record<string, string>> = {
  DEFENDER_STATUS_SCRIPT,
  APPLY_EXCLUSIONS_SCRIPT,
  RESTORE_EXCLUSIONS_SCRIPT,
  READ_DETECTIONS_SCRIPT,
  SCAN_ARTIFACTS_SCRIPT,
  IMPORT_PFX_SCRIPT,
  REMOVE_CERTIFICATES_SCRIPT,
  FIND_CERTIFICATE_SCRIPT,
};
