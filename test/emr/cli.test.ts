import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { getAwsManagedPolicy } from '../../src/knowledge/managed-policies.js';
import { actionsOf } from '../../src/cli/commands/emr.js';
import { seedPolicies } from './seed-policies.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-emr-'));

test('studio: template files pass `emr check` and `emr lint`; an untagged subnet fails with a fix', () => {
  const t = runCli([
    'emr',
    'template',
    'studio',
    '--account',
    '111122223333',
    '--bucket',
    'studio-backups/ws',
    '--git-secrets',
    '--name',
    'S',
    '--out',
    dir,
  ]);
  assert.equal(t.status, 0, t.stderr);
  const env = {
    account: '111122223333',
    region: 'us-east-1',
    roleName: 'S',
    vpc: { id: 'vpc-1', tags: { 'for-use-with-amazon-emr-managed-policies': 'true' } },
    subnets: [{ id: 'subnet-1', tags: { 'for-use-with-amazon-emr-managed-policies': 'true' } }],
    securityGroups: [{ id: 'sg-1', tags: { 'for-use-with-amazon-emr-managed-policies': 'true' } }],
    s3: { bucket: 'studio-backups', prefix: 'ws' },
    secrets: [
      {
        arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:git-AbCdEf',
        tags: { 'for-use-with-amazon-emr-managed-policies': 'true' },
      },
    ],
  };
  const envFile = path.join(dir, 'env.json');
  fs.writeFileSync(envFile, JSON.stringify(env));
  const args = [
    'emr',
    'check',
    'studio',
    '--policies',
    path.join(dir, 'S-permissions.json'),
    '--trust',
    path.join(dir, 'S-trust.json'),
    '--env',
    envFile,
  ];
  const ok = runCli(args);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^ready: \d+ calls allowed$/m);
  const lint = runCli(['emr', 'lint', path.join(dir, 'S-trust.json'), path.join(dir, 'S-permissions.json')]);
  assert.equal(lint.status, 0, lint.stdout);

  fs.writeFileSync(envFile, JSON.stringify({ ...env, subnets: [{ id: 'subnet-9' }] }));
  const bad = runCli([...args, '--json']);
  assert.equal(bad.status, 2);
  const out = JSON.parse(bad.stdout) as {
    ready: boolean;
    targets: {
      results: {
        decision: string;
        fixes?: unknown[];
        fix?: string[];
        proven?: boolean;
        failedCondition?: { key: string };
        place?: { line: number };
      }[];
    }[];
  };
  assert.equal(out.ready, false);
  const denied = (out.targets[0]?.results ?? []).filter((r) => r.decision !== 'Allow');
  assert.deepEqual(
    denied.map((d) => d.fixes),
    [
      [
        {
          kind: 'tag-resource',
          arn: 'arn:aws:ec2:us-east-1:111122223333:subnet/subnet-9',
          key: 'for-use-with-amazon-emr-managed-policies',
          value: 'true',
        },
      ],
    ],
  );
  assert.deepEqual(denied[0]?.fix, [
    'aws ec2 create-tags --resources subnet-9 --tags Key=for-use-with-amazon-emr-managed-policies,Value=true',
  ]);
  assert.equal(denied[0]?.proven, true);
  assert.equal(denied[0]?.place?.line, 1);
  assert.equal(denied[0]?.failedCondition?.key, 'aws:ResourceTag/for-use-with-amazon-emr-managed-policies');
});

test('emr lint --sarif reports the seed S3FullAccessPolicy', () => {
  const file = path.join(dir, 's3-full.json');
  fs.writeFileSync(file, JSON.stringify(seedPolicies('emr-notebooks-service-role.txt')[2], null, 2));
  const r = runCli(['emr', 'lint', '--sarif', file]);
  assert.equal(r.status, 2);
  const log = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
  assert.equal(log.version, '2.1.0');
  assert.deepEqual(
    log.runs[0]?.results.map((x) => x.ruleId),
    ['EMR-S3-FULL-ACCESS'],
  );
});

