/**
 * PostgreSQL's revision without a query per decision: a store hears other stores' commits through its
 * LISTEN connection and answers `revisionNow` from memory while a query confirmed it less than the
 * revision window ago. The promise: a decision that starts after a write returned, through any store on
 * the database, sees the write. The listen connection's heartbeat finds it dead, the store reconnects and
 * reads what it missed; closing the store closes it. Every wait is on an event, never a sleep.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import type { AuthzRequest, Decision } from '../../src/eval/types.js';
import { createControlPlane, decideRequest, loadPolicyEngine, Resolver } from '../../src/iam/index.js';
import type { PostgresStore } from '../../src/store/index.js';
import { openPostgres, PG_URL, skipWithoutPostgres } from './backends.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22);
const ROLE = `arn:aws:iam::${ACCT}:role/reader`;
const READ: AuthzRequest = { principal: ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' };
const doc = (effect: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: 's3:*', Resource: '*' }] });

/** Resolves when `store` is listening (at once when it already is). */
function listening(store: PostgresStore): Promise<void> {
  if (store.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const off = store.onListening((up) => {
      if (up) {
        off();
        resolve();
      }
    });
  });
}

/** Resolves when `store` stops listening. */
function deaf(store: PostgresStore): Promise<void> {
  return new Promise((resolve) => {
    const off = store.onListening((up) => {
      if (!up) {
        off();
        resolve();
      }
    });
  });
}

/** Resolves at the next call of `store`'s commit listeners. */
function heard(store: PostgresStore): Promise<void> {
  return new Promise((resolve) => {
    const off = store.onCommit(() => {
      off();
      resolve();
    });
  });
}

/** A control plane, resolver and engine over `store`, with a role allowed s3:* by an inline policy. */
async function deciding(store: PostgresStore, setUp: boolean) {
  const engine = await loadPolicyEngine();
  const cp = createControlPlane(store, { checkPolicy: engine.checkPolicy });
  if (setUp) {
    await cp.iam.createRole({
      account: ACCT,
      name: 'reader',
      trustPolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }],
      }),
    });
    await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'reader' }, 'read', doc('Allow'));
  }
  const resolver = new Resolver(cp, engine.compile);
  const decide = async (): Promise<Decision> =>
    (await decideRequest(resolver, engine, READ, { now: NOW })).result.decision;
  return { cp, resolver, decide, engine };
}

/** Counts the queries every pg client of this process sends while `fn` runs. */
async function queriesDuring(fn: () => Promise<void>): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with each client as this, then put back
  const original = pg.Client.prototype.query;
  let count = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    count++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return count;
}

/**
 * A TCP relay to PostgreSQL. `freeze`: no connection passes bytes any more (swallowed, as by a network gone
 * silent). `hold`: what the server sends on the listen connection (the one that sent LISTEN) waits until
 * released, as notifications delayed on their way.
 */
