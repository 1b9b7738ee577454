/**
 * The shared backend: several rolecall servers on one PostgreSQL database. Transactions are SERIALIZABLE
 * and retried on serialization failures, so a conflicting concurrent change (two CreatePolicyVersion racing
 * for the last slot) re-runs against the winner's state and fails with the domain error.
 *
 * Revision: every write commits a new revision and announces it with NOTIFY (its number in the payload).
 * Each store keeps one connection that LISTENs (from its first commit listener on), so it hears other
 * processes' commits as they are delivered, and calls its commit listeners for them. `revisionNow` answers
 * from memory, without a query, while the revision was confirmed by a query less than the revision window
 * ago (./revision-window.ts): a notification arrives after its commit, asynchronously, so only a query
 * proves that nothing else committed; queries on the listen connection refresh it ahead of time while
 * decisions ask, and its heartbeat finds a dead connection (then it reconnects and reads the revision once,
 * so whatever it missed meanwhile invalidates caches). A write returns once the window has passed since
 * its commit, so a decision that starts after the write returned, on any server, sees it. (NOTIFY is sent
 * only if its transaction commits, in commit order: https://www.postgresql.org/docs/current/sql-notify.html)
 *
 * Time limits: every connection starts with a `statement_timeout`, so the server cancels a statement that
 * runs too long (a lock held by a stuck writer, an overloaded server) and the transaction rolls back. The
 * limit is the server's, not a client-side timer: a client that stopped waiting would hand its pooled
 * connection to the next transaction with the reply still coming, while a statement the server canceled
 * has answered with its error and the connection is in step again. TCP keep-alive probes connections that
 * sit idle in the pool, so a server that vanished is noticed. (statement_timeout:
 * https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-STATEMENT-TIMEOUT)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import path from 'node:path';
import { RolecallError } from '../errors.js';
import { CommitListeners } from './listeners.js';
import { TransactionContext } from './transaction-context.js';
import { MIGRATIONS } from './migrations.js';
import { prefixEnd } from './prefix-range.js';
import { monotonicMs, revisionWindow, settle } from './revision-window.js';
import { refusingSecretBox, storeSecrets, type SecretBox } from './secrets.js';
import type { JsonValue, Store, StoreTx, TransactionOptions } from './types.js';

export interface PostgresOptions {
  /** Schema holding the tables (created when missing); defaults to the URL's `schema` parameter or `public`. */
  schema?: string;
  /** Defaults to `.rolecall/secret.key` under the current directory. */
  keyFile?: string;
  /** The command seals and opens no secret (as SqliteOptions.noSecrets). */
  noSecrets?: boolean;
  maxRetries?: number;
  poolSize?: number;
  /**
   * Milliseconds the server lets one statement run before it cancels it (every connection's
   * `statement_timeout`); the transaction is rolled back and the call fails with StoreTimeout. Default
   * STATEMENT_TIMEOUT_MS; 0: no limit.
   */
  statementTimeoutMs?: number;
  /**
   * Milliseconds for which `revisionNow` trusts the revision last confirmed by a query, and a write waits
   * after its commit before it returns (default REVISION_WINDOW_MS; 0: every decision queries, writes do
   * not wait). Every process on one database should use the same window.
   */
  revisionWindowMs?: number;
  /** Milliseconds between heartbeats of the listen connection; one unanswered by the next means it is dead. */
  heartbeatMs?: number;
  /** A monotonic clock in milliseconds, for the revision window (default monotonicMs). */
  clock?: () => number;
}

/** The default statement timeout: far above any statement of this store, which take milliseconds. */
export const STATEMENT_TIMEOUT_MS = 30_000;
/** PostgreSQL's largest statement_timeout (an int of milliseconds). */
export const MAX_STATEMENT_TIMEOUT_MS = 2_147_483_647;
/** Idle milliseconds before a connection's first TCP keep-alive probe. */
const KEEPALIVE_DELAY_MS = 10_000;
/** query_canceled: a statement timeout, or a cancel request (pg_cancel_backend). */
const QUERY_CANCELED = '57014';

const CHANNEL = 'rolecall_changes';
const REVISION = 'SELECT n FROM revision WHERE id = 1';
const HEARTBEAT_MS = 2000;
/** The first wait before reconnecting the listen connection; it doubles up to the heartbeat interval. */
const RECONNECT_MS = 50;

