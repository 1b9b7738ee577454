/**
 * Cross-process cache invalidation: on SQLite the revision moves for another connection (PostgreSQL
 * hears it through LISTEN/NOTIFY, which also reaches the commit listeners of another store: ./listen.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqliteBackend } from './backends.js';

describe('invalidation across store instances', () => {
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
