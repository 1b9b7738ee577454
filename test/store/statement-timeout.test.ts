/**
 * PostgreSQL's statement timeout: a statement of the store that runs past it (here, a write waiting on a
 * row another connection holds locked, as behind a stuck writer) is canceled by the server, the call fails
 * with StoreTimeout, nothing of its transaction is written, and the pooled connection it ran on serves the
 * next transaction. Required in CI; elsewhere skipped with the reason when PostgreSQL is down.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { PostgresStore } from '../../src/store/index.js';
import { holdRevisionRow, openPostgres, skipWithoutPostgres } from './backends.js';

const KEY = '111122223333/timed-out';
test('a write past the statement timeout fails with StoreTimeout and writes nothing', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  // One connection: the write after the timeout runs on the very connection whose statement was canceled.
  const store = await openPostgres({ statementTimeoutMs: 200, poolSize: 1 });
  try {
    await store.withTransaction((tx) => tx.put('role', '111122223333/before', 1));
    const revision = await store.revision();
    const other = await holdRevisionRow(store.schema);
    try {
      await assert.rejects(
        store.withTransaction(async (tx) => {
          await tx.put('role', KEY, { written: true });
          await tx.delete('role', '111122223333/before');
        }),
        (e: unknown) => {
          assert.ok(e instanceof RolecallError, String(e));
          assert.equal(e.code, 'StoreTimeout');
          assert.match(e.message, /statement timeout/);
          assert.match(e.message, /200 ms/);
          return true;
        },
      );
    } finally {
      await other.release();
    }
    // Rolled back: neither the put nor the delete, and the revision did not move.
    const [timedOut, before] = await store.withTransaction(
      async (tx) => [await tx.get('role', KEY), await tx.get('role', '111122223333/before')],
      { readOnly: true },
    );
    assert.equal(timedOut, undefined);
    assert.equal(before, 1);
    assert.equal(await store.revision(), revision);
    // The connection is in step with the server: the next write on it commits.
    await store.withTransaction((tx) => tx.put('role', KEY, 2));
    assert.equal(await store.withTransaction((tx) => tx.get('role', KEY)), 2);
    assert.ok((await store.revision()) > revision);
  } finally {
    await store.dropSchema();
    await store.close();
  }
});

test('a statement within the timeout is not canceled; 0 is no limit', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  for (const statementTimeoutMs of [60_000, 0]) {
    const store = await openPostgres({ statementTimeoutMs, poolSize: 1 });
    try {
      // The row is let go once the store's write waits on it (a query per look, each a round trip).
      const other = await holdRevisionRow(store.schema);
      let settled = false;
      const write = store.withTransaction((tx) => tx.put('role', KEY, statementTimeoutMs));
      void write.finally(() => (settled = true)).catch(() => undefined);
      try {
        while (!settled) {
          const blocked = await other.client.query(
            'SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))',
          );
          if (blocked.rowCount) break;
        }
      } finally {
        await other.release();
      }
      await write;
      assert.equal(await store.withTransaction((tx) => tx.get('role', KEY)), statementTimeoutMs);
    } finally {
      await store.dropSchema();
      await store.close();
    }
  }
});

test('a statement timeout that PostgreSQL cannot take is refused before connecting', async () => {
  for (const statementTimeoutMs of [-1, 1.5, 2 ** 31, Number.NaN]) {
    await assert.rejects(
      PostgresStore.open('postgres://nobody@127.0.0.1:1/none', { statementTimeoutMs }),
      (e: unknown) =>
        e instanceof RolecallError && e.code === 'UsageError' && /statement timeout/.test(e.message),
      String(statementTimeoutMs),
    );
  }
});
