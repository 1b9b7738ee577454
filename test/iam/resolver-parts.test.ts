/**
 * Every part of the policy set the resolver assembles from the store changes a decision, so dropping any
 * one of them fails a test here: identity policies, group policies, the permissions boundary of a user and
 * of a role, a session's inline and managed session policies, each SCP level of the principal's account,
 * each RCP level of the resource's account, the resource's policy and its owner account. Decided with the
 * real engine through `openControlPlane().decide`, the entry point every front end shares.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthzResult } from '../../src/eval/types.js';
import { openControlPlane, type OpenedControlPlane } from '../../src/iam/index.js';

const ACCT = '111122223333';
const FOREIGN = '444455556666';
const NOW = Date.UTC(2026, 10, 22);
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[]) => policy({ Effect: 'Allow', Action: action, Resource: '*' });
const deny = (action: string) =>
  policy({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: action, Resource: '*' });
const TRUST = policy({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const user = (name: string) => `arn:aws:iam::${ACCT}:user/${name}`;

let cp: OpenedControlPlane;
const sessions: Record<string, string> = {};

async function decide(
  principal: string,
  action: string,
  resource = 'arn:aws:s3:::data/x',
  credential?: string,
) {
  const { result } = await cp.decide(
    { principal, action, resource },
    { now: NOW },
    credential !== undefined ? { credential } : {},
  );
  return result;
}
const is = (r: AuthzResult, decision: string, reason?: string) => {
  assert.equal(r.decision, decision, `${r.decision} (${r.reason})`);
  if (reason !== undefined) assert.equal(r.reason, reason);
};

before(async () => {
  cp = await openControlPlane('memory', { now: () => NOW });
  const { iam, org, resources } = cp;
  const o = await org.create('999999999999');
  const ou = await org.createOrgUnit(o.rootId, 'Workloads');
  await org.moveAccount(ACCT, ou.id);
  // One Deny per organization level, each on its own action.
  const levels = [
    ['scp', o.rootId, 's3:DeleteObject'],
    ['scp', ou.id, 's3:DeleteBucket'],
    ['scp', ACCT, 's3:PutBucketPolicy'],
    ['rcp', o.rootId, 's3:PutObjectAcl'],
    ['rcp', ou.id, 's3:PutObjectTagging'],
    ['rcp', ACCT, 's3:DeleteObjectTagging'],
  ] as const;
  for (const [type, target, action] of levels) {
    const p = await org.createPolicy({
      type,
      name: `${type}-${action.replace(':', '-')}`,
      document:
        type === 'scp'
          ? deny(action)
          : policy({ Effect: 'Deny', Principal: '*', Action: action, Resource: '*' }),
    });
    await org.attachPolicy(p.id, target);
  }

  await iam.createUser({ account: ACCT, name: 'alice' });
  await iam.putInlinePolicy({ kind: 'user', account: ACCT, name: 'alice' }, 'all', allow('s3:*'));

  await iam.createUser({ account: ACCT, name: 'gina' });
  await iam.createGroup({ account: ACCT, name: 'readers' });
  await iam.putInlinePolicy(
    { kind: 'group', account: ACCT, name: 'readers' },
    'read',
    allow('s3:ListBucket'),
  );
  await iam.addUserToGroup(ACCT, 'readers', 'gina');

  const onlyGet = await iam.createPolicy({ account: ACCT, name: 'OnlyGet', document: allow('s3:GetObject') });
  await iam.createUser({ account: ACCT, name: 'bounded', permissionsBoundary: onlyGet.arn });
  await iam.putInlinePolicy({ kind: 'user', account: ACCT, name: 'bounded' }, 'all', allow('s3:*'));
  await iam.createRole({
    account: ACCT,
    name: 'BoundedRole',
    trustPolicy: TRUST,
    permissionsBoundary: onlyGet.arn,
  });
  await iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'BoundedRole' }, 'all', allow('s3:*'));

  await iam.createRole({ account: ACCT, name: 'SessionRole', trustPolicy: TRUST });
  await iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'SessionRole' }, 'all', allow('s3:*'));
  const expiration = NOW + 3600_000;
  sessions.inline = (
    await iam.createSession({
      account: ACCT,
      roleName: 'SessionRole',
      sessionName: 'inline',
      expiration,
      sessionPolicy: allow('s3:GetObject'),
    })
  ).accessKeyId;
  sessions.managed = (
    await iam.createSession({
      account: ACCT,
      roleName: 'SessionRole',
      sessionName: 'managed',
      expiration,
      sessionPolicyArns: [onlyGet.arn],
    })
  ).accessKeyId;

  await iam.createUser({ account: ACCT, name: 'nopolicies' });
  await resources.put({
    arn: 'arn:aws:s3:::data',
    account: ACCT,
    policy: policy({
      Effect: 'Allow',
      Principal: { AWS: user('nopolicies') },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::data/*',
    }),
  });
  await resources.put({ arn: 'arn:aws:s3:::foreign', account: FOREIGN });
});
after(async () => {
  await cp.close();
});

describe('every part of the resolved policy set decides', () => {
  it('identity-based policies of the user', async () => {
    is(await decide(user('alice'), 's3:GetObject'), 'Allow');
  });

  it('policies of the user’s groups', async () => {
    is(await decide(user('gina'), 's3:ListBucket', 'arn:aws:s3:::data'), 'Allow');
  });

  it('the permissions boundary of a user', async () => {
    is(await decide(user('bounded'), 's3:GetObject'), 'Allow');
    is(await decide(user('bounded'), 's3:PutObject'), 'ImplicitDeny', 'BoundaryNoAllow');
  });

  it('the permissions boundary of a role', async () => {
    const role = `arn:aws:iam::${ACCT}:role/BoundedRole`;
    is(await decide(role, 's3:GetObject'), 'Allow');
    is(await decide(role, 's3:PutObject'), 'ImplicitDeny', 'BoundaryNoAllow');
  });

  it('the inline session policy of the session the credential belongs to', async () => {
    const arn = `arn:aws:sts::${ACCT}:assumed-role/SessionRole/inline`;
    is(await decide(arn, 's3:GetObject', undefined, sessions.inline), 'Allow');
    is(await decide(arn, 's3:PutObject', undefined, sessions.inline), 'ImplicitDeny', 'SessionNoAllow');
  });

  it('the managed session policies (PolicyArns) of the session the credential belongs to', async () => {
    const arn = `arn:aws:sts::${ACCT}:assumed-role/SessionRole/managed`;
    is(await decide(arn, 's3:GetObject', undefined, sessions.managed), 'Allow');
    is(await decide(arn, 's3:PutObject', undefined, sessions.managed), 'ImplicitDeny', 'SessionNoAllow');
  });

  for (const [level, action] of [
    ['root', 's3:DeleteObject'],
    ['OU', 's3:DeleteBucket'],
    ['account', 's3:PutBucketPolicy'],
  ] as const) {
    it(`the SCPs at the ${level} level of the principal’s account`, async () => {
      is(await decide(user('alice'), action), 'ExplicitDeny');
    });
  }

  for (const [level, action] of [
    ['root', 's3:PutObjectAcl'],
    ['OU', 's3:PutObjectTagging'],
    ['account', 's3:DeleteObjectTagging'],
  ] as const) {
    it(`the RCPs at the ${level} level of the resource’s account`, async () => {
      is(await decide(user('alice'), action), 'ExplicitDeny');
    });
  }

  it('the resource’s policy', async () => {
    is(await decide(user('nopolicies'), 's3:GetObject'), 'Allow');
    is(await decide(user('nopolicies'), 's3:PutObject'), 'ImplicitDeny', 'NoAllow');
  });

  it('the resource’s owner account: another account’s bucket needs its policy too', async () => {
    is(
      await decide(user('alice'), 's3:GetObject', 'arn:aws:s3:::foreign/x'),
      'ImplicitDeny',
      'CrossAccountNeedsBoth',
    );
  });
});
