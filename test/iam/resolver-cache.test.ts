/**
 * The resolver's caches never answer from data that changed: every part of a decision (identity policy,
 * managed policy version, group membership, permissions boundary, session policy, SCP, RCP, resource
 * policy, principal and resource tags, the role itself) is changed after the decision was cached, and the
 * next decision must see the change, through the handle that wrote it (commit hook) and through a second
 * handle on the same SQLite file, which only the store's revision tells (as another process would). The
 * caches stay within their bounds and answer the same when full.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Decision } from '../../src/eval/types.js';
import { createControlPlane, openControlPlane, type OpenedControlPlane } from '../../src/iam/index.js';
import { loadPolicyEngine } from '../../src/iam/engine.js';
import { Resolver } from '../../src/iam/resolver.js';
import { decideRequest } from '../../src/iam/decide.js';
import { sourceExecArgv, sourceModule } from '../helpers/source-process.js';
import { countingStore } from './counting-store.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22);
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string, resource = '*') =>
  policy({ Effect: 'Allow', Action: action, Resource: resource });
const denyAll = policy({ Effect: 'Deny', Action: '*', Resource: '*' });
const TRUST = policy({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const roleArn = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCT}:user/${name}`;
const OBJECT = 'arn:aws:s3:::data/x';

let dir: string;
let writer: OpenedControlPlane;
let reader: OpenedControlPlane;
let n = 0;
/** A name of its own for each test's entities. */
const fresh = (base: string) => `${base}${++n}`;

async function decision(
  cp: OpenedControlPlane,
  principal: string,
  action: string,
  resource = OBJECT,
  credential?: string,
): Promise<Decision> {
  const { result } = await cp.decide(
    { principal, action, resource },
    { now: NOW },
    credential !== undefined ? { credential } : {},
  );
  return result.decision;
}

