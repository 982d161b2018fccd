/**
 * What the main step leaves for the post step (start time, exclusions added, secrets to remove).
 * On a runner it is core.saveState/getState; the CLI and tests keep it in memory: no state file exists
 * that another process could read or plant. Readers treat every value as untrusted data and check its shape.
 */
export interface StateStore {
  get(key: string): string;
  set(key: string, value: string): void;
}

export function memoryState(
  initial: Record<string, string> = {},
): StateStore & { values: Record<string, string> } {
  const values = { ...initial };
  return { values, get: (key) => values[key] ?? '', set: (key, value) => void (values[key] = value) };
}

/** Typed JSON on top of a string store; a missing or damaged value reads as the fallback. */
export function readJsonState<T>(store: StateStore, key: string, fallback: T): T {
  const raw = store.get(key);
  if (!raw) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

export function writeJsonState(store: StateStore, key: string, value: unknown): void {
  store.set(key, JSON.stringify(value));
}
