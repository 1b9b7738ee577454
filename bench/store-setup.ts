/**
 * A store with `n` roles for the store-backed decision benchmark (SQLite, or PostgreSQL in a schema of its
 * own), and the requests to decide against it with the answer each must get (known by construction,
 * independently of the engine).
 *
 * Roles are spread over accounts of at most 100 (an account's entity quota check reads its roles). Every
 * role: a trust policy for EMR, a `team` tag (one of ten), the shared customer managed policy that
 * allows reading and writing under `data/${aws:PrincipalTag/team}/`, an inline policy that denies deleting,
 * and a permissions boundary allowing S3 (both customer managed policies of its account). The accounts
 * are in an organization whose root SCP allows everything but s3:DeleteBucket; the bucket `data` (of the
 * first account) is registered with a policy that lets the organization's principals read and write under
 * their team's prefix (the other accounts' roles need it: their requests are cross-account).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
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

/** The PostgreSQL database the bench uses when it is reachable (`ROLECALL_BENCH_PG`). */
export const BENCH_PG_URL = process.env.ROLECALL_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `postgres`: a schema of its own in BENCH_PG_URL, dropped on close. */
export async function benchStore(n: number, backend: 'sqlite' | 'postgres' = 'sqlite'): Promise<BenchStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-bench-'));
  const schema = `rolecall_bench_${randomBytes(6).toString('hex')}`;
  // A PostgreSQL store keeps its secret key beside the current directory's store unless given one.
  if (backend === 'postgres') process.env.ROLECALL_SECRET_KEY ??= randomBytes(32).toString('hex');
  const cp = await openControlPlane(
    backend === 'sqlite' ? path.join(dir, 'rolecall.db') : `${BENCH_PG_URL}?schema=${schema}`,
  );
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
      if (backend === 'postgres') await dropSchema(schema);
    },
  };
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Undefined when PostgreSQL answers at BENCH_PG_URL, else why not. */
export async function benchPostgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: BENCH_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
