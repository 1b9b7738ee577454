/**
 * The store revision moves with the data, in the same transaction: other processes' caches trust that a
 * write they can read has moved the revision. A revision that cannot move (a trigger refuses it here)
 * must take the data down with it; a bump after COMMIT would leave the data written and the revision
 * where it was.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { PostgresStore } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { PG_URL, postgresBackend, postgresUnavailable, tempDir } from './backends.js';

test('SQLite: the revision bump and the data commit together, or neither does', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  const store = new SqliteStore(db, { keyFile: `${db}.key` });
  try {
    await store.withTransaction((tx) => tx.put('role', '111122223333/first', 1));
    const rev = await store.revision();
    // Another connection forbids moving the revision from now on.
    const other = new Database(db);
    other.exec(
      "CREATE TRIGGER frozen BEFORE UPDATE ON revision BEGIN SELECT RAISE(ABORT, 'revision frozen'); END",
    );
    other.close();
    await assert.rejects(
      store.withTransaction((tx) => tx.put('role', '111122223333/second', 2)),
      /revision frozen/,
    );
    assert.equal(await store.revision(), rev);
    const second = await store.withTransaction((tx) => tx.get('role', '111122223333/second'), {
      readOnly: true,
    });
    assert.equal(second, undefined, 'the data was committed without the revision');
    // reads never move the revision, and are not refused
    assert.equal(await store.withTransaction((tx) => tx.get('role', '111122223333/first')), 1);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('PostgreSQL: the revision bump and the data commit together, or neither does', async (t) => {
  const why = await postgresUnavailable();
  if (why !== undefined) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${why}`);
    t.skip(`PostgreSQL not reachable: ${why}`);
    return;
  }
  const store = await postgresBackend.open();
  try {
    await store.withTransaction((tx) => tx.put('role', '111122223333/first', 1));
    const rev = await store.revision();
    const schema = (store as PostgresStore).schema;
    const other = new pg.Client({ connectionString: PG_URL });
    await other.connect();
    try {
      await other.query(
        `CREATE FUNCTION "${schema}".frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'revision frozen'; END $$`,
      );
      await other.query(
        `CREATE TRIGGER frozen BEFORE UPDATE ON "${schema}".revision FOR EACH ROW EXECUTE FUNCTION "${schema}".frozen()`,
      );
    } finally {
      await other.end();
    }
    await assert.rejects(store.withTransaction((tx) => tx.put('role', '111122223333/second', 2)));
    assert.equal(await store.revision(), rev);
    const second = await store.withTransaction((tx) => tx.get('role', '111122223333/second'), {
      readOnly: true,
    });
    assert.equal(second, undefined, 'the data was committed without the revision');
  } finally {
    await postgresBackend.dispose(store);
  }
});
