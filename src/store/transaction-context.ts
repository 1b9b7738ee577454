/**
 * The transaction an async call chain runs in (so that a nested `withTransaction` joins it), switched off
 * while no transaction is open. On Node 20 an AsyncLocalStorage that has run once keeps async hooks on for
 * the whole process, which more than doubles the cost of every promise of every request; off between
 * transactions, requests that never open one (the decision API on warm caches) pay nothing for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class TransactionContext<T> {
  private readonly storage = new AsyncLocalStorage<T>();
  /** Transactions running now (PostgreSQL runs several at once); the storage is disabled at zero. */
  private open = 0;

  /** The transaction of the calling chain, if it runs in one. */
  current(): T | undefined {
    return this.open > 0 ? this.storage.getStore() : undefined;
  }

  /** Runs `fn` (and everything it awaits) inside transaction `tx`. */
  async run<R>(tx: T, fn: () => Promise<R>): Promise<R> {
    this.open++;
    try {
      return await this.storage.run(tx, fn);
    } finally {
      if (--this.open === 0) this.storage.disable();
    }
  }
}