async function relay(): Promise<{
  url: string;
  freeze(on: boolean): void;
  hold(on: boolean): void;
  /** Resolves when no connection is open through the relay. */
  drained(): Promise<void>;
  close(): Promise<void>;
}> {
  const target = new URL(PG_URL);
  const pairs = new Set<[net.Socket, net.Socket]>();
  let frozen = false;
  let holding = false;
  let onDrained: (() => void) | undefined;
  const held: (() => void)[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    let listens = false;
    client.on('data', (chunk) => {
      if (chunk.includes('LISTEN ')) listens = true;
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (frozen) return;
      if (holding && listens) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
      if (pairs.size === 0) onDrained?.();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    freeze: (on) => (frozen = on),
    hold: (on) => {
      holding = on;
      if (!on) for (const send of held.splice(0)) send();
    },
    drained: () =>
      pairs.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const [c, u] of pairs) {
          c.destroy();
          u.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

test('PostgreSQL: a commit through one store is heard by another, whose revisionNow answers it without a query', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  const a = await openPostgres();
  // A clock that does not move: the revision confirmed at start-up stays within the window.
  const b = await openPostgres({ schema: a.schema, clock: () => 0 });
  try {
    const got = heard(b);
    await listening(b);
    const before = b.revisionNow();
    assert.notEqual(before, undefined, 'the read after LISTEN confirmed the revision');
    await a.withTransaction((tx) => tx.put('role', `${ACCT}/first`, 1));
    await got;
    let revision: number | undefined;
    assert.equal(
      await queriesDuring(() => {
        revision = b.revisionNow();
        return Promise.resolve();
      }),
      0,
    );
    assert.equal(revision, before! + 1);
    assert.equal(await b.revision(), revision, 'the query agrees');
  } finally {
    await b.close();
    await a.dropSchema();
    await a.close();
  }
});

test('PostgreSQL: warm decisions send no query, and a notification of a commit the cache has read does not drop it', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  const relayed = await relay();
  const a = await openPostgres();
  let now = 0;
  const b = await openPostgres({ schema: a.schema, clock: () => now }, relayed.url);
  try {
    // Registered before the resolver's, so it runs before the resolver drops anything.
    let onHeard: () => void = () => undefined;
    b.onCommit(() => onHeard());
    const reader = await deciding(b, false);
    await listening(b);
    // Written through the other store while its notifications to b are held back: they reach b after
    // its first, cold decision has read everything they announce.
    relayed.hold(true);
    await deciding(a, true);
    // The window since b's last confirmed revision has passed: the cold decision reads the revision.
    now = 1000;
    assert.equal(await reader.decide(), 'Allow');
    const queries = await queriesDuring(async () => {
      for (let i = 0; i < 100; i++) {
        assert.notEqual(
          reader.resolver.prepareCached(READ),
          undefined,
          `warm decision ${i} missed the cache`,
        );
        assert.equal(await reader.decide(), 'Allow');
      }
    });
    assert.equal(queries, 0);
    // The held notifications arrive, then one of a later commit: when b hears that one, it has read the
    // others before it (one connection delivers them in order).
    const later = b.revisionNow()! + 1;
    const pairsThen = new Promise<number>((resolve) => {
      onHeard = () => {
        if (b.revisionNow() === later) resolve(reader.resolver.cacheSizes().pairs);
      };
    });
    relayed.hold(false);
    await a.withTransaction((tx) => tx.put('role', `${ACCT}/later`, 1));
    assert.equal(await pairsThen, 1, 'a notification of a commit already read dropped the warm entry');
    reader.resolver.dispose();
  } finally {
    await b.close();
    await a.dropSchema();
    await a.close();
    await relayed.close();
  }
});

test('PostgreSQL: a store that hears nothing trusts a revision only for the window after the query that read it', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  let now = 0;
  const a = await openPostgres({ revisionWindowMs: 10, clock: () => now });
  try {
    assert.equal(a.revisionNow(), undefined, 'nothing confirmed yet');
    const read = await a.revision();
    assert.equal(a.revisionNow(), read);
    now = 9;
    assert.equal(a.revisionNow(), read, 'within the window');
    now = 10;
    assert.equal(a.revisionNow(), undefined, 'the window has passed: the caller queries');
  } finally {
    await a.dropSchema();
    await a.close();
  }
});

test('PostgreSQL: a decision that starts after a write returned sees it, through another store, however recently that store confirmed its revision', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  // A long window makes a stale answer likely if a write returned before it had passed.
  const a = await openPostgres({ revisionWindowMs: 30 });
  // b never listens (no commit listener): only its confirmed revision and the window protect it.
  const b = await openPostgres({ schema: a.schema, revisionWindowMs: 30 });
  const base = await a.revision();
  let confirming = true;
  // b asks again and again meanwhile, so that it holds a revision confirmed moments before each commit.
  const keepAsking = (async () => {
    while (confirming) {
      if (b.revisionNow() === undefined) await b.revision();
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    for (let i = 0; i < 20; i++) {
      await a.withTransaction((tx) => tx.put('role', `${ACCT}/r${i}`, i));
      const written = base + i + 1;
      const seen = b.revisionNow() ?? (await b.revision());
      assert.ok(seen >= written, `write ${i}: revision ${written} returned, the other store answers ${seen}`);
    }
  } finally {
    confirming = false;
    await keepAsking;
    await b.close();
    await a.dropSchema();
    await a.close();
  }
});

test('PostgreSQL: a deny written through one store is enforced by the next decision through another', async (t) => {
  if (await skipWithoutPostgres(t)) return;
  const a = await openPostgres();
  const b = await openPostgres({ schema: a.schema });
  try {
    const writer = await deciding(a, true);
    const reader = await deciding(b, false);
    const ref = { kind: 'role' as const, account: ACCT, name: 'reader' };
    for (let i = 0; i < 10; i++) {
      assert.equal(await reader.decide(), 'Allow');
      await writer.cp.iam.putInlinePolicy(ref, 'deny', doc('Deny'));
      assert.equal(await reader.decide(), 'ExplicitDeny', `round ${i}: the deny returned, the next decision`);
      await writer.cp.iam.deleteInlinePolicy(ref, 'deny');
    }
    reader.resolver.dispose();
    writer.resolver.dispose();
  } finally {
    await b.close();
    await a.dropSchema();
    await a.close();
  }
});

test(
  'PostgreSQL: the heartbeat finds a silent listen connection, the store reconnects and hears what it missed; close closes it',
  { timeout: 60_000 },
  async (t) => {
    if (await skipWithoutPostgres(t)) return;
    const relayed = await relay();
    const a = await openPostgres();
    // b's pool goes through the relay too, idle while it is frozen.
    const b = await openPostgres({ schema: a.schema, heartbeatMs: 50, clock: () => 0 }, relayed.url);
    try {
      b.onCommit(() => undefined);
      await listening(b);
      const before = b.revisionNow()!;
      const down = deaf(b);
      relayed.freeze(true);
      await down;
      assert.equal(b.listening, false);
      // Written while b cannot hear it.
      await a.withTransaction((tx) => tx.put('role', `${ACCT}/missed`, 1));
      const caughtUp = heard(b);
      relayed.freeze(false);
      await listening(b);
      // The read after LISTEN found the write it missed and told the commit listeners.
      await caughtUp;
      assert.equal(b.revisionNow(), before + 1);
    } finally {
      await b.close();
      assert.equal(b.listening, false);
      await a.dropSchema();
      await a.close();
    }
    // Closing the store closed its connections, the listen one too (else the test times out here).
    await relayed.drained();
    await relayed.close();
  },
);
