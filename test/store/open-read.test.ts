/**
 * What opening a SQLite store does for a command that only reads it: a file with every migration is not
 * migrated again, so the open takes no write lock and goes on while another process writes; a file at an
 * older schema is still migrated. A decision opened without the secret key (`noSecrets`) reads the
 * store, creates no key file and seals nothing; a command that uses a secret is still refused with a key
 * that is not the store's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore, SqliteStore } from '../../src/store/index.js';
import { tempDir } from './backends.js';

const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

const versions = (file: string): number[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
  } finally {
    db.close();
  }
};

/** Runs `fn` with ROLECALL_SECRET_KEY set to `key`, then restores it. */
async function withKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = process.env.ROLECALL_SECRET_KEY;
  process.env.ROLECALL_SECRET_KEY = key;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete process.env.ROLECALL_SECRET_KEY;
    else process.env.ROLECALL_SECRET_KEY = previous;
  }
}

test('a store at an older schema is migrated on open, by a reader too', async () => {
  const dir = tempDir('rolecall-migrate-');
  const file = path.join(dir, 'rolecall.db');
  try {
    // The file as the first version left it: migration 1 only.
    const old = new Database(file);
    const first = MIGRATIONS[0]!;
    old.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const sql of first.sqlite) old.exec(sql);
    old
      .prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)')
      .run(first.version, first.description, 'then');
    old.close();
    assert.deepEqual(versions(file), [1]);

    const store = await openStore(file, { noSecrets: true });
    try {
      assert.deepEqual(
        versions(file),
        MIGRATIONS.map((m) => m.version),
      );
      assert.equal(await store.revision(), 0, 'the revision table of migration 2 is there');
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('opening a migrated store takes no write lock: it opens and reads while another connection writes', async () => {
  const dir = tempDir('rolecall-open-read-');
  const file = path.join(dir, 'rolecall.db');
  const keyFile = path.join(dir, 'secret.key');
  try {
    const writer = new SqliteStore(file, { keyFile });
    await writer.withTransaction((tx) => tx.put('account', '111122223333', { id: '111122223333' }));
    await writer.close();

    // Another process's writer holds the write lock; a reader that asked for it would fail at once
    // (busy timeout 0) with ConcurrentModification.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("UPDATE records SET value = '{}' WHERE tbl = 'account'").run();
    try {
      const reader = new SqliteStore(file, { busyTimeoutMs: 0, noSecrets: true });
      try {
        const seen = await reader.withTransaction((tx) => tx.get('account', '111122223333'), {
          readOnly: true,
        });
        assert.deepEqual(seen, { id: '111122223333' }, 'the committed value, not the open write');
      } finally {
        await reader.close();
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a store opened without its secret key reads, creates no key file and seals nothing', async () => {
  const dir = tempDir('rolecall-no-secrets-');
  const file = path.join(dir, 'rolecall.db');
  try {
    const first = await withKey('ab'.repeat(32), () => openStore(file));
    await first.close();

    // Another key: refused where secrets are used, not needed where none is.
    const other = 'cd'.repeat(32);
    await withKey(other, () =>
      assert.rejects(openStore(file), (e: Error & { code?: string }) => e.code === 'StoreUnavailable'),
    );
    const reader = await withKey('', () => openStore(file, { noSecrets: true }));
    try {
      assert.equal(fs.existsSync(path.join(dir, 'secret.key')), false, 'a key file was created');
      assert.equal(await reader.revision(), 1, 'the store reads');
      assert.throws(() => reader.secrets.encrypt('x'), /opened without its secret key/);
      assert.throws(() => reader.secrets.decrypt('v1:AAAA'), /opened without its secret key/);
    } finally {
      await reader.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
