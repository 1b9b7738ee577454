/**
 * The endpoint on PostgreSQL (several servers can share one database): the SDK creates a role, assumes it
 * and calls as the session; a write past the store's statement timeout fails whole. Required in CI;
 * elsewhere skipped with the reason when PostgreSQL is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { openApi, type OpenApi } from '../../src/api/index.js';
import { PostgresStore, type StoreSettings } from '../../src/store/index.js';
import { holdRevisionRow, PG_URL, postgresUnavailable } from '../store/backends.js';
import { coreMissing, readCredentialsFile, type Credentials } from './harness.js';

const down = await postgresUnavailable();
if (down !== undefined && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required in CI and is not reachable at ${PG_URL}: ${down}`);
}
const skip =
  (down !== undefined ? `PostgreSQL not reachable at ${PG_URL}: ${down}` : false) || (await coreMissing());
if (down !== undefined) console.log(`# skipped: PostgreSQL not reachable at ${PG_URL}: ${down}`);

/**
 * `fn` with a server on a fresh schema of the PostgreSQL database (`settings` for its store) and the
 * administrator key its first start wrote; the schema goes with the server.
 */
async function onPostgres(
  settings: StoreSettings,
  fn: (server: { api: OpenApi; admin: Credentials; schema: string }) => Promise<void>,
): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-api-pg-'));
  const schema = `rolecall_api_${randomBytes(6).toString('hex')}`;
  const previousKey = process.env.ROLECALL_SECRET_KEY;
  // The secret key stays outside the database: from the environment here, never in the repository.
  process.env.ROLECALL_SECRET_KEY = randomBytes(32).toString('hex');
  const api = await openApi({
    store: `${PG_URL}?schema=${schema}`,
    storeSettings: settings,
    credentialsFile: path.join(dir, 'credentials'),
    port: 0,
  });
  try {
    await fn({ api, admin: readCredentialsFile(path.join(dir, 'credentials')), schema });
  } finally {
    const store = api.cp.store;
    if (store instanceof PostgresStore) await store.dropSchema();
    await api.close();
    if (previousKey === undefined) delete process.env.ROLECALL_SECRET_KEY;
    else process.env.ROLECALL_SECRET_KEY = previousKey;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('rolecall serve on PostgreSQL answers the SDK: create, assume, call as the session', { skip }, () =>
  onPostgres({}, async ({ api, admin }) => {
    const iam = new IAMClient({
      endpoint: api.url,
      region: 'us-east-1',
      credentials: admin,
      maxAttempts: 1,
    });
    const sts = new STSClient({
      endpoint: api.url,
      region: 'us-east-1',
      credentials: admin,
      maxAttempts: 1,
    });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'pg-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: me.Arn }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'pg-role' }))).Role?.Arn, role.Role?.Arn);
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: role.Role?.Arn, RoleSessionName: 'pg' }));
    const c = assumed.Credentials;
    const session = new STSClient({
      endpoint: api.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
      maxAttempts: 1,
    });
    assert.equal((await session.send(new GetCallerIdentityCommand({}))).Arn, assumed.AssumedRoleUser?.Arn);
  }),
);

test(
  'a write past the store statement timeout answers ServiceUnavailable and creates nothing',
  { skip },
  () =>
    onPostgres({ statementTimeoutMs: 300 }, async ({ api, admin, schema }) => {
      const iam = new IAMClient({
        endpoint: api.url,
        region: 'us-east-1',
        credentials: admin,
        maxAttempts: 1,
      });
      const trust = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      const held = await holdRevisionRow(schema);
      try {
        await assert.rejects(
          iam.send(new CreateRoleCommand({ RoleName: 'slow', AssumeRolePolicyDocument: trust })),
          (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
            assert.equal(e.name, 'ServiceUnavailable');
            assert.equal(e.$metadata?.httpStatusCode, 503);
            assert.match(e.message, /statement timeout is 300 ms/);
            return true;
          },
        );
      } finally {
        await held.release();
      }
      await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'slow' })), {
        name: 'NoSuchEntityException',
      });
      await iam.send(new CreateRoleCommand({ RoleName: 'slow', AssumeRolePolicyDocument: trust }));
      assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'slow' }))).Role?.RoleName, 'slow');
    }),
);
