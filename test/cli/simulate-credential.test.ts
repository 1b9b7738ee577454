/**
 * `rolecall simulate --store --access-key-id`: the decision is about the stored credential's own principal
 * and session, through the resolver's credential path the endpoint decides signed requests with: a live
 * session is allowed what its role is, an expired one or one whose role was deleted nothing, a user's key
 * what its user is; a principal that is not the credential's is refused.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openControlPlane } from '../../src/iam/open.js';
import { runMain } from '../helpers/main.js';

const ACCT = '111122223333';
const NOW = Date.UTC(2026, 10, 22, 12);
const HOUR = 60 * 60 * 1000;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const READ = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });

test('simulate --access-key-id decides as the stored credential: its session, its expiry, its principal', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-simulate-credential-'));
  const store = path.join(dir, 'store.db');
  const cp = await openControlPlane(store, { now: () => NOW });
  let session: { accessKeyId: string; assumedRoleArn: string };
  let userKey: string;
  try {
    await cp.iam.createRole({ account: ACCT, name: 'Reader', trustPolicy: TRUST });
    await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read', READ);
    await cp.iam.createUser({ account: ACCT, name: 'alice' });
    session = await cp.iam.createSession({
      account: ACCT,
      roleName: 'Reader',
      sessionName: 'job',
      expiration: NOW + HOUR,
    });
    userKey = (await cp.iam.createAccessKey(ACCT, 'alice')).accessKeyId;
  } finally {
    await cp.close();
  }
  const simulate = (key: string, at: number, ...more: string[]) =>
    runMain([
      'simulate',
      '--store',
      store,
      '--access-key-id',
      key,
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::logs/a',
      '--now',
      new Date(at).toISOString(),
      '--json',
      '--explain',
      ...more,
    ]);
  const live = await simulate(session.accessKeyId, NOW);
  assert.equal(live.status, 0, live.out + live.err);
  assert.equal((JSON.parse(live.out) as { decision: string }).decision, 'Allow');

  // At its expiry the session is allowed nothing, whatever its role's policies say.
  const expired = await simulate(session.accessKeyId, NOW + HOUR);
  assert.equal(expired.status, 2, expired.out + expired.err);
  const e = JSON.parse(expired.out) as { decision: string; explanation: { steps: { outcome: string }[] } };
  assert.equal(e.decision, 'ImplicitDeny');
  assert.match(e.explanation.steps[0]?.outcome ?? '', /session expired at 2026-11-22T13:00:00\.000Z/);

  // A user's long-term key is its user, who has no policy: denied (not the role's allow).
  const user = await simulate(userKey, NOW);
  assert.equal(user.status, 2, user.out + user.err);

  // A --principal that is not the credential's is refused, never decided as the one named.
  const other = await simulate(userKey, NOW, '--principal', session.assumedRoleArn);
  assert.equal(other.status, 1, other.out + other.err);
  assert.match(other.err, /is not/);

  // The role re-created under its name (another unique id): the old session is allowed nothing.
  const again = await openControlPlane(store, { now: () => NOW });
  try {
    await again.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read');
    await again.iam.deleteRole(ACCT, 'Reader');
    await again.iam.createRole({ account: ACCT, name: 'Reader', trustPolicy: TRUST });
    await again.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'Reader' }, 'read', READ);
  } finally {
    await again.close();
  }
  const revoked = await simulate(session.accessKeyId, NOW);
  assert.equal(revoked.status, 2, revoked.out + revoked.err);
  const r = JSON.parse(revoked.out) as { explanation: { steps: { outcome: string }[] } };
  assert.match(r.explanation.steps[0]?.outcome ?? '', /no longer exists/);

  // Bad input: a clear usage error, nothing decided.
  const bad = await simulate('not-a-key', NOW);
  assert.equal(bad.status, 1);
  assert.match(bad.err, /--access-key-id `not-a-key` is not an access key id/);

  // With a key that is not the store's: a credential's record holds its secrets, so the store is
  // refused, in one line; a principal's decision reads no secret and is decided (without the key).
  const previousKey = process.env.ROLECALL_SECRET_KEY;
  process.env.ROLECALL_SECRET_KEY = 'cd'.repeat(32);
  try {
    const wrongKey = await simulate(userKey, NOW);
    assert.equal(wrongKey.status, 1, wrongKey.out + wrongKey.err);
    assert.match(
      wrongKey.err,
      /^rolecall: StoreUnavailable: the secret key from `ROLECALL_SECRET_KEY` does not open the store/,
    );
    const byPrincipal = await runMain([
      'simulate',
      '--store',
      store,
      '--principal',
      `arn:aws:iam::${ACCT}:role/Reader`,
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::logs/a',
    ]);
    assert.equal(byPrincipal.status, 0, byPrincipal.out + byPrincipal.err);
    assert.match(byPrincipal.out, /^Allow: /);
  } finally {
    if (previousKey === undefined) delete process.env.ROLECALL_SECRET_KEY;
    else process.env.ROLECALL_SECRET_KEY = previousKey;
  }
});
