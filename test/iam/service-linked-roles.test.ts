/**
 * Service-linked roles in the control plane: no role operation changes one (UnmodifiableEntity), service
 * role policies attach to nothing else (PolicyNotAttachable), and a state file or import that describes one
 * writes it whole, so export and apply round-trip a store that has one.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import {
  createControlPlane,
  formatStateFile,
  parseStateFile,
  planApply,
  readState,
  type ControlPlane,
} from '../../src/iam/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const EMR = 'elasticmapreduce.amazonaws.com';
const CLEANUP = 'AWSServiceRoleForEMRCleanup';
const TRUST = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"${EMR}"},"Action":"sts:AssumeRole"}]}`;

function plane(): ControlPlane {
  return createControlPlane(new MemoryStore(), { checkPolicy, now: () => Date.UTC(2026, 10, 22, 12) });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RolecallError, String(e));
    return e.code;
  }
  return 'no error';
}

describe('service-linked roles', () => {
  it('the role parts refuse every change to one but its description', async () => {
    const cp = plane();
    await cp.iam.serviceLinkedRoles.createServiceLinkedRole({ account: ACCT, service: EMR });
    const before = formatStateFile(await readState(cp), 'yaml');
    const ref = { kind: 'role' as const, account: ACCT, name: CLEANUP };
    const doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
    for (const p of [
      cp.iam.putInlinePolicy(ref, 'x', doc),
      cp.iam.deleteInlinePolicy(ref, 'x'),
      cp.iam.attachPolicy(ref, 'arn:aws:iam::aws:policy/ReadOnlyAccess'),
      cp.iam.detachPolicy(ref, 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy'),
      cp.iam.setPermissionsBoundary(ref, 'arn:aws:iam::aws:policy/ReadOnlyAccess'),
      cp.iam.setPermissionsBoundary(ref, undefined),
      cp.iam.updateTrustPolicy(ACCT, CLEANUP, TRUST),
      cp.iam.updateRole({ account: ACCT, name: CLEANUP, maxSessionDuration: 7200 }),
      cp.iam.deleteRole(ACCT, CLEANUP),
    ]) {
      assert.equal(await code(p), 'UnmodifiableEntity');
    }
    assert.equal(formatStateFile(await readState(cp), 'yaml'), before);
    await cp.iam.updateRole({ account: ACCT, name: CLEANUP, description: 'ours' });
    assert.equal((await cp.iam.getRole(ACCT, CLEANUP)).description, 'ours');
  });

  it('export and apply round-trip a store with one; a file that drops it deletes it', async () => {
    const a = plane();
    await a.iam.serviceLinkedRoles.createServiceLinkedRole({ account: ACCT, service: EMR });
    const exported = formatStateFile(await readState(a), 'yaml');
    assert.match(exported, /aws-service-role\/elasticmapreduce\.amazonaws\.com\//);
    const b = plane();
    const plan = await planApply(b, parseStateFile(exported, 'state.yaml', checkPolicy));
    assert.deepEqual(
      plan.changes.filter((c) => c.kind === 'service-linked role').map((c) => c.action),
      ['create'],
    );
    await plan.apply();
    assert.equal(formatStateFile(await readState(b), 'yaml'), exported);
    assert.deepEqual((await planApply(b, parseStateFile(exported, 'state.yaml', checkPolicy))).changes, []);
    const role = await b.iam.getRole(ACCT, CLEANUP);
    assert.equal(role.serviceLinked, true);
    // Still protected once applied.
    assert.equal(await code(b.iam.deleteRole(ACCT, CLEANUP)), 'UnmodifiableEntity');
    await (
      await planApply(
        b,
        parseStateFile(`account: "${ACCT}"\nusers: [{ name: keep }]\n`, 'state.yaml', checkPolicy),
      )
    ).apply();
    assert.equal(await code(b.iam.getRole(ACCT, CLEANUP)), 'NoSuchEntity');
  });

  it('a service role policy attaches to no ordinary role, user or group', async () => {
    const cp = plane();
    const arn = 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy';
    await cp.iam.createRole({
      account: ACCT,
      name: 'mine',
      trustPolicy: TRUST,
    });
    await cp.iam.createUser({ account: ACCT, name: 'u' });
    await cp.iam.createGroup({ account: ACCT, name: 'g' });
    for (const ref of [
      { kind: 'role' as const, account: ACCT, name: 'mine' },
      { kind: 'user' as const, account: ACCT, name: 'u' },
      { kind: 'group' as const, account: ACCT, name: 'g' },
    ]) {
      assert.equal(await code(cp.iam.attachPolicy(ref, arn)), 'PolicyNotAttachable');
      assert.deepEqual(await cp.iam.listAttachedPolicies(ref), []);
    }
  });

  it('a service role policy bounds no ordinary role or user (Put*PermissionsBoundary, Create*)', async () => {
    const cp = plane();
    const arn = 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy';
    const ordinary = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    await cp.iam.createRole({
      account: ACCT,
      name: 'mine',
      trustPolicy: TRUST,
      permissionsBoundary: ordinary,
    });
    await cp.iam.createUser({ account: ACCT, name: 'u', permissionsBoundary: ordinary });
    for (const ref of [
      { kind: 'role' as const, account: ACCT, name: 'mine' },
      { kind: 'user' as const, account: ACCT, name: 'u' },
    ]) {
      assert.equal(await code(cp.iam.setPermissionsBoundary(ref, arn)), 'PolicyNotAttachable');
    }
    // The boundaries they had are kept.
    assert.equal((await cp.iam.getRole(ACCT, 'mine')).permissionsBoundary, ordinary);
    assert.equal((await cp.iam.getUser(ACCT, 'u')).permissionsBoundary, ordinary);
    assert.equal(
      await code(
        cp.iam.createRole({ account: ACCT, name: 'other', trustPolicy: TRUST, permissionsBoundary: arn }),
      ),
      'PolicyNotAttachable',
    );
    assert.equal(
      await code(cp.iam.createUser({ account: ACCT, name: 'v', permissionsBoundary: arn })),
      'PolicyNotAttachable',
    );
    assert.deepEqual(
      (await cp.iam.listRoles(ACCT)).map((r) => r.name),
      ['mine'],
    );
    assert.deepEqual(
      (await cp.iam.listUsers(ACCT)).map((u) => u.name),
      ['u'],
    );
  });
});
