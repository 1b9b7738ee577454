/**
 * Readiness in the environment-file form: good setups are ready, each broken setup is denied with the fix
 * AWS needs (proven by re-deciding with it applied), and blockers outside the account are named. Written
 * from the EMR, IAM, KMS, S3 and Organizations pages each case cites.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emrCalls, type CallResult, type EmrFix } from '../../src/analyze/emr-readiness.js';
import { checkEnvironment, environmentTarget } from '../../src/iam/import/readiness.js';
import { getAwsManagedPolicy } from '../../src/knowledge/managed-policies.js';
import {
  emrTemplate,
  EMR_TAG_KEY,
  type EmrEnvironment,
  type EmrKind,
} from '../../src/knowledge/emr/index.js';

const account = '111122223333';
const other = '444455556666';
const region = 'us-east-1';
const keyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const tagged = { [EMR_TAG_KEY]: 'true' };
const rootKeyPolicy = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};
const ROLE = { studio: 'StudioRole', notebooks: 'NotebooksRole', serverless: 'JobRole' } as const;

/** A good setup of `kind`: the template's policies and a network, location, key and secret that fit. */
function good(kind: EmrKind): EmrEnvironment {
  const t = emrTemplate(kind, {
    account,
    region,
    bucket: 'backups/emr',
    kmsKeyArn: keyArn,
    gitSecrets: true,
    glue: true,
    roleName: ROLE[kind],
  });
  const base: EmrEnvironment = {
    account,
    region,
    roleName: ROLE[kind],
    trustPolicy: t.trust,
    policies: [t.permissions],
    locations: [{ bucket: 'backups', prefix: 'emr', key: { arn: keyArn, policy: rootKeyPolicy } }],
  };
  if (kind === 'serverless')
    return {
      ...base,
      sourceArn: `arn:aws:emr-serverless:${region}:${account}:/applications/00app`,
      glue: true,
      submitters: [
        { arn: `arn:aws:iam::${account}:user/engineer`, policies: t.passRole ? [t.passRole] : [] },
      ],
    };
  return {
    ...base,
    sourceArn: `arn:aws:elasticmapreduce:${region}:${account}:studio/es-1`,
    vpc: { id: 'vpc-1', tags: tagged },
    subnets: [{ id: 'subnet-1', tags: tagged }],
    securityGroups: [{ id: 'sg-1', tags: tagged }],
    secrets: [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:git-AbCdEf`, tags: tagged }],
  };
}

const denied = (rs: CallResult[]) => rs.filter((r) => r.decision !== 'Allow');
const show = (rs: CallResult[]) => denied(rs).map((r) => `${r.call.action} ${r.call.resource} ${r.reason}`);

for (const kind of ['studio', 'notebooks', 'serverless'] as const) {
  test(`${kind}: the template in a setup that fits it is ready`, async () => {
    const { results } = await checkEnvironment(good(kind), kind);
    assert.deepEqual(show(results), []);
    assert.ok(results.length > 10);
  });
}

/** Exactly the calls each service's check decides: dropping one from the service model fails here. */
const PINNED: Record<EmrKind, string[]> = {
  studio: [
    'sts:AssumeRole role/StudioRole',
    'elasticmapreduce:DescribeCluster cluster/j-EXAMPLE',
    'elasticmapreduce:ListInstances cluster/j-EXAMPLE',
    'elasticmapreduce:ListSteps cluster/j-EXAMPLE',
    'ec2:CreateNetworkInterface subnet/subnet-1',
    'ec2:CreateNetworkInterface security-group/sg-1',
    'ec2:CreateNetworkInterface network-interface/*',
    'ec2:CreateSecurityGroup vpc/vpc-1',
    'ec2:CreateSecurityGroup security-group/*',
    'ec2:CreateTags security-group/sg-new',
    'ec2:CreateTags network-interface/eni-new',
    'ec2:CreateNetworkInterfacePermission network-interface/eni-new',
    'ec2:DeleteNetworkInterface network-interface/eni-new',
    'ec2:AuthorizeSecurityGroupIngress security-group/sg-1',
    'ec2:AuthorizeSecurityGroupEgress security-group/sg-1',
    'ec2:RevokeSecurityGroupEgress security-group/sg-1',
    'ec2:ModifyNetworkInterfaceAttribute network-interface/eni-new',
    'ec2:ModifyNetworkInterfaceAttribute instance/i-example',
    'ec2:ModifyNetworkInterfaceAttribute security-group/sg-1',
    'ec2:DescribeNetworkInterfaces *',
    'ec2:DescribeSecurityGroups *',
    'ec2:DescribeVpcs *',
    'ec2:DescribeSubnets *',
    'ec2:DescribeTags *',
    'secretsmanager:GetSecretValue secret:git-AbCdEf',
    's3:PutObject backups/emr/workspace/file.ipynb',
    's3:GetObject backups/emr/workspace/file.ipynb',
    's3:DeleteObject backups/emr/workspace/file.ipynb',
    's3:ListBucket backups',
    's3:GetEncryptionConfiguration backups',
    'kms:Decrypt key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'kms:GenerateDataKey key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'kms:ReEncryptFrom key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'kms:ReEncryptTo key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'kms:DescribeKey key/1234abcd-12ab-34cd-56ef-1234567890ab',
  ],
  notebooks: [],
  serverless: [
    'sts:AssumeRole role/JobRole',
    'iam:PassRole role/JobRole',
    's3:GetObject backups/emr/data/part-0',
    's3:PutObject backups/emr/data/part-0',
    's3:DeleteObject backups/emr/data/part-0',
    's3:ListBucket backups',
    'kms:Decrypt key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'kms:GenerateDataKey key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'glue:GetDatabase catalog',
    'glue:GetTable catalog',
    'glue:CreateTable catalog',
    'glue:GetPartitions catalog',
  ],
};
// Notebooks make Studio's calls on their own role, except the tag on the default security group.
PINNED.notebooks = PINNED.studio
  .filter((c) => c !== 'ec2:CreateTags security-group/sg-new')
  .map((c) => c.replace('role/StudioRole', 'role/NotebooksRole'));

const short = (arn: string) =>
  arn === '*'
    ? '*'
    : arn.startsWith('arn:aws:s3:::')
      ? arn.slice('arn:aws:s3:::'.length)
      : arn.split(':').slice(5).join(':') || arn;

for (const kind of ['studio', 'notebooks', 'serverless'] as const) {
  test(`${kind}: the check decides exactly the service's calls`, () => {
    const env = good(kind);
    const t = environmentTarget(env, kind, {
      accounts: [],
      policies: [],
      groups: [],
      roles: [],
      users: [],
      resources: [],
    });
    assert.deepEqual(
      emrCalls(t).map((c) => `${c.action} ${short(c.resource)}`),
      PINNED[kind],
    );
  });
}

