/** Every policy of the seed pages, checked for readiness and linted, with the outcome each deserves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lintEmrPolicy, type EmrLintKind } from '../../src/analyze/index.js';
import type { CallResult } from '../../src/analyze/emr-readiness.js';
import { checkEnvironment } from '../../src/iam/import/readiness.js';
import { EMR_TAG_KEY, type EmrEnvironment, type EmrKind } from '../../src/knowledge/emr/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import { sharedDir } from '../helpers/paths.js';
import { seedPolicies } from './seed-policies.js';

const account = '111122223333';
const region = 'us-east-1';
const tagged = { [EMR_TAG_KEY]: 'true' };
const keyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Fill the pages' placeholders the way a reader would. */
function fill(p: unknown): unknown {
  return JSON.parse(JSON.stringify(p).replaceAll('<account-id>', account).replaceAll('<region>', region));
}

function lint(p: unknown, kind: EmrLintKind): string[] {
  const r = parsePolicy(p, { kind: kind === 'trust' ? 'trust' : 'identity' });
  assert.ok(r.document, JSON.stringify(r.issues));
  return lintEmrPolicy(r.document, kind).map((f) => f.code);
}

/** The quoted action list after `marker` in a seed page, as a policy on `resource`. */
function actionList(file: string, marker: string, resource: string): unknown {
  const text = readFileSync(path.join(sharedDir, 'seeds', file), 'utf8');
  const at = text.indexOf(marker);
  const line = text.slice(at, text.indexOf('\n', at));
  const actions = [...line.matchAll(/"([a-z0-9-]+:[A-Za-z*]+)"/g)].map((m) => m[1]);
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] };
}

function env(roleName: string, extra: Partial<EmrEnvironment> = {}): EmrEnvironment {
  return {
    account,
    region,
    roleName,
    vpc: { id: 'vpc-1', tags: tagged },
    subnets: [{ id: 'subnet-1', tags: tagged }],
    securityGroups: [{ id: 'sg-1', tags: tagged }],
    secrets: [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:git-AbCdEf`, tags: tagged }],
    s3: { bucket: 'backups' },
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
    ...extra,
  };
}

const denied = (rs: CallResult[]) =>
  [
    ...new Set(
      rs
        .filter((r) => r.decision !== 'Allow')
        .map((r) => `${r.call.action}:${r.fixes?.[0]?.kind ?? r.blocker?.type ?? ''}`),
    ),
  ].sort();

/** The readiness of a role with these policies in `e`, decided through a store. */
async function checkReadiness(
  kind: EmrKind,
  role: { trust: unknown; permissions: unknown[] },
  e: EmrEnvironment,
): Promise<CallResult[]> {
  return (await checkEnvironment({ ...e, trustPolicy: role.trust, policies: role.permissions }, kind))
    .results;
}

test('studio seed: empty trust principal, no S3 in the sample policy, kms:ReEncrypt names nothing', async () => {
  const [trust, perms] = seedPolicies('emr-studio-service-role.txt');
  assert.deepEqual(lint(trust, 'trust'), ['EMR-TRUST-EMPTY-SERVICE']);
  assert.deepEqual(lint(perms, 'permissions'), []);
  const kms = actionList('emr-studio-service-role.txt', '"kms:Decrypt"', keyArn);
  assert.deepEqual(lint(kms, 'permissions'), ['EMR-UNKNOWN-ACTION']);
  const s3 = actionList('emr-studio-service-role.txt', '"s3:PutObject"', 'arn:aws:s3:::backups*');
  // The trust policy as printed lets no service in; the page's S3 list is separate from its sample policy;
  // and with kms:ReEncrypt as written, re-encryption is denied.
  assert.deepEqual(
    denied(await checkReadiness('studio', { trust, permissions: [perms] }, env('StudioRole'))),
    [
      'kms:Decrypt:add-permission',
      'kms:DescribeKey:add-permission',
      'kms:GenerateDataKey:add-permission',
      'kms:ReEncryptFrom:add-permission',
      'kms:ReEncryptTo:add-permission',
      's3:DeleteObject:add-permission',
      's3:GetEncryptionConfiguration:add-permission',
      's3:GetObject:add-permission',
      's3:ListBucket:add-permission',
      's3:PutObject:add-permission',
      'sts:AssumeRole:trust-service',
    ],
  );
  assert.deepEqual(
    denied(await checkReadiness('studio', { trust, permissions: [perms, s3, kms] }, env('StudioRole'))),
    ['kms:ReEncryptFrom:add-permission', 'kms:ReEncryptTo:add-permission', 'sts:AssumeRole:trust-service'],
  );
});

test('notebooks seed: full S3 and unscoped Git secrets are flagged; the default role works once the principal is filled in', async () => {
  const [trust, editors, s3Full, secret] = seedPolicies('emr-notebooks-service-role.txt').map(fill);
  assert.deepEqual(lint(trust, 'trust'), ['EMR-TRUST-EMPTY-SERVICE']);
  assert.deepEqual(lint(editors, 'permissions'), []);
  assert.deepEqual(lint(s3Full, 'permissions'), ['EMR-S3-FULL-ACCESS']);
  assert.deepEqual(lint(secret, 'permissions'), ['EMR-SECRET-UNSCOPED']);
  const kms = actionList('emr-notebooks-service-role.txt', '"kms:Decrypt"', keyArn);
  assert.deepEqual(lint(kms, 'permissions'), []);
  const e = env('EMR_Notebooks_DefaultRole', {
    secrets: [{ arn: `arn:aws:secretsmanager:${region}:${account}:secret:untagged-XyZ123` }],
  });
  assert.deepEqual(
    denied(await checkReadiness('notebooks', { trust, permissions: [editors, s3Full, secret, kms] }, e)),
    ['sts:AssumeRole:trust-service'],
  );
  const named = JSON.parse(
    JSON.stringify(trust).replace('"Service":""', '"Service":"elasticmapreduce.amazonaws.com"'),
  ) as unknown;
  assert.deepEqual(lint(named, 'trust'), []);
  assert.deepEqual(
    denied(
      await checkReadiness('notebooks', { trust: named, permissions: [editors, s3Full, secret, kms] }, e),
    ),
    [],
  );
});

test('serverless seed: sample runtime policy and PassRole example pass for the sample bucket, and nothing else', async () => {
  // The page's PassRole example names account `1234567890`, which has ten digits; AWS account ids have twelve.
  const [runtime, passRole] = seedPolicies('emr-serverless-job-runtime-roles.txt').map(
    (p) => JSON.parse(JSON.stringify(p).replaceAll('::1234567890:', '::123456789012:')) as unknown,
  ) as [unknown, unknown];
  assert.deepEqual(lint(runtime, 'permissions'), []);
  assert.deepEqual(lint(passRole, 'permissions'), []);
  const trust = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'emr-serverless.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };
  assert.deepEqual(lint(trust, 'trust'), ['EMR-TRUST-NO-SOURCE']);
  const e: EmrEnvironment = {
    account: '123456789012',
    region,
    roleName: 'JobRuntimeRoleForEMRServerless',
    s3: { bucket: 'amzn-s3-demo-bucket' },
    jobBuckets: ['payroll'],
    glue: true,
    submitter: { arn: 'arn:aws:iam::123456789012:user/data-engineer', policies: [passRole] },
  };
  assert.deepEqual(denied(await checkReadiness('serverless', { trust, permissions: [runtime] }, e)), [
    's3:DeleteObject:add-permission',
    's3:GetObject:add-permission',
    's3:ListBucket:add-permission',
    's3:PutObject:add-permission',
  ]);
});
