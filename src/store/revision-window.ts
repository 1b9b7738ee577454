/**
 * The freshness rule of the durable stores, shared by SQLite and PostgreSQL. A process trusts the revision
 * it last confirmed (read from the database) for a window of `REVISION_WINDOW_MS`, so a warm decision reads
 * no database; and a write returns to its caller only once that window has passed since its commit. A
 * decision that starts after a write was acknowledged, in any process on the database, therefore sees it:
 * the decision trusts only a revision confirmed less than a window before it started, so after the write's
 * commit. (Both windows are measured by each process's monotonic clock; their rates agree far better than
 * the window needs.) The process that wrote sees its write at once.
 */
import { RolecallError } from '../errors.js';

/** Milliseconds a confirmed revision is trusted, and a write waits after its commit. */
export const REVISION_WINDOW_MS = 1;

/** The longest window a store takes: every write waits that long before it returns. */
export const MAX_REVISION_WINDOW_MS = 60_000;

/**
 * A store's window, checked: a window that is not a number from 0 to the maximum would trust a revision
 * for ever (NaN compares false) or hold every write, so the store refuses to open with it.
 */
export function revisionWindow(ms: number | undefined): number {
  if (ms === undefined) return REVISION_WINDOW_MS;
  if (!(ms >= 0 && ms <= MAX_REVISION_WINDOW_MS))
    throw new RolecallError(
      'UsageError',
      `invalid revision window \`${ms}\`: milliseconds from 0 to ${MAX_REVISION_WINDOW_MS}`,
    );
  return ms;
}

/**
 * Milliseconds of a monotonic clock, from process.hrtime: the clock of the window. performance.now would
 * do as well, but the global `performance` loads Node's perf_hooks modules (eleven of them) on first use,
 * which a one-shot command that reads or writes the store would pay for.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Resolves once `windowMs` has passed since `committedAt` (a monotonicMs reading). Timers run on the
 * event loop's millisecond clock and may fire a little early by this one: it waits again until it has
 * really passed.
 */
export async function settle(committedAt: number, windowMs: number): Promise<void> {
  for (;;) {
    const left = committedAt + windowMs - monotonicMs();
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}
