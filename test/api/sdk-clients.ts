/**
 * What the suites that drive the test server with the AWS SDK share: IAM and STS clients signed with given
 * credentials, the credentials of an STS answer, a policy document from statements, the error name of a
 * call that must fail, and the check that a set of calls left every table of the store as it was.
 */
import assert from 'node:assert/strict';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient, type Credentials as StsCredentials } from '@aws-sdk/client-sts';
import { TABLES } from '../../src/store/index.js';
import { startTestServer, type Credentials, type TestServer } from './harness.js';

/** Clients of the server `server()` returns (read at each call: suites start it in `before`). */
export function sdkClients(server: () => TestServer, region: string) {
  return {
    iam: (creds: Credentials) =>
      new IAMClient({ endpoint: server().url, region, credentials: creds, maxAttempts: 1 }),
    sts: (creds: Credentials) =>
      new STSClient({ endpoint: server().url, region, credentials: creds, maxAttempts: 1 }),
  };
}

/** Starts a test server and reads its administrator's account, for a suite's `before`. */
export async function serverAndAccount(): Promise<{ server: TestServer; account: string }> {
  const server = await startTestServer();
  const { sts } = sdkClients(() => server, 'us-east-1');
  const account = (await sts(server.admin).send(new GetCallerIdentityCommand({}))).Account ?? '';
  return { server, account };
}

export const creds = (c: StsCredentials | undefined): Credentials => ({
  accessKeyId: c?.AccessKeyId ?? '',
  secretAccessKey: c?.SecretAccessKey ?? '',
  sessionToken: c?.SessionToken ?? '',
});

export const policy = (...statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The error name an SDK call failed with. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { name: string }).name;
  }
  assert.fail('expected the call to fail');
}

/** Every record of every table, to compare before and after. */
async function snapshot(server: TestServer): Promise<string> {
  return JSON.stringify(
    await server.api.cp.store.withTransaction(
      async (tx) => Promise.all(TABLES.map(async (t) => [t, await tx.list(t)])),
      { readOnly: true },
    ),
  );
}

/** Runs the calls and asserts that the store is exactly as before. */
export async function unchanged(server: TestServer, fn: () => Promise<void>): Promise<void> {
  const before = await snapshot(server);
  await fn();
  assert.equal(await snapshot(server), before, 'the store changed');
}
