/**
 * The shared backend: several rolecall servers on one PostgreSQL database. Transactions are SERIALIZABLE
 * and retried on serialization failures, so a conflicting concurrent change (two CreatePolicyVersion racing
 * for the last slot) re-runs against the winner's state and fails with the domain error. Commits are
 * announced with NOTIFY so caches in other processes invalidate (LISTEN starts with the first listener).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import path from 'node:path';
import { RolecallError } from '../errors.js';
import { CommitListeners } from './listeners.js';
import { TransactionContext } from './transaction-context.js';
import { MIGRATIONS } from './migrations.js';
import { prefixEnd } from './prefix-range.js';
import { storeSecrets, type SecretBox } from './secrets.js';
import type { JsonValue, Store, StoreTx, TransactionOptions } from './types.js';

export interface PostgresOptions {
  /** Schema holding the tables (created when missing); defaults to the URL's `schema` parameter or `public`. */
  schema?: string;
  /** Defaults to `.rolecall/secret.key` under the current directory. */
  keyFile?: string;
  maxRetries?: number;
  poolSize?: number;
}

const CHANNEL = 'rolecall_changes';
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
  private listenClient: pg.Client | undefined;
  private readonly config: pg.ClientConfig;
  private readonly maxRetries: number;
  /** Tags this instance's notifications: its own commits already notified its listeners directly. */
  private readonly instanceId = randomBytes(8).toString('hex');

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
    this.config = { connectionString: u.toString(), options: `-c search_path=${schema}` };
    this.pool = new pg.Pool({ ...this.config, max: options.poolSize ?? 4 });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.maxRetries = options.maxRetries ?? 20;
    this.secrets = storeSecrets(options.keyFile ?? path.join('.rolecall', 'secret.key'));
  }

  /** Connects, creates the schema when missing and runs the migrations. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const store = new PostgresStore(url, options);
    try {
      await store.migrate();
    } catch (e) {
      await store.pool.end().catch(() => undefined);
      throw connectError(e, store.location);
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
        throw connectError(e, this.location);
      }
      let wrote = false;
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
          list: async (table, prefix = '') => {
            const r =
              prefix === ''
                ? await c.query<{ key: string; value: string }>(
                    'SELECT key, value FROM records WHERE tbl = $1 ORDER BY key',
                    [table],
                  )
                : await c.query<{ key: string; value: string }>(
                    'SELECT key, value FROM records WHERE tbl = $1 AND key >= $2 AND key < $3 ORDER BY key',
                    [table, prefix, prefixEnd(prefix)],
                  );
            return r.rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as JsonValue }));
          },
        };
        const result = await this.current.run(tx, () => fn(tx));
        if (wrote) {
          await client.query('UPDATE revision SET n = n + 1 WHERE id = 1');
          await client.query('SELECT pg_notify($1, $2)', [CHANNEL, `${this.schema} ${this.instanceId}`]);
        }
        await client.query('COMMIT');
        client.release();
        if (wrote) this.listeners.notify();
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
        throw e;
      }
    }
  }

  async revision(): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT n FROM revision WHERE id = 1');
    return Number(r.rows[0]?.n ?? 0);
  }

  onCommit(listener: () => void): () => void {
    const off = this.listeners.add(listener);
    if (!this.listenClient) {
      const client = new pg.Client(this.config);
      this.listenClient = client;
      client.on('error', () => undefined);
      client.on('notification', (n) => {
        const [schema, from] = (n.payload ?? '').split(' ');
        if (schema === this.schema && from !== this.instanceId) this.listeners.notify();
      });
      client
        .connect()
        .then(() => client.query(`LISTEN ${CHANNEL}`))
        .catch(() => undefined);
    }
    return off;
  }

  async close(): Promise<void> {
    await this.listenClient?.end().catch(() => undefined);
    await this.pool.end();
  }

  /** Drops the schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function connectError(e: unknown, location: string): unknown {
  if (e instanceof RolecallError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|28|3D)/.test(code)) {
    return new RolecallError(
      'StoreUnavailable',
      `cannot reach PostgreSQL at \`${location}\`: ${(e as Error).message}`,
    );
  }
  return e;
}