test('read-only location: only reads are asked; SSE-KMS jobs need Decrypt and GenerateDataKey, not the Studio key list', async () => {
  const env: EmrEnvironment = {
    account,
    region,
    roleName: 'JobRole',
    trustPolicy: emrTemplate('serverless', { account, region, bucket: 'x', roleName: 'JobRole' }).trust,
    locations: [
      { bucket: 'input', access: 'read', key: { arn: keyArn, policy: rootKeyPolicy } },
      { bucket: 'output', key: { arn: keyArn, policy: rootKeyPolicy } },
    ],
    // What S3's SSE-KMS page asks: kms:Decrypt to read, kms:GenerateDataKey to write.
    policies: [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::input', 'arn:aws:s3:::input/*'],
          },
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
            Resource: ['arn:aws:s3:::output', 'arn:aws:s3:::output/*'],
          },
          { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn },
        ],
      },
    ],
  };
  const { results } = await checkEnvironment(env, 'serverless');
  assert.deepEqual(show(results), []);
  assert.deepEqual(
    results.filter((r) => r.call.resource.includes('input')).map((r) => r.call.action),
    ['s3:GetObject', 's3:ListBucket'],
  );
  assert.ok(!results.some((r) => /ReEncrypt|DescribeKey/.test(r.call.action)));
});

test('notebooks need no EMR tag on the VPC, subnets or security groups (the Notebooks managed policy has no tag condition)', async () => {
  const env = good('notebooks');
  env.vpc = { id: 'vpc-2' };
  env.subnets = [{ id: 'subnet-2' }];
  env.securityGroups = [{ id: 'sg-2' }];
  const { results } = await checkEnvironment(env, 'notebooks');
  assert.deepEqual(show(results), []);
});

interface Broken {
  name: string;
  kind: EmrKind;
  breakIt: (env: EmrEnvironment) => void;
  /** The fix kind expected, or the blocker type when the fix is outside the account. */
  expect: EmrFix['kind'] | 'scp' | 'rcp' | 'explicit-deny';
  /** Checks on the fix itself. */
  fix?: (f: EmrFix) => void;
}

const policiesOf = (e: EmrEnvironment) => e.policies as { Statement: Record<string, unknown>[] }[];
const trustOf = (e: EmrEnvironment) =>
  e.trustPolicy as { Statement: { Condition: Record<string, Record<string, string>> }[] };

const broken: Broken[] = [
  {
    name: 'untagged subnet',
    kind: 'studio',
    breakIt: (e) => (e.subnets = [{ id: 'subnet-2' }]),
    expect: 'tag-resource',
  },
  {
    name: 'security group tagged false',
    kind: 'studio',
    breakIt: (e) => (e.securityGroups = [{ id: 'sg-2', tags: { [EMR_TAG_KEY]: 'false' } }]),
    expect: 'tag-resource',
    fix: (f) =>
      assert.deepEqual(f, {
        kind: 'tag-resource',
        arn: `arn:aws:ec2:${region}:${account}:security-group/sg-2`,
        key: EMR_TAG_KEY,
        value: 'true',
      }),
  },
  { name: 'untagged VPC', kind: 'studio', breakIt: (e) => (e.vpc = { id: 'vpc-2' }), expect: 'tag-resource' },
  {
    name: 'untagged secret',
    kind: 'studio',
    breakIt: (e) =>
      (e.secrets = [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:other-XyZ123` }]),
    expect: 'tag-resource',
  },
  {
    name: 'key policy without IAM delegation or the role',
    kind: 'studio',
    breakIt: (e) => {
      const l = e.locations?.[0];
      if (l?.key)
        l.key.policy = {
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
    expect: 'key-policy',
  },
  {
    name: 'job bucket missing from the runtime policy',
    kind: 'serverless',
    breakIt: (e) => e.locations?.push({ bucket: 'other-data' }),
    expect: 'add-permission',
  },
  {
    name: 'PassRole missing',
    kind: 'serverless',
    breakIt: (e) => e.submitters && (e.submitters[0] = { arn: `arn:aws:iam::${account}:user/engineer` }),
    expect: 'pass-role',
  },
  {
    name: 'PassRole to another service',
    kind: 'serverless',
    breakIt: (e) =>
      e.submitters &&
      (e.submitters[0] = {
        arn: `arn:aws:iam::${account}:user/engineer`,
        policies: [
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
        ],
      }),
    expect: 'pass-role',
  },
  {
    name: 'trust policy without the service',
    kind: 'notebooks',
    breakIt: (e) =>
      (e.trustPolicy = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    expect: 'trust-service',
    // The new statement keeps the confused-deputy conditions.
    fix: (f) =>
      assert.ok(
        f.kind === 'trust-service' &&
          f.account === account &&
          f.sourceArnPattern === `arn:aws:elasticmapreduce:${region}:${account}:*`,
      ),
  },
  {
    name: 'serverless trust naming the EMR principal instead of EMR Serverless',
    kind: 'serverless',
    breakIt: (e) => {
      const t = trustOf(e) as unknown as { Statement: { Principal: { Service: string } }[] };
      if (t.Statement[0]) t.Statement[0].Principal.Service = 'elasticmapreduce.amazonaws.com';
    },
    expect: 'trust-service',
  },
  {
    name: 'trust aws:SourceAccount naming another account',
    kind: 'studio',
    breakIt: (e) => {
      const c = trustOf(e).Statement[0]?.Condition;
      if (c?.StringEquals) c.StringEquals['aws:SourceAccount'] = other;
    },
    expect: 'condition-value',
    fix: (f) => assert.ok(f.kind === 'condition-value' && f.to === account && f.from[0] === other),
  },
  {
    name: 'trust aws:SourceArn in another region',
    kind: 'serverless',
    breakIt: (e) => {
      const c = trustOf(e).Statement[0]?.Condition;
      if (c?.ArnLike)
        c.ArnLike['aws:SourceArn'] = `arn:aws:emr-serverless:eu-west-1:${account}:/applications/*`;
    },
    expect: 'condition-value',
    fix: (f) =>
      assert.ok(
        f.kind === 'condition-value' &&
          f.to === `arn:aws:emr-serverless:${region}:${account}:/applications/*`,
      ),
  },
  {
    name: 'CreateSecurityGroup on the new group gated on aws:ResourceTag',
    kind: 'studio',
    breakIt: (e) => {
      for (const s of policiesOf(e)[0]?.Statement ?? [])
        if (s.Sid === 'NewGroupTagged')
          s.Condition = { StringEquals: { [`aws:ResourceTag/${EMR_TAG_KEY}`]: 'true' } };
    },
    expect: 'condition-key',
    fix: (f) => assert.ok(f.kind === 'condition-key' && f.to === `aws:RequestTag/${EMR_TAG_KEY}`),
  },
  {
    name: 'SCP denying glue:CreateTable',
    kind: 'serverless',
    breakIt: (e) =>
      (e.scps = [
        [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Action: 'glue:CreateTable', Resource: '*' }],
          },
        ],
      ]),
    expect: 'scp',
  },
  {
    name: 'SCP allow-list without Glue at an organization unit',
    kind: 'serverless',
    breakIt: (e) =>
      (e.scps = [
        [],
        [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:*', 'sts:*', 'iam:*'], Resource: '*' }],
          },
        ],
      ]),
    expect: 'scp',
  },
  {
    name: 'RCP denying object deletes',
    kind: 'serverless',
    breakIt: (e) =>
      (e.rcps = [
        [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: '*' }],
          },
        ],
      ]),
    expect: 'rcp',
  },
  {
    name: 'permissions boundary without glue:*',
    kind: 'serverless',
    breakIt: (e) =>
      (e.boundary = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }],
      }),
    expect: 'boundary-statement',
  },
  {
    name: 'S3 location in another account whose bucket policy does not grant the role',
    kind: 'serverless',
    breakIt: (e) => {
      const l = e.locations?.[0];
      if (l) l.owner = other;
    },
    expect: 'bucket-policy',
  },
  {
    name: 'an explicit deny in the role policy',
    kind: 'studio',
    breakIt: (e) =>
      policiesOf(e).push({ Statement: [{ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }] }),
    expect: 'explicit-deny',
  },
];

for (const b of broken) {
  test(`broken: ${b.name} is denied, with ${b.expect} ${/scp|rcp|explicit/.test(b.expect) ? 'named' : 'proven'}`, async () => {
    const env = good(b.kind);
    b.breakIt(env);
    const { results } = await checkEnvironment(env, b.kind);
    const bad = denied(results);
    assert.ok(bad.length > 0, 'the broken setup must not be ready');
    if (b.expect === 'scp' || b.expect === 'rcp' || b.expect === 'explicit-deny') {
      assert.ok(
        bad.every((r) => r.blocker?.type === b.expect),
        JSON.stringify(bad.map((r) => [r.call.action, r.reason, r.blocker])),
      );
      return;
    }
    for (const r of bad) {
      assert.ok(
        r.fixes?.some((f) => f.kind === b.expect),
        `${r.call.action} ${r.call.resource}: ${JSON.stringify(r.fixes)}`,
      );
      assert.equal(
        r.proven,
        true,
        `the fix for ${r.call.action} ${r.call.resource} must be proven: ${JSON.stringify(r.fixes)}`,
      );
      for (const f of r.fixes ?? []) b.fix?.(f);
    }
  });
}

test('a copy of AmazonElasticMapReduceEditorsRole v1: the fix is its current version, not hand-added actions', async () => {
  const m = await getAwsManagedPolicy('AmazonElasticMapReduceEditorsRole');
  const v1 = m?.versions.find((v) => v.versionId === 'v1');
  assert.ok(m && v1 && m.defaultVersionId !== 'v1');
  const env = good('notebooks');
  env.policies = [
    JSON.parse(v1.document) as unknown,
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:*', 'kms:*', 'secretsmanager:GetSecretValue'], Resource: '*' },
      ],
    },
  ];
  const { results } = await checkEnvironment(env, 'notebooks');
  const bad = denied(results);
  assert.deepEqual(
    bad.map((r) => r.call.action),
    ['elasticmapreduce:ListSteps', 'ec2:DescribeVpcs'],
  );
  for (const r of bad) {
    assert.deepEqual(
      r.fixes?.map((f) => f.kind),
      ['managed-policy-version'],
    );
    const f = r.fixes?.[0];
    assert.ok(
      f?.kind === 'managed-policy-version' && f.versionId === 'v1' && f.current === m.defaultVersionId,
    );
    assert.equal(r.proven, true);
  }
});
