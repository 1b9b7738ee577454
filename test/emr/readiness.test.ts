import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyFixes,
  checkReadiness,
  emrTemplate,
  EMR_TAG_KEY,
  type EmrEnvironment,
  type EmrKind,
  type RolePolicies,
} from '../../src/knowledge/emr/index.js';

const account = '111122223333';
const region = 'us-east-1';
const keyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const tagged = { [EMR_TAG_KEY]: 'true' };

function envFor(kind: EmrKind): EmrEnvironment {
  const roleName = { studio: 'StudioRole', notebooks: 'NotebooksRole', serverless: 'JobRole' }[kind];
  const base: EmrEnvironment = {
    account,
    region,
    roleName,
    s3: { bucket: 'backups', prefix: 'emr' },
    key: {
      arn: keyArn,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      },
    },
  };
  if (kind === 'serverless')
    return {
      ...base,
      applicationId: '00app',
      glue: true,
      submitter: { arn: `arn:aws:iam::${account}:user/engineer`, policies: [] },
    };
  return {
    ...base,
    vpc: { id: 'vpc-1', tags: tagged },
    subnets: [{ id: 'subnet-1', tags: tagged }],
    securityGroups: [{ id: 'sg-1', tags: tagged }],
    secrets: [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:git-AbCdEf`, tags: tagged }],
  };
}

function roleFor(kind: EmrKind, env: EmrEnvironment): RolePolicies & { passRole?: unknown } {
  const t = emrTemplate(kind, {
    account,
    region,
    bucket: 'backups/emr',
    kmsKeyArn: keyArn,
    gitSecrets: true,
    glue: true,
    roleName: env.roleName,
  });
  return { trust: t.trust, permissions: [t.permissions], ...(t.passRole ? { passRole: t.passRole } : {}) };
}

for (const kind of ['studio', 'notebooks', 'serverless'] as const) {
  test(`${kind} template passes its own readiness check`, () => {
    const env = envFor(kind);
    const role = roleFor(kind, env);
    if (env.submitter && role.passRole) env.submitter.policies.push(role.passRole);
    const results = checkReadiness(kind, role, env);
    const denied = results.filter((r) => r.decision !== 'Allow');
    assert.deepEqual(
      denied.map((d) => `${d.call.action} ${d.call.resource}`),
      [],
    );
    assert.ok(results.length > 5);
  });
}

interface Broken {
  name: string;
  kind: EmrKind;
  breakIt: (env: EmrEnvironment, role: RolePolicies) => void;
  expectFix: string;
}

const broken: Broken[] = [
  {
    name: 'untagged subnet',
    kind: 'studio',
    breakIt: (e) => (e.subnets = [{ id: 'subnet-2' }]),
    expectFix: 'tag-resource',
  },
  {
    name: 'untagged security group',
    kind: 'studio',
    breakIt: (e) => (e.securityGroups = [{ id: 'sg-2', tags: { [EMR_TAG_KEY]: 'false' } }]),
    expectFix: 'tag-resource',
  },
  {
    name: 'untagged VPC',
    kind: 'notebooks',
    breakIt: (e) => (e.vpc = { id: 'vpc-2' }),
    expectFix: 'tag-resource',
  },
  {
    name: 'untagged secret',
    kind: 'studio',
    breakIt: (e) =>
      (e.secrets = [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:other-XyZ123` }]),
    expectFix: 'tag-resource',
  },
  {
    name: 'key policy missing the role (no IAM delegation)',
    kind: 'studio',
    breakIt: (e) => {
      if (e.key)
        e.key.policy = {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${account}:user/admin` },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        };
    },
    expectFix: 'key-policy-allow',
  },
  {
    name: 'bucket missing from policy',
    kind: 'serverless',
    breakIt: (e) => (e.jobBuckets = ['other-data']),
    expectFix: 'add-permission',
  },
  {
    name: 'PassRole missing',
    kind: 'serverless',
    breakIt: (e) => e.submitter && (e.submitter.policies = []),
    expectFix: 'allow-pass-role',
  },
  {
    name: 'PassRole without iam:PassedToService match',
    kind: 'serverless',
    breakIt: (e) =>
      e.submitter &&
      (e.submitter.policies = [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'iam:PassRole',
              Resource: '*',
              Condition: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } },
            },
          ],
        },
      ]),
    expectFix: 'allow-pass-role',
  },
  {
    name: 'trust without the service',
    kind: 'notebooks',
    breakIt: (_e, r) =>
      (r.trust = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    expectFix: 'trust-service',
  },
];

for (const b of broken) {
  test(`broken setup: ${b.name} is denied, and its suggested fix makes it pass`, () => {
    const env = envFor(b.kind);
    const full = roleFor(b.kind, env);
    if (env.submitter && full.passRole) env.submitter.policies.push(full.passRole);
    const role: RolePolicies = { trust: full.trust, permissions: full.permissions };
    b.breakIt(env, role);
    const first = checkReadiness(b.kind, role, env);
    const denied = first.filter((r) => r.decision !== 'Allow');
    assert.ok(denied.length > 0, 'the broken setup must be denied');
    const fixes = denied.map((d) => d.fix).filter((f) => f !== undefined);
    assert.ok(
      fixes.some((f) => f.kind === b.expectFix),
      JSON.stringify(fixes),
    );
    const fixed = applyFixes(env, role, fixes);
    const again = checkReadiness(b.kind, fixed.role, fixed.env);
    assert.deepEqual(
      again.filter((r) => r.decision !== 'Allow').map((r) => `${r.call.action} ${r.call.resource}`),
      [],
    );
  });
}
