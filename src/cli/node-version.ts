/**
 * The oldest Node.js the CLI runs on: 22.5 brought path.matchesGlob (fs.promises.glob came with 22.0).
 * This module imports nothing, so the check runs even where the rest of the CLI would not load.
 */
export const MINIMUM_NODE = { major: 22, minor: 5 } as const;

/** The one-line refusal for a Node.js too old to run the CLI, or undefined when this one will do. */
export function nodeTooOld(version: string): string | undefined {
  const [major = 0, minor = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  if (major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor))
    return undefined;
  const needed =
    major === MINIMUM_NODE.major ? `${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}` : `${MINIMUM_NODE.major}`;
  return `go-av-guard needs Node.js ${needed} or newer (found ${version.replace(/^v/, '')})`;
}
