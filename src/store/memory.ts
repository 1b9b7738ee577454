/** The in-memory backend: tests and throwaway sessions. Same semantics as the durable ones. */
import { CommitListeners } from './listeners.js';
import { TransactionContext } from './transaction-context.js';
import { Mutex } from './mutex.js';
import { secretBox } from './secrets.js';
import { randomBytes } from 'node:crypto';
import type { JsonValue, Store, StoreRecord, StoreTx, Table, TransactionOptions } from './types.js';

type Tables = Map<Table, Map<string, string>>;

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  readonly secrets = secretBox(randomBytes(32));
  private readonly data: Tables = new Map();
  private readonly mutex = new Mutex();
  private readonly listeners = new CommitListeners();
  private rev = 0;
  private closed = false;
  private readonly current = new TransactionContext<StoreTx>();

  withTransaction<T>(fn: (tx: StoreTx) => Promise<T>, _options: TransactionOptions = {}): Promise<T> {
    const outer = this.current.current();
    if (outer) return fn(outer);
    return this.mutex.run(async () => {
      if (this.closed) throw new Error('store is closed');
      // Writes go to an overlay applied only on success, so a failing transaction leaves nothing behind.
      const overlay = new Map<Table, Map<string, string | undefined>>();
      const tx = overlayTx(this.data, overlay);
      const result = await this.current.run(tx, () => fn(tx));
      let wrote = false;
      for (const [table, rows] of overlay) {
        let base = this.data.get(table);
        if (!base) this.data.set(table, (base = new Map<string, string>()));
        for (const [key, value] of rows) {
          wrote = true;
          if (value === undefined) base.delete(key);
          else base.set(key, value);
        }
      }
      if (wrote) {
        this.rev++;
        this.listeners.notify();
      }
      return result;
    });
  }

  revision(): Promise<number> {
    return Promise.resolve(this.rev);
  }

  revisionNow(): number {
    return this.rev;
  }

  onCommit(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function overlayTx(data: Tables, overlay: Map<Table, Map<string, string | undefined>>): StoreTx {
  const rows = (table: Table) => {
    let m = overlay.get(table);
    if (!m) overlay.set(table, (m = new Map<string, string | undefined>()));
    return m;
  };
  const read = (table: Table, key: string): string | undefined => {
    const o = overlay.get(table);
    if (o?.has(key)) return o.get(key);
    return data.get(table)?.get(key);
  };
  return {
    get(table, key) {
      const v = read(table, key);
      return Promise.resolve(v === undefined ? undefined : (JSON.parse(v) as JsonValue));
    },
    put(table, key, value) {
      rows(table).set(key, JSON.stringify(value));
      return Promise.resolve();
    },
    delete(table, key) {
      const existed = read(table, key) !== undefined;
      rows(table).set(key, undefined);
      return Promise.resolve(existed);
    },
    list(table, prefix = '', limit = Infinity) {
      const keys = new Set<string>();
      for (const k of data.get(table)?.keys() ?? []) if (k.startsWith(prefix)) keys.add(k);
      for (const k of overlay.get(table)?.keys() ?? []) if (k.startsWith(prefix)) keys.add(k);
      const out: StoreRecord[] = [];
      for (const key of [...keys].sort(compareKeys)) {
        if (out.length >= limit) break;
        const v = read(table, key);
        if (v !== undefined) out.push({ key, value: JSON.parse(v) as JsonValue });
      }
      return Promise.resolve(out);
    },
  };
}

/** Byte order, as SQLite and PostgreSQL (`COLLATE "C"`) sort keys, so every backend lists alike. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
