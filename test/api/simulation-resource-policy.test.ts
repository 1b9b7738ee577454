/**
 * The IAM simulator does not retrieve a resource's own policy: SimulatePrincipalPolicy and
 * SimulateCustomPolicy decide with a resource policy only when one is given as ResourcePolicy, so a bucket
 * policy the store holds neither allows nor denies in a simulation.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html (ResourceArns)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html (ResourceArns)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulation } from '../../src/api/simulation.js';
import { openControlPlane, type OpenedControlPlane } from '../../src/iam/open.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 11, 2, 12);
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROLE = `arn:aws:iam::${ACCT}:role/Reader`;
const OBJECT = 'arn:aws:s3:::logs/a';
const GRANT = doc({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 's3:GetObject', Resource: OBJECT });
const DENY = doc({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: OBJECT });

/** A role with no policy of its own, and a bucket whose stored policy is `bucketPolicy`. */
async function plane(bucketPolicy: string): Promise<OpenedControlPlane> {
  const cp = await openControlPlane('memory', { now: () => NOW });
  await cp.iam.createRole({
    account: ACCT,
    name: 'Reader',
    trustPolicy: doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }),
  });
  await cp.resources.put({ arn: 'arn:aws:s3:::logs', account: ACCT, policy: bucketPolicy });
  return cp;
}

const input = (extra: { policyInputs?: string[]; resourcePolicy?: string; callerArn?: string } = {}) => ({
  policyInputs: [],
  boundaryInputs: [],
  actions: ['s3:GetObject'],
  resources: [OBJECT],
  context: [],
  ...extra,
});

describe("the simulator leaves out the resource's stored policy", () => {
  it('SimulatePrincipalPolicy: a stored bucket policy granting the role does not allow; given, it does', async () => {
    const cp = await plane(GRANT);
    try {
      const sim = simulation(cp, ACCT);
      const decisions = async (i: ReturnType<typeof input>) =>
        (await sim.simulatePrincipal(ROLE, i, NOW)).map((r) => r.decision);
      assert.deepEqual(await decisions(input()), ['implicitDeny']);
      assert.deepEqual(await decisions(input({ resourcePolicy: GRANT })), ['allowed']);
    } finally {
      await cp.close();
    }
  });

  it('SimulatePrincipalPolicy and SimulateCustomPolicy: a stored denying bucket policy does not deny', async () => {
    const cp = await plane(DENY);
    try {
      const sim = simulation(cp, ACCT);
      const read = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
      const principal = await sim.simulatePrincipal(ROLE, input({ policyInputs: [read] }), NOW);
      assert.deepEqual(
        principal.map((r) => r.decision),
        ['allowed'],
      );
      const custom = await sim.simulateCustom(input({ policyInputs: [read] }), NOW);
      assert.deepEqual(
        custom.map((r) => r.decision),
        ['allowed'],
      );
      const given = await sim.simulateCustom(
        input({ policyInputs: [read], resourcePolicy: DENY, callerArn: `arn:aws:iam::${ACCT}:user/u` }),
        NOW,
      );
      assert.deepEqual(
        given.map((r) => r.decision),
        ['explicitDeny'],
      );
    } finally {
      await cp.close();
    }
  });
});
