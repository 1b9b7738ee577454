/**
 * SQLite's `revisionNow` trusts the WAL-index header it read for a millisecond (the window): a commit by
 * another process is seen once the window has passed, a commit by any store of this process on the file
 * at once, whatever path it was opened by. `revision()` always reads. A write returns only once the window
 * has passed since its commit, so another process that learns it returned sees it. openStore (what the
 * commands and `rolecall serve` open) takes the window it is given, else `ROLECALL_REVISION_WINDOW_MS`,
 * and refuses a window that is not whole milliseconds in range before it creates anything.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { RolecallError } from '../../src/errors.js';
import { openStore, revisionWindowFromEnv, SqliteStore, type Store } from '../../src/store/index.js';
import { tempDir } from './backends.js';
import { repoRoot } from '../helpers/paths.js';
import { sourceExecArgv, sourceModule } from '../helpers/source-process.js';

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

test('SQLite: once another process’s write has returned, this process’s next revisionNow sees it', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  // A long window makes a stale answer likely if a write returned before it had passed.
  const reader = new SqliteStore(db, { keyFile: `${db}.key`, revisionWindowMs: 30 });
  const base = reader.revisionNow();
  // The writer: another process on the file, one write per line it reads, a line out when it returned.
  const writer = spawn(
    process.execPath,
    [
      ...sourceExecArgv,
      '--input-type=module',
      '-e',
      `import { createInterface } from 'node:readline';
       import { SqliteStore } from ${JSON.stringify(sourceModule('store/index'))};
       const store = new SqliteStore(${JSON.stringify(db)}, { keyFile: ${JSON.stringify(`${db}.key`)}, revisionWindowMs: 30 });
       let i = 0;
       process.stdout.write('ready\\n');
       for await (const _ of createInterface({ input: process.stdin })) {
         await store.withTransaction((tx) => tx.put('role', '111122223333/r' + i++, 1));
         process.stdout.write('written\\n');
       }
       await store.close();`,
    ],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: writer.stdout })[Symbol.asyncIterator]();
  let reading = true;
  // The reader reads the header again and again meanwhile, so that it holds one read moments before each
  // commit; from when the writer has opened its store, not while its process starts (seconds of CPU spent
  // spinning on a machine npm test keeps busy).
  const ready: unknown = (await lines.next()).value;
  const keepReading = (async () => {
    while (reading) {
      reader.revisionNow();
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    assert.equal(ready, 'ready');
    for (let i = 0; i < 20; i++) {
      writer.stdin.write('write\n');
      assert.equal((await lines.next()).value, 'written');
      const seen = reader.revisionNow();
      assert.ok(seen >= base + i + 1, `write ${i}: returned in the other process, this one answers ${seen}`);
    }
  } finally {
    reading = false;
    await keepReading;
    writer.stdin.end();
    await new Promise((resolve) => writer.once('close', resolve));
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Whether `store` (a SQLite store on `db`, freshly opened) still answers the revision it read before
 * another process's commit: what a window longer than the test does, and a window of 0 never does.
 */
function trustsWhatItRead(store: Store, db: string): boolean {
  const before = store.revisionNow!();
  const other = new Database(db);
  other.prepare('UPDATE revision SET n = n + 1 WHERE id = 1').run();
  other.close();
  return store.revisionNow!() === before;
}

test('openStore takes the revision window it is given, else ROLECALL_REVISION_WINDOW_MS', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  const previous = process.env.ROLECALL_REVISION_WINDOW_MS;
  // Opened without secrets: nothing is written, so no write waits for a long window.
  const open = async (window: number | undefined, env: string | undefined): Promise<boolean> => {
    if (env === undefined) delete process.env.ROLECALL_REVISION_WINDOW_MS;
    else process.env.ROLECALL_REVISION_WINDOW_MS = env;
    const store = await openStore(db, {
      noSecrets: true,
      ...(window !== undefined ? { revisionWindowMs: window } : {}),
    });
    try {
      return trustsWhatItRead(store, db);
    } finally {
      await store.close();
    }
  };
  try {
    await new SqliteStore(db, { keyFile: `${db}.key` }).close();
    assert.equal(await open(60_000, undefined), true);
    assert.equal(await open(0, undefined), false);
    assert.equal(await open(undefined, '60000'), true);
    assert.equal(await open(undefined, '0'), false);
    assert.equal(await open(0, '60000'), false, 'the option wins over the environment');
    // Empty is unset, as ROLECALL_STORE's empty value is.
    assert.equal(revisionWindowFromEnv({ ROLECALL_REVISION_WINDOW_MS: '' }), undefined);
  } finally {
    if (previous === undefined) delete process.env.ROLECALL_REVISION_WINDOW_MS;
    else process.env.ROLECALL_REVISION_WINDOW_MS = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a revision window out of range is refused before the store is created', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'rolecall.db');
  const previous = process.env.ROLECALL_REVISION_WINDOW_MS;
  try {
    for (const env of ['1s', '-1', '0.5', '60001']) {
      process.env.ROLECALL_REVISION_WINDOW_MS = env;
      await assert.rejects(
        openStore(db),
        new RolecallError(
          'UsageError',
          `invalid \`ROLECALL_REVISION_WINDOW_MS\` \`${env}\`: whole milliseconds from 0 to 60000`,
        ),
      );
    }
    delete process.env.ROLECALL_REVISION_WINDOW_MS;
    for (const window of [-1, Number.NaN, Infinity, 60_001]) {
      await assert.rejects(
        openStore(db, { revisionWindowMs: window }),
        (e: unknown) =>
          e instanceof RolecallError && e.code === 'UsageError' && /revision window/.test(e.message),
        String(window),
      );
    }
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    if (previous === undefined) delete process.env.ROLECALL_REVISION_WINDOW_MS;
    else process.env.ROLECALL_REVISION_WINDOW_MS = previous;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
