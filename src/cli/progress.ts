/**
 * Progress of slow loads on stderr, only when stderr is a terminal: `rolecall: loading AWS managed
 * policies...` while it lasts, erased when done. Piped or redirected stderr gets nothing, so logs and
 * scripts see only real messages. The line has no newline of its own: whatever the command writes while it
 * is shown (an error, output on the same terminal) erases it first, so nothing ever shares its line.
 */
import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { LOAD_CHANNEL, type LoadEvent } from '../load-events.js';

/** Back to the start of the line, and clear it. */
const ERASE = '\r\x1b[K';

export interface Progress {
  /** `write`, erasing a progress line that is shown before it writes. */
  clearing(write: (s: string) => void): (s: string) => void;
  /** Stops showing progress; a line still shown is erased. */
  end(): void;
}

/**
 * Shows progress through `write` until `end` is called. Node's diagnostics_channel is required here, not
 * when this module loads: a command whose stderr is not a terminal shows no progress and never loads it
 * (on a terminal, node:tty has loaded it already).
 */
export function showProgress(write: (s: string) => void): Progress {
  const channels = createRequire(import.meta.url)('node:diagnostics_channel') as typeof DiagnosticsChannel;
  let shown = false;
  const erase = () => {
    if (!shown) return;
    shown = false;
    write(ERASE);
  };
  const onLoad = (message: unknown) => {
    const e = message as LoadEvent;
    if (e.phase === 'start' && !shown) {
      write(`rolecall: loading ${e.what}...`);
      shown = true;
    } else if (e.phase === 'done') erase();
  };
  channels.subscribe(LOAD_CHANNEL, onLoad);
  return {
    clearing: (w) => (s) => {
      erase();
      w(s);
    },
    end: () => {
      channels.unsubscribe(LOAD_CHANNEL, onLoad);
      erase();
    },
  };
}
