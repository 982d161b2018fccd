import * as core from '@actions/core';
import { parseConfig, SECRET_INPUTS, type Config } from '../config.js';

/**
 * Masks every secret input before anything else runs, then parses all inputs. A multi-line secret is
 * also masked line by line, because the runner matches log lines one at a time.
 */
export function readActionConfig(): Config {
  for (const name of SECRET_INPUTS) maskSecret(core.getInput(name, { trimWhitespace: false }));
  return parseConfig((name) => core.getInput(name, { trimWhitespace: name !== 'certificate-password' }));
}

export function maskSecret(value: string): void {
  if (!value) return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) if (line.trim()) core.setSecret(line.trim());
}