/** The decision is `expected` through both handles, twice each (the second from the cache). */
async function both(
  expected: Decision,
  principal: string,
  action: string,
  resource = OBJECT,
  credential?: string,
): Promise<void> {
  for (const [name, cp] of [
    ['writer', writer],
    ['reader', reader],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      assert.equal(
        await decision(cp, principal, action, resource, credential),
        expected,
        `${name} handle, decision ${i + 1}: ${principal} ${action} ${resource}`,
      );
    }
  }
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-resolver-cache-'));
  const file = path.join(dir, 'rolecall.db');
  writer = await openControlPlane(file, { now: () => NOW });
  reader = await openControlPlane(file, { now: () => NOW });
});
after(async () => {
  await writer.close();
  await reader.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function role(name: string, inline = allow('s3:*')): Promise<string> {
  await writer.iam.createRole({ account: ACCT, name, trustPolicy: TRUST });
  await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'main', inline);
  return roleArn(name);
}

describe('a cached decision sees every change, in this handle and in another on the same file', () => {
  it('an identity policy put, and deleted', async () => {
    const name = fresh('Identity');
    const arn = await role(name, allow('s3:GetObject'));
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'deny', denyAll);
    await both('ExplicitDeny', arn, 's3:GetObject');
    await writer.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name }, 'deny');
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name }, 'main');
    await both('ImplicitDeny', arn, 's3:GetObject');
  });

  it('an attached managed policy: attached, its default version changed, detached', async () => {
    const name = fresh('Managed');
    const arn = await role(name, allow('s3:ListBucket'));
    const p = await writer.iam.createPolicy({
      account: ACCT,
      name: fresh('Read'),
      document: allow('s3:GetObject'),
    });
    await both('ImplicitDeny', arn, 's3:GetObject');
    await writer.iam.attachPolicy({ kind: 'role', account: ACCT, name }, p.arn);
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.createPolicyVersion(p.arn, allow('s3:PutObject'), true);
    await both('ImplicitDeny', arn, 's3:GetObject');
    await both('Allow', arn, 's3:PutObject');
    await writer.iam.detachPolicy({ kind: 'role', account: ACCT, name }, p.arn);
    await both('ImplicitDeny', arn, 's3:PutObject');
  });

  it('a managed policy deleted and created again under its name: the same ARN and version, another text', async () => {
    const name = fresh('Recreated');
    const arn = await role(name, allow('s3:ListBucket'));
    const ref = { kind: 'role' as const, account: ACCT, name };
    const policyName = fresh('Again');
    const first = await writer.iam.createPolicy({
      account: ACCT,
      name: policyName,
      document: allow('s3:GetObject'),
    });
    await writer.iam.attachPolicy(ref, first.arn);
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.detachPolicy(ref, first.arn);
    await writer.iam.deletePolicy(first.arn);
    const second = await writer.iam.createPolicy({
      account: ACCT,
      name: policyName,
      document: allow('s3:PutObject'),
    });
    assert.equal(second.arn, first.arn);
    await writer.iam.attachPolicy(ref, second.arn);
    await both('ImplicitDeny', arn, 's3:GetObject');
    await both('Allow', arn, 's3:PutObject');
  });

  it('group membership, and the group’s policy', async () => {
    const user = fresh('member');
    const group = fresh('readers');
    await writer.iam.createUser({ account: ACCT, name: user });
    await writer.iam.createGroup({ account: ACCT, name: group });
    await writer.iam.putInlinePolicy(
      { kind: 'group', account: ACCT, name: group },
      'read',
      allow('s3:GetObject'),
    );
    await both('ImplicitDeny', userArn(user), 's3:GetObject');
    await writer.iam.addUserToGroup(ACCT, group, user);
    await both('Allow', userArn(user), 's3:GetObject');
    await writer.iam.putInlinePolicy(
      { kind: 'group', account: ACCT, name: group },
      'read',
      allow('s3:PutObject'),
    );
    await both('ImplicitDeny', userArn(user), 's3:GetObject');
    await writer.iam.removeUserFromGroup(ACCT, group, user);
    await both('ImplicitDeny', userArn(user), 's3:PutObject');
  });

  it('a permissions boundary set, changed and removed', async () => {
    const name = fresh('Bounded');
    const arn = await role(name);
    const onlyList = await writer.iam.createPolicy({
      account: ACCT,
      name: fresh('OnlyList'),
      document: allow('s3:ListBucket'),
    });
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.setPermissionsBoundary({ kind: 'role', account: ACCT, name }, onlyList.arn);
    await both('ImplicitDeny', arn, 's3:GetObject');
    await writer.iam.createPolicyVersion(onlyList.arn, allow('s3:GetObject'), true);
    await both('Allow', arn, 's3:GetObject');
    await writer.iam.createPolicyVersion(onlyList.arn, allow('s3:ListBucket'), true);
    await both('ImplicitDeny', arn, 's3:GetObject');
    await writer.iam.setPermissionsBoundary({ kind: 'role', account: ACCT, name }, undefined);
    await both('Allow', arn, 's3:GetObject');
  });

  it('a session: its managed session policy changed, its role’s policy changed, its role deleted', async () => {
    const name = fresh('SessionRole');
    await role(name);
    const sessionPolicy = await writer.iam.createPolicy({
      account: ACCT,
      name: fresh('SessionScope'),
      document: allow('s3:GetObject'),
    });
    const session = await writer.iam.createSession({
      account: ACCT,
      roleName: name,
      sessionName: 'job',
      expiration: NOW + 3600_000,
      sessionPolicyArns: [sessionPolicy.arn],
    });
    const arn = `arn:aws:sts::${ACCT}:assumed-role/${name}/job`;
    await both('Allow', arn, 's3:GetObject', OBJECT, session.accessKeyId);
    await writer.iam.createPolicyVersion(sessionPolicy.arn, allow('s3:PutObject'), true);
    await both('ImplicitDeny', arn, 's3:GetObject', OBJECT, session.accessKeyId);
    await both('Allow', arn, 's3:PutObject', OBJECT, session.accessKeyId);
    await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'main', allow('s3:GetObject'));
    await both('ImplicitDeny', arn, 's3:PutObject', OBJECT, session.accessKeyId);
    await writer.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name }, 'main');
    await writer.iam.deleteRole(ACCT, name);
    await writer.iam.createRole({ account: ACCT, name, trustPolicy: TRUST });
    await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'main', allow('s3:*'));
    // A role re-created under the name is another principal: the old session gets nothing.
    await both('ImplicitDeny', arn, 's3:PutObject', OBJECT, session.accessKeyId);
  });

  it('principal tags and resource tags read by conditions and policy variables', async () => {
    const name = fresh('Tagged');
    const arn = await role(
      name,
      policy(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*' },
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
        },
      ),
    );
    const secret = `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:${fresh('db')}-AbCdEf`;
    await writer.resources.put({ arn: secret, account: ACCT, tags: [{ key: 'team', value: 'red' }] });
    await writer.iam.tagIdentity({ kind: 'role', account: ACCT, name }, [{ key: 'team', value: 'red' }]);
    await both('Allow', arn, 's3:GetObject', 'arn:aws:s3:::data/red/x');
    await both('Allow', arn, 'secretsmanager:GetSecretValue', secret);
    await writer.iam.tagIdentity({ kind: 'role', account: ACCT, name }, [{ key: 'team', value: 'blue' }]);
    await both('ImplicitDeny', arn, 's3:GetObject', 'arn:aws:s3:::data/red/x');
    await both('Allow', arn, 's3:GetObject', 'arn:aws:s3:::data/blue/x');
    await both('ImplicitDeny', arn, 'secretsmanager:GetSecretValue', secret);
    await writer.resources.tag(secret, [{ key: 'team', value: 'blue' }]);
    await both('Allow', arn, 'secretsmanager:GetSecretValue', secret);
    await writer.iam.untagIdentity({ kind: 'role', account: ACCT, name }, ['team']);
    await both('ImplicitDeny', arn, 's3:GetObject', 'arn:aws:s3:::data/blue/x');
    await both('ImplicitDeny', arn, 'secretsmanager:GetSecretValue', secret);
  });

  it("the caller's context keys replace the stored ones whatever their case, on every cached decision", async () => {
    const name = fresh('Overridden');
    const arn = await role(
      name,
      policy({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*',
      }),
    );
    await writer.iam.tagIdentity({ kind: 'role', account: ACCT, name }, [{ key: 'team', value: 'red' }]);
    const decideWith = async (resource: string, context: Record<string, string>) =>
      (await writer.decide({ principal: arn, action: 's3:GetObject', resource, context }, { now: NOW }))
        .result.decision;
    for (const context of [
      { 'AWS:PRINCIPALTAG/TEAM': 'blue' },
      { 'aws:SourceIp': '10.0.0.1', 'aws:principaltag/Team': 'blue' },
    ]) {
      for (let i = 0; i < 2; i++) {
        assert.equal(await decideWith('arn:aws:s3:::data/blue/x', context), 'Allow');
        assert.equal(await decideWith('arn:aws:s3:::data/red/x', context), 'ImplicitDeny');
      }
    }
    assert.equal(await decideWith('arn:aws:s3:::data/red/x', {}), 'Allow');
  });

  it('a resource policy set and changed; a trust policy changed', async () => {
    const bucket = fresh('shared');
    const user = fresh('nopolicies');
    await writer.iam.createUser({ account: ACCT, name: user });
    const object = `arn:aws:s3:::${bucket}/x`;
    await writer.resources.put({ arn: `arn:aws:s3:::${bucket}`, account: ACCT });
    await both('ImplicitDeny', userArn(user), 's3:GetObject', object);
    await writer.resources.setPolicy(
      `arn:aws:s3:::${bucket}`,
      policy({
        Effect: 'Allow',
        Principal: { AWS: userArn(user) },
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      }),
    );
    await both('Allow', userArn(user), 's3:GetObject', object);
    await writer.resources.setPolicy(
      `arn:aws:s3:::${bucket}`,
      policy({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      }),
    );
    await both('ExplicitDeny', userArn(user), 's3:GetObject', object);

    const target = fresh('Target');
    await writer.iam.createRole({ account: ACCT, name: target, trustPolicy: TRUST });
    const caller = await role(fresh('Caller'), allow('sts:AssumeRole'));
    await both('Allow', caller, 'sts:AssumeRole', roleArn(target));
    await writer.iam.updateTrustPolicy(
      ACCT,
      target,
      policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    );
    await both('ImplicitDeny', caller, 'sts:AssumeRole', roleArn(target));
  });

  it('SCPs and RCPs attached, changed and detached', async () => {
    const arn = await role(fresh('Governed'));
    await writer.resources.put({ arn: 'arn:aws:s3:::governed', account: ACCT });
    const object = 'arn:aws:s3:::governed/x';
    const org = await writer.org.create('999999999999');
    await writer.org.moveAccount(ACCT, org.rootId);
    await both('Allow', arn, 's3:GetObject', object);
    const scp = await writer.org.createPolicy({
      type: 'scp',
      name: 'no-get',
      document: policy(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' },
      ),
    });
    await writer.org.attachPolicy(scp.id, ACCT);
    await both('ExplicitDeny', arn, 's3:GetObject', object);
    await writer.org.updatePolicy(scp.id, {
      document: policy({ Effect: 'Allow', Action: '*', Resource: '*' }),
    });
    await both('Allow', arn, 's3:GetObject', object);
    const rcp = await writer.org.createPolicy({
      type: 'rcp',
      name: 'no-get-from-outside',
      document: policy({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' }),
    });
    await writer.org.attachPolicy(rcp.id, ACCT);
    await both('ExplicitDeny', arn, 's3:GetObject', object);
    await writer.org.detachPolicy(rcp.id, ACCT);
    await both('Allow', arn, 's3:GetObject', object);
    await writer.org.detachPolicy(scp.id, ACCT);
    await writer.org.removeAccount(ACCT);
    await both('Allow', arn, 's3:GetObject', object);
  });

  it('a decision in flight while a write commits is not kept', async () => {
    const name = fresh('InFlight');
    const arn = await role(name, allow('s3:GetObject'));
    const pending = reader.decide({ principal: arn, action: 's3:GetObject', resource: OBJECT }, { now: NOW });
    const pendingWriter = writer.decide(
      { principal: arn, action: 's3:GetObject', resource: OBJECT },
      { now: NOW },
    );
    await writer.iam.putInlinePolicy({ kind: 'role', account: ACCT, name }, 'deny', denyAll);
    await Promise.all([pending, pendingWriter]);
    await both('ExplicitDeny', arn, 's3:GetObject');
  });

  it('a write by another process', async () => {
    const name = fresh('OtherProcess');
    const arn = await role(name, allow('s3:GetObject'));
    await both('Allow', arn, 's3:GetObject');
    const script = `
      const { openControlPlane } = await import(${JSON.stringify(sourceModule('iam/open'))});
      const cp = await openControlPlane(${JSON.stringify(path.join(dir, 'rolecall.db'))});
      await cp.iam.putInlinePolicy({ kind: 'role', account: '${ACCT}', name: '${name}' }, 'deny', ${JSON.stringify(denyAll)});
      await cp.close();`;
    const child = spawnSync(process.execPath, [...sourceExecArgv, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    await both('ExplicitDeny', arn, 's3:GetObject');
  });
});

describe('bounded caches', () => {
  it('hold at most their bound and still decide every request as an unbounded cache does', async () => {
    const engine = await loadPolicyEngine();
    const small = new Resolver(reader, engine.compile, {
      cacheSize: { principals: 2, resources: 2, pairs: 3, compiled: 2 },
    });
    try {
      const names = [fresh('Small'), fresh('Small'), fresh('Small'), fresh('Small')];
      for (const [i, name] of names.entries())
        await role(name, allow('s3:GetObject', `arn:aws:s3:::data/${i}/*`));
      for (let round = 0; round < 3; round++) {
        for (const [i, name] of names.entries()) {
          for (let j = 0; j < names.length; j++) {
            const request = {
              principal: roleArn(name),
              action: 's3:GetObject',
              resource: `arn:aws:s3:::data/${j}/x`,
            };
            const { result } = await decideRequest(small, engine, request, { now: NOW });
            assert.equal(result.decision, i === j ? 'Allow' : 'ImplicitDeny', `${name} on data/${j}`);
            const size = small.cacheSizes();
            assert.ok(
              size.principals <= 2 && size.resources <= 2 && size.pairs <= 3 && size.compiled <= 2,
              JSON.stringify(size),
            );
          }
        }
      }
    } finally {
      small.dispose();
    }
  });
});

describe('a full pair cache', () => {
  it('forgets its oldest pair and keeps principals, resources and compiled policies', async () => {
    const engine = await loadPolicyEngine();
    const counting = countingStore(reader.store);
    const cp = createControlPlane(counting.store, { checkPolicy: engine.checkPolicy, now: () => NOW });
    const small = new Resolver(cp, engine.compile, { cacheSize: { pairs: 3 } });
    try {
      const arn = await role(fresh('Evicting'), allow('secretsmanager:GetSecretValue'));
      const secret = (i: number) => `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:evict${n}-${i}-AbCdEf`;
      const request = (i: number) => ({
        principal: arn,
        action: 'secretsmanager:GetSecretValue',
        resource: secret(i),
      });
      const decideOn = async (i: number) =>
        (await decideRequest(small, engine, request(i), { now: NOW })).result.decision;
      for (let i = 0; i < 4; i++) assert.equal(await decideOn(i), 'Allow');
      const size = small.cacheSizes();
      assert.equal(size.pairs, 3, JSON.stringify(size));
      assert.equal(size.principals, 1, JSON.stringify(size));
      assert.equal(size.resources, 4, JSON.stringify(size));
      assert.equal(small.prepareCached(request(0)), undefined, 'the oldest pair is forgotten');
      for (const i of [1, 2, 3]) assert.ok(small.prepareCached(request(i)), `pair ${i} is kept`);
      // The forgotten pair is assembled again from the cached principal and resource: no store read.
      const reads = counting.reads();
      assert.equal(await decideOn(0), 'Allow');
      assert.equal(counting.reads(), reads);
      assert.ok(small.prepareCached(request(0)), 'kept again');
      assert.equal(small.prepareCached(request(1)), undefined, 'now the oldest');
      assert.equal(small.cacheSizes().pairs, 3);
    } finally {
      small.dispose();
    }
  });
});

describe('cache keys', () => {
  it('a text principal never gets the cached decision of a service or a credential of that name', async () => {
    const service = 'elasticmapreduce.amazonaws.com';
    const request = { action: 's3:GetObject', resource: OBJECT };
    const { result } = await reader.decide({ principal: { Service: service }, ...request }, { now: NOW });
    assert.equal(result.decision, 'ImplicitDeny');
    for (const text of [`service:${service}`, `\u0000service:${service}`]) {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(reader.decide({ principal: text, ...request }, { now: NOW }), {
          code: 'InvalidInput',
        });
      }
    }
  });
});
