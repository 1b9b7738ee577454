/**
 * Two `rolecall serve` processes' worth of servers on one store (a SQLite file, a PostgreSQL schema), as
 * several servers behind a load balancer: a write through one is enforced by the other's next request
 * once the write has answered (each checks the store revision before every request; a write answers only
 * once the revision window has passed). PostgreSQL is required in CI; elsewhere skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListRolesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { openApi } from '../../src/api/index.js';
import { PostgresStore } from '../../src/store/index.js';
import { PG_URL, postgresUnavailable } from '../store/backends.js';
import { coreMissing, readCredentialsFile, startTestServer, type Credentials } from './harness.js';

const skip = await coreMissing();
const down = await postgresUnavailable();
if (down !== undefined && process.env.CI === 'true') {
  throw new Error(`PostgreSQL is required in CI and is not reachable at ${PG_URL}: ${down}`);
}
const pgSkip = (down !== undefined ? `PostgreSQL not reachable at ${PG_URL}: ${down}` : false) || skip;
if (down !== undefined) console.log(`# skipped: PostgreSQL not reachable at ${PG_URL}: ${down}`);

/** Allows a user something through the first server, denies it there, and asks the second each time. */
async function denyEnforcedByTheOther(first: string, admin: Credentials, second: string): Promise<void> {
  const admin1 = new IAMClient({ endpoint: first, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
  await admin1.send(new CreateUserCommand({ UserName: 'reader' }));
  const allow = (effect: 'Allow' | 'Deny', name: string) =>
    admin1.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: name,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: effect, Action: 'iam:ListRoles', Resource: '*' }],
        }),
      }),
    );
  await allow('Allow', 'list');
  const key = await admin1.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
  const reader = new IAMClient({
    endpoint: second,
    region: 'us-east-1',
    credentials: {
      accessKeyId: key.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
    },
    maxAttempts: 1,
  });
  assert.ok((await reader.send(new ListRolesCommand({}))).Roles);
  await allow('Deny', 'no-list');
  await assert.rejects(reader.send(new ListRolesCommand({})), (e: Error) => e.name === 'AccessDenied');
}

test(
  'SQLite: a deny written through one server is enforced by the other server’s next request',
  { skip },
  async () => {
    const first = await startTestServer();
    const second = await openApi({
      store: path.join(first.dir, 'rolecall.db'),
      credentialsFile: path.join(first.dir, 'unused-credentials'),
      port: 0,
    });
    try {
      assert.ok(
        !fs.existsSync(path.join(first.dir, 'unused-credentials')),
        'the second start must not bootstrap again',
      );
      await denyEnforcedByTheOther(first.url, first.admin, second.url);
    } finally {
      await second.close();
      await first.close();
    }
  },
);

test(
  'PostgreSQL: a deny written through one server is enforced by the other server’s next request',
  { skip: pgSkip },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-api-pg-'));
    const store = `${PG_URL}?schema=rolecall_api_${randomBytes(6).toString('hex')}`;
    const previousKey = process.env.ROLECALL_SECRET_KEY;
    // Every server sharing the database has the key: from the environment here.
    process.env.ROLECALL_SECRET_KEY = randomBytes(32).toString('hex');
    const first = await openApi({ store, credentialsFile: path.join(dir, 'credentials'), port: 0 });
    const second = await openApi({ store, credentialsFile: path.join(dir, 'unused-credentials'), port: 0 });
    try {
      await denyEnforcedByTheOther(first.url, readCredentialsFile(path.join(dir, 'credentials')), second.url);
    } finally {
      await second.close();
      const pg = first.cp.store;
      if (pg instanceof PostgresStore) await pg.dropSchema();
      await first.close();
      if (previousKey === undefined) delete process.env.ROLECALL_SECRET_KEY;
      else process.env.ROLECALL_SECRET_KEY = previousKey;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
