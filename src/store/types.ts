/**
 * The durable store: a small transactional interface over keyed JSON records, shared by the memory,
 * SQLite and PostgreSQL backends so that iam/ never knows which one it runs on.
 */
import type { SecretBox } from './secrets.js';

/** The record tables. Keys are chosen by iam/ (for example `111122223333/myrole`). */
export type Table =
  | 'account'
  | 'organization'
  | 'org-unit'
  | 'org-policy'
  | 'user'
  | 'group'
  | 'role'
  | 'managed-policy'
  | 'access-key'
  | 'session'
  | 'resource'
  | 'instance-profile'
  | 'account-alias'
  | 'deletion-task'
  /** Web console sign-ins: the hash of each session token, never the token. */
  | 'console-session'
  /** The store's own bookkeeping (the secret-key check). */
  | 'store-meta';

export const TABLES: readonly Table[] = [
  'account',
  'organization',
  'org-unit',
  'org-policy',
  'user',
  'group',
  'role',
  'managed-policy',
  'access-key',
  'session',
  'resource',
  'instance-profile',
  'account-alias',
  'deletion-task',
  'console-session',
  'store-meta',
];

/** A JSON value as stored. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StoreRecord {
  key: string;
  value: JsonValue;
}

/** Reads and writes inside one transaction. Everything written commits together or not at all. */
export interface StoreTx {
  get(table: Table, key: string): Promise<JsonValue | undefined>;
  put(table: Table, key: string, value: JsonValue): Promise<void>;
  /** Whether a record was there. */
  delete(table: Table, key: string): Promise<boolean>;
  /**
   * Records whose key starts with `prefix` (all when absent or empty), ordered by key; with `limit`, at most
   * that many (the first in key order).
   */
  list(table: Table, prefix?: string, limit?: number): Promise<StoreRecord[]>;
}

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

export interface TransactionOptions {
  /** A read-only transaction: cheaper, never blocks writers on SQLite. */
  readOnly?: boolean;
}

export interface Store {
  readonly kind: StoreKind;
  /** Where it lives: a file path, a PostgreSQL URL without password, or `memory`. */
  readonly location: string;
  /** Encrypts secrets (access key secrets, session secrets and tokens) with a key kept outside the database. */
  readonly secrets: SecretBox;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws (the error is
   * rethrown). Transactions of one process run one at a time; across processes the backend serializes
   * writers (SQLite `BEGIN IMMEDIATE`, PostgreSQL `SERIALIZABLE` with retries). Called inside another
   * transaction of the same store (in the same async flow), it joins the outer one: a command made of
   * several operations commits once.
   */
  withTransaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * A number that changes whenever any process commits a write: lets caches notice writes made by other
   * processes on the same database.
   */
  revision(): Promise<number>;
  /**
   * The same number read without waiting, where the backend can answer without a round trip; undefined
   * when it cannot just now (then call `revision()`). Lets a cache check it before every decision. It
   * reflects every commit of this process at once, and every commit of another process that returned to
   * its caller (SQLite and PostgreSQL trust a revision they confirmed for a window, and a write waits as
   * long after its commit: ./revision-window.ts).
   */
  revisionNow?(): number | undefined;
  /**
   * Called after every committed write transaction of this process (cache invalidation hook), and after
   * another process's commit when the backend hears of it (PostgreSQL).
   */
  onCommit(listener: () => void): () => void;
  close(): Promise<void>;
}
