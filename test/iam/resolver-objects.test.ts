/**
 * The objects of an S3 bucket: a decision about a key the resolver has not seen, of a bucket it has,
 * reads nothing from the store (a bucket's objects are read once per revision) and decides as a resolver
 * without caches does; an object registered under its own ARN, through this store or another on the same
 * database (which only the store's revision tells, as another process would), is decided with its own
 * record (its tags, under its bucket's policy), and so is each object of a bucket with more objects than
 * the resolver holds. Over every backend.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { AuthzRequest, Decision } from '../../src/eval/types.js';
import { decideRequest } from '../../src/iam/decide.js';
import { loadPolicyEngine } from '../../src/iam/engine.js';
import { createControlPlane, type ControlPlane, type Tag } from '../../src/iam/index.js';
import { Resolver } from '../../src/iam/resolver.js';
import type { Store } from '../../src/store/index.js';
import { backends } from '../store/backends.js';
import { countingStore, type CountingStore } from './counting-store.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22);
const BUCKET = 'arn:aws:s3:::data';
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const TRUST = policy({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
// Public objects to anyone; others by their own team tag (aws:ResourceTag is the object's own, never its
// bucket's); nothing under private/, by the bucket's policy.
const READER = policy(
  { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*/public/*' },
  {
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: '*',
    Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
  },
);
const BUCKET_POLICY = policy({
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: `${BUCKET}/private/*`,
});
const roleArn = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const RED = roleArn('Red');
const BLUE = roleArn('Blue');
const team = (value: string): Tag[] => [{ key: 'team', value }];

const engine = await loadPolicyEngine();
const all = await backends();

for (const { backend, skip } of all) {
  describe(`S3 objects of a known bucket: ${backend.name}`, skip !== undefined ? { skip } : {}, () => {
    let first: Store;
    let second: Store;
    /** Writes through the first store. */
    let writer: ControlPlane;
    /** Decides through the second store (the same store for the memory backend), counting its reads. */
    let counting: CountingStore;
    let warm: Resolver;
    /** The same with caches of a few entries: what it holds is evicted all the time. */
    let small: Resolver;
    /** The second store's control plane, for resolvers without caches. */
    let plain: ControlPlane;
    let n = 0;

    before(async () => {
      first = await backend.open();
      second = backend.reopen ? await backend.reopen(first) : first;
      const plane = (store: Store) =>
        createControlPlane(store, { checkPolicy: engine.checkPolicy, now: () => NOW });
      writer = plane(first);
      plain = plane(second);
      counting = countingStore(second);
      warm = new Resolver(plane(counting.store), engine.compile);
      small = new Resolver(plain, engine.compile, {
        cacheSize: { principals: 1, resources: 2, pairs: 2, compiled: 2 },
      });
      for (const [name, value] of [
        ['Red', 'red'],
        ['Blue', 'blue'],
      ] as const) {
        await writer.iam.createRole({ account: ACCT, name, trustPolicy: TRUST, tags: team(value) });
        await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'read', READER);
      }
    });
    after(async () => {
      warm.dispose();
      small.dispose();
      if (second !== first) await second.close();
      await backend.dispose(first);
    });

    /** A bucket of its own for each test. */
    const bucketOf = () => `${BUCKET}${++n}`;

    async function decide(resolver: Resolver, request: AuthzRequest): Promise<Decision> {
      return (await decideRequest(resolver, engine, request, { now: NOW })).result.decision;
    }
    /** The decision of a resolver without caches, over the same store as `warm`. */
    async function cold(request: AuthzRequest): Promise<Decision> {
      const resolver = new Resolver(plain, engine.compile);
      try {
        return await decide(resolver, request);
      } finally {
        resolver.dispose();
      }
    }
    const get = (principal: string, resource: string, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({
      principal,
      action: 's3:GetObject',
      resource,
      ...extra,
    });
    async function registerBucket(bucket: string): Promise<void> {
      await writer.resources.put({
        arn: bucket,
        account: ACCT,
        policy: BUCKET_POLICY.replaceAll(BUCKET, bucket),
      });
    }

    it('a new key of a known bucket is decided without a store read, as a resolver without caches decides', async () => {
      const bucket = bucketOf();
      await registerBucket(bucket);
      await writer.resources.put({ arn: `${bucket}/team/own`, account: ACCT, tags: team('red') });
      assert.equal(await decide(warm, get(RED, `${bucket}/public/first`)), 'Allow');
      const cases: [string, Decision][] = [
        [`${bucket}/public/a`, 'Allow'],
        [`${bucket}/public/b/c.parquet`, 'Allow'],
        [`${bucket}/team/other`, 'ImplicitDeny'],
        [`${bucket}/private/public/x`, 'ExplicitDeny'],
        [`${bucket}/team/own`, 'Allow'],
      ];
      const before = counting.transactions();
      for (const [key, expected] of cases) {
        const request = get(RED, key);
        // SQLite and the memory store tell their revision without waiting: the warm path answers at once.
        if (backend.name !== 'postgres' && !key.endsWith('/own'))
          assert.ok(warm.prepareCached(request), `${key} from the cache`);
        assert.equal(await decide(warm, request), expected, key);
      }
      assert.equal(counting.transactions(), before, 'no store read');
      for (const [key, expected] of cases) assert.equal(await cold(get(RED, key)), expected, `${key}, cold`);
    });

    it('an object registered later with its own tags is decided with them; tagged again, deleted', async () => {
      const bucket = bucketOf();
      await registerBucket(bucket);
      const key = `${bucket}/team/report.csv`;
      assert.equal(await decide(warm, get(RED, key)), 'ImplicitDeny');
      assert.equal(await decide(warm, get(RED, `${bucket}/team/else`)), 'ImplicitDeny');
      await writer.resources.put({ arn: key, account: ACCT, tags: team('red') });
      for (let i = 0; i < 2; i++) {
        assert.equal(await decide(warm, get(RED, key)), 'Allow');
        assert.equal(await decide(warm, get(BLUE, key)), 'ImplicitDeny');
        assert.equal(await decide(warm, get(RED, `${bucket}/team/else`)), 'ImplicitDeny');
      }
      await writer.resources.tag(key, team('blue'));
      assert.equal(await decide(warm, get(RED, key)), 'ImplicitDeny');
      assert.equal(await decide(warm, get(BLUE, key)), 'Allow');
      await writer.resources.delete(key);
      assert.equal(await decide(warm, get(BLUE, key)), 'ImplicitDeny');
      await writer.resources.setPolicy(bucket, undefined);
      assert.equal(await decide(warm, get(RED, `${bucket}/private/x`)), 'ImplicitDeny');
      await writer.resources.setPolicy(
        bucket,
        policy({ Effect: 'Allow', Principal: { AWS: RED }, Action: 's3:GetObject', Resource: `${bucket}/*` }),
      );
      assert.equal(await decide(warm, get(RED, `${bucket}/private/y`)), 'Allow');
      assert.equal(await decide(warm, get(BLUE, `${bucket}/private/y`)), 'ImplicitDeny');
    });

    it("an object's own record does not take its bucket's policy away: a Deny of the bucket still denies", async () => {
      const bucket = bucketOf();
      await registerBucket(bucket);
      const key = `${bucket}/private/red.csv`;
      await writer.resources.put({ arn: key, account: ACCT, tags: team('red') });
      for (let i = 0; i < 2; i++) {
        assert.equal(await decide(warm, get(RED, key)), 'ExplicitDeny');
        assert.equal(await decide(warm, get(RED, `${bucket}/private/other.csv`)), 'ExplicitDeny');
      }
      // Its own tags are its aws:ResourceTag, outside private/ too.
      await writer.resources.put({ arn: `${bucket}/team/red.csv`, account: ACCT, tags: team('red') });
      assert.equal(await decide(warm, get(RED, `${bucket}/team/red.csv`)), 'Allow');
      assert.equal(await decide(warm, get(BLUE, `${bucket}/team/red.csv`)), 'ImplicitDeny');
    });

    it('a bucket with more objects than the resolver holds is decided key by key, each with its own record', async () => {
      const bucket = bucketOf();
      await registerBucket(bucket);
      await writer.store.withTransaction(async () => {
        for (let i = 0; i < 1001; i++)
          await writer.resources.put({
            arn: `${bucket}/team/${String(i).padStart(4, '0')}`,
            account: ACCT,
            tags: team(i % 2 === 0 ? 'red' : 'blue'),
          });
      });
      for (let round = 0; round < 2; round++) {
        for (const [key, expected] of [
          ['team/0000', 'Allow'],
          ['team/0001', 'ImplicitDeny'],
          ['team/1000', 'Allow'],
          ['team/none', 'ImplicitDeny'],
          ['public/x', 'Allow'],
          ['private/x', 'ExplicitDeny'],
        ] as const) {
          assert.equal(await decide(warm, get(RED, `${bucket}/${key}`)), expected, `${key}, round ${round}`);
        }
      }
    });

    it('decides as a resolver without caches over random writes and keys, with large and tiny caches', async () => {
      const bucket = bucketOf();
      const keys = [
        `${bucket}/public/a`,
        `${bucket}/team/a`,
        `${bucket}/team/b`,
        `${bucket}/private/a`,
        // An object's ARN with a region: not listed under the bucket's ARN, looked up by itself.
        `${bucket.replace(':::', ':us-east-1::')}/team/a`,
        `${bucketOf()}/team/a`,
      ];
      const key = fc.constantFrom(...keys);
      const command = fc.oneof(
        fc.record({
          op: fc.constant('decide' as const),
          principal: fc.constantFrom(RED, BLUE),
          key,
          owner: fc.boolean(),
        }),
        fc.record({ op: fc.constant('register' as const), key, team: fc.constantFrom('red', 'blue') }),
        fc.record({ op: fc.constant('delete' as const), key }),
        fc.record({ op: fc.constant('bucket' as const), registered: fc.boolean() }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
          for (const c of commands) {
            if (c.op === 'decide') {
              const request = get(c.principal, c.key, c.owner ? { resourceAccount: ACCT } : {});
              const expected = await cold(request);
              assert.equal(await decide(warm, request), expected, JSON.stringify(request));
              assert.equal(await decide(warm, request), expected, `${JSON.stringify(request)}, again`);
              assert.equal(
                await decide(small, request),
                expected,
                `${JSON.stringify(request)}, small caches`,
              );
            } else if (c.op === 'register') {
              await writer.resources.put({ arn: c.key, account: ACCT, tags: team(c.team) });
            } else if (c.op === 'delete') {
              if (await writer.resources.find(c.key)) await writer.resources.delete(c.key);
            } else if (c.registered) {
              await registerBucket(bucket);
            } else if (await writer.resources.find(bucket)) {
              await writer.resources.delete(bucket);
            }
          }
        }),
        { numRuns: backend.name === 'postgres' ? 10 : 30 },
      );
    });
  });
}
