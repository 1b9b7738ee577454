/**
 * The embedded backend: one SQLite file in WAL mode. Writers take the database lock up front
 * (`BEGIN IMMEDIATE`) and wait for each other (`busy_timeout`), so two processes on one file serialize
 * instead of failing halfway; a process killed mid-transaction leaves an uncommitted WAL tail that SQLite
 * discards on the next open.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RolecallError } from '../errors.js';
import { installedPackageDir } from '../package-dir.js';
import { CommitListeners } from './listeners.js';
import { TransactionContext } from './transaction-context.js';
import { MIGRATIONS } from './migrations.js';
import { Mutex } from './mutex.js';
import { prefixEnd } from './prefix-range.js';
import { monotonicMs, revisionWindow, settle } from './revision-window.js';
import { privateDir, privateFile } from './private-files.js';
import { refusingSecretBox, storeSecrets, type SecretBox } from './secrets.js';
import type { JsonValue, Store, StoreTx, Table, TransactionOptions } from './types.js';

/**
 * The driver's compiled addon, found as its `bindings` helper finds it, and given to the driver: left to
 * itself the driver asks that helper, which finds the package from a stack trace and fails when the
 * driver's code is bundled into the CLI (the stack names the bundle, whose package has no addon). The
 * package is found where Node looks for it (installedPackageDir). An install puts the addon in
 * build/Release/ (node-gyp); the helper looks in build/, build/Debug/ and build/Release/ first, checked
 * here by path. Anywhere else (a prebuilt under lib/binding/, compiled/, out/, ...) the helper itself
 * finds it, told the package's folder, so it needs no stack trace and searches as it always does
 * (https://github.com/TooTallNate/node-bindings, bindings.js: its `try` list; `path: true` returns the
 * file instead of loading it). Where it finds none, its error lists every place it tried.
 */
let addon: string | undefined;

function driverAddon(): string {
  if (addon !== undefined) return addon;
  const root =
    installedPackageDir('better-sqlite3', import.meta.url) ??
    path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
  for (const dir of ['build', 'build/Debug', 'build/Release']) {
    const file = path.join(root, dir, 'better_sqlite3.node');
    if (fs.existsSync(file)) return (addon = file);
  }
  // The driver's own dependency, required from the driver's folder as the driver requires it.
  const bindings = createRequire(path.join(root, 'package.json'))('bindings') as (opts: {
    bindings: string;
    module_root: string;
    path: true;
  }) => string;
  try {
    return (addon = bindings({ bindings: 'better_sqlite3.node', module_root: root, path: true }));
  } catch (e) {
    const tries = (e as { tries?: unknown }).tries;
    if (!Array.isArray(tries)) throw e;
    throw new RolecallError(
      'StoreUnavailable',
      `the SQLite driver's compiled addon (better_sqlite3.node) is not installed in \`${root}\` (looked in ${tries.map((t) => path.relative(root, String(t))).join(', ')}): reinstall better-sqlite3 (\`npm rebuild better-sqlite3\`)`,
    );
  }
}

export interface SqliteOptions {
  /** Milliseconds a writer waits for another process's transaction. */
  busyTimeoutMs?: number;
  /** Defaults to `secret.key` beside the database file. */
  keyFile?: string;
  /**
   * The command seals and opens no secret: the key is neither read nor created, and the store's box
   * refuses every use (see openStore).
   */
  noSecrets?: boolean;
  /**
   * Milliseconds for which `revisionNow` trusts the WAL-index header it last read when no store of this
   * process has committed to the file since, and a write waits after its commit before it returns
   * (default REVISION_WINDOW_MS; 0: read it on every call, writes do not wait). Every process on one file
   * should use the same window.
   */
  revisionWindowMs?: number;
  /** A monotonic clock in milliseconds, for that window (default monotonicMs). */
  clock?: () => number;
}

interface Row {
  key: string;
  value: string;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly secrets: SecretBox;
  private readonly db: Database.Database;
  private readonly mutex = new Mutex();
  private readonly listeners = new CommitListeners();
  private readonly current = new TransactionContext<StoreTx>();
  private readonly stmt: {
    get: Database.Statement<[string, string], { value: string }>;
    put: Database.Statement<[string, string, string]>;
    del: Database.Statement<[string, string]>;
    list: Database.Statement<[string, number], Row>;
    listPrefix: Database.Statement<[string, string, string, number], Row>;
    bump: Database.Statement<[]>;
    rev: Database.Statement<[], { n: number }>;
  };

  /**
   * The revision last read, with the WAL-index header seen just before reading it (while the header is
   * unchanged no transaction has committed since, so the revision is still the same), when the header was
   * last seen unchanged, and this process's commit count on the file then.
   */
  private known: { revision: number; header: Buffer; at: number; commits: number } | undefined;
  private shm: number | undefined;
  private readonly header = Buffer.alloc(WAL_INDEX_HEADER);
  /** Commits to this database file by every store of this process (shared by the stores on one file). */
  private readonly file: OpenFile;
  private readonly windowMs: number;
  private readonly clock: () => number;

