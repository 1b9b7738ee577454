/**
 * End to end with the real AWS SDK v3 clients: the IAM and STS operations an EMR setup calls besides
 * roles and policies — instance profiles, service-linked roles, ListEntitiesForPolicy, GetAccountSummary,
 * account aliases and STS GetAccessKeyInfo — with AWS's shapes, errors and quotas, each call authorized by
 * the engine (a restricted user is denied what its policy does not name, and nothing changes).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateAccountAliasCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  DeleteAccountAliasCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteServiceLinkedRoleCommand,
  DetachRolePolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountSummaryCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
  ListAccountAliasesCommand,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListInstanceProfileTagsCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
  paginateListInstanceProfiles,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { coreMissing, startTestServer, type Credentials, type TestServer } from './harness.js';
import { unchanged as unchangedStore } from './sdk-clients.js';

const skip = await coreMissing();

let server: TestServer;
const region = 'eu-west-1';

function iam(creds: Credentials): IAMClient {
  return new IAMClient({ endpoint: server.url, region, credentials: creds, maxAttempts: 1 });
}
function sts(creds: Credentials): STSClient {
  return new STSClient({ endpoint: server.url, region, credentials: creds, maxAttempts: 1 });
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode ?? 0 };
  }
  assert.fail('expected the call to fail');
}

const ec2Trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** A user of the admin's account with one inline policy and an access key. */
async function userWith(name: string, statements: unknown[]): Promise<Credentials> {
  const admin = iam(server.admin);
  await admin.send(new CreateUserCommand({ UserName: name }));
  await admin.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'only',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const key = await admin.send(new CreateAccessKeyCommand({ UserName: name }));
  return {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
}

async function account(): Promise<string> {
  return (await sts(server.admin).send(new GetCallerIdentityCommand({}))).Account ?? '';
}

const unchanged = (fn: () => Promise<void>) => unchangedStore(server, fn);

before(async () => {
  if (!skip) server = await startTestServer();
});
after(async () => {
  if (!skip) await server.close();
});

describe('instance profiles', { skip }, () => {
  test('lifecycle: create with tags, one role, AWS shapes, LimitExceeded, DeleteConflict both ways', async () => {
    const client = iam(server.admin);
    const acct = await account();
    await client.send(
      new CreateRoleCommand({ RoleName: 'EMR_EC2_DefaultRole', AssumeRolePolicyDocument: ec2Trust }),
    );
    await client.send(new CreateRoleCommand({ RoleName: 'other-ec2', AssumeRolePolicyDocument: ec2Trust }));
    const created = await client.send(
      new CreateInstanceProfileCommand({
        InstanceProfileName: 'EMR_EC2_DefaultRole',
        Path: '/emr/',
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    const p = created.InstanceProfile;
    assert.equal(p?.Arn, `arn:aws:iam::${acct}:instance-profile/emr/EMR_EC2_DefaultRole`);
    assert.match(p?.InstanceProfileId ?? '', /^AIPA[A-Z2-7]{17}$/);
    assert.deepEqual(p?.Roles, []);
    assert.ok(p?.CreateDate instanceof Date);
    assert.deepEqual(p?.Tags, [{ Key: 'team', Value: 'data' }]);

    const again = await failure(
      client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'emr_ec2_defaultrole' })),
    );
    assert.equal(again.name, 'EntityAlreadyExistsException');
    assert.equal(again.status, 409);

    await client.send(
      new AddRoleToInstanceProfileCommand({
        InstanceProfileName: 'EMR_EC2_DefaultRole',
        RoleName: 'EMR_EC2_DefaultRole',
      }),
    );
    const got = await client.send(
      new GetInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' }),
    );
    const role = got.InstanceProfile?.Roles?.[0];
    assert.equal(role?.RoleName, 'EMR_EC2_DefaultRole');
    assert.equal(role?.Arn, `arn:aws:iam::${acct}:role/EMR_EC2_DefaultRole`);
    assert.equal(decodeURIComponent(role?.AssumeRolePolicyDocument ?? ''), ec2Trust);

    // One role per instance profile (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)
    const second = await failure(
      client.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: 'EMR_EC2_DefaultRole',
          RoleName: 'other-ec2',
        }),
      ),
    );
    assert.equal(second.name, 'LimitExceededException');
    assert.equal(second.status, 409);
    assert.match(second.message, /InstanceSessionsPerInstanceProfile: 1/);

    const forRole = await client.send(
      new ListInstanceProfilesForRoleCommand({ RoleName: 'EMR_EC2_DefaultRole' }),
    );
    assert.deepEqual(
      forRole.InstanceProfiles?.map((x) => x.InstanceProfileName),
      ['EMR_EC2_DefaultRole'],
    );
    assert.equal(forRole.InstanceProfiles?.[0]?.Tags, undefined, 'listings do not return tags');
    assert.deepEqual(
      (await client.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'other-ec2' }))).InstanceProfiles,
      [],
    );

    const details = await client.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
    const detail = details.RoleDetailList?.find((r) => r.RoleName === 'EMR_EC2_DefaultRole');
    assert.deepEqual(
      detail?.InstanceProfileList?.map((x) => x.InstanceProfileName),
      ['EMR_EC2_DefaultRole'],
    );

    // A role in a profile cannot be deleted, nor a profile holding a role (API_DeleteRole.html, API_DeleteInstanceProfile.html)
    const roleConflict = await failure(
      client.send(new DeleteRoleCommand({ RoleName: 'EMR_EC2_DefaultRole' })),
    );
    assert.equal(roleConflict.name, 'DeleteConflictException');
    assert.match(roleConflict.message, /remove roles from instance profile/);
    const profileConflict = await failure(
      client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' })),
    );
    assert.equal(profileConflict.name, 'DeleteConflictException');
    await client.send(new GetRoleCommand({ RoleName: 'EMR_EC2_DefaultRole' }));

    const notIn = await failure(
      client.send(
        new RemoveRoleFromInstanceProfileCommand({
          InstanceProfileName: 'EMR_EC2_DefaultRole',
          RoleName: 'other-ec2',
        }),
      ),
    );
    assert.equal(notIn.name, 'NoSuchEntityException');
    await client.send(
      new RemoveRoleFromInstanceProfileCommand({
        InstanceProfileName: 'EMR_EC2_DefaultRole',
        RoleName: 'EMR_EC2_DefaultRole',
      }),
    );
    await client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' }));
    const gone = await failure(
      client.send(new GetInstanceProfileCommand({ InstanceProfileName: 'EMR_EC2_DefaultRole' })),
    );
    assert.equal(gone.name, 'NoSuchEntityException');
    assert.equal(gone.status, 404);
    await client.send(new DeleteRoleCommand({ RoleName: 'EMR_EC2_DefaultRole' }));
    await client.send(new DeleteRoleCommand({ RoleName: 'other-ec2' }));
  });

  test('tags, PathPrefix and pagination with Marker and MaxItems, as ListRoles', async () => {
    const client = iam(server.admin);
    for (const name of ['ip-a', 'ip-b', 'ip-c']) {
      await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: '/paged/' }));
    }
    await client.send(
      new TagInstanceProfileCommand({
        InstanceProfileName: 'ip-a',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await client.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'ip-a', TagKeys: ['a'] }));
    assert.deepEqual(
      (await client.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'ip-a' }))).Tags,
      [{ Key: 'b', Value: '2' }],
    );

    const first = await client.send(new ListInstanceProfilesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    assert.deepEqual(
      first.InstanceProfiles?.map((x) => x.InstanceProfileName),
      ['ip-a', 'ip-b'],
    );
    assert.equal(first.IsTruncated, true);
    const rest = await client.send(
      new ListInstanceProfilesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }),
    );
    assert.deepEqual(
      rest.InstanceProfiles?.map((x) => x.InstanceProfileName),
      ['ip-c'],
    );
    assert.equal(rest.IsTruncated, false);
    const names: string[] = [];
    for await (const page of paginateListInstanceProfiles(
      { client, pageSize: 1 },
      { PathPrefix: '/paged/' },
    )) {
      names.push(...(page.InstanceProfiles ?? []).map((x) => x.InstanceProfileName ?? ''));
    }
    assert.deepEqual(names, ['ip-a', 'ip-b', 'ip-c']);
    for (const name of ['ip-a', 'ip-b', 'ip-c']) {
      await client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
    }

    // Listed by name, paged by path and name: a later name on an earlier path is not skipped.
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ord-a', Path: '/ord/z/' }));
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ord-b', Path: '/ord/a/' }));
    const ordered: string[] = [];
    for await (const page of paginateListInstanceProfiles({ client, pageSize: 1 }, { PathPrefix: '/ord/' })) {
      ordered.push(...(page.InstanceProfiles ?? []).map((x) => x.InstanceProfileName ?? ''));
    }
    assert.deepEqual(ordered.sort(), ['ord-a', 'ord-b']);
  });

  test('authorized by the engine: AddRoleToInstanceProfile needs iam:PassRole on the role too', async () => {
    const admin = iam(server.admin);
    const acct = await account();
    await admin.send(new CreateRoleCommand({ RoleName: 'node-role', AssumeRolePolicyDocument: ec2Trust }));
    await admin.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'node-profile' }));
    const profileArn = `arn:aws:iam::${acct}:instance-profile/node-profile`;
    const creds = await userWith('profile-operator', [
      {
        Effect: 'Allow',
        Action: ['iam:AddRoleToInstanceProfile', 'iam:GetInstanceProfile'],
        Resource: profileArn,
      },
    ]);
    const operator = iam(creds);
    const denied = await failure(
      operator.send(
        new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'node-profile', RoleName: 'node-role' }),
      ),
    );
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /iam:PassRole/);
    const unchanged = await admin.send(
      new GetInstanceProfileCommand({ InstanceProfileName: 'node-profile' }),
    );
    assert.deepEqual(unchanged.InstanceProfile?.Roles, [], 'a denied call changes nothing');
    const listDenied = await failure(operator.send(new ListInstanceProfilesCommand({})));
    assert.equal(listDenied.name, 'AccessDenied');

    await admin.send(
      new PutUserPolicyCommand({
        UserName: 'profile-operator',
        PolicyName: 'pass',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/node-role` },
          ],
        }),
      }),
    );
    await operator.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'node-profile', RoleName: 'node-role' }),
    );
    const got = await operator.send(new GetInstanceProfileCommand({ InstanceProfileName: 'node-profile' }));
    assert.deepEqual(
      got.InstanceProfile?.Roles?.map((r) => r.RoleName),
      ['node-role'],
    );
  });
});

describe('service-linked roles', { skip }, () => {
  test("EMR's and EMR Serverless's roles: path, trust, AWS managed policy, protected, deleted through a task", async () => {
    const client = iam(server.admin);
    const acct = await account();
    const emr = await client.send(
      new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticmapreduce.amazonaws.com' }),
    );
    assert.equal(emr.Role?.RoleName, 'AWSServiceRoleForEMRCleanup');
    assert.equal(emr.Role?.Path, '/aws-service-role/elasticmapreduce.amazonaws.com/');
    assert.equal(
      emr.Role?.Arn,
      `arn:aws:iam::${acct}:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup`,
    );
    const trust = JSON.parse(decodeURIComponent(emr.Role?.AssumeRolePolicyDocument ?? '')) as {
      Statement: { Principal: { Service: string }; Action: string }[];
    };
    assert.deepEqual(trust.Statement[0]?.Principal, { Service: 'elasticmapreduce.amazonaws.com' });
    const attached = await client.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForEMRCleanup' }),
    );
    assert.deepEqual(
      attached.AttachedPolicies?.map((a) => a.PolicyArn),
      ['arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy'],
    );

    const serverless = await client.send(
      new CreateServiceLinkedRoleCommand({
        AWSServiceName: 'ops.emr-serverless.amazonaws.com',
        Description: 'mine',
      }),
    );
    assert.equal(serverless.Role?.RoleName, 'AWSServiceRoleForAmazonEMRServerless');
    assert.equal(serverless.Role?.Path, '/aws-service-role/ops.emr-serverless.amazonaws.com/');
    assert.equal(serverless.Role?.Description, 'mine');
    assert.deepEqual(
      (
        await client.send(
          new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForAmazonEMRServerless' }),
        )
      ).AttachedPolicies?.map((a) => a.PolicyArn),
      ['arn:aws:iam::aws:policy/aws-service-role/AmazonEMRServerlessServiceRolePolicy'],
    );

    const taken = await failure(
      client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticmapreduce.amazonaws.com' })),
    );
    assert.equal(taken.name, 'InvalidInputException');
    assert.match(taken.message, /has been taken in this account/);
    const unknown = await failure(
      client.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'nothing.example.com' })),
    );
    assert.equal(unknown.name, 'InvalidInputException');
    const suffix = await failure(
      client.send(
        new CreateServiceLinkedRoleCommand({
          AWSServiceName: 'elasticmapreduce.amazonaws.com',
          CustomSuffix: 'x',
        }),
      ),
    );
    assert.equal(suffix.name, 'InvalidInputException');

    // Only AWS changes a service-linked role: DeleteRole is refused (using-service-linked-roles.html)
    const protectedRole = await failure(
      client.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForEMRCleanup' })),
    );
    assert.equal(protectedRole.name, 'UnmodifiableEntityException');
    await client.send(new CreateRoleCommand({ RoleName: 'plain-role', AssumeRolePolicyDocument: ec2Trust }));
    const notLinked = await failure(
      client.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'plain-role' })),
    );
    assert.equal(notLinked.name, 'InvalidInputException');
    await client.send(new GetRoleCommand({ RoleName: 'plain-role' }));

    const task = await client.send(
      new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForEMRCleanup' }),
    );
    assert.match(
      task.DeletionTaskId ?? '',
      /^task\/aws-service-role\/elasticmapreduce\.amazonaws\.com\/AWSServiceRoleForEMRCleanup\/[0-9a-f-]{36}$/,
    );
    const status = await client.send(
      new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task.DeletionTaskId }),
    );
    assert.equal(status.Status, 'SUCCEEDED');
    const gone = await failure(client.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForEMRCleanup' })));
    assert.equal(gone.name, 'NoSuchEntityException');
    const noTask = await failure(
      client.send(
        new GetServiceLinkedRoleDeletionStatusCommand({
          DeletionTaskId:
            'task/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup/0000',
        }),
      ),
    );
    assert.equal(noTask.name, 'NoSuchEntityException');
    const badTask = await failure(
      client.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'nope' })),
    );
    assert.equal(badTask.name, 'InvalidInputException');
  });

  test('only the service changes its role: UnmodifiableEntity for every change but the description; its policies attach to no other entity', async () => {
    const client = iam(server.admin);

    const RoleName = 'AWSServiceRoleForAmazonEMRServerless';
    const ok = await client
      .send(new GetRoleCommand({ RoleName }))
      .catch(() =>
        client.send(
          new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ops.emr-serverless.amazonaws.com' }),
        ),
      );
    assert.ok(ok.Role);
    const servicePolicy = 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRServerlessServiceRolePolicy';
    const doc = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    });
    const protectedMessage = `Cannot perform the operation on the protected role '${RoleName}' - this role is only modifiable by AWS`;
    await unchanged(async () => {
      for (const call of [
        client.send(new UpdateRoleCommand({ RoleName, MaxSessionDuration: 7200 })),
        client.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: ec2Trust })),
        client.send(new PutRolePolicyCommand({ RoleName, PolicyName: 'extra', PolicyDocument: doc })),
        client.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: 'extra' })),
        client.send(
          new AttachRolePolicyCommand({ RoleName, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
        ),
        client.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: servicePolicy })),
        client.send(
          new PutRolePermissionsBoundaryCommand({
            RoleName,
            PermissionsBoundary: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
          }),
        ),
        client.send(new DeleteRolePermissionsBoundaryCommand({ RoleName })),
      ]) {
        const f = await failure(call);
        assert.equal(f.name, 'UnmodifiableEntityException');
        assert.equal(f.status, 400);
        assert.equal(f.message, protectedMessage);
      }
      const deleting = await failure(client.send(new DeleteRoleCommand({ RoleName })));
      assert.equal(deleting.name, 'UnmodifiableEntityException');
      assert.match(deleting.message, /ops\.emr-serverless\.amazonaws\.com.*DeleteServiceLinkedRole/);
    });
    // Its description is the one thing IAM lets callers edit (id_roles_update-service-linked-role.html).
    await client.send(new UpdateRoleDescriptionCommand({ RoleName, Description: 'edited' }));
    assert.equal((await client.send(new GetRoleCommand({ RoleName }))).Role?.Description, 'edited');
    // A service role policy attaches to no ordinary role, user or group (PolicyNotAttachable).
    await client.send(
      new CreateRoleCommand({ RoleName: 'customer-role', AssumeRolePolicyDocument: ec2Trust }),
    );
    await client.send(new CreateUserCommand({ UserName: 'customer-user' }));
    await client.send(new CreateGroupCommand({ GroupName: 'customer-group' }));
    await unchanged(async () => {
      for (const call of [
        client.send(new AttachRolePolicyCommand({ RoleName: 'customer-role', PolicyArn: servicePolicy })),
        client.send(new AttachUserPolicyCommand({ UserName: 'customer-user', PolicyArn: servicePolicy })),
        client.send(new AttachGroupPolicyCommand({ GroupName: 'customer-group', PolicyArn: servicePolicy })),
      ]) {
        const f = await failure(call);
        assert.equal(f.name, 'PolicyNotAttachableException');
        assert.equal(f.status, 400);
        assert.equal(f.message, 'Cannot attach a Service Role Policy to a Customer Role.');
      }
      // Nor bounds one (PutRolePermissionsBoundary, PutUserPermissionsBoundary: PolicyNotAttachable).
      for (const call of [
        client.send(
          new PutRolePermissionsBoundaryCommand({
            RoleName: 'customer-role',
            PermissionsBoundary: servicePolicy,
          }),
        ),
        client.send(
          new PutUserPermissionsBoundaryCommand({
            UserName: 'customer-user',
            PermissionsBoundary: servicePolicy,
          }),
        ),
        client.send(new CreateUserCommand({ UserName: 'bounded-user', PermissionsBoundary: servicePolicy })),
      ]) {
        const f = await failure(call);
        assert.equal(f.name, 'PolicyNotAttachableException');
        assert.equal(f.status, 400);
      }
    });
  });

  test('authorized on the role ARN with iam:AWSServiceName: a policy for EMR only does not create the Serverless role', async () => {
    const creds = await userWith('slr-creator', [
      {
        Effect: 'Allow',
        Action: 'iam:CreateServiceLinkedRole',
        Resource: 'arn:aws:iam::*:role/aws-service-role/*',
        Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticmapreduce.amazonaws.com' } },
      },
    ]);
    const creator = iam(creds);
    await iam(server.admin).send(
      new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAmazonEMRServerless' }),
    );
    const denied = await failure(
      creator.send(
        new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ops.emr-serverless.amazonaws.com' }),
      ),
    );
    assert.equal(denied.name, 'AccessDenied');
    const absent = await failure(
      iam(server.admin).send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAmazonEMRServerless' })),
    );
    assert.equal(absent.name, 'NoSuchEntityException', 'a denied call creates nothing');
    const created = await creator.send(
      new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticmapreduce.amazonaws.com' }),
    );
    assert.equal(created.Role?.RoleName, 'AWSServiceRoleForEMRCleanup');
  });
});

describe('ListEntitiesForPolicy, GetAccountSummary, account aliases, GetAccessKeyInfo', { skip }, () => {
  test('ListEntitiesForPolicy: attachments and boundaries of the caller account, filtered and paged', async () => {
    const client = iam(server.admin);
    const acct = await account();
    const policy = await client.send(
      new CreatePolicyCommand({
        PolicyName: 'emr-read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'elasticmapreduce:Describe*', Resource: '*' }],
        }),
      }),
    );
    const arn = policy.Policy?.Arn ?? '';
    await client.send(
      new CreateRoleCommand({ RoleName: 'lep-role', Path: '/svc/', AssumeRolePolicyDocument: ec2Trust }),
    );
    await client.send(new AttachRolePolicyCommand({ RoleName: 'lep-role', PolicyArn: arn }));
    await client.send(new CreateGroupCommand({ GroupName: 'lep-group' }));
    await client.send(new AttachGroupPolicyCommand({ GroupName: 'lep-group', PolicyArn: arn }));
    await client.send(new CreateUserCommand({ UserName: 'lep-user' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'lep-group', UserName: 'lep-user' }));
    await client.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'lep-user', PermissionsBoundary: arn }),
    );

    const all = await client.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    assert.deepEqual(
      all.PolicyRoles?.map((r) => r.RoleName),
      ['lep-role'],
    );
    assert.match(all.PolicyRoles?.[0]?.RoleId ?? '', /^AROA/);
    assert.deepEqual(
      all.PolicyGroups?.map((g) => g.GroupName),
      ['lep-group'],
    );
    assert.deepEqual(
      all.PolicyUsers?.map((u) => u.UserName),
      ['lep-user'],
    );
    assert.equal(all.IsTruncated, false);

    const attachedOnly = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsPolicy' }),
    );
    assert.deepEqual(attachedOnly.PolicyUsers, []);
    const boundaries = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsBoundary' }),
    );
    assert.deepEqual(
      boundaries.PolicyUsers?.map((u) => u.UserName),
      ['lep-user'],
    );
    assert.deepEqual(boundaries.PolicyRoles, []);
    const roles = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role' }),
    );
    assert.deepEqual(
      [roles.PolicyRoles?.length, roles.PolicyGroups?.length, roles.PolicyUsers?.length],
      [1, 0, 0],
    );
    const prefixed = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: arn, PathPrefix: '/svc/' }),
    );
    assert.deepEqual(
      prefixed.PolicyRoles?.map((r) => r.RoleName),
      ['lep-role'],
    );
    assert.deepEqual(prefixed.PolicyGroups, []);

    const page1 = await client.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2 }));
    assert.equal(page1.IsTruncated, true);
    const page2 = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2, Marker: page1.Marker }),
    );
    const names = [page1, page2].flatMap((p) => [
      ...(p.PolicyGroups ?? []).map((g) => g.GroupName),
      ...(p.PolicyRoles ?? []).map((r) => r.RoleName),
      ...(p.PolicyUsers ?? []).map((u) => u.UserName),
    ]);
    assert.deepEqual(names, ['lep-group', 'lep-role', 'lep-user']);

    const missing = await failure(
      client.send(new ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${acct}:policy/none` })),
    );
    assert.equal(missing.name, 'NoSuchEntityException');
    const badFilter = await failure(
      client.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Robot' as never })),
    );
    assert.equal(badFilter.name, 'ValidationError');
  });

  test('GetAccountSummary counts what the account holds next to its quotas', async () => {
    const client = iam(server.admin);
    const before = (await client.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
    await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'summary-profile' }));
    await client.send(
      new CreateRoleCommand({ RoleName: 'summary-role', AssumeRolePolicyDocument: ec2Trust }),
    );
    const after = (await client.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
    assert.equal(after.InstanceProfiles, (before.InstanceProfiles ?? 0) + 1);
    assert.equal(after.Roles, (before.Roles ?? 0) + 1);
    assert.ok((after.Users ?? 0) >= 1);
    assert.equal(after.RolesQuota, 1000);
    assert.equal(after.InstanceProfilesQuota, 1000);
    assert.equal(after.AccessKeysPerUserQuota, 2);
    assert.equal(after.AccountMFAEnabled, 0);
  });

  test('account aliases: one per account, replaced by the next, lowercase pattern, delete by name', async () => {
    const client = iam(server.admin);
    assert.deepEqual((await client.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
    await client.send(new CreateAccountAliasCommand({ AccountAlias: 'analytics-dev' }));
    assert.deepEqual((await client.send(new ListAccountAliasesCommand({}))).AccountAliases, [
      'analytics-dev',
    ]);
    const same = await failure(client.send(new CreateAccountAliasCommand({ AccountAlias: 'analytics-dev' })));
    assert.equal(same.name, 'EntityAlreadyExistsException');
    await client.send(new CreateAccountAliasCommand({ AccountAlias: 'analytics-prod' }));
    assert.deepEqual((await client.send(new ListAccountAliasesCommand({}))).AccountAliases, [
      'analytics-prod',
    ]);
    for (const bad of ['Upper', 'a--b', '-ab', 'ab']) {
      const invalid = await failure(client.send(new CreateAccountAliasCommand({ AccountAlias: bad })));
      assert.equal(invalid.name, 'ValidationError', bad);
    }
    const wrong = await failure(
      client.send(new DeleteAccountAliasCommand({ AccountAlias: 'analytics-dev' })),
    );
    assert.equal(wrong.name, 'NoSuchEntityException');
    await client.send(new DeleteAccountAliasCommand({ AccountAlias: 'analytics-prod' }));
    assert.deepEqual((await client.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
  });

  test('GetAccessKeyInfo: the account of a long-term and of a temporary key; an unknown key is refused', async () => {
    const acct = await account();
    const client = sts(server.admin);
    assert.equal(
      (await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: server.admin.accessKeyId }))).Account,
      acct,
    );
    await iam(server.admin).send(
      new CreateRoleCommand({
        RoleName: 'keyinfo-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const assumed = await client.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${acct}:role/keyinfo-role`,
        RoleSessionName: 'key-info',
      }),
    );
    const temporary = assumed.Credentials?.AccessKeyId ?? '';
    assert.match(temporary, /^ASIA/);
    assert.equal((await client.send(new GetAccessKeyInfoCommand({ AccessKeyId: temporary }))).Account, acct);
    const unknown = await failure(
      client.send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA' })),
    );
    assert.equal(unknown.name, 'ValidationError');

    const creds = await userWith('keyinfo-nobody', [
      { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
    ]);
    const denied = await failure(sts(creds).send(new GetAccessKeyInfoCommand({ AccessKeyId: temporary })));
    assert.equal(denied.name, 'AccessDenied');
  });
});
