/** Keys the main step saves for the post step; each spelled once (capabilities keep their own beside them). */
export const STATE = {
  /** Set once the main step started, so the post step knows it has work. */
  isPost: 'is-post',
  /** What makes a detection relevant (Go folders, workspace, this run's files), for the post step's read. */
  relevance: 'relevance-context',
} as const;
