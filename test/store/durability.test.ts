/**
 * Durability of the SQLite store across processes: a writer killed mid-transaction leaves the previous
 * state intact and the file opens cleanly; two processes writing one file lose no update.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/index.js';
import { repoRoot } from '../helpers/paths.js';
import { sourceExecArgv, sourceModule } from '../helpers/source-process.js';
import { tempDir } from './backends.js';

/**
 * A child process writing to one SQLite file (a script of its own, to run the compiled source when
 * dist/ is current: test/helpers/source-process.ts):
 *   big-write DB N        one transaction of N puts; prints `in-transaction` midway and keeps going
 *   increments DB N GO    waits for the file GO, then N read-modify-write increments of a counter
 */
const writer = `
  import fs from 'node:fs';
  import { setImmediate as tick } from 'node:timers/promises';
  import { SqliteStore } from ${JSON.stringify(sourceModule('store/index'))};

  const [mode, db, count, go] = process.argv.slice(1);
  const n = Number(count);
  const store = new SqliteStore(db, { keyFile: db + '.key' });
  if (mode === 'big-write') {
    await store.withTransaction(async (tx) => {
      for (let i = 0; i < n; i++) {
        await tx.put('role', '999999999999/bulk-' + i, { i, pad: 'x'.repeat(200) });
        if (i === 1000) process.stdout.write('in-transaction\\n');
        if (i % 100 === 0) await tick();
      }
    });
    process.stdout.write('committed\\n');
  } else if (mode === 'increments') {
    while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < n; i++) {
      await store.withTransaction(async (tx) => {
        const v = (await tx.get('account', 'counter')) ?? 0;
        await tick();
        await tx.put('account', 'counter', v + 1);
      });
    }
  }
  await store.close();`;

function child(args: string[]) {
  return spawn(process.execPath, [...sourceExecArgv, '--input-type=module', '-e', writer, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function integrity(db: string): string {
  const d = new Database(db, { readonly: true });
  try {
    return (d.pragma('integrity_check', { simple: true }) as string) ?? '';
  } finally {
    d.close();
  }
}

describe('SQLite durability', () => {
  it('keeps the previous state when a writer is killed in the middle of a transaction', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'rolecall.db');
    const before = new SqliteStore(db, { keyFile: `${db}.key` });
    await before.withTransaction(async (tx) => {
      await tx.put('role', '111122223333/kept', { kept: true });
    });
    const rev = await before.revision();
    await before.close();

    const c = child(['big-write', db, '200000']);
    let out = '';
    const killed = await new Promise<boolean>((resolve, reject) => {
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('committed')) resolve(false);
        else if (out.includes('in-transaction')) {
          c.kill('SIGKILL');
          resolve(true);
        }
      });
      c.on('error', reject);
    });
    await new Promise((r) => c.on('exit', r));
    assert.equal(killed, true, 'the writer was killed before it could commit');

    assert.equal(integrity(db), 'ok');
    const after = new SqliteStore(db, { keyFile: `${db}.key` });
    try {
      const roles = await after.withTransaction((tx) => tx.list('role'));
      assert.deepEqual(roles, [{ key: '111122223333/kept', value: { kept: true } }]);
      assert.equal(await after.revision(), rev);
      await after.withTransaction((tx) => tx.put('role', '111122223333/next', 1));
      assert.equal((await after.withTransaction((tx) => tx.list('role'))).length, 2);
    } finally {
      await after.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serializes two processes writing the same file without losing updates', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'rolecall.db');
    const go = path.join(dir, 'go');
    const init = new SqliteStore(db, { keyFile: `${db}.key` });
    await init.close();
    const runs = [child(['increments', db, '60', go]), child(['increments', db, '60', go])];
    const exits = runs.map(
      (c) =>
        new Promise<{ code: number | null; err: string }>((resolve) => {
          let err = '';
          c.stderr.on('data', (d: Buffer) => (err += d.toString()));
          c.on('exit', (code) => resolve({ code, err }));
        }),
    );
    fs.writeFileSync(go, '');
    for (const r of await Promise.all(exits)) assert.equal(r.code, 0, r.err);
    assert.equal(integrity(db), 'ok');
    const s = new SqliteStore(db, { keyFile: `${db}.key` });
    try {
      assert.equal(await s.withTransaction((tx) => tx.get('account', 'counter')), 120);
    } finally {
      await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
