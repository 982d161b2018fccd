/** Keys the main step saves for the post step; each spelled once. */
export const STATE = {
  /** ISO time the main step started: the detection window opens here. */
  startedAt: 'started-at',
  /** Set once the main step ran far enough for the post step to have work. */
  isPost: 'is-post',
  /** Detection ids already reported by the main step, so post only adds new ones. */
  reportedDetections: 'reported-detections',
  /** The Go build temp dir this run exported as GOTMPDIR. */
  goTmpDir: 'go-tmp-dir',
} as const;

export const TOOL_NAME = 'go-av-guard';
