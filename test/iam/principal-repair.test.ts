/**
 * A store written before policies were bound to unique ids keeps the plain ARN of a user or role deleted
 * since; opening it with this version replaces each such ARN with an id no principal has (once, marked in
 * store-meta), so a principal re-created under the name is not trusted. The old store is built record by
 * record, as the old version left it, in a SQLite file opened the way every command opens one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openControlPlane } from '../../src/iam/index.js';
import { openStore } from '../../src/store/open.js';
import { tempDir } from '../store/backends.js';

const ACCT = '111122223333';
const ghost = `arn:aws:iam::${ACCT}:user/ghost`;
const alive = `arn:aws:iam::${ACCT}:user/alive`;
const gone = `arn:aws:iam::${ACCT}:role/gone`;
const trust = (aws: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }],
  });
const bucketPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: gone }, Action: 's3:GetObject', Resource: '*' }],
});

/** The records an older version left: the trusted user `ghost` and the role `gone` were deleted. */
async function oldStore(file: string): Promise<void> {
  const store = await openStore(file);
  const date = '2026-01-01T00:00:00Z';
  await store.withTransaction(async (tx) => {
    await tx.put('account', ACCT, { id: ACCT, name: ACCT, tags: [] });
    const user = (name: string, id: string) => ({
      account: ACCT,
      name,
      path: '/',
      id,
      createDate: date,
      tags: [],
      groups: [],
      inline: [],
      attached: [],
    });
    await tx.put('user', `${ACCT}/alive`, user('alive', 'AIDAALIVE000000000001'));
    await tx.put('role', `${ACCT}/target`, {
      account: ACCT,
      name: 'target',
      path: '/',
      id: 'AROATARGET00000000001',
      createDate: date,
      trustPolicy: trust([ghost, alive]),
      maxSessionDuration: 3600,
      tags: [],
      inline: [],
      attached: [],
    });
    await tx.put('resource', 'arn:aws:s3:::data', {
      arn: 'arn:aws:s3:::data',
      type: 's3-bucket',
      account: ACCT,
      region: '',
      policy: bucketPolicy,
      tags: [],
      attributes: {},
    });
  });
  await store.close();
}

describe('repair of policies naming deleted principals', () => {
  it('an old store no longer trusts a principal re-created under a deleted one’s name', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'rolecall.db');
    try {
      await oldStore(file);
      const cp = await openControlPlane(file);
      try {
        const shown = (await cp.iam.getRole(ACCT, 'target')).trustPolicy;
        const principals = (JSON.parse(shown) as { Statement: [{ Principal: { AWS: string[] } }] })
          .Statement[0].Principal.AWS;
        assert.match(principals[0] ?? '', /^AIDA[A-Z2-7]{17}$/, 'the deleted user shows as an id');
        assert.equal(principals[1], alive, 'an existing user keeps its ARN');
        assert.match((await cp.resources.get('arn:aws:s3:::data')).policy ?? '', /"AROA[A-Z2-7]{17}"/);

        await cp.iam.createUser({ account: ACCT, name: 'ghost' });
        const decide = async (principal: string) =>
          (
            await cp.decide(
              { principal, action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCT}:role/target` },
              { now: Date.now() },
            )
          ).result.decision;
        assert.equal(await decide(ghost), 'ImplicitDeny');
        assert.equal(await decide(alive), 'Allow');
      } finally {
        await cp.close();
      }
      // Once repaired, the store is not repaired again: the next open changes nothing.
      const again = await openControlPlane(file);
      try {
        const before = (await again.iam.getRole(ACCT, 'target')).trustPolicy;
        await again.iam.deleteUser(ACCT, 'ghost');
        assert.equal((await again.iam.getRole(ACCT, 'target')).trustPolicy, before);
      } finally {
        await again.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
