/**
 * The diagnostics channel on which slow loads (AWS managed policies, imports) announce themselves, so
 * that the CLI can show progress on a terminal while the modules that load stay free of terminals.
 */
export const LOAD_CHANNEL = 'rolecall:load';

export interface LoadEvent {
  /** What is loading, for the user: `AWS managed policies`. */
  what: string;
  phase: 'start' | 'done';
}
