import { describe, expect, it } from 'vitest';
import { runnerState } from '../../src/action/deps.js';

/** What the runner does: saveState appends to a file that only becomes STATE_* variables in the post step. */
function runnerLike() {
  const file: Array<[string, string]> = [];
  const postEnv = (): Record<string, string> => Object.fromEntries(file);
  return { file, save: (k: string, v: string) => void file.push([k, v]), postEnv };
}

describe('runner state', () => {
  it('reads back within the main step what it saved, though getState cannot yet', () => {
    const runner = runnerLike();
    const main = runnerState(() => '', runner.save);
    main.set('cleanup', '{"paths":["/a"]}');
    expect(main.get('cleanup')).toBe('{"paths":["/a"]}');
    main.set('cleanup', '{"paths":["/a","/b"]}');
    expect(main.get('cleanup')).toBe('{"paths":["/a","/b"]}');
    // The post step sees the last value written.
    const post = runnerState((k) => runner.postEnv()[k] ?? '', runner.save);
    expect(post.get('cleanup')).toBe('{"paths":["/a","/b"]}');
  });
});
