/**
 * The three backends for contract tests. PostgreSQL gets a fresh schema per store in database `test`,
 * dropped on close; when it is unreachable the PostgreSQL cases fail in CI and are skipped elsewhere
 * with the reason printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';
import {
  MemoryStore,
  PostgresStore,
  SqliteStore,
  type PostgresOptions,
  type Store,
} from '../../src/store/index.js';

export const PG_URL = process.env.ROLECALL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'memory' | 'sqlite' | 'postgres';
  /** A new empty store. */
  open(): Promise<Store>;
  /** Another connection to the same database as `store` (durable backends only). */
  reopen?(store: Store): Promise<Store>;
  /** Releases the store and removes its data. */
  dispose(store: Store): Promise<void>;
}

export function tempDir(prefix = 'rolecall-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const keyFile = path.join(tempDir(), 'secret.key');

export const memoryBackend: Backend = {
  name: 'memory',
  open: () => Promise.resolve(new MemoryStore()),
  dispose: (s) => s.close(),
};

export const sqliteBackend: Backend = {
  name: 'sqlite',
  open: () => Promise.resolve(new SqliteStore(path.join(tempDir(), 'rolecall.db'), { keyFile })),
  reopen: (s) => Promise.resolve(new SqliteStore(s.location, { keyFile })),
  dispose: async (s) => {
    await s.close();
    fs.rmSync(path.dirname(s.location), { recursive: true, force: true });
  },
};

/** A PostgreSQL store on a fresh schema, or on `options.schema`, at `url`. */
export function openPostgres(options: PostgresOptions = {}, url = PG_URL): Promise<PostgresStore> {
  return PostgresStore.open(url, {
    schema: `rolecall_test_${randomBytes(6).toString('hex')}`,
    keyFile,
    ...options,
  });
}

export const postgresBackend: Backend = {
  name: 'postgres',
  open: () => openPostgres(),
  reopen: (s) => openPostgres({ schema: (s as PostgresStore).schema }),
  dispose: async (s) => {
    await (s as PostgresStore).dropSchema();
    await s.close();
  },
};

let reachable: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers, else why not. */
export function postgresUnavailable(): Promise<string | undefined> {
  reachable ??= (async () => {
    try {
      const s = await postgresBackend.open();
      await postgresBackend.dispose(s);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  })();
  return reachable;
}

/** Backends to run, with a skip reason for PostgreSQL outside CI when it cannot be reached. */
export async function backends(): Promise<{ backend: Backend; skip?: string }[]> {
  const why = await postgresUnavailable();
  const pg: { backend: Backend; skip?: string } = { backend: postgresBackend };
  if (why !== undefined) {
    if (process.env.CI === 'true')
      throw new Error(`PostgreSQL is required in CI and is not reachable at ${PG_URL}: ${why}`);
    pg.skip = `PostgreSQL not reachable at ${PG_URL}: ${why}`;
  }
  return [{ backend: memoryBackend }, { backend: sqliteBackend }, pg];
}

/**
 * For a test that needs PostgreSQL: true (the test skipped with the reason) when it is unreachable outside
 * CI; in CI an unreachable PostgreSQL fails the test.
 */
export async function skipWithoutPostgres(t: TestContext): Promise<boolean> {
  const why = await postgresUnavailable();
  if (why === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${why}`);
  t.skip(`PostgreSQL not reachable at ${PG_URL}: ${why}`);
  return true;
}

/** A connection holding a PostgreSQL store's revision row; `release` lets it go. */
export interface RowHolder {
  client: pg.Client;
  release(): Promise<void>;
}

/**
 * Another connection, in a transaction holding `schema`'s revision row, which every write updates: the
 * store's writes wait on it (as behind a stuck writer). The server ends that session once it has sat idle
 * for `holdMs`, so a test whose store never gives up fails after that wait instead of hanging.
 */
export async function holdRevisionRow(schema: string, holdMs = 20_000): Promise<RowHolder> {
  const other = new pg.Client({ connectionString: PG_URL });
  other.on('error', () => undefined);
  await other.connect();
  await other.query(`SET idle_in_transaction_session_timeout = ${holdMs}`);
  await other.query('BEGIN');
  await other.query(`SELECT n FROM ${schema}.revision WHERE id = 1 FOR UPDATE`);
  return {
    client: other,
    release: async () => {
      // Unless the server has ended the session already.
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end().catch(() => undefined);
    },
  };
}
