/**
 * STS session rules end to end with the AWS SDK: GetFederationToken (a federated user session is the
 * user's permissions intersected with the session policies; without one, only a resource-based policy
 * naming the session grants; its credentials call no IAM operation), and the source identity along a role
 * chain (sts:SetSourceIdentity in the calling role's identity policy as well as the trust policy; once set,
 * it cannot change). Decisions for a federated session are asked through the decision API with the
 * session's credential, since its credentials cannot call IAM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { coreMissing, type Credentials, type TestServer } from './harness.js';
import { creds, failure, policy, sdkClients, serverAndAccount } from './sdk-clients.js';

const skip = await coreMissing();

let server: TestServer;
let account: string;
const region = 'us-east-1';

const { iam, sts } = sdkClients(() => server, region);

/** POST /v1/authorize signed by `signer`: the decision for `body`. */
async function decide(signer: Credentials, body: object): Promise<{ decision?: string; error?: unknown }> {
  const u = new URL(server.url);
  const text = JSON.stringify(body);
  const signed = await new SignatureV4({ credentials: signer, region, service: 'iam', sha256: Sha256 }).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/v1/authorize',
    query: {},
    headers: { host: u.host, 'content-type': 'application/json' },
    body: text,
  });
  const res = await fetch(`${server.url}/v1/authorize`, {
    method: 'POST',
    headers: signed.headers,
    body: text,
  });
  return (await res.json()) as { decision?: string };
}

async function userWith(name: string, inline: string): Promise<Credentials> {
  const admin = iam(server.admin);
  await admin.send(new CreateUserCommand({ UserName: name }));
  await admin.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: inline }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
}

before(async () => {
  if (skip) return;
  ({ server, account } = await serverAndAccount());
});
after(async () => {
  if (!skip) await server.close();
});

