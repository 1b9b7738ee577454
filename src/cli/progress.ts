/**
 * Progress of slow loads on stderr, only when stderr is a terminal: `rolecall: loading AWS managed
 * policies...` while it lasts, erased when done. Piped or redirected stderr gets nothing, so logs and
 * scripts see only real messages.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { LOAD_CHANNEL, type LoadEvent } from '../load-events.js';

/** Shows progress through `write` until the returned function is called. */
export function showProgress(write: (s: string) => void): () => void {
  let shown = false;
  const onLoad = (message: unknown) => {
    const e = message as LoadEvent;
    if (e.phase === 'start' && !shown) {
      write(`rolecall: loading ${e.what}...`);
      shown = true;
    } else if (e.phase === 'done' && shown) {
      write('\r\x1b[K'); // back to the start of the line, and clear it
      shown = false;
    }
  };
  subscribe(LOAD_CHANNEL, onLoad);
  return () => {
    unsubscribe(LOAD_CHANNEL, onLoad);
    if (shown) write('\r\x1b[K');
  };
}
