/** The importers read real formats (fixtures written from AWS's and Terraform's documentation) into a setup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  importAwsSnapshot,
  importCloudFormation,
  importTerraformPlan,
  planImport,
  readSnapshotFolder,
} from '../../src/iam/import/index.js';
import { openControlPlane } from '../../src/iam/index.js';
import { RolecallError } from '../../src/errors.js';
import { repoRoot } from '../helpers/paths.js';

const fixtures = path.join(repoRoot, 'test/emr/fixtures');
const read = (p: string) => readFileSync(path.join(fixtures, p), 'utf8');
const account = '111122223333';
const region = 'us-east-1';
const TAG = 'for-use-with-amazon-emr-managed-policies';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof RolecallError, String(e));
    return e.details.map((d) => `${d.place?.line ?? 0}:${d.place?.column ?? 0} ${d.message}`);
  }
  assert.fail('expected problems');
}

test('CloudFormation YAML: parameters, conditions, mappings and short-form intrinsics evaluated', () => {
  const s = importCloudFormation(read('cloudformation/studio.yaml'), 'studio.yaml', { account, region });
  assert.deepEqual(
    s.state.roles.map((r) => [r.name, r.maxSessionDuration]),
    [['EMRStudio_Service_Role_dev', 3600]],
  );
  const trust = JSON.parse(s.state.roles[0]?.trustPolicy ?? '{}') as {
    Statement: { Condition: { StringEquals: Record<string, string>; ArnLike: Record<string, string> } }[];
  };
  assert.equal(trust.Statement[0]?.Condition.StringEquals['aws:SourceAccount'], account);
  assert.equal(
    trust.Statement[0]?.Condition.ArnLike['aws:SourceArn'],
    `arn:aws:elasticmapreduce:${region}:${account}:*`,
  );
  const bucket = s.state.resources.find((r) => r.arn.startsWith('arn:aws:s3:::'));
  assert.equal(bucket?.arn, `arn:aws:s3:::emr-studio-backups-dev-${account}`);
  assert.equal(bucket?.attributes['sse-algorithm'], 'aws:kms');
  assert.match(bucket?.attributes['kms-key'] ?? '', /^arn:aws:kms:us-east-1:111122223333:key\//);
  const vpc = s.state.resources.find((r) => r.arn.includes(':vpc/'));
  assert.deepEqual(vpc?.tags, [{ key: TAG, value: 'true' }]);
  assert.equal(s.studios.length, 1);
  const st = s.studios[0];
  assert.equal(st?.serviceRole, `arn:aws:iam::${account}:role/EMRStudio_Service_Role_dev`);
  assert.equal(st?.subnets.length, 2);
  assert.equal(st?.securityGroups.length, 2);
  assert.equal(st?.s3Location, `s3://emr-studio-backups-dev-${account}/studio`);
  // The conditional SNS topic is not created in dev, so nothing is skipped.
  assert.deepEqual(s.skipped, []);
  // Places point into the template.
  const inline = s.policies.find((p) => p.name.includes('inline StudioServiceRolePolicy'));
  assert.equal(inline?.place.line, 112);
  assert.equal(inline?.statements?.length, 15);
  const prod = importCloudFormation(read('cloudformation/studio.yaml'), 'studio.yaml', {
    account,
    region,
    parameters: { Environment: 'prod' },
  });
  assert.equal(prod.state.roles[0]?.maxSessionDuration, 7200);
  assert.deepEqual(
    prod.skipped.map((x) => x.type),
    ['AWS::SNS::Topic'],
  );
});

test('CloudFormation JSON and problems reported together with their places', () => {
  const template = {
    Parameters: { Name: { Type: 'String' } },
    Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
    Resources: {
      R: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: { Ref: 'Name' },
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
          ManagedPolicyArns: [{ 'Fn::ImportValue': 'shared-policy' }],
        },
      },
      P: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyName: 'x', PolicyDocument: {}, Roles: [{ Ref: 'Other' }] },
      },
      Other: { Type: 'AWS::SNS::Topic', Condition: 'Never' },
    } as Record<string, unknown>,
  };
  const json = JSON.stringify(template, null, 2);
  assert.deepEqual(
    problems(() => importCloudFormation(json, 't.json', { account, region })),
    [
      '3:5 parameter `Name` has no default: give it with --parameter Name=VALUE',
      '33:5 `P` names role `Other`, which the template does not create',
    ],
  );
  delete template.Resources.P;
  const ok = importCloudFormation(JSON.stringify(template), 't.json', {
    account,
    region,
    parameters: { Name: 'Given' },
  });
  assert.equal(ok.state.roles[0]?.name, 'Given');
  assert.equal(ok.unknowns.length, 1);
  assert.match(ok.unknowns[0]?.reason ?? '', /imported from another stack/);
});

test('Terraform plan: references in configuration resolve unknown attributes; unknown tags are reported', () => {
  const s = importTerraformPlan(read('terraform/serverless.plan.json'), 'serverless.plan.json', { account });
  assert.equal(s.region, 'us-east-1');
  assert.deepEqual(
    s.state.roles.map((r) => [r.name, r.inlinePolicies.map((p) => p.name)]),
    [['EMRServerlessJobRuntimeRole', ['job-access']]],
  );
  const bucket = s.state.resources.find((r) => r.arn === 'arn:aws:s3:::amzn-s3-demo-bucket');
  assert.equal(bucket?.attributes['sse-algorithm'], 'aws:kms');
  assert.ok(bucket?.attributes['kms-key']?.startsWith('arn:aws:kms:us-east-1:111122223333:key/'));
  assert.deepEqual(s.applications[0]?.runtimeRoles, [
    `arn:aws:iam::${account}:role/EMRServerlessJobRuntimeRole`,
  ]);
  assert.deepEqual(s.unknowns, []);
  const plan = JSON.parse(read('terraform/serverless.plan.json')) as {
    resource_changes: {
      type: string;
      change: { after: Record<string, unknown>; after_unknown: Record<string, unknown> };
    }[];
  };
  const role = plan.resource_changes.find((c) => c.type === 'aws_iam_role');
  if (role) {
    delete role.change.after.tags_all;
    role.change.after_unknown.tags_all = true;
  }
  const u = importTerraformPlan(JSON.stringify(plan, null, 2), 'p.json', { account });
  assert.deepEqual(
    u.unknowns.map((x) => x.reason),
    ['the tags of aws_iam_role.runtime are known only after apply'],
  );
  assert.deepEqual(
    problems(() => importTerraformPlan('{"format_version": "2.0"}', 'p.json', { account })),
    ['1:2 unsupported plan format version `2.0` (this reads 1.x)'],
  );
});

test('AWS snapshot: IAM, networking, buckets, keys, secrets and the organization', () => {
  const s = importAwsSnapshot(readSnapshotFolder(path.join(fixtures, 'snapshot/notebooks')), 'notebooks');
  assert.equal(s.account, account);
  assert.deepEqual(
    s.state.roles.map((r) => r.name),
    ['EMR_Notebooks_DefaultRole'],
  );
  assert.deepEqual(
    s.skipped.map((x) => x.name),
    ['AWSServiceRoleForEMRCleanup'],
  );
  // The default version of the customer managed policy, not v1.
  assert.match(s.state.policies[0]?.document ?? '', /GetEncryptionConfiguration/);
  const key = s.state.resources.find((r) => r.arn.includes(':key/'));
  assert.match(key?.policy ?? '', /Enable IAM User Permissions/);
  const secret = s.state.resources.find((r) => r.arn.includes(':secret:'));
  assert.deepEqual(secret?.tags, [{ key: 'team', value: 'data' }]);
  const org = s.state.organization;
  assert.equal(org?.managementAccount, '999988887777');
  assert.equal(org?.accounts.get(account), 'Analytics');
  assert.deepEqual(org?.scps.get('Analytics'), ['FullAWSAccess', 'DenyLeaveOrganization']);
  assert.deepEqual(
    org?.policies.map((p) => p.name),
    ['DenyLeaveOrganization'],
  );
});

test('every format loads into a store in one plan, adding to what is there', async () => {
  const setups = [
    importCloudFormation(read('cloudformation/studio.yaml'), 'studio.yaml', { account, region }),
    importTerraformPlan(read('terraform/serverless.plan.json'), 'serverless.plan.json', { account }),
    importAwsSnapshot(readSnapshotFolder(path.join(fixtures, 'snapshot/notebooks')), 'notebooks'),
  ];
  const cp = await openControlPlane('memory');
  try {
    for (const s of setups) {
      const plan = await planImport(cp, s);
      assert.ok(
        plan.changes.every((c) => c.action !== 'delete'),
        JSON.stringify(plan.changes),
      );
      await plan.apply();
      assert.deepEqual((await planImport(cp, s)).changes, []);
    }
    assert.equal((await cp.iam.listRoles(account)).length, 3);
  } finally {
    await cp.close();
  }
});