describe('GetFederationToken', { skip }, () => {
  test('issues a federated user session with its ARN and id; its credentials call no IAM operation', async () => {
    const proxy = await userWith('proxy', policy({ Effect: 'Allow', Action: '*', Resource: '*' }));
    const got = await sts(proxy).send(
      new GetFederationTokenCommand({
        Name: 'Bob',
        Policy: policy({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }),
        DurationSeconds: 900,
      }),
    );
    assert.equal(got.FederatedUser?.Arn, `arn:aws:sts::${account}:federated-user/Bob`);
    assert.equal(got.FederatedUser?.FederatedUserId, `${account}:Bob`);
    assert.ok((got.PackedPolicySize ?? 0) > 0);
    const bob = creds(got.Credentials);
    const who = await sts(bob).send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws:sts::${account}:federated-user/Bob`);
    assert.equal(who.UserId, `${account}:Bob`);
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html (Permissions)
    assert.equal(await failure(iam(bob).send(new ListUsersCommand({}))), 'AccessDenied');
    assert.equal(
      await failure(sts(bob).send(new GetFederationTokenCommand({ Name: 'Again' }))),
      'AccessDenied',
    );
  });

  test('needs sts:GetFederationToken; session credentials cannot federate', async () => {
    const plain = await userWith(
      'no-federation',
      policy({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }),
    );
    assert.equal(
      await failure(sts(plain).send(new GetFederationTokenCommand({ Name: 'Eve' }))),
      'AccessDenied',
    );
  });

  test('permissions are the intersection of the user’s policies and the session policy', async () => {
    const proxy = await userWith(
      'proxy-s3',
      policy({
        Effect: 'Allow',
        Action: ['sts:GetFederationToken', 's3:GetObject', 's3:ListBucket'],
        Resource: '*',
      }),
    );
    const issue = async (name: string, sessionPolicy?: string) =>
      creds(
        (
          await sts(proxy).send(
            new GetFederationTokenCommand({
              Name: name,
              ...(sessionPolicy !== undefined ? { Policy: sessionPolicy } : {}),
            }),
          )
        ).Credentials,
      );
    const narrowed = await issue(
      'Carol',
      policy({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }),
    );
    const bare = await issue('Dave');
    const ask = (who: Credentials, name: string, action: string) =>
      decide(server.admin, {
        principal: `arn:aws:sts::${account}:federated-user/${name}`,
        credential: who.accessKeyId,
        action,
        resource: 'arn:aws:s3:::reports/q1.csv',
        resourceAccount: account,
      });
    // Both allow: allowed. Only the user's policy (ListBucket) or only the session policy (PutObject): denied.
    assert.equal((await ask(narrowed, 'Carol', 's3:GetObject')).decision, 'Allow');
    assert.equal((await ask(narrowed, 'Carol', 's3:ListBucket')).decision, 'ImplicitDeny');
    assert.equal((await ask(narrowed, 'Carol', 's3:PutObject')).decision, 'ImplicitDeny');
    // No session policy: no permissions from the user's policies.
    assert.equal((await ask(bare, 'Dave', 's3:GetObject')).decision, 'ImplicitDeny');
    // ... but a resource-based policy naming the federated user session grants.
    await server.api.cp.resources.put({
      arn: 'arn:aws:s3:::reports',
      account,
      policy: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:sts::${account}:federated-user/Dave` },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::reports/*',
      }),
    });
    assert.equal((await ask(bare, 'Dave', 's3:GetObject')).decision, 'Allow');
    assert.equal((await ask(bare, 'Dave', 's3:PutObject')).decision, 'ImplicitDeny');
    // A credential answers only for its own principal.
    assert.ok((await ask(bare, 'Carol', 's3:GetObject')).error);
  });
});

describe('source identity along a role chain', { skip }, () => {
  test('chaining needs sts:SetSourceIdentity in the calling role’s policy and the trust policy; it cannot change', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    const admin = iam(server.admin);
    const trust = (principal: object) =>
      policy({ Effect: 'Allow', Principal: principal, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] });
    const first = await admin.send(
      new CreateRoleCommand({ RoleName: 'ChainFirst', AssumeRolePolicyDocument: trust({ AWS: account }) }),
    );
    const second = await admin.send(
      new CreateRoleCommand({
        RoleName: 'ChainSecond',
        MaxSessionDuration: 7200,
        AssumeRolePolicyDocument: trust({ AWS: first.Role?.Arn ?? '' }),
      }),
    );
    const secondArn = second.Role?.Arn ?? '';
    const grant = (actions: string[]) =>
      admin.send(
        new PutRolePolicyCommand({
          RoleName: 'ChainFirst',
          PolicyName: 'chain',
          PolicyDocument: policy({ Effect: 'Allow', Action: actions, Resource: '*' }),
        }),
      );
    await grant(['sts:AssumeRole']);
    const alice = creds(
      (
        await sts(server.admin).send(
          new AssumeRoleCommand({
            RoleArn: first.Role?.Arn ?? '',
            RoleSessionName: 'alice',
            SourceIdentity: 'alice',
          }),
        )
      ).Credentials,
    );
    // The trust policy allows it, the calling role's identity policy does not.
    assert.equal(
      await failure(sts(alice).send(new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'hop' }))),
      'AccessDenied',
    );
    await grant(['sts:AssumeRole', 'sts:SetSourceIdentity']);
    const hop = await sts(alice).send(new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'hop' }));
    assert.equal(hop.SourceIdentity, 'alice');
    assert.equal(
      await failure(
        sts(alice).send(
          new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'hop2', SourceIdentity: 'mallory' }),
        ),
      ),
      'AccessDenied',
    );
    // Role chaining caps the session at one hour.
    assert.equal(
      await failure(
        sts(alice).send(
          new AssumeRoleCommand({ RoleArn: secondArn, RoleSessionName: 'long', DurationSeconds: 7200 }),
        ),
      ),
      'ValidationError',
    );
  });
});

describe('session tag rules', { skip }, () => {
  test('duplicate keys and transitive keys are refused with InvalidParameterValue in AWS’s words', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining
    const admin = iam(server.admin);
    const trust = policy({
      Effect: 'Allow',
      Principal: { AWS: account },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    });
    const roleArn = async (name: string) =>
      (await admin.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))).Role
        ?.Arn ?? '';
    const first = await roleArn('TagsFirst');
    const second = await roleArn('TagsSecond');
    await admin.send(
      new PutRolePolicyCommand({
        RoleName: 'TagsFirst',
        PolicyName: 'chain',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: second,
        }),
      }),
    );
    const refused = async (who: Credentials, input: ConstructorParameters<typeof AssumeRoleCommand>[0]) => {
      try {
        await sts(who).send(new AssumeRoleCommand(input));
      } catch (e) {
        const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
        return { code: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
      }
      return assert.fail('expected AssumeRole to fail');
    };
    assert.deepEqual(
      await refused(server.admin, {
        RoleArn: first,
        RoleSessionName: 'dup',
        Tags: [
          { Key: 'Team', Value: 'a' },
          { Key: 'team', Value: 'b' },
        ],
      }),
      {
        code: 'InvalidParameterValue',
        message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
        status: 400,
      },
    );
    assert.deepEqual(
      await refused(server.admin, {
        RoleArn: first,
        RoleSessionName: 'transitive',
        Tags: [{ Key: 'Team', Value: 'a' }],
        TransitiveTagKeys: ['Project'],
      }),
      {
        code: 'InvalidParameterValue',
        message: 'The specified transitive tag key must be included in the requested tags.',
        status: 400,
      },
    );
    // Transitive keys compare case-insensitively; a chained session cannot set a transitive key again.
    const chained = creds(
      (
        await sts(server.admin).send(
          new AssumeRoleCommand({
            RoleArn: first,
            RoleSessionName: 'one',
            Tags: [{ Key: 'Team', Value: 'a' }],
            TransitiveTagKeys: ['team'],
          }),
        )
      ).Credentials,
    );
    assert.deepEqual(
      await refused(chained, {
        RoleArn: second,
        RoleSessionName: 'two',
        Tags: [{ Key: 'TEAM', Value: 'b' }],
      }),
      {
        code: 'InvalidParameterValue',
        message:
          "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
        status: 400,
      },
    );
  });
});
