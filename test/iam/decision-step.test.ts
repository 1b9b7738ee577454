/**
 * The IAM simulator (SimulatePrincipalPolicy) and the access queries (who-can, escalation) decide about a
 * stored principal through the one decision step (`decidePrepared`, `nothingAllowedWhy`), so a principal
 * the resolver reports as allowed nothing (its role or user gone, its session expired) is allowed nothing
 * there too. A principal named by ARN is never such a principal today (a deleted one is NoSuchEntity):
 * the resolver's answer is marked here to show the step is not bypassed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulation } from '../../src/api/simulation.js';
import { whoCan } from '../../src/iam/access-queries.js';
import { openControlPlane, type OpenedControlPlane } from '../../src/iam/open.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22, 12);
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
const ROLE = `arn:aws:iam::${ACCT}:role/Reader`;
const OBJECT = 'arn:aws:s3:::logs/a';

async function plane(): Promise<OpenedControlPlane> {
  const cp = await openControlPlane('memory', { now: () => NOW });
  await cp.iam.createRole({ account: ACCT, name: 'Reader', trustPolicy: TRUST });
  await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read', READ);
  return cp;
}

/** From now on the resolver reports every principal as allowed nothing (its record gone). */
function revokeAll(cp: OpenedControlPlane): void {
  const prepare = cp.resolver.prepare.bind(cp.resolver);
  cp.resolver.prepare = async (request, options) => {
    const p = await prepare(request, options);
    return { ...p, principal: { ...p.principal, revoked: true } };
  };
}

describe('the one decision step behind the simulator and the access queries', () => {
  it('SimulatePrincipalPolicy: allowed, then nothing once the principal is allowed nothing', async () => {
    const cp = await plane();
    try {
      const sim = simulation(cp, ACCT);
      const input = {
        policyInputs: [],
        boundaryInputs: [],
        actions: ['s3:GetObject'],
        resources: [OBJECT],
        context: [],
      };
      const decision = async () => (await sim.simulatePrincipal(ROLE, input, NOW)).map((r) => r.decision);
      assert.deepEqual(await decision(), ['allowed']);
      revokeAll(cp);
      assert.deepEqual(await decision(), ['implicitDeny']);
    } finally {
      await cp.close();
    }
  });

  it('who-can: the role, then no one once the principal is allowed nothing', async () => {
    const cp = await plane();
    try {
      const who = async () =>
        (await whoCan(cp, 's3:GetObject', OBJECT, { now: NOW, account: ACCT })).map((e) => e.principal);
      assert.deepEqual(await who(), [ROLE]);
      revokeAll(cp);
      assert.deepEqual(await who(), []);
    } finally {
      await cp.close();
    }
  });
});
