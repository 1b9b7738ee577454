/**
 * End to end with the `aws` CLI (botocore: signs only content-type;host;x-amz-date, sends no payload hash
 * header, decodes policy documents) against `rolecall serve` on loopback. Skipped with a printed reason
 * when no `aws` is installed outside CI; in CI (`CI=true`) it must run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coreMissing, startTestServer, type Credentials, type TestServer } from './harness.js';
import {
  findAwsCli,
  runAwsProcess,
  startAwsCli,
  type AwsCli,
  type AwsRun as Run,
} from '../helpers/aws-cli.js';

const executable = findAwsCli();
const available = executable !== undefined;
const inCi = process.env.CI === 'true';
const noCli = !available && !inCi ? 'no `aws` CLI on this machine (CI installs Debian awscli)' : false;
if (noCli) console.log(`# aws CLI suite skipped: ${noCli}`);
const skip = noCli || (await coreMissing());

let server: TestServer;
let cli: AwsCli;
/** aws-cli v1 exits 255 on a service error, v2 (Debian's awscli) 254 (https://docs.aws.amazon.com/cli/latest/topic/return-codes.html) */
const SERVICE_ERROR_EXIT = [254, 255];

/** The environment of every call: no config or credentials file, no pager, no retries. */
const baseEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_PAGER: '',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '1',
};

function awsArgs(args: string[]): string[] {
  return [...args, '--endpoint-url', server.url, '--output', 'json'];
}

function awsEnv(creds: Credentials): NodeJS.ProcessEnv {
  return {
    ...baseEnv,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken !== undefined ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
  };
}

/**
 * Runs `aws ARGS --endpoint-url URL --output json` with env credentials only, through the real CLI
 * (test/helpers/aws-cli.ts: in one warm Python process when it can, else a process per call).
 */
function aws(args: string[], creds: Credentials = server.admin): Promise<Run> {
  return cli.run(awsArgs(args), awsEnv(creds));
}

/** The account of the server's administrator (whose key signs every call by default). */
async function adminAccount(): Promise<string> {
  const admin = await server.api.cp.iam.findCredential(server.admin.accessKeyId);
  assert.equal(admin?.kind, 'user');
  return admin?.kind === 'user' ? admin.user.account : '';
}

