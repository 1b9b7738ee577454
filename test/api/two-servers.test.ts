/**
 * Two `rolecall serve` processes' worth of servers on one SQLite file: a write through one is enforced by the
 * other once its caches follow the store revision (read at most once a second), as several servers behind a load balancer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListRolesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { openApi } from '../../src/api/index.js';
import { coreMissing, startTestServer } from './harness.js';

const skip = await coreMissing();

test('a deny written through one server is enforced by the other server', { skip }, async () => {
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
    const admin1 = new IAMClient({
      endpoint: first.url,
      region: 'us-east-1',
      credentials: first.admin,
      maxAttempts: 1,
    });
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
      endpoint: second.url,
      region: 'us-east-1',
      credentials: {
        accessKeyId: key.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
      },
      maxAttempts: 1,
    });
    assert.ok((await reader.send(new ListRolesCommand({}))).Roles);
    await allow('Deny', 'no-list');
    // The second server reads the store's revision at most once a second: ask until it enforces the deny.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const denied = await reader.send(new ListRolesCommand({})).then(
        () => false,
        (e: Error) => {
          if (e.name !== 'AccessDenied') throw e;
          return true;
        },
      );
      if (denied) break;
      assert.ok(Date.now() < deadline, 'the second server never enforced the deny');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await second.close();
    await first.close();
  }
});
