/**
 * The control-plane parts behind the EMR setup operations, where accounts meet: instance profiles and
 * ListEntitiesForPolicy stay inside their account, account aliases are unique across accounts, quotas
 * come from the store's quotas, and everything survives reopening a SQLite store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { createControlPlane, type ControlPlane } from '../../src/iam/index.js';
import { MemoryStore, type Store } from '../../src/store/index.js';
import { sqliteBackend } from '../store/backends.js';
import { checkPolicy } from './checker.js';

const A = '111122223333';
const B = '444455556666';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

function plane(store: Store = new MemoryStore(), quotas = {}): ControlPlane {
  return createControlPlane(store, { checkPolicy, quotas, now: () => Date.UTC(2026, 10, 22, 12) });
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

describe('account boundaries', () => {
  it('ListEntitiesForPolicy of an AWS managed policy lists only the asking account', async () => {
    const { iam } = plane();
    for (const account of [A, B]) {
      await iam.createRole({ account, name: 'admin-role', trustPolicy: TRUST });
      await iam.attachPolicy({ kind: 'role', account, name: 'admin-role' }, ADMIN);
    }
    const ofA = await iam.managedPolicies.listEntitiesForPolicy(A, ADMIN);
    assert.equal(ofA.length, 1);
    assert.equal(ofA[0]?.id, (await iam.getRole(A, 'admin-role')).id);
    assert.equal(
      await code(iam.managedPolicies.listEntitiesForPolicy(A, 'arn:aws:iam::aws:policy/NoSuch')),
      'NoSuchEntity',
    );
  });

  it('instance profiles are per account: same name in two accounts, a role of another account cannot go in', async () => {
    const { iam } = plane();
    await iam.createRole({ account: B, name: 'r', trustPolicy: TRUST });
    await iam.instanceProfiles.createInstanceProfile({ account: A, name: 'p' });
    await iam.instanceProfiles.createInstanceProfile({ account: B, name: 'p' });
    assert.equal(await code(iam.instanceProfiles.addRoleToInstanceProfile(A, 'p', 'r')), 'NoSuchEntity');
    await iam.instanceProfiles.addRoleToInstanceProfile(B, 'p', 'r');
    assert.deepEqual((await iam.instanceProfiles.getInstanceProfile(A, 'p')).roles, []);
    assert.equal((await iam.instanceProfiles.getInstanceProfile(B, 'p')).roles[0]?.name, 'r');
  });

  it('an account alias is unique across accounts and each account has its own', async () => {
    const { iam } = plane();
    await iam.accounts.createAccountAlias(A, 'data-platform');
    assert.equal(await code(iam.accounts.createAccountAlias(B, 'data-platform')), 'EntityAlreadyExists');
    assert.equal(await code(iam.accounts.deleteAccountAlias(B, 'data-platform')), 'NoSuchEntity');
    await iam.accounts.createAccountAlias(B, 'data-platform-b');
    assert.deepEqual(await iam.accounts.listAccountAliases(A), ['data-platform']);
    assert.deepEqual(await iam.accounts.listAccountAliases(B), ['data-platform-b']);
  });

  it('InstanceProfilesPerAccount is a quota like the others (overridable, LimitExceeded)', async () => {
    const { iam } = plane(new MemoryStore(), { instanceProfilesPerAccount: 1 });
    await iam.instanceProfiles.createInstanceProfile({ account: A, name: 'one' });
    assert.equal(
      await code(iam.instanceProfiles.createInstanceProfile({ account: A, name: 'two' })),
      'LimitExceeded',
    );
    assert.equal((await iam.accounts.getAccountSummary(A)).InstanceProfilesQuota, 1);
  });
});

describe('persistence', () => {
  it('instance profiles, aliases and deletion tasks survive reopening a SQLite store', async () => {
    const store = await sqliteBackend.open();
    const first = plane(store);
    await first.iam.createRole({ account: A, name: 'node', trustPolicy: TRUST });
    await first.iam.instanceProfiles.createInstanceProfile({
      account: A,
      name: 'node',
      tags: [{ key: 'k', value: 'v' }],
    });
    await first.iam.instanceProfiles.addRoleToInstanceProfile(A, 'node', 'node');
    await first.iam.accounts.createAccountAlias(A, 'kept-alias');
    await first.iam.serviceLinkedRoles.createServiceLinkedRole({
      account: A,
      service: 'elasticmapreduce.amazonaws.com',
    });
    const task = await first.iam.serviceLinkedRoles.deleteServiceLinkedRole(A, 'AWSServiceRoleForEMRCleanup');
    const reopened = await sqliteBackend.reopen?.(store);
    assert.ok(reopened);
    try {
      const again = plane(reopened);
      const p = await again.iam.instanceProfiles.getInstanceProfile(A, 'node');
      assert.deepEqual(
        p.roles.map((r) => r.name),
        ['node'],
      );
      assert.deepEqual(p.tags, [{ key: 'k', value: 'v' }]);
      assert.deepEqual(await again.iam.accounts.listAccountAliases(A), ['kept-alias']);
      assert.deepEqual(await again.iam.serviceLinkedRoles.getServiceLinkedRoleDeletionStatus(A, task), {
        status: 'SUCCEEDED',
      });
      assert.equal(
        await code(again.iam.serviceLinkedRoles.getServiceLinkedRoleDeletionStatus(B, task)),
        'NoSuchEntity',
      );
      assert.equal(await code(again.iam.deleteRole(A, 'node')), 'DeleteConflict');
    } finally {
      await reopened.close();
      await sqliteBackend.dispose(store);
    }
  });
});
