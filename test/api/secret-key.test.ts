/**
 * The sealing key and the store's files: a second server (or any command) on the same store with another
 * secret key refuses to start with one line, on SQLite and on PostgreSQL, and changes nothing; the files
 * rolecall creates are readable by their owner only (folders 0700, files 0600).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openApi } from '../../src/api/index.js';
import { openStore, PostgresStore, SqliteStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { PG_URL, postgresUnavailable, tempDir } from '../store/backends.js';
import { coreMissing, readCredentialsFile, signedPost } from './harness.js';

const skip = await coreMissing();
const down = await postgresUnavailable();
if (down !== undefined && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required in CI and is not reachable at ${PG_URL}: ${down}`);
}
const pgSkip = skip || (down !== undefined ? `PostgreSQL not reachable at ${PG_URL}: ${down}` : false);
if (down !== undefined) console.log(`# skipped: PostgreSQL not reachable at ${PG_URL}: ${down}`);

const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** Runs `fn` with ROLECALL_SECRET_KEY set to `key` ('' for the key file), then restores it. */
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

/** Every command opens the store through openStore: with another key it is refused there, in one line. */
async function assertOpenRefused(location: string, key: string) {
  await withKey(key, () =>
    assert.rejects(openStore(location), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'StoreUnavailable');
      assert.match(e.message, /^the secret key from `ROLECALL_SECRET_KEY` does not open the store `[^`]+`: /);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    }),
  );
}

/** `rolecall ARGS` with `key` as ROLECALL_SECRET_KEY ('' for the key file), from `cwd`. */
function cli(args: string[], key: string, cwd: string) {
  return runCli(args, { cwd, env: { ROLECALL_SECRET_KEY: key } });
}

/** The second process refused to start: exit 1, one line naming the key's source and the store. */
function assertRefused(r: { status: number; stdout: string; stderr: string }, source: RegExp) {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^rolecall: StoreUnavailable: the secret key from /);
  assert.match(lines[0]!, source);
  assert.match(lines[0]!, /does not open the store/);
  assert.doesNotMatch(r.stdout, /listening on/);
}

test(
  'SQLite: a second server with another key refuses to start; the store stays as it was',
  { skip },
  async () => {
    const dir = tempDir('rolecall-key-');
    const db = path.join(dir, '.rolecall', 'rolecall.db');
    const api = await openApi({ store: db, credentialsFile: path.join(dir, 'credentials'), port: 0 });
    try {
      const admin = readCredentialsFile(path.join(dir, 'credentials'));
      const revision = await api.cp.store.revision();
      const other = randomBytes(32).toString('hex');
      assertRefused(cli(['serve', '--port', '0', '--store', db], other, dir), /`ROLECALL_SECRET_KEY`/);
      // any command, not only serve (each opens the store through openStore); the key file opens it
      await assertOpenRefused(db, other);
      await (await withKey('', () => openStore(db))).close();
      assert.equal(await api.cp.store.revision(), revision, 'the store changed');
      // the first server still answers with its key
      const who = await signedPost(api.url, admin, 'Action=GetCallerIdentity&Version=2011-06-15', 'sts');
      assert.equal(who.status, 200, who.text);

      // files and folders: owner only
      assert.equal(mode(path.join(dir, '.rolecall')), 0o700);
      for (const f of ['rolecall.db', 'rolecall.db-wal', 'rolecall.db-shm', 'secret.key']) {
        const p = path.join(dir, '.rolecall', f);
        assert.equal(mode(p), 0o600, `${f} is ${mode(p).toString(8)}`);
      }
      assert.equal(mode(path.join(dir, 'credentials')), 0o600);
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('an existing .rolecall/ and database made too open are tightened on open', () => {
  const dir = tempDir('rolecall-modes-');
  const folder = path.join(dir, '.rolecall');
  fs.mkdirSync(folder, { mode: 0o755 });
  fs.chmodSync(folder, 0o755);
  const db = path.join(folder, 'rolecall.db');
  fs.writeFileSync(db, '', { mode: 0o644 });
  fs.chmodSync(db, 0o644);
  const store = new SqliteStore(db, { keyFile: path.join(folder, 'secret.key') });
  try {
    assert.equal(mode(folder), 0o700);
    assert.equal(mode(db), 0o600);
    assert.equal(mode(path.join(folder, 'secret.key')), 0o600);
  } finally {
    void store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'PostgreSQL: a second server with another key refuses to start; the store stays as it was',
  { skip: pgSkip },
  async () => {
    const dir = tempDir('rolecall-key-pg-');
    const schema = `rolecall_key_${randomBytes(6).toString('hex')}`;
    const store = `${PG_URL}?schema=${schema}`;
    const previousKey = process.env.ROLECALL_SECRET_KEY;
    const first = randomBytes(32).toString('hex');
    process.env.ROLECALL_SECRET_KEY = first;
    const api = await openApi({ store, credentialsFile: path.join(dir, 'credentials'), port: 0 });
    try {
      const revision = await api.cp.store.revision();
      // started from another directory: its own .rolecall/secret.key, another key
      assertRefused(cli(['serve', '--port', '0', '--store', store], '', dir), /`\.rolecall\/secret\.key`/);
      await assertOpenRefused(store, randomBytes(32).toString('hex'));
      await (await withKey(first, () => openStore(store))).close();
      assert.equal(await api.cp.store.revision(), revision, 'the store changed');
      assert.equal(mode(path.join(dir, '.rolecall')), 0o700);
      assert.equal(mode(path.join(dir, '.rolecall', 'secret.key')), 0o600);
    } finally {
      await api.close();
      if (previousKey === undefined) delete process.env.ROLECALL_SECRET_KEY;
      else process.env.ROLECALL_SECRET_KEY = previousKey;
      const cleanup = await PostgresStore.open(PG_URL, { schema, keyFile: path.join(dir, 'unused.key') });
      await cleanup.dropSchema();
      await cleanup.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
