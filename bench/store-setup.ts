/**
 * A SQLite store with `n` roles for the store-backed decision benchmark, and the requests to decide
 * against it with the answer each must get (known by construction, independently of the engine).
 *
 * Roles are spread over accounts of at most 100 (an account's entity quota check reads its roles). Every
 * role: a trust policy for EMR, a `team` tag (one of ten), the shared customer managed policy that
 * allows reading and writing under `data/${aws:PrincipalTag/team}/`, an inline policy that denies deleting,
 * and a permissions boundary allowing S3 (both customer managed policies of its account). The accounts
 * are in an organization whose root SCP allows everything but s3:DeleteBucket; the bucket `data` (of the
 * first account) is registered with a policy that lets the organization's principals read and write under
 * their team's prefix (the other accounts' roles need it: their requests are cross-account).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Decision } from '../src/eval/types.js';
import { openControlPlane, type OpenedControlPlane } from '../src/iam/index.js';

const TEAMS = 10;
const PER_ACCOUNT = 100;
const accountOf = (i: number) => String(100000000000 + Math.floor(i / PER_ACCOUNT));
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

export interface StoreRequest {
  principal: string;
  action: string;
  resource: string;
  expect: Decision;
}

export interface BenchStore {
  cp: OpenedControlPlane;
  dir: string;
  /** Request `k`: role `k mod n`, one of three requests with a known answer. */
  requests: StoreRequest[];
  close(): Promise<void>;
}

export async function benchStore(n: number): Promise<BenchStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-bench-'));
  const cp = await openControlPlane(path.join(dir, 'rolecall.db'));
  await cp.store.withTransaction(async () => {
    const org = await cp.org.create('999999999999');
    const scp = await cp.org.createPolicy({
      type: 'scp',
      name: 'no-bucket-deletion',
      document: doc(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
      ),
    });
    await cp.org.attachPolicy(scp.id, org.rootId);
    await cp.resources.put({
      arn: 'arn:aws:s3:::data',
      account: accountOf(0),
      policy: doc({
        Effect: 'Allow',
        Principal: '*',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*',
        Condition: { StringEquals: { 'aws:PrincipalOrgID': org.id } },
      }),
    });
    const trustPolicy = doc({
      Effect: 'Allow',
      Principal: { Service: 'elasticmapreduce.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
    let data = '';
    let boundary = '';
    for (let i = 0; i < n; i++) {
      const account = accountOf(i);
      if (i % PER_ACCOUNT === 0) {
        await cp.org.moveAccount(account, org.rootId);
        data = (
          await cp.iam.createPolicy({
            account,
            name: 'team-data',
            document: doc({
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*',
            }),
          })
        ).arn;
        boundary = (
          await cp.iam.createPolicy({
            account,
            name: 's3-only',
            document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
          })
        ).arn;
      }
      const ref = { kind: 'role' as const, account, name: `emr-role-${i}` };
      await cp.iam.createRole({
        account,
        name: ref.name,
        trustPolicy,
        permissionsBoundary: boundary,
        tags: [{ key: 'team', value: `t${i % TEAMS}` }],
      });
      await cp.iam.attachPolicy(ref, data);
      await cp.iam.putInlinePolicy(
        ref,
        'no-deletes',
        doc({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }),
      );
    }
  });
  const requests: StoreRequest[] = [];
  for (let i = 0; i < n; i++) {
    const principal = `arn:aws:iam::${accountOf(i)}:role/emr-role-${i}`;
    const own = `arn:aws:s3:::data/t${i % TEAMS}/part-0000.parquet`;
    const other = `arn:aws:s3:::data/t${(i + 1) % TEAMS}/part-0000.parquet`;
    requests.push(
      { principal, action: 's3:GetObject', resource: own, expect: 'Allow' },
      { principal, action: 's3:GetObject', resource: other, expect: 'ImplicitDeny' },
      { principal, action: 's3:DeleteObject', resource: own, expect: 'ExplicitDeny' },
    );
  }
  return {
    cp,
    dir,
    requests,
    close: async () => {
      await cp.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
