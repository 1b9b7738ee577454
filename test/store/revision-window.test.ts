/**
 * SQLite's `revisionNow` trusts the WAL-index header it read for a millisecond (the window): a commit by
 * another process is seen once the window has passed, a commit by any store of this process on the file
 * at once, whatever path it was opened by. `revision()` always reads.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/index.js';
import { tempDir } from './backends.js';

/** A store on `db` whose window is 10 ms of a clock the test moves. */
function clocked(db: string): { store: SqliteStore; advance: (ms: number) => void } {
  let now = 0;
  const store = new SqliteStore(db, { keyFile: `${db}.key`, revisionWindowMs: 10, clock: () => now });
  return { store, advance: (ms) => (now += ms) };
}

test('SQLite: another process’s commit is seen by revisionNow once the window has passed', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  const { store, advance } = clocked(db);
  // Another process's connection: it bumps the revision as every write does, without this process's stores.
  const other = new Database(db);
  try {
    await store.withTransaction((tx) => tx.put('role', '111122223333/first', 1));
    const before = store.revisionNow();
    other.prepare('UPDATE revision SET n = n + 1 WHERE id = 1').run();
    advance(9);
    assert.equal(store.revisionNow(), before, 'within the window the header is not read');
    assert.equal(await store.revision(), before + 1, 'revision() reads whatever the window');
    other.prepare('UPDATE revision SET n = n + 1 WHERE id = 1').run();
    assert.equal(store.revisionNow(), before + 1, 'the read restarted the window');
    advance(10);
    assert.equal(store.revisionNow(), before + 2);
  } finally {
    other.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SQLite: a commit by another store of this process is seen at once, through any path to the file', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  const { store } = clocked(db);
  await store.withTransaction((tx) => tx.put('role', '111122223333/first', 1));
  fs.symlinkSync(dir, path.join(dir, 'link'));
  const second = new SqliteStore(path.join(dir, 'link', 'rolecall.db'), { keyFile: `${db}.key` });
  try {
    const before = store.revisionNow();
    await second.withTransaction((tx) => tx.put('role', '111122223333/second', 2));
    assert.equal(store.revisionNow(), before + 1, 'the clock did not move: only the commit tells');
    await store.withTransaction((tx) => tx.put('role', '111122223333/third', 3));
    assert.equal(second.revisionNow(), before + 2);
    // A transaction that wrote nothing commits nothing: the window still holds.
    await second.withTransaction((tx) => tx.get('role', '111122223333/third'));
    assert.equal(store.revisionNow(), before + 2);
  } finally {
    await second.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
