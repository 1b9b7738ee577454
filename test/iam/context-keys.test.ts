/**
 * GetContextKeysForPrincipalPolicy reads the policies the simulation of the principal evaluates, from the
 * one resolver: its own and its groups' policies, its permissions boundary and its account's SCP levels,
 * plus the policies given. Each part is checked by a key only it names.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { simulation } from '../../src/api/simulation.js';
import { createControlPlane, loadPolicyEngine, Resolver } from '../../src/iam/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const withKey = (key: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { [key]: 'x' } } }],
  });

async function setup() {
  const engine = await loadPolicyEngine();
  const cp = createControlPlane(new MemoryStore(), { checkPolicy, now: () => Date.UTC(2026, 10, 22) });
  const org = await cp.org.create('999999999999');
  await cp.org.moveAccount(ACCT, org.rootId);
  const scp = await cp.org.createPolicy({
    type: 'scp',
    name: 'Scp',
    document: withKey('aws:RequestedRegion'),
  });
  await cp.org.attachPolicy(scp.id, org.rootId);
  const boundary = await cp.iam.createPolicy({
    account: ACCT,
    name: 'B',
    document: withKey('aws:SourceVpc'),
  });
  const managed = await cp.iam.createPolicy({ account: ACCT, name: 'M', document: withKey('s3:prefix') });
  await cp.iam.createGroup({ account: ACCT, name: 'g' });
  await cp.iam.putInlinePolicy(
    { kind: 'group', account: ACCT, name: 'g' },
    'gp',
    withKey('aws:ResourceTag/team'),
  );
  await cp.iam.createUser({ account: ACCT, name: 'u', permissionsBoundary: boundary.arn });
  await cp.iam.addUserToGroup(ACCT, 'g', 'u');
  await cp.iam.putInlinePolicy(
    { kind: 'user', account: ACCT, name: 'u' },
    'up',
    withKey('AWS:PrincipalTag/Dept'),
  );
  await cp.iam.attachPolicy({ kind: 'user', account: ACCT, name: 'u' }, managed.arn);
  const api = Object.assign(cp, { engine, resolver: new Resolver(cp, engine.compile) });
  return { cp, sim: simulation(api, ACCT) };
}

describe('GetContextKeysForPrincipalPolicy', () => {
  it('a user: its own, group, boundary and SCP policies, and those given, each key once', async () => {
    const { sim } = await setup();
    const keys = await sim.contextKeysForPrincipal(`arn:aws:iam::${ACCT}:user/u`, [
      withKey('aws:SourceIp'),
      withKey('aws:principaltag/dept'),
    ]);
    assert.deepEqual(keys, [
      'AWS:PrincipalTag/Dept',
      'aws:RequestedRegion',
      'aws:ResourceTag/team',
      'aws:SourceIp',
      'aws:SourceVpc',
      's3:prefix',
    ]);
  });

  it('a group: its own policies; a policy given that does not parse is MalformedPolicyDocument', async () => {
    const { sim } = await setup();
    assert.deepEqual(await sim.contextKeysForPrincipal(`arn:aws:iam::${ACCT}:group/g`, []), [
      'aws:RequestedRegion',
      'aws:ResourceTag/team',
    ]);
    await assert.rejects(
      sim.contextKeysForPrincipal(`arn:aws:iam::${ACCT}:user/u`, ['{']),
      (e: unknown) => e instanceof RolecallError && e.code === 'MalformedPolicyDocument',
    );
    await assert.rejects(
      sim.contextKeysForCustom(['{']),
      (e: unknown) => e instanceof RolecallError && e.code === 'MalformedPolicyDocument',
    );
    await assert.rejects(
      sim.contextKeysForPrincipal(`arn:aws:iam::${ACCT}:user/nobody`, []),
      (e: unknown) => e instanceof RolecallError && e.code === 'NoSuchEntity',
    );
  });
});
