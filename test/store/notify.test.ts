/**
 * Cross-process cache invalidation: a commit made through one PostgreSQL connection pool reaches the
 * commit listeners of another (LISTEN/NOTIFY), and on every durable backend the revision moves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresBackend, postgresUnavailable, sqliteBackend } from './backends.js';

describe('invalidation across store instances', () => {
  it('PostgreSQL: a write through one instance notifies the listeners of another', async (t) => {
    const why = await postgresUnavailable();
    if (why !== undefined) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${why}`);
      t.skip(`PostgreSQL not reachable: ${why}`);
      return;
    }
    const a = await postgresBackend.open();
    const b = await postgresBackend.reopen!(a);
    try {
      let heard = false;
      b.onCommit(() => (heard = true));
      const before = await b.revision();
      // LISTEN starts with the first listener, asynchronously: write until one commit is heard.
      const deadline = Date.now() + 10_000;
      for (let i = 0; !heard; i++) {
        assert.ok(Date.now() < deadline, 'no notification within 10 s');
        await a.withTransaction((tx) => tx.put('role', `k${i}`, 1));
        for (let wait = 0; wait < 20 && !heard; wait++) await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok((await b.revision()) > before);
    } finally {
      await b.close();
      await postgresBackend.dispose(a);
    }
  });

  it('SQLite: another connection sees the revision move', async () => {
    const a = await sqliteBackend.open();
    const b = await sqliteBackend.reopen!(a);
    try {
      const before = await b.revision();
      await a.withTransaction((tx) => tx.put('role', 'k', 1));
      assert.equal(await b.revision(), before + 1);
    } finally {
      await b.close();
      await sqliteBackend.dispose(a);
    }
  });
});