test('the Notebooks page labels the EditorsRole document version 1, but its content is version 2', async () => {
  const p = await getAwsManagedPolicy('AmazonElasticMapReduceEditorsRole');
  assert.ok(p, 'AmazonElasticMapReduceEditorsRole is in the managed policy data');
  const seed = actionsOf(JSON.stringify(seedPolicies('emr-notebooks-service-role.txt')[1]));
  const v1 = actionsOf(p.versions.find((v) => v.versionId === 'v1')?.document ?? '{}');
  const v2 = actionsOf(p.versions.find((v) => v.versionId === 'v2')?.document ?? '{}');
  assert.deepEqual([...seed.keys()].sort(), [...v2.keys()].sort());
  assert.deepEqual([...v2.keys()].filter((a) => !v1.has(a)).sort(), [
    'ec2:describevpcs',
    'elasticmapreduce:liststeps',
  ]);
  const r = runCli(['emr', 'policies', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    policies: { name: string; versions: { versionId: string; added: string[] }[] }[];
  };
  const editors = out.policies.find((x) => x.name === 'AmazonElasticMapReduceEditorsRole');
  assert.deepEqual(editors?.versions.find((v) => v.versionId === 'v2')?.added, [
    'ec2:DescribeVpcs',
    'elasticmapreduce:ListSteps',
  ]);
});

test('template to stdout is one JSON object keyed by file name', () => {
  const r = runCli([
    'emr',
    'template',
    'serverless',
    '--name',
    'J',
    '--kms-key',
    'arn:aws:kms:us-east-1:123456789012:key/k',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout) as Record<string, { Version: string }>;
  assert.deepEqual(Object.keys(files), [
    'J-trust.json',
    'J-permissions.json',
    'J-key-policy-statement.json',
    'J-submitter-pass-role.json',
  ]);
  assert.equal(files['J-trust.json']?.Version, '2012-10-17');
});

/** `emr template notebooks --apply`: the Notebooks default role (no Git secrets granted) into `store`. */
const applyNotebooksTemplate = (store: string) => [
  'emr',
  'template',
  'notebooks',
  '--account',
  '111122223333',
  '--bucket',
  'nb',
  '--apply',
  '--store',
  store,
];

/** `emr check notebooks` of that role in `store`, with `more`. */
const checkNotebooksRole = (store: string, ...more: string[]) => [
  'emr',
  'check',
  'notebooks',
  '--role',
  'EMR_Notebooks_DefaultRole',
  '--store',
  store,
  ...more,
];

test('template --apply creates the role in the store, again brings it back, and check --role reads it', () => {
  const store = path.join(dir, 'store.db');
  const apply = applyNotebooksTemplate(store);
  const a = runCli(apply);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /^created role EMR_Notebooks_DefaultRole in account 111122223333/);
  const again = runCli(apply);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^updated role EMR_Notebooks_DefaultRole in account 111122223333/);
  const tag = { 'for-use-with-amazon-emr-managed-policies': 'true' };
  const envFile = path.join(dir, 'nb-env.json');
  const env = {
    account: '111122223333',
    region: 'us-east-1',
    vpc: { id: 'vpc-1', tags: tag },
    subnets: [{ id: 'subnet-1', tags: tag }],
    securityGroups: [{ id: 'sg-1', tags: tag }],
    s3: { bucket: 'nb' },
    // The template grants no Git secrets: no one links a Git repository.
    secrets: [],
  };
  fs.writeFileSync(envFile, JSON.stringify(env));
  const args = checkNotebooksRole(store, '--env', envFile);
  assert.equal(runCli(args).status, 0);
  fs.writeFileSync(
    envFile,
    JSON.stringify({ ...env, s3: { bucket: 'elsewhere' }, securityGroups: [{ id: 'sg-2' }] }),
  );
  const r = runCli(args);
  assert.equal(r.status, 2);
  assert.match(r.stdout, /^DENIED {2}s3:ListBucket on arn:aws:s3:::elsewhere /m);
  // Notebooks need no EMR tag on their security groups (the Notebooks managed policy has no tag condition).
  assert.doesNotMatch(r.stdout, /^DENIED .*security-group/m);
  // The check read the store and left it as it was.
  const listed = runCli(['resource', 'list', '--store', store]);
  assert.doesNotMatch(listed.stdout, /elsewhere/);
});

test('`emr check --no-git-secrets`: no one links a Git repository, as `secrets: []` says; a file that lists secrets is refused', () => {
  const store = path.join(dir, 'no-git.db');
  const applied = runCli(applyNotebooksTemplate(store));
  assert.equal(applied.status, 0, applied.stderr);
  const tag = { 'for-use-with-amazon-emr-managed-policies': 'true' };
  // The environment says nothing of secrets, and the store holds none.
  const envFile = path.join(dir, 'no-git-env.yaml');
  fs.writeFileSync(
    envFile,
    [
      'account: "111122223333"',
      'region: us-east-1',
      'vpc: { id: vpc-1 }',
      'subnets: [{ id: subnet-1 }]',
      'securityGroups: [{ id: sg-1 }]',
      's3: { bucket: nb }',
      '',
    ].join('\n'),
  );
  const args = checkNotebooksRole(store, '--env');
  const unknown = runCli([...args, envFile]);
  assert.equal(unknown.status, 2, unknown.stdout + unknown.stderr);
  assert.match(unknown.stdout, /^UNKNOWN secretsmanager:GetSecretValue on \S+:secret:\(not given\)/m);
  const ready = runCli([...args, envFile, '--no-git-secrets']);
  assert.equal(ready.status, 0, ready.stdout + ready.stderr);
  assert.doesNotMatch(ready.stdout, /secretsmanager/);
  assert.match(ready.stdout, /^ready: \d+ calls allowed$/m);
  // The role alone, without an environment: the same as `secrets: []`, the network still to give.
  const alone = runCli(checkNotebooksRole(store, '--no-git-secrets'));
  assert.doesNotMatch(alone.stdout, /secretsmanager/);
  // An environment that lists the secrets users link says the opposite.
  fs.appendFileSync(
    envFile,
    [
      'secrets:',
      '  - arn: arn:aws:secretsmanager:us-east-1:111122223333:secret:git-AbCdEf',
      `    tags: ${JSON.stringify(tag)}`,
      '',
    ].join('\n'),
  );
  const listed = runCli([...args, envFile, '--no-git-secrets']);
  assert.equal(listed.status, 1);
  assert.equal(listed.stdout, '');
  assert.equal(
    listed.stderr,
    `rolecall: ${envFile}:7:1 $.secrets: UsageError: \`--no-git-secrets\` says no one links a Git repository, but the environment file lists 1 secret they link: drop the option or the file's \`secrets\`\n`,
  );
  // Without the option the secret is checked: the template grants the role no Git secret.
  const denied = runCli([...args, envFile]);
  assert.equal(denied.status, 2);
  assert.match(denied.stdout, /^DENIED {2}secretsmanager:GetSecretValue on \S+:secret:git-AbCdEf /m);
});
