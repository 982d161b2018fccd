import * as core from '@actions/core';
import { configSecrets, parseConfig, SECRET_INPUTS, type Config } from '../config.js';

/**
 * Masks every secret input before anything else runs, then parses all inputs. A multi-line secret is
 * also masked line by line, because the runner matches log lines one at a time.
 */
export function readActionConfig(): Config {
  for (const name of SECRET_INPUTS) maskSecret(core.getInput(name, { trimWhitespace: false }));
  const config = parseConfig((name) =>
    core.getInput(name, { trimWhitespace: name !== 'certificate-password' && name !== 'pkcs11-pin' }),
  );
  for (const secret of configSecrets(config)) core.setSecret(secret);
  return config;
}

export function maskSecret(value: string): void {
  // `certificate: ephemeral` is a keyword, not a secret: masking it would blank every line that names it.
  if (!value || value.trim().toLowerCase() === 'ephemeral') return;
  core.setSecret(value);
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  if (lines.length > 1) for (const line of lines) if (line) core.setSecret(line);
}
