/** One contract for every Store backend: memory, SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { JsonValue, Store, Table } from '../../src/store/index.js';
import { backends } from './backends.js';

const all = await backends();

for (const { backend, skip } of all) {
  describe(`store contract: ${backend.name}`, () => {
    const withStore = async (fn: (s: Store) => Promise<void>) => {
      const s = await backend.open();
      try {
        await fn(s);
      } finally {
        await backend.dispose(s);
      }
    };
    const opts = skip !== undefined ? { skip } : {};

    it('puts, gets, deletes and lists by prefix in key order', opts, () =>
      withStore(async (s) => {
        await s.withTransaction(async (tx) => {
          await tx.put('role', '111122223333/b', { n: 2 });
          await tx.put('role', '111122223333/a', { n: 1 });
          await tx.put('role', '111122223334/a', { n: 3 });
          await tx.put('user', '111122223333/a', 'user');
        });
        const listed = await s.withTransaction((tx) => tx.list('role', '111122223333/'), { readOnly: true });
        assert.deepEqual(listed, [
          { key: '111122223333/a', value: { n: 1 } },
          { key: '111122223333/b', value: { n: 2 } },
        ]);
        assert.equal((await s.withTransaction((tx) => tx.list('role'))).length, 3);
        assert.deepEqual(
          (await s.withTransaction((tx) => tx.list('role', '111122223333/', 1))).map((r) => r.key),
          ['111122223333/a'],
        );
        assert.deepEqual(
          (await s.withTransaction((tx) => tx.list('role', '', 2))).map((r) => r.key),
          ['111122223333/a', '111122223333/b'],
        );
        assert.deepEqual(await s.withTransaction((tx) => tx.list('role', '', 0)), []);
        assert.equal(await s.withTransaction((tx) => tx.get('user', '111122223333/a')), 'user');
        assert.equal(await s.withTransaction((tx) => tx.get('user', 'missing')), undefined);
        assert.equal(await s.withTransaction((tx) => tx.delete('role', '111122223333/a')), true);
        assert.equal(await s.withTransaction((tx) => tx.delete('role', '111122223333/a')), false);
        assert.deepEqual(
          (await s.withTransaction((tx) => tx.list('role'))).map((r) => r.key),
          ['111122223333/b', '111122223334/a'],
        );
      }),
    );

    it('treats prefix characters literally (no LIKE wildcards)', opts, () =>
      withStore(async (s) => {
        await s.withTransaction(async (tx) => {
          await tx.put('resource', 'a_b/1', 1);
          await tx.put('resource', 'axb/1', 2);
          await tx.put('resource', 'a%/1', 3);
        });
        assert.deepEqual(
          (await s.withTransaction((tx) => tx.list('resource', 'a_b/'))).map((r) => r.value),
          [1],
        );
      }),
    );

    it('sees its own writes inside a transaction and rolls all of them back on error', opts, () =>
      withStore(async (s) => {
        await s.withTransaction((tx) => tx.put('account', 'x', 'before'));
        await assert.rejects(
          s.withTransaction(async (tx) => {
            await tx.put('account', 'x', 'during');
            await tx.put('account', 'y', 'new');
            assert.equal(await tx.get('account', 'x'), 'during');
            assert.deepEqual(
              (await tx.list('account')).map((r) => r.key),
              ['x', 'y'],
            );
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await s.withTransaction((tx) => tx.get('account', 'x')), 'before');
        assert.equal(await s.withTransaction((tx) => tx.get('account', 'y')), undefined);
      }),
    );

    it('bumps the revision and notifies listeners on writes only', opts, () =>
      withStore(async (s) => {
        let calls = 0;
        const off = s.onCommit(() => calls++);
        const r0 = await s.revision();
        await s.withTransaction((tx) => tx.get('role', 'a'), { readOnly: true });
        assert.equal(await s.revision(), r0);
        await s.withTransaction((tx) => tx.put('role', 'a', 1));
        assert.ok((await s.revision()) > r0);
        assert.equal(calls, 1);
        off();
        await s.withTransaction((tx) => tx.put('role', 'a', 2));
        assert.equal(calls, 1);
      }),
    );

    it('serializes concurrent read-modify-write transactions (no lost update)', opts, () =>
      withStore(async (s) => {
        await s.withTransaction((tx) => tx.put('account', 'counter', 0));
        await Promise.all(
          Array.from({ length: 12 }, () =>
            s.withTransaction(async (tx) => {
              const n = (await tx.get('account', 'counter')) as number;
              await tx.put('account', 'counter', n + 1);
            }),
          ),
        );
        assert.equal(await s.withTransaction((tx) => tx.get('account', 'counter')), 12);
      }),
    );

    it('seals secrets and opens them again', opts, () =>
      withStore((s) => {
        const sealed = s.secrets.encrypt('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
        assert.ok(!sealed.includes('wJalrXUtnFEMI'));
        assert.equal(s.secrets.decrypt(sealed), 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
        return Promise.resolve();
      }),
    );

    if (backend.reopen) {
      const reopen = backend.reopen.bind(backend);
      it('keeps committed data across connections and runs migrations once', opts, () =>
        withStore(async (s) => {
          await s.withTransaction((tx) => tx.put('role', 'k', { kept: true }));
          const again = await reopen(s);
          try {
            assert.deepEqual(await again.withTransaction((tx) => tx.get('role', 'k')), { kept: true });
            assert.equal(again.secrets.decrypt(s.secrets.encrypt('x')), 'x');
          } finally {
            await again.close();
          }
        }),
      );
    }

    it('agrees with an in-memory model under random command sequences', opts, () =>
      withStore(async (s) => {
        const tables: Table[] = ['role', 'user'];
        const key = fc.constantFrom('a', 'a/b', 'a/c', 'b', 'b/a', 'ab', 'é');
        const value = fc.oneof(
          fc.integer(),
          fc.string({ maxLength: 5 }),
          fc.constant(null),
        ) as fc.Arbitrary<JsonValue>;
        const command = fc.oneof(
          fc.record({ op: fc.constant('put' as const), table: fc.constantFrom(...tables), key, value }),
          fc.record({ op: fc.constant('delete' as const), table: fc.constantFrom(...tables), key }),
          fc.record({
            op: fc.constant('list' as const),
            table: fc.constantFrom(...tables),
            prefix: fc.constantFrom('', 'a', 'a/', 'b'),
            limit: fc.option(fc.nat(3), { nil: undefined }),
          }),
          fc.record({ op: fc.constant('fail' as const), table: fc.constantFrom(...tables), key, value }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(command, { maxLength: 25 }), async (cmds) => {
            const model = new Map<string, JsonValue>();
            await s.withTransaction(async (tx) => {
              for (const t of tables) for (const r of await tx.list(t)) await tx.delete(t, r.key);
            });
            for (const c of cmds) {
              const mk = `${c.table}|${'key' in c ? c.key : ''}`;
              if (c.op === 'put') {
                await s.withTransaction((tx) => tx.put(c.table, c.key, c.value));
                model.set(mk, c.value);
              } else if (c.op === 'delete') {
                const had = await s.withTransaction((tx) => tx.delete(c.table, c.key));
                assert.equal(had, model.delete(mk));
              } else if (c.op === 'fail') {
                await assert.rejects(
                  s.withTransaction(async (tx) => {
                    await tx.put(c.table, c.key, c.value);
                    throw new Error('rollback');
                  }),
                );
              } else {
                const got = await s.withTransaction((tx) => tx.list(c.table, c.prefix, c.limit), {
                  readOnly: true,
                });
                const want = [...model]
                  .filter(([k]) => k.startsWith(`${c.table}|${c.prefix}`))
                  .map(([k, v]) => ({ key: k.slice(c.table.length + 1), value: v }))
                  .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
                  .slice(0, c.limit);
                assert.deepEqual(got, want);
              }
            }
          }),
          { numRuns: backend.name === 'postgres' ? 15 : 40 },
        );
      }),
    );
  });
}