/** The listen connection, and whether it is gone (then everything it still reports is ignored). */
interface Listener {
  client: pg.Client;
  dead: boolean;
  /** A heartbeat is out and not answered yet. */
  beating: boolean;
}
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** serialization_failure, deadlock_detected: safe to retry the whole transaction. */
const RETRYABLE = new Set(['40001', '40P01']);

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly secrets: SecretBox;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly listeners = new CommitListeners();
  private readonly current = new TransactionContext<StoreTx>();
  private readonly config: pg.ClientConfig;
  private readonly maxRetries: number;
  private readonly statementTimeoutMs: number;
  /** Tags this instance's notifications: its own commits already notified its listeners directly. */
  private readonly instanceId = randomBytes(8).toString('hex');
  private readonly windowMs: number;
  private readonly heartbeatMs: number;
  private readonly clock: () => number;
  /** The highest revision learned (a query, a notification, a commit of this store); -1 before any. */
  private known = -1;
  /** When (clock) the query was sent that last confirmed `known`: every commit before it is in `known`. */
  private confirmedAt = -Infinity;
  /** A refresh of the revision is out. */
  private refreshing = false;
  private listener: Listener | undefined;
  private isListening = false;
  private readonly listeningHooks = new Set<(listening: boolean) => void>();
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private reconnectMs = RECONNECT_MS;
  private closed = false;

  private constructor(url: string, options: PostgresOptions) {
    const u = new URL(url);
    const schema = options.schema ?? u.searchParams.get('schema') ?? 'public';
    if (!SCHEMA_NAME.test(schema))
      throw new RolecallError('UsageError', `invalid PostgreSQL schema name \`${schema}\``);
    u.searchParams.delete('schema');
    this.schema = schema;
    const shown = new URL(u.toString());
    shown.password = '';
    this.location = shown.toString();
    const timeout = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeout) || timeout < 0 || timeout > MAX_STATEMENT_TIMEOUT_MS)
      throw new RolecallError(
        'UsageError',
        `invalid statement timeout \`${timeout}\`: milliseconds from 0 (no limit) to ${MAX_STATEMENT_TIMEOUT_MS}`,
      );
    this.statementTimeoutMs = timeout;
    this.windowMs = revisionWindow(options.revisionWindowMs);
    this.config = {
      connectionString: u.toString(),
      // Sent with the start-up packet: set on the connection before its first query.
      options: `-c search_path=${schema} -c statement_timeout=${timeout}`,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    };
    this.pool = new pg.Pool({ ...this.config, max: options.poolSize ?? 4 });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.maxRetries = options.maxRetries ?? 20;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.clock = options.clock ?? monotonicMs;
    this.secrets = options.noSecrets
      ? refusingSecretBox(this.location)
      : storeSecrets(options.keyFile ?? path.join('.rolecall', 'secret.key'));
  }

  /** Connects, creates the schema when missing and runs the migrations. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.migrate();
    } catch (e) {
      await store.pool.end().catch(() => undefined);
      throw store.failure(e);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One migrator at a time across every process sharing the database.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rolecall-migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
      );
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const sql of m.postgres) await client.query(sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [
          m.version,
          m.description,
        ]);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async withTransaction<T>(fn: (tx: StoreTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const outer = this.current.current();
    if (outer) return fn(outer);
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw this.failure(e);
      }
      let wrote = false;
      let revision = -1;
      try {
        await client.query(
          options.readOnly
            ? 'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY'
            : 'BEGIN ISOLATION LEVEL SERIALIZABLE',
        );
        const c = client;
        const tx: StoreTx = {
          get: async (table, key) => {
            const r = await c.query<{ value: string }>(
              'SELECT value FROM records WHERE tbl = $1 AND key = $2',
              [table, key],
            );
            const row = r.rows[0];
            return row ? (JSON.parse(row.value) as JsonValue) : undefined;
          },
          put: async (table, key, value) => {
            wrote = true;
            await c.query(
              'INSERT INTO records (tbl, key, value) VALUES ($1, $2, $3) ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value',
              [table, key, JSON.stringify(value)],
            );
          },
          delete: async (table, key) => {
            const r = await c.query('DELETE FROM records WHERE tbl = $1 AND key = $2', [table, key]);
            const changed = (r.rowCount ?? 0) > 0;
            wrote ||= changed;
            return changed;
          },
          list: async (table, prefix = '', limit?: number) => {
            // LIMIT NULL is none (https://www.postgresql.org/docs/current/queries-limit.html).
            const r =
              prefix === ''
                ? await c.query<{ key: string; value: string }>(
                    'SELECT key, value FROM records WHERE tbl = $1 ORDER BY key LIMIT $2',
                    [table, limit ?? null],
                  )
                : await c.query<{ key: string; value: string }>(
                    'SELECT key, value FROM records WHERE tbl = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4',
                    [table, prefix, prefixEnd(prefix), limit ?? null],
                  );
            return r.rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as JsonValue }));
          },
        };
        const result = await this.current.run(tx, () => fn(tx));
        if (wrote) {
          // The notification is delivered only if the transaction commits, after it commits.
          const bumped = await client.query<{ n: string }>(
            'WITH bumped AS (UPDATE revision SET n = n + 1 WHERE id = 1 RETURNING n) SELECT n, pg_notify($1::text, $2::text || n) FROM bumped',
            [CHANNEL, `${this.schema} ${this.instanceId} `],
          );
          revision = Number(bumped.rows[0]?.n);
        }
        await client.query('COMMIT');
        client.release();
        if (wrote) {
          const committedAt = monotonicMs();
          this.learn(revision, false);
          this.listeners.notify();
          // Every process on the database trusts a confirmed revision for the window: once it has passed,
          // none can decide without this write.
          await settle(committedAt, this.windowMs);
        }
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code)) {
          if (attempt < this.maxRetries) {
            await sleep(Math.random() * 20 * (attempt + 1));
            continue;
          }
          throw new RolecallError(
            'ConcurrentModification',
            'the store is busy with conflicting writers; retry the command',
          );
        }
        throw this.failure(e);
      }
    }
  }

  /** The revision as of now: always a query. */
  async revision(): Promise<number> {
    const sentAt = this.clock();
    let r: pg.QueryResult<{ n: string }>;
    try {
      r = await this.pool.query<{ n: string }>(REVISION);
    } catch (e) {
      throw this.failure(e);
    }
    this.confirm(Number(r.rows[0]?.n ?? 0), sentAt);
    return this.known;
  }

  /**
   * The revision from memory while a query confirmed it less than the window ago (notifications heard
   * since included); undefined otherwise, and the caller reads `revision()`. Past half the window it sends
   * a query ahead, so that decisions arriving steadily never wait for one.
   */
  revisionNow(): number | undefined {
    if (this.known < 0) return undefined;
    const age = this.clock() - this.confirmedAt;
    if (age >= this.windowMs) return undefined;
    if (age >= this.windowMs / 2) this.refresh();
    return this.known;
  }

  /** Whether the listen connection is up and listening (it hears other processes' commits). */
  get listening(): boolean {
    return this.isListening;
  }

  /** Called whenever the listen connection starts or stops listening. */
  onListening(hook: (listening: boolean) => void): () => void {
    this.listeningHooks.add(hook);
    return () => this.listeningHooks.delete(hook);
  }

  /** Commits of this process, and of other processes as they are heard of (notification or query). */
  onCommit(listener: () => void): () => void {
    const off = this.listeners.add(listener);
    this.listen();
    return off;
  }

  /**
   * A revision read from the database by a query sent at `sentAt`: every commit before then is in it. A
   * notification heard meanwhile may have brought a later one; the revision only grows.
   */
  private confirm(revision: number, sentAt: number): void {
    this.learn(revision, true);
    if (sentAt > this.confirmedAt) this.confirmedAt = sentAt;
  }

  /** A revision heard of; commit listeners are told of a newer one unless this store's commit made it. */
  private learn(revision: number, foreign: boolean): void {
    if (!Number.isSafeInteger(revision) || revision <= this.known) return;
    // Before the first revision nothing can have been cached by it, nothing to invalidate.
    const first = this.known < 0;
    this.known = revision;
    if (foreign && !first) this.listeners.notify();
  }

  /** Sends a query for the revision ahead of the window's end: on the listen connection when it is up. */
  private refresh(): void {
    if (this.refreshing || this.closed) return;
    this.refreshing = true;
    const listener = this.isListening ? this.listener : undefined;
    const sentAt = this.clock();
    const query = listener
      ? listener.client.query<{ n: string }>(REVISION)
      : this.pool.query<{ n: string }>(REVISION);
    query.then(
      (r) => {
        this.refreshing = false;
        if (listener?.dead !== true) this.confirm(Number(r.rows[0]?.n ?? 0), sentAt);
      },
      () => {
        this.refreshing = false;
        if (listener) this.lost(listener);
      },
    );
  }

  /** Opens the listen connection when there is none: LISTEN, then the revision read once. */
  private listen(): void {
    if (this.closed || this.listener !== undefined) return;
    const client = new pg.Client({
      ...this.config,
      application_name: 'rolecall-listen',
      connectionTimeoutMillis: this.heartbeatMs,
    });
    const listener: Listener = { client, dead: false, beating: false };
    this.listener = listener;
    const lost = () => this.lost(listener);
    // A connection that answers its start-up but not LISTEN or the read is as dead as one that never opens.
    const giveUp = setTimeout(lost, 2 * this.heartbeatMs).unref();
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      const [schema, from, revision] = (n.payload ?? '').split(' ');
      if (!listener.dead && schema === this.schema) this.learn(Number(revision), from !== this.instanceId);
    });
    void (async () => {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      // Commits from now on are heard; the read tells those before, missed while not listening.
      const sentAt = this.clock();
      const r = await client.query<{ n: string }>(REVISION);
      clearTimeout(giveUp);
      if (listener.dead) return;
      this.confirm(Number(r.rows[0]?.n ?? 0), sentAt);
      this.reconnectMs = RECONNECT_MS;
      this.setListening(true);
      this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs).unref();
    })().catch(lost);
  }

  /** A heartbeat: the revision read on the listen connection; the last one unanswered means it is dead. */
  private beat(): void {
    const listener = this.listener;
    if (listener === undefined || !this.isListening) return;
    if (listener.beating) {
      this.lost(listener);
      return;
    }
    listener.beating = true;
    const sentAt = this.clock();
    listener.client.query<{ n: string }>(REVISION).then(
      (r) => {
        listener.beating = false;
        if (!listener.dead) this.confirm(Number(r.rows[0]?.n ?? 0), sentAt);
      },
      () => this.lost(listener),
    );
  }

  /** The listen connection failed or stopped answering: dropped, and opened again after a while. */
  private lost(listener: Listener): void {
    if (listener.dead) return;
    listener.dead = true;
    listener.beating = false;
    if (this.listener === listener) this.listener = undefined;
    // A connection that stopped answering would keep end() waiting: its socket goes first.
    listener.client.connection.stream.destroy();
    listener.client.end().catch(() => undefined);
    this.setListening(false);
    if (this.closed) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      this.listen();
    }, this.reconnectMs).unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, this.heartbeatMs);
  }

  private setListening(listening: boolean): void {
    if (this.isListening === listening) return;
    this.isListening = listening;
    for (const hook of this.listeningHooks) hook(listening);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnect);
    const listener = this.listener;
    if (listener !== undefined) {
      listener.dead = true;
      this.listener = undefined;
      this.setListening(false);
      const ended = listener.client.end().catch(() => undefined);
      // A connection gone silent never answers the goodbye: its socket goes after a heartbeat's wait.
      const cut = setTimeout(() => listener.client.connection.stream.destroy(), this.heartbeatMs).unref();
      await ended;
      clearTimeout(cut);
    }
    await this.pool.end();
  }

  /**
   * A failure of PostgreSQL as an error a user can act on: unreachable (StoreUnavailable), a statement
   * past the timeout (StoreTimeout); anything else as it is.
   */
  private failure(e: unknown): unknown {
    if (e instanceof RolecallError) return e;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') return e;
    if (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|28|3D)/.test(code)) {
      return new RolecallError(
        'StoreUnavailable',
        `cannot reach PostgreSQL at \`${this.location}\`: ${(e as Error).message}`,
      );
    }
    if (code === QUERY_CANCELED) {
      return new RolecallError(
        'StoreTimeout',
        `PostgreSQL at \`${this.location}\` canceled a statement (${(e as Error).message}; the statement timeout is ${this.statementTimeoutMs} ms): nothing was written; retry the command`,
      );
    }
    return e;
  }

  /** Drops the schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