  constructor(
    readonly location: string,
    options: SqliteOptions = {},
  ) {
    // Checked before the file is created.
    this.windowMs = revisionWindow(options.revisionWindowMs);
    try {
      // The database holds sealed secrets and who may do what: readable by its owner only. SQLite creates
      // its -wal and -shm files with the database file's mode.
      privateDir(path.dirname(path.resolve(location)));
      privateFile(location, [`${location}-wal`, `${location}-shm`]);
      this.db = new Database(location, {
        timeout: options.busyTimeoutMs ?? 15_000,
        nativeBinding: driverAddon(),
      });
      this.db.pragma('journal_mode = WAL');
      // FULL: a committed write survives power loss too; control-plane writes are rare enough to pay for it.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (e) {
      throw storeError(e, location);
    }
    this.secrets = options.noSecrets
      ? refusingSecretBox(location)
      : storeSecrets(options.keyFile ?? path.join(path.dirname(location), 'secret.key'));
    this.file = openFile(location);
    this.clock = options.clock ?? monotonicMs;
    this.stmt = {
      get: this.db.prepare('SELECT value FROM records WHERE tbl = ? AND key = ?'),
      put: this.db.prepare(
        'INSERT INTO records (tbl, key, value) VALUES (?, ?, ?) ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value',
      ),
      del: this.db.prepare('DELETE FROM records WHERE tbl = ? AND key = ?'),
      // A negative LIMIT is none (https://www.sqlite.org/lang_select.html#limitoffset).
      list: this.db.prepare('SELECT key, value FROM records WHERE tbl = ? ORDER BY key LIMIT ?'),
      // Prefix scan as a key range so it uses the primary key (LIKE would treat `_` and `%` specially).
      listPrefix: this.db.prepare(
        'SELECT key, value FROM records WHERE tbl = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      ),
      bump: this.db.prepare('UPDATE revision SET n = n + 1 WHERE id = 1'),
      rev: this.db.prepare('SELECT n FROM revision WHERE id = 1'),
    };
  }

  /**
   * Runs the migrations this file lacks, each in a transaction that holds the write lock. A file that has
   * every migration (every open but the first of a store) is only read: a one-shot command that reads the
   * store takes no write lock, so it never waits for a writer of another process nor makes one wait. A
   * migration is never undone, so a file seen to have them all keeps them.
   */
  private migrate(): void {
    if (this.migrated()) return;
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of MIGRATIONS) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const done = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
        if (!done) {
          for (const sql of m.sqlite) this.db.exec(sql);
          this.db
            .prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)')
            .run(m.version, m.description, new Date().toISOString());
        }
        this.db.exec('COMMIT');
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    }
  }

  /** Whether the file has every migration: read outside any transaction, so without a lock held. */
  private migrated(): boolean {
    let done: Set<number>;
    try {
      const rows = this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
      done = new Set(rows);
    } catch {
      // No migration table yet: a new store.
      return false;
    }
    return MIGRATIONS.every((m) => done.has(m.version));
  }

  async withTransaction<T>(fn: (tx: StoreTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = this.current.current();
    if (outer) return fn(outer);
    const { result, committedAt } = await this.transaction(fn, options);
    // Another process trusts the WAL-index header it read for the window: once it has passed, none can
    // decide without this write. This process's other transactions do not wait for it.
    if (committedAt !== undefined) await settle(committedAt, this.windowMs);
    return result;
  }

  /** One transaction; `committedAt` when it wrote. */
  private transaction<T>(
    fn: (tx: StoreTx) => Promise<T>,
    options: TransactionOptions,
  ): Promise<{ result: T; committedAt: number | undefined }> {
    return this.mutex.run(async () => {
      try {
        this.db.exec(options.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      } catch (e) {
        throw storeError(e, this.location);
      }
      let wrote = false;
      const { stmt } = this;
      const tx: StoreTx = {
        get: (table: Table, key: string) => {
          const row = stmt.get.get(table, key);
          return Promise.resolve(row ? (JSON.parse(row.value) as JsonValue) : undefined);
        },
        put: (table, key, value) => {
          if (options.readOnly) throw new Error('write in a read-only transaction');
          wrote = true;
          stmt.put.run(table, key, JSON.stringify(value));
          return Promise.resolve();
        },
        delete: (table, key) => {
          if (options.readOnly) throw new Error('write in a read-only transaction');
          const changed = stmt.del.run(table, key).changes > 0;
          wrote ||= changed;
          return Promise.resolve(changed);
        },
        list: (table, prefix = '', limit = -1) => {
          const rows =
            prefix === ''
              ? stmt.list.all(table, limit)
              : stmt.listPrefix.all(table, prefix, prefixEnd(prefix), limit);
          return Promise.resolve(rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as JsonValue })));
        },
      };
      let result: T;
      try {
        result = await this.current.run(tx, () => fn(tx));
        if (wrote) stmt.bump.run();
        this.db.exec('COMMIT');
        if (wrote) this.file.commits++;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw storeError(e, this.location);
      }
      if (!wrote) return { result, committedAt: undefined };
      const committedAt = monotonicMs();
      this.listeners.notify();
      return { result, committedAt };
    });
  }

  /** The revision as of now: the WAL-index header is read whatever the window. */
  revision(): Promise<number> {
    return Promise.resolve(this.read(this.clock()));
  }

  /**
   * The revision, without a system call while the window holds: no store of this process has committed
   * to the file since the WAL-index header was last seen unchanged, less than `revisionWindowMs` ago. A
   * commit by another process is then seen within that window (a millisecond by default), before the
   * write returns to its caller (it waits for the window), a commit by this process at once. IAM itself
   * propagates changes to where requests are decided with a delay: its data plane is a replica of the
   * control plane that changes are propagated to.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/disaster-recovery-resiliency.html
   */
  revisionNow(): number {
    const known = this.known;
    if (known !== undefined && known.commits === this.file.commits) {
      const now = this.clock();
      if (now - known.at < this.windowMs) return known.revision;
      return this.read(now);
    }
    return this.read(this.clock());
  }

  /**
   * The revision, read without a query while nothing committed: every commit (of any process on the file)
   * rewrites the WAL-index header at the start of the `-shm` file, which all connections map
   * (https://www.sqlite.org/walformat.html, "The WAL-Index Header"), so an unchanged header means the
   * revision last read still holds. A header seen mid-update only differs, which costs a query, never a
   * stale answer. Reading 48 bytes is one system call; the query takes a few.
   */
  private read(now: number): number {
    const known = this.known;
    const commits = this.file.commits;
    if (known !== undefined && this.shm !== undefined && !this.db.inTransaction) {
      const n = fs.readSync(this.shm, this.header, 0, WAL_INDEX_HEADER, 0);
      if (n === WAL_INDEX_HEADER && this.header.equals(known.header)) {
        known.at = now;
        known.commits = commits;
        return known.revision;
      }
    }
    if (!this.db.open)
      throw new RolecallError('StoreUnavailable', `the store \`${this.location}\` is closed`);
    // Inside a transaction of this process the revision may be one that is not committed yet: never kept.
    if (this.db.inTransaction) return this.stmt.rev.get()?.n ?? 0;
    let header: Buffer | undefined;
    try {
      this.shm ??= openShm(`${path.resolve(this.location)}-shm`);
      const seen = Buffer.alloc(WAL_INDEX_HEADER);
      if (fs.readSync(this.shm, seen, 0, WAL_INDEX_HEADER, 0) === WAL_INDEX_HEADER) header = seen;
    } catch {
      // No -shm file to watch (not in WAL mode): every read is a query.
      header = undefined;
    }
    const revision = this.stmt.rev.get()?.n ?? 0;
    this.known = header !== undefined ? { revision, header, at: now, commits } : undefined;
    return revision;
  }

  onCommit(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  close(): Promise<void> {
    return this.mutex.run(() => {
      if (this.shm !== undefined) fs.closeSync(this.shm);
      this.shm = undefined;
      this.known = undefined;
      if (this.db.open) {
        this.db.close();
        closeFile(this.file);
      }
      return Promise.resolve();
    });
  }
}

