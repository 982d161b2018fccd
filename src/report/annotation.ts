export type AnnotationLevel = 'error' | 'warning' | 'notice';
export interface Annotation {
  level: AnnotationLevel;
  /** Under 255 characters. */
  title: string;
  /** Under 4,096 characters. */
  message: string;
  /** Workspace-relative with forward slashes where the file is inside the workspace; else absolute. */
  file?: string;
  startLine?: number;
  endLine?: number;
}
