/**
 * The endpoint driven as an attacker would, with the real AWS SDK against `rolecall serve` on loopback: one
 * test per identity finding (sessions of the same name, credentials and policies outliving the principal
 * they were issued to or saved for, session revocation by token issue time, other accounts' policies,
 * AWS managed policies). Each asserts AWS's outcome and, around the attacker's calls, that the store did
 * not change.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListUsersCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { coreMissing, type TestServer } from './harness.js';
import {
  creds,
  failure,
  policy,
  sdkClients,
  serverAndAccount,
  unchanged as unchangedStore,
} from './sdk-clients.js';

const skip = await coreMissing();

let server: TestServer;
let account: string;
const region = 'us-east-1';

const { iam, sts } = sdkClients(() => server, region);
const ALLOW_ALL = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
const trustAccount = () => policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' });
const unchanged = (fn: () => Promise<void>) => unchangedStore(server, fn);

async function role(name: string, inline = ALLOW_ALL, trust = trustAccount()): Promise<string> {
  const admin = iam(server.admin);
  const r = await admin.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
  await admin.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: inline }));
  return r.Role?.Arn ?? '';
}

before(async () => {
  if (skip) return;
  ({ server, account } = await serverAndAccount());
});
after(async () => {
  if (!skip) await server.close();
});

describe('attacks on identity: every credential is its own session', { skip }, () => {
  test('a session assumed with a narrow Policy keeps it when another session of the same name exists', async () => {
    const arn = await role('SameName');
    const admin = sts(server.admin);
    const narrow = creds(
      (
        await admin.send(
          new AssumeRoleCommand({
            RoleArn: arn,
            RoleSessionName: 'dup',
            Policy: policy({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }),
          }),
        )
      ).Credentials,
    );
    // The unrestricted twin, assumed after (newest) ...
    const full = creds(
      (await admin.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'dup' }))).Credentials,
    );
    await unchanged(async () => {
      assert.equal(await failure(iam(narrow).send(new ListUsersCommand({}))), 'AccessDenied');
      assert.equal(
        await failure(iam(narrow).send(new CreateUserCommand({ UserName: 'by-narrow' }))),
        'AccessDenied',
      );
      await iam(narrow).send(new GetRoleCommand({ RoleName: 'SameName' }));
      // ... and the reverse: the unrestricted session is not narrowed by its twin.
      await iam(full).send(new ListUsersCommand({}));
    });
    // A third narrow session (newest now) does not narrow the full one either.
    await admin.send(
      new AssumeRoleCommand({
        RoleArn: arn,
        RoleSessionName: 'dup',
        Policy: policy({ Effect: 'Deny', Action: '*', Resource: '*' }),
      }),
    );
    await iam(full).send(new ListUsersCommand({}));
  });

  test('session tags and source identity are the session’s own, not its namesake’s', async () => {
    const arn = await role(
      'TaggedSessions',
      policy(
        {
          Effect: 'Allow',
          Action: 'iam:ListUsers',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'a' } },
        },
        {
          Effect: 'Allow',
          Action: 'iam:GetRole',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' } },
        },
      ),
      policy({
        Effect: 'Allow',
        Principal: { AWS: account },
        Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
      }),
    );
    const admin = sts(server.admin);
    const assume = async (team: string, sourceIdentity: string) =>
      creds(
        (
          await admin.send(
            new AssumeRoleCommand({
              RoleArn: arn,
              RoleSessionName: 'same',
              Tags: [{ Key: 'team', Value: team }],
              SourceIdentity: sourceIdentity,
            }),
          )
        ).Credentials,
      );
    const a = await assume('a', 'alice');
    const b = await assume('b', 'bob');
    await unchanged(async () => {
      await iam(a).send(new ListUsersCommand({}));
      await iam(a).send(new GetRoleCommand({ RoleName: 'TaggedSessions' }));
      assert.equal(await failure(iam(b).send(new ListUsersCommand({}))), 'AccessDenied');
      assert.equal(
        await failure(iam(b).send(new GetRoleCommand({ RoleName: 'TaggedSessions' }))),
        'AccessDenied',
      );
    });
  });

  test('AWSRevokeOlderSessions: a Deny on aws:TokenIssueTime revokes the sessions issued before it', async () => {
    const arn = await role('Revocable');
    const admin = sts(server.admin);
    const old = creds(
      (await admin.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'old' }))).Credentials,
    );
    await iam(old).send(new ListUsersCommand({}));
    server.advance(2000);
    const cutoff = new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    server.advance(2000);
    // The policy the IAM console's "Revoke active sessions" attaches.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
    await iam(server.admin).send(
      new PutRolePolicyCommand({
        RoleName: 'Revocable',
        PolicyName: 'AWSRevokeOlderSessions',
        PolicyDocument: policy({
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
        }),
      }),
    );
    const fresh = creds(
      (await admin.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'fresh' }))).Credentials,
    );
    await unchanged(async () => {
      assert.equal(await failure(iam(old).send(new ListUsersCommand({}))), 'AccessDenied');
      assert.equal(
        await failure(iam(old).send(new CreateUserCommand({ UserName: 'by-revoked' }))),
        'AccessDenied',
      );
      await iam(fresh).send(new ListUsersCommand({}));
    });
  });
});

describe('attacks on identity: principals are their unique ids, not their names', { skip }, () => {
  test('a deleted role’s session is denied (AccessDenied), also once a new role takes the name', async () => {
    const arn = await role('Doomed');
    const session = creds(
      (await sts(server.admin).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'ss' })))
        .Credentials,
    );
    await iam(session).send(new ListUsersCommand({}));
    const admin = iam(server.admin);
    await admin.send(new DeleteRolePolicyCommand({ RoleName: 'Doomed', PolicyName: 'p' }));
    await admin.send(new DeleteRoleCommand({ RoleName: 'Doomed' }));
    await unchanged(async () => {
      assert.equal(await failure(iam(session).send(new ListUsersCommand({}))), 'AccessDenied');
    });
    await role('Doomed');
    await unchanged(async () => {
      assert.equal(await failure(iam(session).send(new ListUsersCommand({}))), 'AccessDenied');
      assert.equal(
        await failure(iam(session).send(new CreateUserCommand({ UserName: 'by-ghost' }))),
        'AccessDenied',
      );
    });
  });

  // GetSessionToken credentials (without MFA) call only sts:AssumeRole and GetCallerIdentity: the attacker
  // assumes a role that trusts the account, which the new holder of the name may do.
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
  const ASSUME_ANY = policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });

  test('GetSessionToken credentials of a deleted user do not work for the next user of that name', async () => {
    const admin = iam(server.admin);
    const target = await role('TokenTarget');
    await admin.send(new CreateUserCommand({ UserName: 'reused' }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'reused' }))).AccessKey;
    const long = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const token = creds((await sts(long).send(new GetSessionTokenCommand({}))).Credentials);
    await admin.send(new DeleteAccessKeyCommand({ UserName: 'reused', AccessKeyId: long.accessKeyId }));
    await admin.send(new DeleteUserCommand({ UserName: 'reused' }));
    await admin.send(new CreateUserCommand({ UserName: 'reused' }));
    await admin.send(
      new PutUserPolicyCommand({ UserName: 'reused', PolicyName: 'p', PolicyDocument: ASSUME_ANY }),
    );
    await unchanged(async () => {
      assert.equal(
        await failure(sts(token).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: 'stolen' }))),
        'InvalidClientTokenId',
      );
      assert.equal(await failure(sts(token).send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    });
  });

  test('after a rename, the new holder of the old name does not inherit the session token', async () => {
    const admin = iam(server.admin);
    const target = await role('AliasTarget');
    await admin.send(new CreateUserCommand({ UserName: 'alias' }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'alias' }))).AccessKey;
    const long = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const token = creds((await sts(long).send(new GetSessionTokenCommand({}))).Credentials);
    await admin.send(new UpdateUserCommand({ UserName: 'alias', NewUserName: 'alias-renamed' }));
    await admin.send(new CreateUserCommand({ UserName: 'alias' }));
    await admin.send(
      new PutUserPolicyCommand({ UserName: 'alias', PolicyName: 'p', PolicyDocument: ASSUME_ANY }),
    );
    await unchanged(async () => {
      // The token is still the renamed user's, who may not assume roles.
      assert.equal(
        await failure(
          sts(token).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: 'inherit' })),
        ),
        'AccessDenied',
      );
    });
    const who = await sts(token).send(new GetCallerIdentityCommand({}));
    assert.match(who.Arn ?? '', /:user\/alias-renamed$/);
    // The renamed user's own permissions still apply to its token.
    await admin.send(
      new PutUserPolicyCommand({ UserName: 'alias-renamed', PolicyName: 'p', PolicyDocument: ASSUME_ANY }),
    );
    await sts(token).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: 'own' }));
  });

  test('a trust policy naming a user does not trust the re-created user of that name', async () => {
    const admin = iam(server.admin);
    const truster = async () => {
      await admin.send(new CreateUserCommand({ UserName: 'truster' }));
      await admin.send(
        new PutUserPolicyCommand({
          UserName: 'truster',
          PolicyName: 'assume',
          PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
        }),
      );
      const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'truster' }))).AccessKey;
      return { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    };
    const first = await truster();
    const userArn = `arn:aws:iam::${account}:user/truster`;
    const firstId = (await sts(first).send(new GetCallerIdentityCommand({}))).UserId ?? '';
    const arn = await role(
      'TrustsTruster',
      ALLOW_ALL,
      policy({ Effect: 'Allow', Principal: { AWS: userArn }, Action: 'sts:AssumeRole' }),
    );
    await sts(first).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'first' }));
    await admin.send(new DeleteAccessKeyCommand({ UserName: 'truster', AccessKeyId: first.accessKeyId }));
    await admin.send(new DeleteUserPolicyCommand({ UserName: 'truster', PolicyName: 'assume' }));
    await admin.send(new DeleteUserCommand({ UserName: 'truster' }));
    // Once the user is gone, the trust policy shows its unique id where the ARN was.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    const shown = async () =>
      decodeURIComponent(
        (await admin.send(new GetRoleCommand({ RoleName: 'TrustsTruster' }))).Role
          ?.AssumeRolePolicyDocument ?? '',
      );
    assert.ok((await shown()).includes(firstId), 'the trust policy shows the deleted user’s unique id');
    assert.ok(!(await shown()).includes(userArn));
    const second = await truster();
    await unchanged(async () => {
      assert.equal(
        await failure(sts(second).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'second' }))),
        'AccessDenied',
      );
    });
    assert.ok((await shown()).includes(firstId), 'the re-created user is not the one the policy names');
    // Saving the policy again binds the ARN to the user that exists now.
    await admin.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'TrustsTruster',
        PolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: userArn }, Action: 'sts:AssumeRole' }),
      }),
    );
    await sts(second).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'second' }));
  });
});

describe('attacks on identity: a policy cannot name a principal that does not exist', { skip }, () => {
  // https://repost.aws/knowledge-center/iam-trust-policy-error
  test('CreateRole and UpdateAssumeRolePolicy naming a missing user or role: MalformedPolicyDocument', async () => {
    const admin = iam(server.admin);
    await role('Existing');
    const missing = `arn:aws:iam::${account}:role/not-yet`;
    const trust = policy({ Effect: 'Allow', Principal: { AWS: missing }, Action: 'sts:AssumeRole' });
    const refusal = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.equal((e as Error).name, 'MalformedPolicyDocumentException');
        assert.match(
          (e as Error).message,
          /^Invalid principal in policy: "AWS":"arn:aws:iam::\d{12}:role\/not-yet"/,
        );
        return;
      }
      assert.fail('expected MalformedPolicyDocument');
    };
    await unchanged(async () => {
      await refusal(
        admin.send(new CreateRoleCommand({ RoleName: 'Naming', AssumeRolePolicyDocument: trust })),
      );
      await refusal(
        admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Existing', PolicyDocument: trust })),
      );
    });
    // Once the role exists, the same policy is accepted.
    await role('not-yet');
    await admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Existing', PolicyDocument: trust }));
  });
});

describe('attacks on identity: other accounts’ policies and AWS managed policies', { skip }, () => {
  const OTHER = '210987654321';

  test('another account’s customer managed policy is not attachable, nor usable as a boundary', async () => {
    const other = await server.api.cp.iam.createPolicy({
      account: OTHER,
      name: 'TheirPolicy',
      document: ALLOW_ALL,
    });
    const admin = iam(server.admin);
    await admin.send(new CreateUserCommand({ UserName: 'target-user' }));
    await role('TargetRole');
    const notAttachable = `Policy ${other.arn} does not exist or is not attachable.`;
    const expectNoSuchEntity = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        assert.equal((e as Error).name, 'NoSuchEntityException');
        assert.equal((e as Error).message, notAttachable);
        return;
      }
      assert.fail('expected NoSuchEntity');
    };
    await unchanged(async () => {
      await expectNoSuchEntity(
        admin.send(new AttachUserPolicyCommand({ UserName: 'target-user', PolicyArn: other.arn })),
      );
      await expectNoSuchEntity(
        admin.send(new AttachRolePolicyCommand({ RoleName: 'TargetRole', PolicyArn: other.arn })),
      );
      await expectNoSuchEntity(
        admin.send(
          new PutUserPermissionsBoundaryCommand({ UserName: 'target-user', PermissionsBoundary: other.arn }),
        ),
      );
      await expectNoSuchEntity(
        admin.send(
          new PutRolePermissionsBoundaryCommand({ RoleName: 'TargetRole', PermissionsBoundary: other.arn }),
        ),
      );
      await expectNoSuchEntity(
        admin.send(new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: other.arn })),
      );
    });
    // Its owner can still delete it: nothing of another account holds on to it.
    const info = await server.api.cp.iam.getPolicy(other.arn);
    assert.equal(info.attachmentCount, 0);
    assert.equal(info.boundaryUsageCount, 0);
    await server.api.cp.iam.deletePolicy(other.arn);
  });

  test('AWS managed policies are readable by an administrator (GetPolicy, GetPolicyVersion)', async () => {
    const admin = iam(server.admin);
    const arn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    await unchanged(async () => {
      const got = await admin.send(new GetPolicyCommand({ PolicyArn: arn }));
      assert.equal(got.Policy?.Arn, arn);
      const version = await admin.send(
        new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: got.Policy?.DefaultVersionId ?? '' }),
      );
      assert.ok(version.PolicyVersion?.Document);
    });
    // A caller IAM does not allow is still denied.
    await admin.send(new CreateUserCommand({ UserName: 'nobody' }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey;
    const nobody = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    await unchanged(async () => {
      assert.equal(await failure(iam(nobody).send(new GetPolicyCommand({ PolicyArn: arn }))), 'AccessDenied');
    });
  });
});