/**
 * Opens the `-shm` file this connection maps. The file is opened after the connection has mapped it (the
 * migrations ran in WAL mode), so it cannot be unlinked while this store is open: SQLite deletes it only
 * when the last connection closes. Even so, a descriptor of a file that is no longer at that path would
 * never see another commit, so the two are compared once and a mismatch means no shortcut.
 */
function openShm(file: string): number {
  const fd = fs.openSync(file, 'r');
  const opened = fs.fstatSync(fd);
  const now = fs.statSync(file);
  if (opened.ino === now.ino && opened.dev === now.dev) return fd;
  fs.closeSync(fd);
  throw new Error(`${file} was replaced while it was opened`);
}

/** Bytes of the first copy of the WAL-index header (https://www.sqlite.org/walformat.html). */
const WAL_INDEX_HEADER = 48;

/**
 * This process's commit count per database file, by device and inode (two paths to one file are one
 * file), so that a commit through one store is seen at once through every other store on the file.
 */
const files = new Map<string, OpenFile>();

interface OpenFile {
  /** Commits by the stores of this process. */
  commits: number;
  /** Stores of this process open on the file (the entry goes with the last). */
  stores: number;
  key: string;
}

function openFile(location: string): OpenFile {
  let key: string;
  try {
    const st = fs.statSync(location);
    key = `${st.dev}:${st.ino}`;
  } catch {
    // Not a file on disk: no other store can open it.
    return { commits: 0, stores: 1, key: '' };
  }
  let file = files.get(key);
  if (file === undefined) files.set(key, (file = { commits: 0, stores: 0, key }));
  file.stores++;
  return file;
}

function closeFile(file: OpenFile): void {
  if (--file.stores === 0 && files.get(file.key) === file) files.delete(file.key);
}

/** SQLite failures become errors a user can act on; RolecallErrors pass through. */
function storeError(e: unknown, location: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new RolecallError(
      'ConcurrentModification',
      'the store is busy with another writer; retry the command',
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code === 'SQLITE_CANTOPEN') {
    return new RolecallError(
      'StoreUnavailable',
      `cannot open the store \`${location}\`: ${(e as Error).message}`,
    );
  }
  return e;
}
