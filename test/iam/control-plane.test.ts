/** IAM behaviour of the control plane: AWS's names, quotas, conflicts, versions, tags, ids and sessions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { createControlPlane, resolveQuotas, type ControlPlane } from '../../src/iam/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'elasticmapreduce.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const doc = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

function plane(quotas = {}): ControlPlane {
  return createControlPlane(new MemoryStore(), {
    checkPolicy,
    quotas,
    now: () => Date.UTC(2026, 10, 22, 12),
  });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RolecallError, `expected a RolecallError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

describe('roles', () => {
  it('creates a role with an AROA id, its ARN and path, verbatim trust policy', async () => {
    const cp = plane();
    const text = `{\n  "Version": "2012-10-17",\n  "Statement": ${JSON.stringify((JSON.parse(TRUST) as { Statement: unknown }).Statement)}\n}`;
    const r = await cp.iam.createRole({
      account: ACCT,
      name: 'EMR_DefaultRole_V2',
      path: '/service-role/',
      trustPolicy: text,
    });
    assert.match(r.id, /^AROA[A-Z2-7]{17}$/);
    assert.equal(r.arn, `arn:aws:iam::${ACCT}:role/service-role/EMR_DefaultRole_V2`);
    assert.equal((await cp.iam.getRole(ACCT, 'emr_defaultrole_v2')).trustPolicy, text);
    assert.equal(r.maxSessionDuration, 3600);
  });

  it('rejects names and paths AWS rejects, and duplicate names regardless of case', async () => {
    const cp = plane();
    assert.equal(
      await code(cp.iam.createRole({ account: ACCT, name: 'bad name', trustPolicy: TRUST })),
      'ValidationError',
    );
    assert.equal(
      await code(cp.iam.createRole({ account: ACCT, name: 'x'.repeat(65), trustPolicy: TRUST })),
      'ValidationError',
    );
    assert.equal(
      await code(cp.iam.createRole({ account: ACCT, name: 'r', path: 'no-slash', trustPolicy: TRUST })),
      'ValidationError',
    );
    assert.equal(
      await code(
        cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST, maxSessionDuration: 43201 }),
      ),
      'ValidationError',
    );
    await cp.iam.createRole({ account: ACCT, name: 'Admins', trustPolicy: TRUST });
    assert.equal(
      await code(cp.iam.createRole({ account: ACCT, name: 'ADMINS', trustPolicy: TRUST })),
      'EntityAlreadyExists',
    );
    assert.equal(await code(cp.iam.getRole(ACCT, 'nope')), 'NoSuchEntity');
  });

  it('refuses to delete a role that still has policies (DeleteConflict), then deletes it', async () => {
    const cp = plane();
    await cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST });
    const ref = { kind: 'role' as const, account: ACCT, name: 'r' };
    await cp.iam.putInlinePolicy(ref, 'inline', doc('s3:GetObject'));
    assert.equal(await code(cp.iam.deleteRole(ACCT, 'r')), 'DeleteConflict');
    await cp.iam.deleteInlinePolicy(ref, 'inline');
    const p = await cp.iam.createPolicy({ account: ACCT, name: 'p', document: doc('s3:*') });
    await cp.iam.attachPolicy(ref, p.arn);
    assert.equal(await code(cp.iam.deleteRole(ACCT, 'r')), 'DeleteConflict');
    assert.equal(await code(cp.iam.deletePolicy(p.arn)), 'DeleteConflict');
    await cp.iam.detachPolicy(ref, p.arn);
    await cp.iam.deleteRole(ACCT, 'r');
    await cp.iam.deletePolicy(p.arn);
    assert.equal(await code(cp.iam.getRole(ACCT, 'r')), 'NoSuchEntity');
  });

  it('enforces managed policies per role and the aggregate inline size, with configurable quotas', async () => {
    const cp = plane({ managedPoliciesPerRole: 2 });
    await cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST });
    const ref = { kind: 'role' as const, account: ACCT, name: 'r' };
    for (const n of ['a', 'b', 'c'])
      await cp.iam.createPolicy({ account: ACCT, name: n, document: doc('s3:*') });
    await cp.iam.attachPolicy(ref, `arn:aws:iam::${ACCT}:policy/a`);
    await cp.iam.attachPolicy(ref, `arn:aws:iam::${ACCT}:policy/b`);
    await cp.iam.attachPolicy(ref, `arn:aws:iam::${ACCT}:policy/b`);
    assert.equal(await code(cp.iam.attachPolicy(ref, `arn:aws:iam::${ACCT}:policy/c`)), 'LimitExceeded');
    assert.equal(await code(cp.iam.attachPolicy(ref, `arn:aws:iam::${ACCT}:policy/missing`)), 'NoSuchEntity');
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: Array.from({ length: 120 }, (_, i) => ({
        Effect: 'Allow',
        Action: `s3:GetObject${i}`,
        Resource: '*',
      })),
    });
    await cp.iam.putInlinePolicy(ref, 'one', big);
    assert.equal(await code(cp.iam.putInlinePolicy(ref, 'two', big)), 'LimitExceeded');
  });

  it('attaches AWS managed policies by ARN and refuses unknown ones', async () => {
    const cp = plane();
    await cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST });
    const ref = { kind: 'role' as const, account: ACCT, name: 'r' };
    await cp.iam.attachPolicy(ref, 'arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2');
    assert.equal(
      await code(cp.iam.attachPolicy(ref, 'arn:aws:iam::aws:policy/NoSuchPolicyAtAll')),
      'NoSuchEntity',
    );
    assert.equal(await code(cp.iam.attachPolicy(ref, 'not-an-arn')), 'InvalidInput');
    const p = await cp.iam.getPolicy('arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2');
    assert.equal(p.attachmentCount, 1);
    assert.equal(p.awsManaged, true);
    assert.equal(await code(cp.iam.createPolicyVersion(p.arn, doc('s3:*'))), 'UnmodifiableEntity');
  });

  it('merges tags case-insensitively, caps them at 50 and rejects the aws: prefix', async () => {
    const cp = plane();
    await cp.iam.createRole({
      account: ACCT,
      name: 'r',
      trustPolicy: TRUST,
      tags: [{ key: 'Team', value: 'a' }],
    });
    const ref = { kind: 'role' as const, account: ACCT, name: 'r' };
    await cp.iam.tagIdentity(ref, [{ key: 'team', value: 'b' }]);
    assert.deepEqual((await cp.iam.getRole(ACCT, 'r')).tags, [{ key: 'team', value: 'b' }]);
    assert.equal(await code(cp.iam.tagIdentity(ref, [{ key: 'aws:x', value: '1' }])), 'InvalidInput');
    const many = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    assert.equal(await code(cp.iam.tagIdentity(ref, many)), 'LimitExceeded');
    await cp.iam.untagIdentity(ref, ['TEAM']);
    assert.deepEqual((await cp.iam.getRole(ACCT, 'r')).tags, []);
  });

  it("takes tag keys and values of AWS's characters: letters of any script, digits, spaces and _.:/=+-@", async () => {
    const cp = plane();
    await cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST });
    const ref = { kind: 'role' as const, account: ACCT, name: 'r' };
    const tags = [
      { key: 'Équipe données_1.a:b/c=d+e-f@g', value: 'Zürich 東京 ٣' },
      { key: 'empty', value: '' },
    ];
    await cp.iam.tagIdentity(ref, tags);
    assert.deepEqual((await cp.iam.getRole(ACCT, 'r')).tags, tags);
    for (const bad of [
      { key: 'a*b', value: 'v' },
      { key: 'k', value: 'a,b' },
      { key: 'k', value: 'semi;colon' },
      { key: '', value: 'v' },
    ])
      assert.equal(await code(cp.iam.tagIdentity(ref, [bad])), 'ValidationError', JSON.stringify(bad));
  });
});

describe('managed policy versions', () => {
  it('keeps at most five versions, one default; SetDefault and DeletePolicyVersion as AWS', async () => {
    const cp = plane();
    const p = await cp.iam.createPolicy({ account: ACCT, name: 'p', path: '/team/', document: doc('s3:A') });
    assert.match(p.id, /^ANPA/);
    assert.equal(p.arn, `arn:aws:iam::${ACCT}:policy/team/p`);
    for (const a of ['s3:B', 's3:C', 's3:D', 's3:E']) await cp.iam.createPolicyVersion(p.arn, doc(a));
    const err = await cp.iam.createPolicyVersion(p.arn, doc('s3:F')).catch((e: unknown) => e);
    assert.ok(err instanceof RolecallError);
    assert.equal(err.code, 'LimitExceeded');
    assert.equal(err.message, 'Cannot exceed quota for PolicyVersionsPerPolicy: 5');
    assert.equal(await code(cp.iam.deletePolicyVersion(p.arn, 'v1')), 'DeleteConflict');
    await cp.iam.setDefaultPolicyVersion(p.arn, 'v3');
    await cp.iam.deletePolicyVersion(p.arn, 'v1');
    const v = await cp.iam.createPolicyVersion(p.arn, doc('s3:F'), true);
    assert.equal(v.versionId, 'v6');
    const versions = await cp.iam.listPolicyVersions(p.arn);
    assert.deepEqual(
      versions.map((x) => [x.versionId, x.isDefault]),
      [
        ['v6', true],
        ['v5', false],
        ['v4', false],
        ['v3', false],
        ['v2', false],
      ],
    );
    assert.equal(await code(cp.iam.deletePolicy(p.arn)), 'DeleteConflict');
    assert.equal(await code(cp.iam.getPolicyVersion(p.arn, 'v1')), 'NoSuchEntity');
    assert.equal(await code(cp.iam.getPolicy(`arn:aws:iam::${ACCT}:policy/other-path/p`)), 'NoSuchEntity');
  });

  it('reads every version of an AWS managed policy (AmazonElasticMapReduceEditorsRole v1 and v2)', async () => {
    const cp = plane();
    const arn = 'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceEditorsRole';
    const versions = await cp.iam.listPolicyVersions(arn);
    assert.deepEqual(
      versions.map((v) => [v.versionId, v.isDefault]),
      [
        ['v2', true],
        ['v1', false],
      ],
    );
    const v1 = JSON.parse((await cp.iam.getPolicyVersion(arn, 'v1')).document) as { Statement: unknown[] };
    const v2 = JSON.parse((await cp.iam.getPolicyVersion(arn, 'v2')).document) as { Statement: unknown[] };
    assert.notDeepEqual(v1, v2);
  });
});

describe('users, groups and access keys', () => {
  it('stores access key secrets sealed and finds credentials by key id', async () => {
    const store = new MemoryStore();
    const cp = createControlPlane(store, { checkPolicy });
    await cp.iam.createUser({ account: ACCT, name: 'alice' });
    const k = await cp.iam.createAccessKey(ACCT, 'alice');
    assert.match(k.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(k.secretAccessKey.length, 40);
    const raw = await store.withTransaction((tx) => tx.get('access-key', k.accessKeyId));
    assert.ok(!JSON.stringify(raw).includes(k.secretAccessKey));
    const found = await cp.iam.findCredential(k.accessKeyId);
    assert.equal(found?.kind, 'user');
    assert.equal(found?.kind === 'user' ? found.key.secretAccessKey : '', k.secretAccessKey);
    await cp.iam.createAccessKey(ACCT, 'alice');
    assert.equal(await code(cp.iam.createAccessKey(ACCT, 'alice')), 'LimitExceeded');
    assert.equal(await code(cp.iam.deleteUser(ACCT, 'alice')), 'DeleteConflict');
  });

  it('keeps group membership and refuses to delete a group with members', async () => {
    const cp = plane();
    await cp.iam.createGroup({ account: ACCT, name: 'admins' });
    await cp.iam.createUser({ account: ACCT, name: 'bob' });
    await cp.iam.addUserToGroup(ACCT, 'admins', 'bob');
    assert.deepEqual(
      (await cp.iam.getGroup(ACCT, 'admins')).users.map((u) => u.name),
      ['bob'],
    );
    assert.equal(await code(cp.iam.deleteGroup(ACCT, 'admins')), 'DeleteConflict');
    await cp.iam.removeUserFromGroup(ACCT, 'admins', 'bob');
    await cp.iam.deleteGroup(ACCT, 'admins');
  });

  it('renames users and groups with their keys and memberships following', async () => {
    const cp = plane();
    await cp.iam.createGroup({ account: ACCT, name: 'devs' });
    await cp.iam.createUser({ account: ACCT, name: 'carol' });
    await cp.iam.addUserToGroup(ACCT, 'devs', 'carol');
    const k = await cp.iam.createAccessKey(ACCT, 'carol');
    await cp.iam.createUser({ account: ACCT, name: 'dave' });
    assert.equal(
      await code(cp.iam.updateUser({ account: ACCT, name: 'carol', newName: 'DAVE' })),
      'EntityAlreadyExists',
    );
    await cp.iam.updateUser({ account: ACCT, name: 'carol', newName: 'caroline', newPath: '/eng/' });
    await cp.iam.updateGroup({ account: ACCT, name: 'devs', newName: 'engineers' });
    const u = await cp.iam.getUser(ACCT, 'caroline');
    assert.equal(u.arn, `arn:aws:iam::${ACCT}:user/eng/caroline`);
    assert.deepEqual(u.groups, ['engineers']);
    assert.deepEqual(
      (await cp.iam.listAccessKeys(ACCT, 'caroline')).map((x) => x.accessKeyId),
      [k.accessKeyId],
    );
    assert.equal(await code(cp.iam.getUser(ACCT, 'carol')), 'NoSuchEntity');
  });

  it('stores STS sessions with ASIA ids and sealed secrets and tokens', async () => {
    const store = new MemoryStore();
    const cp = createControlPlane(store, { checkPolicy });
    const role = await cp.iam.createRole({ account: ACCT, name: 'r', trustPolicy: TRUST });
    const s = await cp.iam.createSession({
      account: ACCT,
      roleName: 'r',
      sessionName: 'studio',
      expiration: Date.UTC(2030, 0, 1),
      tags: [{ key: 'project', value: 'x' }],
      sourceIdentity: 'alice',
    });
    assert.match(s.accessKeyId, /^ASIA/);
    assert.equal(s.assumedRoleArn, `arn:aws:sts::${ACCT}:assumed-role/r/studio`);
    assert.equal(s.assumedRoleId, `${role.id}:studio`);
    const raw = JSON.stringify(await store.withTransaction((tx) => tx.get('session', s.accessKeyId)));
    assert.ok(!raw.includes(s.secretAccessKey) && !raw.includes(s.sessionToken));
    const found = await cp.iam.findCredential(s.accessKeyId);
    assert.equal(found?.kind === 'session' ? found.session.sessionToken : '', s.sessionToken);
    assert.equal(await cp.iam.purgeExpiredSessions(Date.UTC(2031, 0, 1)), 1);
    assert.equal(await cp.iam.findCredential(s.accessKeyId), undefined);
  });
});

describe('organization and resources', () => {
  it('builds the levels from root to account with FullAWSAccess attached by default', async () => {
    const cp = plane();
    const org = await cp.org.create(ACCT);
    const ou = await cp.org.createOrgUnit(org.rootId, 'Workloads');
    await cp.org.moveAccount('444455556666', ou.id);
    const deny = await cp.org.createPolicy({
      type: 'scp',
      name: 'DenyLeave',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
      }),
    });
    await cp.org.attachPolicy(deny.id, ou.id);
    const levels = await cp.org.levels('444455556666');
    assert.deepEqual(
      levels?.map((l) => [l.kind, l.scps.map((p) => p.name).sort(), l.rcps.map((p) => p.name)]),
      [
        ['root', ['FullAWSAccess'], ['RCPFullAWSAccess']],
        ['ou', ['DenyLeave', 'FullAWSAccess'], ['RCPFullAWSAccess']],
        ['account', ['FullAWSAccess'], ['RCPFullAWSAccess']],
      ],
    );
    assert.equal(await cp.org.levels('999999999999'), undefined);
    assert.equal(await code(cp.org.deleteOrgUnit(ou.id)), 'DeleteConflict');
    assert.equal(await code(cp.org.deletePolicy('p-FullAWSAccess')), 'UnmodifiableEntity');
  });

  it('registers resources by ARN with their type, owner, policy and case-sensitive tags', async () => {
    const cp = plane();
    const b = await cp.resources.put({
      arn: 'arn:aws:s3:::bucket',
      account: ACCT,
      tags: [{ key: 'A', value: '1' }],
    });
    assert.equal(b.type, 's3-bucket');
    await cp.resources.tag('arn:aws:s3:::bucket', [{ key: 'a', value: '2' }]);
    assert.equal((await cp.resources.get('arn:aws:s3:::bucket')).tags.length, 2);
    assert.equal(await code(cp.resources.put({ arn: 'arn:aws:s3:::nobody' })), 'InvalidInput');
    assert.equal(await code(cp.resources.put({ arn: 'not an arn' })), 'InvalidInput');
    const keyPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      ],
    });
    const k = await cp.resources.put({ arn: `arn:aws:kms:us-east-1:${ACCT}:key/1234`, policy: keyPolicy });
    assert.equal(k.type, 'kms-key');
    assert.equal(
      await code(
        cp.resources.put({ arn: `arn:aws:ec2:us-east-1:${ACCT}:subnet/subnet-1`, policy: doc('ec2:*') }),
      ),
      'InvalidInput',
    );
    // S3 objects have no policy of their own: their bucket's governs them.
    const object = 'arn:aws:s3:::bucket/reports/q1.csv';
    await assert.rejects(cp.resources.put({ arn: object, account: ACCT, policy: doc('s3:GetObject') }), {
      code: 'InvalidInput',
      message:
        "an S3 object (`arn:aws:s3:::bucket/reports/q1.csv`) has no resource-based policy: its bucket's policy governs it",
    });
    await cp.resources.put({ arn: object, account: ACCT, tags: [{ key: 'team', value: 'red' }] });
    assert.equal(await code(cp.resources.setPolicy(object, doc('s3:GetObject'))), 'InvalidInput');
    assert.equal((await cp.resources.get(object)).policy, undefined);
  });
});

describe('quotas', () => {
  it("default to AWS's and are overridden by ROLECALL_QUOTAS, then by options", () => {
    assert.equal(resolveQuotas({}, {}).versionsPerPolicy, 5);
    assert.equal(resolveQuotas({}, {}).managedPoliciesPerRole, 10);
    const q = resolveQuotas(
      { rolesPerAccount: 7 },
      { ROLECALL_QUOTAS: '{"managedPoliciesPerRole": 20, "rolesPerAccount": 3}' },
    );
    assert.equal(q.managedPoliciesPerRole, 20);
    assert.equal(q.rolesPerAccount, 7);
    assert.throws(() => resolveQuotas({}, { ROLECALL_QUOTAS: '{"nope": 1}' }), { code: 'UsageError' });
    assert.throws(() => resolveQuotas({}, { ROLECALL_QUOTAS: '{"rolesPerAccount": -1}' }), {
      code: 'UsageError',
    });
    assert.throws(() => resolveQuotas({}, { ROLECALL_QUOTAS: 'not json' }), { code: 'UsageError' });
  });
});
