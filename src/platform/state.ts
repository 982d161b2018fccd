import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What the main step leaves for the post step (start time, exclusions added, secrets to remove).
 * On a runner it is core.saveState/getState; the CLI and tests use a JSON file or memory.
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

export function fileState(file: string): StateStore {
  const load = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    get: (key) => load()[key] ?? '',
    set: (key, value) => {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, JSON.stringify({ ...load(), [key]: value }), { mode: 0o600 });
    },
  };
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
