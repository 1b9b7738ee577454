/**
 * `emr check` on each real format (fixtures written from the CloudFormation user guide, Terraform's JSON
 * output format and the AWS CLI reference): good setups are ready; broken ones are denied with the fix in
 * the input's own terms, placed at the line of the user's file, and proven; SARIF and JUnit carry the place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { physicalName } from '../../src/iam/import/cloudformation.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const fixtures = path.join(repoRoot, 'test/emr/fixtures');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-check-'));
const account = ['--account', '111122223333'];

interface Out {
  ready: boolean;
  targets: {
    name: string;
    role: string;
    declared?: { name: string; place?: { line: number } };
    results: {
      action: string;
      resource: string;
      decision: string;
      fix?: string[];
      proven?: boolean;
      reason: string;
      place?: { file: string; line: number };
    }[];
  }[];
}
const bad = (o: Out) => o.targets.flatMap((t) => t.results.filter((r) => r.decision !== 'Allow'));

test('every format: the good fixture is ready', () => {
  for (const args of [
    ['--template', path.join(fixtures, 'cloudformation/studio.yaml'), ...account],
    [
      '--plan',
      path.join(fixtures, 'terraform/serverless.plan.json'),
      ...account,
      '--read-location',
      's3://amzn-s3-demo-bucket/input',
      '--location',
      's3://amzn-s3-demo-bucket/output',
    ],
    ['--snapshot', path.join(fixtures, 'snapshot/notebooks'), '--location', 's3://notebook-files'],
  ]) {
    const r = runCli(['emr', 'check', ...args, '--json']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const o = JSON.parse(r.stdout) as Out;
    assert.equal(o.ready, true);
    assert.equal(o.targets.length, 1);
    assert.deepEqual(bad(o), []);
  }
});

test('CloudFormation: an untagged subnet gets a Tags entry for its logical id, at its line, proven', () => {
  const text = fs.readFileSync(path.join(fixtures, 'cloudformation/studio.yaml'), 'utf8');
  const broken = text.replace(
    /( {2}SubnetB:\n {4}Type: AWS::EC2::Subnet\n {4}Properties:\n {6}VpcId: !Ref StudioVpc\n {6}CidrBlock: !Select \[1, !Ref CidrBlocks\]\n) {6}Tags:\n {8}- Key: for-use-with-amazon-emr-managed-policies\n {10}Value: "true"\n/,
    '$1',
  );
  assert.notEqual(broken, text);
  const file = path.join(dir, 'studio.yaml');
  fs.writeFileSync(file, broken);
  const r = runCli(['emr', 'check', '--template', file, ...account, '--json']);
  assert.equal(r.status, 2, r.stderr);
  const denied = bad(JSON.parse(r.stdout) as Out);
  assert.deepEqual(
    denied.map((d) => d.action),
    ['ec2:CreateNetworkInterface'],
  );
  assert.deepEqual(denied[0]?.fix, [
    'add to the Tags of SubnetB:',
    '  - Key: for-use-with-amazon-emr-managed-policies',
    '    Value: "true"',
  ]);
  assert.equal(denied[0]?.proven, true);
  const line = broken.split('\n').findIndex((l) => l === '  SubnetB:') + 1;
  assert.equal(denied[0]?.place?.line, line);
  const sarif = JSON.parse(
    runCli(['emr', 'check', '--template', file, ...account, '--format', 'sarif']).stdout,
  ) as {
    runs: {
      results: {
        ruleId: string;
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
        }[];
      }[];
    }[];
  };
  const res = sarif.runs[0]?.results ?? [];
  assert.deepEqual(
    res.map((x) => [
      x.ruleId,
      x.locations[0]?.physicalLocation.region.startLine,
      x.locations[0]?.physicalLocation.artifactLocation.uri,
    ]),
    [['EMR-READINESS-DENIED', line, file]],
  );
  const junit = runCli(['emr', 'check', '--template', file, ...account, '--format', 'junit']).stdout;
  assert.match(junit, /<testsuite name="Studio studio-dev" tests="\d+" failures="1">/);
  assert.match(
    junit,
    new RegExp(
      `<testcase [^>]*name="ec2:CreateNetworkInterface on [^"]*subnet-subnetb" file="${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" line="${line}">`,
    ),
  );
});

test('Terraform: a trust policy known only after apply makes the role undecidable, never ready', () => {
  const plan = JSON.parse(fs.readFileSync(path.join(fixtures, 'terraform/serverless.plan.json'), 'utf8')) as {
    resource_changes: {
      type: string;
      change: { after: Record<string, unknown>; after_unknown: Record<string, unknown> };
    }[];
  };
  const role = plan.resource_changes.find((c) => c.type === 'aws_iam_role');
  assert.ok(role);
  delete role.change.after.assume_role_policy;
  role.change.after_unknown.assume_role_policy = true;
  const file = path.join(dir, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  const r = runCli(['emr', 'check', '--plan', file, ...account]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stdout,
    /^UNKNOWN sts:AssumeRole on arn:aws:iam::111122223333:role\/EMRServerlessJobRuntimeRole/m,
  );
  assert.match(
    r.stdout,
    /cannot decide: the trust policy of aws_iam_role\.runtime is known only after apply/,
  );
  assert.doesNotMatch(r.stdout, /^ready/m);
});

test('AWS snapshot: a key policy that does not enable IAM policies gets a key-policy statement, at the key policy file', () => {
  const copy = path.join(dir, 'snapshot');
  fs.cpSync(path.join(fixtures, 'snapshot/notebooks'), copy, { recursive: true });
  const keyFile = path.join(copy, 'kms/get-key-policy/1234abcd-12ab-34cd-56ef-1234567890ab.json');
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Admins',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:user/auditor' },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
  fs.writeFileSync(
    keyFile,
    JSON.stringify({ Policy: JSON.stringify(policy), PolicyName: 'default' }, null, 4),
  );
  const r = runCli(['emr', 'check', '--snapshot', copy, '--location', 's3://notebook-files', '--json']);
  assert.equal(r.status, 2, r.stderr);
  const denied = bad(JSON.parse(r.stdout) as Out);
  assert.deepEqual(
    denied.map((d) => d.action),
    ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:DescribeKey'],
  );
  for (const d of denied) {
    assert.equal(d.proven, true);
    assert.match(
      d.fix?.[0] ?? '',
      /^add to the key policy of arn:aws:kms:.*: allow arn:aws:iam::111122223333:role\/service-role\/EMR_Notebooks_DefaultRole/,
    );
    assert.equal(d.place?.file, `${copy}/kms/get-key-policy/1234abcd-12ab-34cd-56ef-1234567890ab.json`);
  }
});

test('environment file: unknown fields are errors with a suggestion, every problem at once with line:column', () => {
  const file = path.join(dir, 'env.yaml');
  fs.writeFileSync(
    file,
    [
      'account: "111122223333"',
      'region: us-east-1',
      'subnet: [{ id: subnet-1 }]',
      'locations:',
      '  - bucket: b',
      '    acess: read',
      '    access: write',
      'policies: []',
    ].join('\n'),
  );
  const r = runCli(['emr', 'check', 'studio', '--env', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /env\.yaml:3:1 .*unknown field `subnet`; did you mean `subnets`\?/);
  assert.match(r.stderr, /env\.yaml:6:5 .*unknown field `acess`; did you mean `access`\?/);
  assert.match(r.stderr, /env\.yaml:7:5 .*access must be `read` or `read-write`, not `write`/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('CloudFormation: unnamed resources are named from the stack name and logical ID; findings name the logical ID at its line', () => {
  const template = path.join(fixtures, 'cloudformation/serverless.yaml');
  const role = physicalName('analytics', 'JobRuntimeRole', 64);
  const bucket = physicalName('analytics', 'DataBucket', 63, true);
  assert.match(role, /^analytics-JobRuntimeRole-[A-Z0-9]{12}$/);
  assert.match(bucket, /^analytics-databucket-[a-z0-9]{12}$/);
  const args = [
    'emr',
    'check',
    '--template',
    template,
    ...account,
    '--stack-name',
    'analytics',
    '--location',
    `s3://${bucket}/jobs`,
    '--json',
  ];
  const good = runCli(args);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  const o = JSON.parse(good.stdout) as Out;
  const text = fs.readFileSync(template, 'utf8');
  const lineOf = (t: string, s: string) => t.split('\n').findIndex((l) => l === s) + 1;
  assert.deepEqual(
    o.targets.map((t) => [t.role, t.declared?.name, t.declared?.place?.line]),
    [[`arn:aws:iam::111122223333:role/${role}`, 'JobRuntimeRole', lineOf(text, '  JobRuntimeRole:')]],
  );

  // The boundary (a managed policy the template leaves unnamed) without glue:CreateTable.
  const at = text.indexOf('  JobRuntimeRole:');
  const broken = text.slice(0, at).replace('              - glue:CreateTable\n', '') + text.slice(at);
  assert.notEqual(broken, text);
  const file = path.join(dir, 'serverless.yaml');
  fs.writeFileSync(file, broken);
  const r = runCli(args.map((a) => (a === template ? file : a)));
  assert.equal(r.status, 2, r.stdout + r.stderr);
  const denied = bad(JSON.parse(r.stdout) as Out);
  assert.deepEqual(
    denied.map((d) => d.action),
    ['glue:CreateTable'],
  );
  const boundary = `arn:aws:iam::111122223333:policy/${physicalName('analytics', 'JobBoundary', 128)}`;
  assert.deepEqual(denied[0]?.fix, [
    `add to the permissions boundary JobBoundary (${boundary}): allow \`glue:CreateTable\` on \`arn:aws:glue:us-east-1:111122223333:catalog\``,
  ]);
  assert.equal(denied[0]?.proven, true);
  assert.equal(denied[0]?.place?.line, lineOf(broken, '  JobBoundary:'));
  // Both the role's policy and its boundary lack it: the fix adds it to both, proven together.
  const neither = broken.replace('                  - glue:CreateTable\n', '');
  assert.notEqual(neither, broken);
  fs.writeFileSync(file, neither);
  const both = bad(JSON.parse(runCli(args.map((a) => (a === template ? file : a))).stdout) as Out);
  assert.deepEqual(
    both.map((d) => [d.action, d.proven]),
    [['glue:CreateTable', true]],
  );
  assert.deepEqual(both[0]?.fix, [
    `allow \`glue:CreateTable\` on \`arn:aws:glue:us-east-1:111122223333:catalog\` in a policy of JobRuntimeRole (arn:aws:iam::111122223333:role/${role})`,
    `add to the permissions boundary JobBoundary (${boundary}): allow \`glue:CreateTable\` on \`arn:aws:glue:us-east-1:111122223333:catalog\``,
  ]);
  // Without --stack-name the stack is `stack`; the names are stable from one run to the next.
  const plain = runCli(['emr', 'check', '--template', template, ...account, '--json']);
  assert.match(plain.stdout, new RegExp(`role/${physicalName('stack', 'JobRuntimeRole', 64)}"`));
});

test('CloudFormation physical names fit the name limit: stack name and logical ID shortened, the suffix kept', () => {
  const long = physicalName(
    'a-very-long-stack-name-for-the-analytics-platform',
    'EmrServerlessJobRuntimeRoleForNightly',
    64,
  );
  assert.ok(long.length <= 64, long);
  assert.match(long, /^a-very-long-stack-.*-EmrServerless.*-[A-Z0-9]{12}$/);
  assert.equal(
    long,
    physicalName(
      'a-very-long-stack-name-for-the-analytics-platform',
      'EmrServerlessJobRuntimeRoleForNightly',
      64,
    ),
  );
  assert.notEqual(physicalName('s', 'A', 64), physicalName('s', 'B', 64));
});

test('Terraform modules: child_modules, module-prefixed addresses and references through module_calls are followed', () => {
  const planFile = path.join(fixtures, 'terraform/studio-modules.plan.json');
  const text = fs.readFileSync(planFile, 'utf8');
  const check = (file: string) => runCli(['emr', 'check', '--plan', file, ...account, '--json']);
  const good = check(planFile);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  const o = JSON.parse(good.stdout) as Out;
  assert.deepEqual(
    o.targets.map((t) => [t.name, t.role, t.declared?.name]),
    [
      [
        'Studio analytics',
        'arn:aws:iam::111122223333:role/service-role/EMRStudio_Service_Role',
        'module.roles.aws_iam_role.studio',
      ],
    ],
  );
  // The Studio's network came through module.network's outputs, its role through module.roles'.
  const resources = new Set(o.targets[0]?.results.map((r) => r.resource));
  for (const id of [
    'subnet/subnet-module-network-aws-subnet-private-a',
    'subnet/subnet-module-network-aws-subnet-private-b',
    'security-group/sg-module-network-aws-security-group-engine',
    'security-group/sg-module-network-aws-security-group-workspace',
    'vpc/vpc-module-network-aws-vpc-this',
  ])
    assert.ok(resources.has(`arn:aws:ec2:us-east-1:111122223333:${id}`), id);

  const write = (name: string, t: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, t);
    return f;
  };
  // A subnet of the module without the EMR tag: denied, the fix a tags entry of its module address.
  const plan = JSON.parse(text) as {
    resource_changes: { address: string; change: { after: { tags: object; tags_all: object } } }[];
    planned_values: {
      root_module: { child_modules: { resources: { address: string; values: object }[] }[] };
    };
  };
  const untagged = 'module.network.aws_subnet.private["b"]';
  const change = plan.resource_changes.find((r) => r.address === untagged);
  assert.ok(change);
  change.change.after.tags = { Name: 'emr-private-b' };
  change.change.after.tags_all = { Name: 'emr-private-b' };
  const brokenFile = write('studio-modules-untagged.plan.json', `${JSON.stringify(plan, null, 2)}\n`);
  const broken = check(brokenFile);
  assert.equal(broken.status, 2, broken.stdout + broken.stderr);
  const denied = bad(JSON.parse(broken.stdout) as Out);
  assert.deepEqual(
    denied.map((d) => [d.action, d.resource]),
    [
      [
        'ec2:CreateNetworkInterface',
        'arn:aws:ec2:us-east-1:111122223333:subnet/subnet-module-network-aws-subnet-private-b',
      ],
    ],
  );
  assert.deepEqual(denied[0]?.fix, [
    `add to the tags of ${untagged}:`,
    '  "for-use-with-amazon-emr-managed-policies" = "true"',
  ]);
  assert.equal(denied[0]?.proven, true);
  const brokenText = fs.readFileSync(brokenFile, 'utf8');
  const entry = brokenText.indexOf(`"address": ${JSON.stringify(untagged)},\n      "module_address"`);
  assert.ok(entry > 0);
  assert.equal(denied[0]?.place?.line, brokenText.slice(0, entry).split('\n').length - 1);

  // A Studio whose service role the plan cannot say: reported, every call undecidable, never left out.
  const roleless = JSON.parse(text) as {
    configuration: {
      root_module: { resources: { address: string; expressions: Record<string, unknown> }[] };
    };
  };
  const studioConfig = roleless.configuration.root_module.resources.find(
    (r) => r.address === 'aws_emr_studio.main',
  );
  assert.ok(studioConfig);
  delete studioConfig.expressions.service_role;
  const unknownRole = check(write('studio-modules-roleless.plan.json', JSON.stringify(roleless, null, 2)));
  assert.equal(unknownRole.status, 2, unknownRole.stdout + unknownRole.stderr);
  const undecided = (JSON.parse(unknownRole.stdout) as Out).targets[0]?.results ?? [];
  assert.ok(undecided.length > 0);
  for (const r of undecided) {
    assert.equal(r.decision, 'Unknown');
    assert.match(r.reason, /^cannot decide: the service role of Studio analytics is not known/);
  }

  // The same plan read from planned_values alone (child_modules, recursively).
  const noChanges = JSON.parse(text) as Record<string, unknown>;
  delete noChanges.resource_changes;
  const planned = check(write('studio-modules-planned.plan.json', JSON.stringify(noChanges, null, 2)));
  assert.equal(planned.status, 0, planned.stdout + planned.stderr);
  // Module instances with a key (count = 1): addresses `module.network[0]....` map to the configuration of
  // `module.network`, and references through `module.network[0].vpc_id` reach the instance.
  const counted = text
    .replaceAll('"module.network.', '"module.network[0].')
    .replaceAll('"module.network"', '"module.network[0]"');
  assert.notEqual(counted, text);
  const indexed = check(write('studio-modules-counted.plan.json', counted));
  assert.equal(indexed.status, 0, indexed.stdout + indexed.stderr);
  assert.ok(
    (JSON.parse(indexed.stdout) as Out).targets[0]?.results.some(
      (r) =>
        r.resource ===
        'arn:aws:ec2:us-east-1:111122223333:subnet/subnet-module-network-0-aws-subnet-private-a',
    ),
  );
});

test('--location names a bucket by its CloudFormation logical ID or Terraform address; the real name wins; an unknown one is an error with a suggestion', () => {
  const template = path.join(fixtures, 'cloudformation/serverless.yaml');
  const cfn = (...loc: string[]) =>
    runCli([
      'emr',
      'check',
      '--template',
      template,
      ...account,
      '--stack-name',
      'analytics',
      ...loc,
      '--json',
    ]);
  const bucket = physicalName('analytics', 'DataBucket', 63, true);
  const s3Resources = (o: Out) =>
    o.targets.flatMap((t) => t.results.filter((r) => r.action.startsWith('s3:')).map((r) => r.resource));
  const byId = cfn('--location', 's3://DataBucket/jobs');
  assert.equal(byId.status, 0, byId.stdout + byId.stderr);
  const byName = cfn('--location', `s3://${bucket}/jobs`);
  assert.equal(byName.status, 0, byName.stdout + byName.stderr);
  assert.deepEqual(
    s3Resources(JSON.parse(byId.stdout) as Out),
    s3Resources(JSON.parse(byName.stdout) as Out),
  );
  assert.ok(s3Resources(JSON.parse(byId.stdout) as Out).includes(`arn:aws:s3:::${bucket}`));

  // A typo: one line, with the code, the option as written and the nearest logical ID; nothing decided.
  const typo = cfn('--read-location', 's3://DataBuckt/jobs');
  assert.equal(typo.status, 1, typo.stdout + typo.stderr);
  assert.equal(typo.stdout, '');
  assert.equal(
    typo.stderr.trim(),
    'rolecall: NoSuchEntity: --read-location `s3://DataBuckt/jobs`: `DataBuckt` is not a bucket name, nor the logical ID or address of a bucket of the setup; did you mean `DataBucket`?',
  );

  // A logical ID spelled like another bucket's real name: the bucket with that name is meant.
  const text = fs.readFileSync(template, 'utf8');
  const twoBuckets = text.replace(
    'Resources:\n',
    'Resources:\n  archive:\n    Type: AWS::S3::Bucket\n  Named:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: archive\n',
  );
  assert.notEqual(twoBuckets, text);
  const file = path.join(dir, 'serverless-two-buckets.yaml');
  fs.writeFileSync(file, twoBuckets);
  const real = runCli([
    'emr',
    'check',
    '--template',
    file,
    ...account,
    '--location',
    's3://archive/x',
    '--json',
  ]);
  assert.equal(real.status, 2, real.stdout + real.stderr);
  const resources = s3Resources(JSON.parse(real.stdout) as Out);
  assert.ok(resources.includes('arn:aws:s3:::archive'), resources.join(' '));
  assert.ok(!resources.some((r) => r.includes(physicalName('stack', 'archive', 63, true))));

  // Terraform: the address of the bucket.
  const planFile = path.join(fixtures, 'terraform/serverless.plan.json');
  const tf = (plan: string, ...loc: string[]) =>
    runCli(['emr', 'check', '--plan', plan, ...account, ...loc, '--json']);
  const byAddress = tf(
    planFile,
    '--read-location',
    's3://aws_s3_bucket.data/input',
    '--location',
    's3://aws_s3_bucket.data/output',
  );
  assert.equal(byAddress.status, 0, byAddress.stdout + byAddress.stderr);
  assert.ok(
    s3Resources(JSON.parse(byAddress.stdout) as Out).includes(
      'arn:aws:s3:::amzn-s3-demo-bucket/output/data/part-0',
    ),
  );
  const wrong = tf(planFile, '--location', 's3://aws_s3_bucket.dat/output');
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^rolecall: NoSuchEntity: .*; did you mean `aws_s3_bucket\.data`\?\n$/);
  // A bucket whose name is known only after apply: its calls are undecidable, never guessed.
  const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as {
    planned_values: { root_module: { resources: { address: string; values: Record<string, unknown> }[] } };
    resource_changes: {
      address: string;
      change: { after: Record<string, unknown>; after_unknown?: Record<string, unknown> };
    }[];
  };
  for (const r of plan.planned_values.root_module.resources)
    if (r.address === 'aws_s3_bucket.data') delete r.values.bucket;
  for (const r of plan.resource_changes)
    if (r.address === 'aws_s3_bucket.data') {
      delete r.change.after.bucket;
      r.change.after_unknown = { ...r.change.after_unknown, bucket: true };
    }
  const later = path.join(dir, 'serverless-bucket-name-later.plan.json');
  fs.writeFileSync(later, JSON.stringify(plan, null, 2));
  const undecided = tf(later, '--location', 's3://aws_s3_bucket.data/output');
  assert.equal(undecided.status, 2, undecided.stdout + undecided.stderr);
  const s3 = (JSON.parse(undecided.stdout) as Out).targets.flatMap((t) =>
    t.results.filter((r) => r.action.startsWith('s3:')),
  );
  assert.ok(s3.length > 0);
  for (const r of s3) {
    assert.equal(r.decision, 'Unknown');
    assert.equal(r.reason, 'cannot decide: the name of aws_s3_bucket.data is known only after apply');
  }
});
