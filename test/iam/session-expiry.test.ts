/**
 * Every decision about a temporary credential is about a live session: at or after its expiry, and after
 * its role was deleted or re-created under the same name (another unique id), the credential is allowed
 * nothing, whether its policy set is resolved or comes from the resolver's cache. This is the one resolver
 * path every front end decides through (simulate from the store, the decision API, the console).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openControlPlane, type OpenedControlPlane } from '../../src/iam/open.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22, 12);
const HOUR = 60 * 60 * 1000;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });

async function plane(): Promise<OpenedControlPlane> {
  const cp = await openControlPlane('memory', { now: () => NOW });
  await cp.iam.createRole({ account: ACCT, name: 'Reader', trustPolicy: TRUST });
  await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read', READ);
  await cp.iam.createUser({ account: ACCT, name: 'alice' });
  await cp.iam.putInlinePolicy({ kind: 'user', account: ACCT, name: 'alice' }, 'read', READ);
  return cp;
}

/** A session of Reader that expires in an hour. */
const jobSession = (cp: OpenedControlPlane) =>
  cp.iam.createSession({ account: ACCT, roleName: 'Reader', sessionName: 'job', expiration: NOW + HOUR });

const get = (principal: string) => ({ principal, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' });

describe('session expiry and liveness in the resolver', () => {
  it('a role session is allowed until it expires, then nothing, also from the cache', async () => {
    const cp = await plane();
    try {
      const s = await jobSession(cp);
      const ask = async (now: number, explain = false) =>
        (await cp.decide(get(s.assumedRoleArn), { now, explain }, { credential: s.accessKeyId })).result;
      assert.equal((await ask(NOW)).decision, 'Allow');
      // Warm now: the pair is cached; the expiry is still checked against this decision's time.
      assert.notEqual(
        cp.resolver.prepareCached(get(s.assumedRoleArn), { credential: s.accessKeyId }),
        undefined,
      );
      assert.equal((await ask(NOW + HOUR - 1)).decision, 'Allow');
      const expired = await ask(NOW + HOUR, true);
      assert.equal(expired.decision, 'ImplicitDeny');
      assert.match(
        expired.explanation?.steps[0]?.outcome ?? '',
        /session expired at 2026-11-22T13:00:00\.000Z/,
      );
      // The ARN alone (no credential) asks about the role's policies, not this session: still decided.
      assert.equal(
        (await cp.decide(get(s.assumedRoleArn), { now: NOW + 2 * HOUR })).result.decision,
        'Allow',
      );
    } finally {
      await cp.close();
    }
  });

  it('a user’s GetSessionToken and GetFederationToken sessions expire the same way', async () => {
    const cp = await plane();
    try {
      const user = await cp.iam.createUserSession(ACCT, 'alice', NOW + HOUR);
      const userArn = `arn:aws:iam::${ACCT}:user/alice`;
      const fed = await cp.iam.createFederatedSession({
        account: ACCT,
        userName: 'alice',
        name: 'Bob',
        expiration: NOW + HOUR,
        sessionPolicy: READ,
      });
      for (const [principal, credential] of [
        [userArn, user.accessKeyId],
        [fed.arn, fed.accessKeyId],
      ] as const) {
        const ask = async (now: number) =>
          (await cp.decide(get(principal), { now }, { credential })).result.decision;
        assert.equal(await ask(NOW), 'Allow', principal);
        assert.equal(await ask(NOW + HOUR), 'ImplicitDeny', principal);
      }
      // A long-term access key has no expiry.
      const key = await cp.iam.createAccessKey(ACCT, 'alice');
      const long = await cp.decide(get(userArn), { now: NOW + 1000 * HOUR }, { credential: key.accessKeyId });
      assert.equal(long.result.decision, 'Allow');
    } finally {
      await cp.close();
    }
  });

  it('a live session of a deleted or re-created role is allowed nothing', async () => {
    const cp = await plane();
    try {
      const s = await jobSession(cp);
      const ask = async () =>
        (await cp.decide(get(s.assumedRoleArn), { now: NOW, explain: true }, { credential: s.accessKeyId }))
          .result;
      assert.equal((await ask()).decision, 'Allow');
      await cp.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read');
      await cp.iam.deleteRole(ACCT, 'Reader');
      await cp.iam.createRole({ account: ACCT, name: 'Reader', trustPolicy: TRUST });
      await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read', READ);
      const after = await ask();
      assert.equal(after.decision, 'ImplicitDeny');
      assert.match(after.explanation?.steps[0]?.outcome ?? '', /no longer exists/);
    } finally {
      await cp.close();
    }
  });
});
