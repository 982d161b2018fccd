/** A sentence for the user, with how loud it should be. Capabilities return these; renderers show them. */
export interface Note {
  level: 'info' | 'warning' | 'error';
  message: string;
}

export const info = (message: string): Note => ({ level: 'info', message });
export const warning = (message: string): Note => ({ level: 'warning', message });
export const error = (message: string): Note => ({ level: 'error', message });
