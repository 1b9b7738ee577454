/** What every command gets: where to write, and the exit code it sets. */
export interface CommandContext {
  out: (s: string) => void;
  err: (s: string) => void;
  exitCode: number;
}

export const exitCodes = { ok: 0, error: 1, deny: 2, invalidPolicy: 3 } as const;
