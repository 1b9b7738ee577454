/**
 * The resolver assembles the policy set from the store: which documents land in which slot (identity,
 * boundary, session, resource, SCP and RCP levels), the context keys it adds, and cache invalidation on
 * writes. The compiler here keeps each document's text and kind so the assembly can be read back; the
 * engine's own compilation is tested in eval/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledPolicy } from '../../src/eval/types.js';
import { createControlPlane, Resolver, type PolicyCompiler } from '../../src/iam/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const doc = (sid: string, extra: object = {}) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Action: '*', Resource: '*', ...extra }],
  });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Trust',
      Effect: 'Allow',
      Principal: { Service: 'elasticmapreduce.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ],
});

let compilations = 0;
const keepText: PolicyCompiler = (text, { kind, name }) => {
  compilations++;
  return { name, kind, _compiled: text };
};
const sid = (p: CompiledPolicy | undefined) =>
  p
    ? ((JSON.parse(p._compiled as string) as { Statement: { Sid: string }[] }).Statement[0]?.Sid ?? '')
    : undefined;

async function setup() {
  const store = new MemoryStore();
  const cp = createControlPlane(store, { checkPolicy, now: () => Date.UTC(2026, 10, 22) });
  const org = await cp.org.create('999999999999');
  const ou = await cp.org.createOrgUnit(org.rootId, 'Workloads');
  await cp.org.moveAccount(ACCT, ou.id);
  const scp = await cp.org.createPolicy({ type: 'scp', name: 'OuScp', document: doc('OuScp') });
  await cp.org.attachPolicy(scp.id, ou.id);
  const boundary = await cp.iam.createPolicy({ account: ACCT, name: 'Boundary', document: doc('Boundary') });
  const managed = await cp.iam.createPolicy({ account: ACCT, name: 'Managed', document: doc('Managed') });
  await cp.iam.createRole({
    account: ACCT,
    name: 'EMRStudio_Service_Role',
    path: '/service-role/',
    trustPolicy: TRUST,
    permissionsBoundary: boundary.arn,
    tags: [{ key: 'team', value: 'data' }],
  });
  const role = { kind: 'role' as const, account: ACCT, name: 'EMRStudio_Service_Role' };
  await cp.iam.putInlinePolicy(role, 'inline', doc('Inline'));
  await cp.iam.attachPolicy(role, managed.arn);
  await cp.resources.put({
    arn: 'arn:aws:s3:::bucket',
    account: ACCT,
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Bucket', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
    }),
    tags: [{ key: 'for-use-with-amazon-emr-managed-policies', value: 'true' }],
  });
  return { cp, resolver: new Resolver(cp, keepText), managed };
}

describe('resolver', () => {
  it('assembles identity, boundary, session, resource and organization levels for a role session', async () => {
    const { cp, resolver } = await setup();
    const session = await cp.iam.createSession({
      account: ACCT,
      roleName: 'EMRStudio_Service_Role',
      sessionName: 'studio',
      expiration: Date.UTC(2030, 0, 1),
      sessionPolicy: doc('Session'),
      tags: [{ key: 'team', value: 'session-team' }],
    });
    const prepared = await resolver.prepare(
      {
        principal: `arn:aws:sts::${ACCT}:assumed-role/EMRStudio_Service_Role/studio`,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::bucket',
        context: { 'aws:SourceIp': '10.0.0.1' },
      },
      { credential: session.accessKeyId },
    );
    const set = prepared.policySet;
    assert.deepEqual(set.identity.map(sid).sort(), ['Inline', 'Managed']);
    assert.equal(sid(set.boundary), 'Boundary');
    assert.deepEqual(set.session?.map(sid), ['Session']);
    assert.equal(sid(set.resource), 'Bucket');
    assert.deepEqual(
      set.scp?.map((level) => level.map((p) => p.name).sort()),
      [['FullAWSAccess'], ['FullAWSAccess', 'OuScp'], ['FullAWSAccess']],
    );
    assert.equal(set.rcp?.length, 3);
    const ctx = prepared.request.context ?? {};
    assert.equal(ctx['aws:PrincipalArn'], `arn:aws:iam::${ACCT}:role/service-role/EMRStudio_Service_Role`);
    assert.equal(ctx['aws:PrincipalTag/team'], 'session-team');
    assert.equal(ctx['aws:ResourceTag/for-use-with-amazon-emr-managed-policies'], 'true');
    assert.equal(ctx['aws:SourceIp'], '10.0.0.1');
    assert.equal(prepared.request.resourceAccount, ACCT);
    const object = await resolver.prepare({
      principal: `arn:aws:iam::${ACCT}:role/service-role/EMRStudio_Service_Role`,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket/notebooks/a.ipynb',
    });
    assert.equal(sid(object.policySet.resource), 'Bucket');
    assert.equal(object.request.resourceAccount, ACCT);
    assert.equal(
      object.request.context?.['aws:ResourceTag/for-use-with-amazon-emr-managed-policies'],
      undefined,
    );
  });

  it('uses the trust policy as the resource policy for sts:AssumeRole and no SCPs for the management account', async () => {
    const { cp, resolver } = await setup();
    await cp.iam.createRole({ account: '999999999999', name: 'Admin', trustPolicy: TRUST });
    const p = await resolver.prepare({
      principal: { Service: 'elasticmapreduce.amazonaws.com' },
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${ACCT}:role/service-role/EMRStudio_Service_Role`,
    });
    assert.equal(sid(p.policySet.resource), 'Trust');
    assert.deepEqual(p.policySet.identity, []);
    const mgmt = await resolver.principal('arn:aws:iam::999999999999:role/Admin');
    assert.equal(mgmt.scp, undefined);
  });

  it('caches compiled sets and drops them on every write', async () => {
    const { cp, resolver, managed } = await setup();
    const principal = `arn:aws:iam::${ACCT}:role/service-role/EMRStudio_Service_Role`;
    const req = { principal, action: 's3:GetObject', resource: 'arn:aws:s3:::bucket' };
    await resolver.prepare(req);
    const n = compilations;
    await resolver.prepare(req);
    assert.equal(compilations, n, 'second resolution is served from the cache');
    await cp.iam.createPolicyVersion(managed.arn, doc('ManagedV2'), true);
    const after = await resolver.prepare(req);
    assert.deepEqual(after.policySet.identity.map(sid).sort(), ['Inline', 'ManagedV2']);
  });

  it('answers unknown principals with NoSuchEntity and malformed ARNs with InvalidInput', async () => {
    const { resolver } = await setup();
    await assert.rejects(resolver.principal(`arn:aws:iam::${ACCT}:role/Nobody`), { code: 'NoSuchEntity' });
    await assert.rejects(resolver.principal('arn:aws:iam::notanaccount:role/x'), { code: 'InvalidInput' });
    await assert.rejects(resolver.principal('nonsense'), { code: 'InvalidInput' });
  });
});
