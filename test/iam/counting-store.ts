/**
 * A store that counts what it is asked to read: every transaction and every revision query. A resolver over
 * it shows which decisions were answered from its caches alone (the revision read without waiting,
 * `revisionNow`, is not counted: a warm decision reads it by design).
 */
import type { Store } from '../../src/store/index.js';

export interface CountingStore {
  store: Store;
  /** Transactions and revision queries so far. */
  reads(): number;
  /** Transactions so far. */
  transactions(): number;
}

export function countingStore(inner: Store): CountingStore {
  let reads = 0;
  let transactions = 0;
  const revisionNow = inner.revisionNow?.bind(inner);
  const store: Store = {
    kind: inner.kind,
    location: inner.location,
    secrets: inner.secrets,
    withTransaction: (fn, options) => {
      reads++;
      transactions++;
      return inner.withTransaction(fn, options);
    },
    revision: () => {
      reads++;
      return inner.revision();
    },
    ...(revisionNow !== undefined ? { revisionNow } : {}),
    onCommit: (listener) => inner.onCommit(listener),
    close: () => inner.close(),
  };
  return { store, reads: () => reads, transactions: () => transactions };
}