function json<T>(run: Run): T {
  assert.equal(run.code, 0, `aws failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'elasticmapreduce.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

describe('aws CLI', { skip }, () => {
  before(async () => {
    if (!available)
      throw new Error('CI=true but no `aws` CLI is installed: the aws CLI suite must run in CI');
    // encoded denials on: the CLI's decode-authorization-message is exercised end to end
    server = await startTestServer({ encodeDenials: true });
    cli = await startAwsCli(executable, baseEnv);
    console.log(`# ${cli.version} at ${cli.executable}, ${cli.mode}`);
  });
  after(async () => {
    await cli?.close();
    await server?.close();
  });

  test('the aws executable itself, as a process, answers as the warm CLI does', async () => {
    const args = awsArgs(['sts', 'get-caller-identity']);
    const [alone, warm] = await Promise.all([
      runAwsProcess(cli.executable, args, awsEnv(server.admin)),
      cli.run(args, awsEnv(server.admin)),
    ]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.deepEqual(JSON.parse(alone.stdout), JSON.parse(warm.stdout));
  });

  test('create-role and get-role: the trust policy comes back decoded as JSON', async () => {
    const created = json<{ Role: { RoleName: string; Arn: string } }>(
      await aws([
        'iam',
        'create-role',
        '--role-name',
        'EMR_DefaultRole',
        '--assume-role-policy-document',
        trust,
        '--tags',
        'Key=team,Value=data eng',
      ]),
    );
    assert.equal(created.Role.RoleName, 'EMR_DefaultRole');
    const got = json<{ Role: { AssumeRolePolicyDocument: unknown; Tags?: unknown } }>(
      await aws(['iam', 'get-role', '--role-name', 'EMR_DefaultRole']),
    );
    assert.deepEqual(got.Role.AssumeRolePolicyDocument, JSON.parse(trust));
    assert.deepEqual(got.Role.Tags, [{ Key: 'team', Value: 'data eng' }]);
  });

  test('put-role-policy and get-role-policy round-trip the document', async () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::emr-logs/*' }],
    };
    const put = await aws([
      'iam',
      'put-role-policy',
      '--role-name',
      'EMR_DefaultRole',
      '--policy-name',
      'logs',
      '--policy-document',
      JSON.stringify(doc),
    ]);
    assert.equal(put.code, 0, put.stderr);
    const got = json<{ PolicyDocument: unknown }>(
      await aws(['iam', 'get-role-policy', '--role-name', 'EMR_DefaultRole', '--policy-name', 'logs']),
    );
    assert.deepEqual(got.PolicyDocument, doc);
  });

  test('list-roles auto-paginates through Marker', async () => {
    // The roles are made in the store: create-role through the CLI is the test above, and each call of
    // the CLI costs a botocore session (models, endpoints, handlers) of CPU.
    const account = await adminAccount();
    for (const n of ['a', 'b', 'c'])
      await server.api.cp.iam.createRole({ account, name: `cli-${n}`, path: '/cli/', trustPolicy: trust });
    const listed = json<{ Roles: { RoleName: string }[] }>(
      await aws(['iam', 'list-roles', '--path-prefix', '/cli/', '--page-size', '1']),
    );
    assert.deepEqual(
      listed.Roles.map((r) => r.RoleName),
      ['cli-a', 'cli-b', 'cli-c'],
    );
  });

  test('a service error exits non-zero (255 in CLI v1, 254 in v2) with AWS code and operation', async () => {
    const r = await aws(['iam', 'get-role', '--role-name', 'missing']);
    assert.ok(SERVICE_ERROR_EXIT.includes(r.code), `exit ${r.code}`);
    assert.match(r.stderr, /An error occurred \(NoSuchEntity\) when calling the GetRole operation/);
  });

  test('sts get-caller-identity, assume-role, and a call as the session', async () => {
    const me = json<{ Arn: string; Account: string }>(await aws(['sts', 'get-caller-identity']));
    assert.match(me.Arn, /^arn:aws:iam::\d{12}:user\//);
    const role = json<{ Role: { Arn: string } }>(
      await aws([
        'iam',
        'create-role',
        '--role-name',
        'cli-assumable',
        '--assume-role-policy-document',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: me.Arn }, Action: 'sts:AssumeRole' }],
        }),
      ]),
    );
    const assumed = json<{
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      AssumedRoleUser: { Arn: string };
    }>(await aws(['sts', 'assume-role', '--role-arn', role.Role.Arn, '--role-session-name', 'cli-session']));
    const session: Credentials = {
      accessKeyId: assumed.Credentials.AccessKeyId,
      secretAccessKey: assumed.Credentials.SecretAccessKey,
      sessionToken: assumed.Credentials.SessionToken,
    };
    const who = json<{ Arn: string }>(await aws(['sts', 'get-caller-identity'], session));
    assert.equal(who.Arn, assumed.AssumedRoleUser.Arn);

    // The role has no permissions: denied, and (with --encode-denials) the administrator decodes why.
    const denied = await aws(['iam', 'list-roles'], session);
    assert.ok(SERVICE_ERROR_EXIT.includes(denied.code), `exit ${denied.code}`);
    assert.match(denied.stderr, /\(AccessDenied\).*not authorized to perform: iam:ListRoles/);
    const encoded = /Encoded authorization failure message: (\S+)/.exec(denied.stderr)?.[1];
    assert.ok(encoded, denied.stderr);
    const decoded = json<{ DecodedMessage: string }>(
      await aws(['sts', 'decode-authorization-message', '--encoded-message', encoded]),
    );
    const doc = JSON.parse(decoded.DecodedMessage) as { context: { action: string } };
    assert.equal(doc.context.action, 'iam:ListRoles');
  });

  test('EMR setup: instance profile with its role, service-linked role, account summary, access key info', async () => {
    const me = json<{ Account: string }>(
      await aws(['sts', 'get-access-key-info', '--access-key-id', server.admin.accessKeyId]),
    );
    await server.api.cp.iam.createRole({ account: me.Account, name: 'cli-ec2', trustPolicy: trust });
    const created = json<{ InstanceProfile: { Arn: string; Roles: unknown[] } }>(
      await aws([
        'iam',
        'create-instance-profile',
        '--instance-profile-name',
        'cli-ec2',
        '--tags',
        'Key=t,Value=v',
      ]),
    );
    assert.equal(created.InstanceProfile.Arn, `arn:aws:iam::${me.Account}:instance-profile/cli-ec2`);
    assert.deepEqual(created.InstanceProfile.Roles, []);
    const added = await aws([
      'iam',
      'add-role-to-instance-profile',
      '--instance-profile-name',
      'cli-ec2',
      '--role-name',
      'cli-ec2',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const got = json<{
      InstanceProfile: { Roles: { RoleName: string; AssumeRolePolicyDocument: unknown }[] };
    }>(await aws(['iam', 'get-instance-profile', '--instance-profile-name', 'cli-ec2']));
    assert.equal(got.InstanceProfile.Roles[0]?.RoleName, 'cli-ec2');
    assert.deepEqual(got.InstanceProfile.Roles[0]?.AssumeRolePolicyDocument, JSON.parse(trust));
    const conflict = await aws(['iam', 'delete-role', '--role-name', 'cli-ec2']);
    assert.ok(SERVICE_ERROR_EXIT.includes(conflict.code), `exit ${conflict.code}`);
    assert.match(conflict.stderr, /\(DeleteConflict\) when calling the DeleteRole operation/);
    const listed = json<{ InstanceProfiles: { InstanceProfileName: string }[] }>(
      await aws(['iam', 'list-instance-profiles']),
    );
    assert.deepEqual(
      listed.InstanceProfiles.map((p) => p.InstanceProfileName),
      ['cli-ec2'],
    );
    const forRole = json<{ InstanceProfiles: { Roles: { RoleName: string }[] }[] }>(
      await aws(['iam', 'list-instance-profiles-for-role', '--role-name', 'cli-ec2']),
    );
    assert.deepEqual(
      forRole.InstanceProfiles.map((p) => p.Roles.map((r) => r.RoleName)),
      [['cli-ec2']],
    );
    const removed = await aws([
      'iam',
      'remove-role-from-instance-profile',
      '--instance-profile-name',
      'cli-ec2',
      '--role-name',
      'cli-ec2',
    ]);
    assert.equal(removed.code, 0, removed.stderr);
    const deleted = await aws(['iam', 'delete-instance-profile', '--instance-profile-name', 'cli-ec2']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await server.api.cp.iam.instanceProfiles.listInstanceProfiles(me.Account), []);

    const slr = json<{ Role: { RoleName: string; Path: string } }>(
      await aws([
        'iam',
        'create-service-linked-role',
        '--aws-service-name',
        'elasticmapreduce.amazonaws.com',
      ]),
    );
    assert.deepEqual(
      [slr.Role.RoleName, slr.Role.Path],
      ['AWSServiceRoleForEMRCleanup', '/aws-service-role/elasticmapreduce.amazonaws.com/'],
    );
    // Its AWS managed policy is attached to it, and to nothing else.
    const entities = json<{ PolicyRoles: { RoleName: string }[]; PolicyUsers: unknown[] }>(
      await aws([
        'iam',
        'list-entities-for-policy',
        '--policy-arn',
        'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy',
      ]),
    );
    assert.deepEqual(
      [entities.PolicyRoles.map((r) => r.RoleName), entities.PolicyUsers],
      [['AWSServiceRoleForEMRCleanup'], []],
    );
    const deletion = json<{ DeletionTaskId: string }>(
      await aws(['iam', 'delete-service-linked-role', '--role-name', 'AWSServiceRoleForEMRCleanup']),
    );
    const status = json<{ Status: string }>(
      await aws([
        'iam',
        'get-service-linked-role-deletion-status',
        '--deletion-task-id',
        deletion.DeletionTaskId,
      ]),
    );
    assert.equal(status.Status, 'SUCCEEDED');

    const summary = json<{ SummaryMap: Record<string, number> }>(await aws(['iam', 'get-account-summary']));
    assert.equal(summary.SummaryMap.InstanceProfiles, 0);
    assert.equal(summary.SummaryMap.RolesQuota, 1000);
  });

  test('account aliases, and sts get-federation-token with a call as the federated user', async () => {
    const account = server.api.cp.iam.accounts;
    const me = await adminAccount();
    const created = await aws(['iam', 'create-account-alias', '--account-alias', 'cli-alias']);
    assert.equal(created.code, 0, created.stderr);
    const aliases = json<{ AccountAliases: string[] }>(await aws(['iam', 'list-account-aliases']));
    assert.deepEqual(aliases.AccountAliases, ['cli-alias']);
    const deleted = await aws(['iam', 'delete-account-alias', '--account-alias', 'cli-alias']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await account.listAccountAliases(me), []);

    const fed = json<{
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      FederatedUser: { Arn: string };
    }>(
      await aws([
        'sts',
        'get-federation-token',
        '--name',
        'cli-fed',
        '--policy',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }],
        }),
      ]),
    );
    assert.match(fed.FederatedUser.Arn, /^arn:aws:sts::\d{12}:federated-user\/cli-fed$/);
    const who = json<{ Arn: string }>(
      await aws(['sts', 'get-caller-identity'], {
        accessKeyId: fed.Credentials.AccessKeyId,
        secretAccessKey: fed.Credentials.SecretAccessKey,
        sessionToken: fed.Credentials.SessionToken,
      }),
    );
    assert.equal(who.Arn, fed.FederatedUser.Arn);
  });

  test('simulate-custom-policy', async () => {
    const out = json<{ EvaluationResults: { EvalActionName: string; EvalDecision: string }[] }>(
      await aws([
        'iam',
        'simulate-custom-policy',
        '--policy-input-list',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'elasticmapreduce:*', Resource: '*' }],
        }),
        '--action-names',
        'elasticmapreduce:RunJobFlow',
        's3:GetObject',
      ]),
    );
    assert.deepEqual(
      out.EvaluationResults.map((r) => [r.EvalActionName, r.EvalDecision]),
      [
        ['elasticmapreduce:RunJobFlow', 'allowed'],
        ['s3:GetObject', 'implicitDeny'],
      ],
    );
  });

  test('a wrong secret is SignatureDoesNotMatch', async () => {
    const r = await aws(['sts', 'get-caller-identity'], {
      accessKeyId: server.admin.accessKeyId,
      secretAccessKey: 'wrong' + server.admin.secretAccessKey.slice(5),
    });
    assert.ok(SERVICE_ERROR_EXIT.includes(r.code), `exit ${r.code}`);
    assert.match(r.stderr, /SignatureDoesNotMatch/);
  });
});
