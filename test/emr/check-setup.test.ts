/**
 * `checkSetup`, the one entry for "check the EMR setup in this store" (what `emr check --store` and the
 * console's readiness page call): from setups imported into a store it finds each Studio, Serverless
 * application with its runtime roles and Notebooks role by itself and decides every call through the
 * store's resolver; the store is only read; locations no setup holds are the user's to give, and without
 * them the S3 calls are undecidable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openControlPlane, readState } from '../../src/iam/index.js';
import {
  importAwsSnapshot,
  importCloudFormation,
  importTerraformPlan,
  planImport,
  readSnapshotFolder,
} from '../../src/iam/import/index.js';
import { checkSetup } from '../../src/iam/import/readiness.js';
import type { ImportedSetup } from '../../src/iam/import/setup.js';
import {
  EMR_TAG_KEY,
  EMR_TAG_VALUE,
  emrTemplate,
  type EmrEnvironment,
} from '../../src/knowledge/emr/index.js';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const fixtures = path.join(repoRoot, 'test/emr/fixtures');
const ACCOUNT = '111122223333';
const read = (f: string) => fs.readFileSync(path.join(fixtures, f), 'utf8');

test('checkSetup finds the Studio, the Serverless application and the Notebooks role of an imported store', async () => {
  const cp = await openControlPlane('memory', { now: () => 0 });
  try {
    for (const s of [
      importCloudFormation(read('cloudformation/studio.yaml'), 'studio.yaml', {
        account: ACCOUNT,
        region: 'us-east-1',
      }),
      importTerraformPlan(read('terraform/serverless.plan.json'), 'serverless.plan.json', {
        account: ACCOUNT,
      }),
      importAwsSnapshot(readSnapshotFolder(path.join(fixtures, 'snapshot/notebooks')), 'notebooks'),
    ])
      await (await planImport(cp, s)).apply();
    const before = JSON.stringify(await readState(cp), (_k, v: unknown) => (v instanceof Map ? [...v] : v));

    const report = await checkSetup(cp, {
      now: 0,
      locations: [
        { role: 'EMRServerlessJobRuntimeRole', bucket: 'amzn-s3-demo-bucket', access: 'read' },
        { role: 'EMR_Notebooks_DefaultRole', bucket: 'notebook-files', access: 'read-write' },
      ],
    });
    const byName = new Map(report.targets.map((t) => [t.target.name, t]));
    assert.deepEqual([...byName.keys()].sort(), [
      'Notebooks role EMR_Notebooks_DefaultRole',
      'Serverless application spark-jobs with EMRServerlessJobRuntimeRole',
      'Studio studio-dev',
    ]);
    const studio = byName.get('Studio studio-dev');
    assert.deepEqual(studio?.target.subnets, ['subnet-subneta', 'subnet-subnetb']);
    assert.equal(studio?.target.vpc, 'vpc-studiovpc');
    assert.deepEqual(
      studio?.target.locations.map((l) => l.bucket),
      [`emr-studio-backups-dev-${ACCOUNT}`],
    );
    const serverless = byName.get('Serverless application spark-jobs with EMRServerlessJobRuntimeRole');
    // The plan's SSE-KMS key of the bucket joins the location the user gave.
    assert.deepEqual(serverless?.target.locations, [
      {
        bucket: 'amzn-s3-demo-bucket',
        access: 'read',
        key: `arn:aws:kms:us-east-1:${ACCOUNT}:key/aws-kms-key-data`,
      },
    ]);
    assert.equal(
      serverless?.ready,
      true,
      JSON.stringify(serverless?.results.filter((r) => r.decision !== 'Allow')),
    );
    // Only reads are asked of a read-only location.
    assert.ok(!serverless?.results.some((r) => r.call.action === 's3:PutObject'));
    // Every target was decided, and each finding carries its fix text.
    for (const t of report.targets) {
      assert.ok(t.results.length > 0);
      for (const r of t.results) if (r.fixes) assert.ok(r.fix.length > 0, r.call.action);
    }
    assert.equal(
      report.ready,
      report.targets.every((t) => t.ready),
    );

    // One role, as `emr check --role` and the console ask.
    const one = await checkSetup(cp, {
      now: 0,
      account: ACCOUNT,
      kind: 'serverless',
      role: 'EMRServerlessJobRuntimeRole',
    });
    assert.equal(one.targets.length, 1);
    assert.equal(one.ready, false, 'no locations given: the S3 calls are undecidable');
    const unknown = one.targets[0]?.results.filter((r) => r.decision === 'Unknown') ?? [];
    assert.deepEqual(
      unknown.map((r) => r.call.action),
      ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'],
    );
    assert.match(unknown[0]?.reason ?? '', /^cannot decide: the S3 locations the job runs read and write/);

    // With an environment, its entities count but go to a copy: the store is as it was.
    const withEnv = await checkSetup(cp, {
      now: 0,
      kind: 'serverless',
      role: 'EMRServerlessJobRuntimeRole',
      environment: {
        account: ACCOUNT,
        region: 'us-east-1',
        locations: [{ bucket: 'other-account-data', owner: '999988887777', access: 'read' }],
      },
    });
    const denied = withEnv.targets[0]?.results.filter((r) => r.decision !== 'Allow') ?? [];
    assert.ok(denied.length > 0, 'a bucket the role is not granted');
    assert.ok(denied.every((r) => r.call.resource.startsWith('arn:aws:s3:::other-account-data')));
    const after = JSON.stringify(await readState(cp), (_k, v: unknown) => (v instanceof Map ? [...v] : v));
    assert.equal(after, before);

    await assert.rejects(checkSetup(cp, { kind: 'studio', role: 'Nobody', account: ACCOUNT }), {
      code: 'NoSuchEntity',
    });
  } finally {
    await cp.close();
  }
});

test('emr check --store finds the EMR resources an --import left there', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-check-setup-'));
  const store = path.join(dir, 'store.db');
  const imported = runCli([
    'emr',
    'check',
    '--template',
    path.join(fixtures, 'cloudformation/studio.yaml'),
    '--account',
    ACCOUNT,
    '--store',
    store,
    '--import',
  ]);
  assert.equal(imported.status, 0, imported.stdout + imported.stderr);
  assert.match(
    imported.stdout,
    /^\+ create resource arn:aws:elasticmapreduce:us-east-1:111122223333:studio\/es-/m,
  );
  const r = runCli(['emr', 'check', '--store', store, '--json']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const o = JSON.parse(r.stdout) as { ready: boolean; targets: { name: string; role: string }[] };
  assert.deepEqual(
    o.targets.map((t) => [t.name, t.role]),
    [['Studio studio-dev', `arn:aws:iam::${ACCOUNT}:role/EMRStudio_Service_Role_dev`]],
  );
  assert.equal(o.ready, true);
});

/** The plan's runtime role checked with an environment that gives `locations`. */
function checkRuntimeRole(
  cp: Parameters<typeof checkSetup>[0],
  locations: NonNullable<EmrEnvironment['locations']>,
  setups: ImportedSetup[] = [],
) {
  return checkSetup(cp, {
    now: 0,
    kind: 'serverless',
    role: 'EMRServerlessJobRuntimeRole',
    ...(setups.length > 0 ? { setups } : {}),
    environment: { account: ACCOUNT, region: 'us-east-1', locations },
  });
}

/** A memory store with the Serverless plan imported and the policy of `arn` set to `statements`. */
async function planWithPolicy(arn: string, ...statements: object[]) {
  const cp = await openControlPlane('memory', { now: () => 0 });
  const plan = importTerraformPlan(read('terraform/serverless.plan.json'), 'serverless.plan.json', {
    account: ACCOUNT,
  });
  await (await planImport(cp, plan)).apply();
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  await cp.resources.put({ ...(await cp.resources.get(arn)), policy });
  return { cp, plan };
}

test('an environment that names a bucket of the store keeps its policy and key; a logical ID or address is the bucket it declares', async () => {
  // A bucket policy that denies the job runs' reads is AWS's answer whatever the role's policy allows.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
  const { cp, plan } = await planWithPolicy('arn:aws:s3:::amzn-s3-demo-bucket', {
    Sid: 'NoReads',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: 'arn:aws:s3:::amzn-s3-demo-bucket/*',
  });
  try {
    const check = (locationBucket: string) =>
      checkRuntimeRole(cp, [{ bucket: locationBucket, access: 'read' }], [plan]);
    for (const name of ['amzn-s3-demo-bucket', 'aws_s3_bucket.data']) {
      const report = await check(name);
      const target = report.targets[0];
      assert.equal(report.ready, false, name);
      assert.deepEqual(target?.target.locations, [
        {
          bucket: 'amzn-s3-demo-bucket',
          access: 'read',
          key: `arn:aws:kms:us-east-1:${ACCOUNT}:key/aws-kms-key-data`,
        },
      ]);
      const get = target?.results.find((r) => r.call.action === 's3:GetObject');
      assert.equal(get?.decision, 'ExplicitDeny', name);
      assert.ok(
        target?.results.some((r) => r.call.action === 'kms:Decrypt'),
        `${name}: the key is checked`,
      );
    }
    // Neither a bucket name nor a bucket the setups declare: an error, not a bucket no one uses.
    await assert.rejects(check('DataBucket'), (e: unknown) => {
      assert.match(String((e as Error).message), /locations\[0\]\.bucket.*`DataBucket` is not a bucket name/);
      return true;
    });
  } finally {
    await cp.close();
  }
});

test('an environment that names a key of the store without its policy keeps the key policy that denies', async () => {
  // A key policy is the key's first gate: what it denies, no identity policy allows.
  // https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
  const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/aws-kms-key-data`;
  const { cp } = await planWithPolicy(
    keyArn,
    {
      Sid: 'Admins',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    { Sid: 'NoJobDecrypt', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
  );
  try {
    const report = await checkRuntimeRole(cp, [
      { bucket: 'amzn-s3-demo-bucket', access: 'read', key: { arn: keyArn } },
    ]);
    const decrypt = report.targets[0]?.results.find((r) => r.call.action === 'kms:Decrypt');
    assert.equal(decrypt?.decision, 'ExplicitDeny');
    assert.equal(report.ready, false);
  } finally {
    await cp.close();
  }
});

test('a Studio whose setup holds no Git secret: the secret call is undecidable, never ready; a secret of the store is decided on its tags', async () => {
  const cp = await openControlPlane('memory', { now: () => 0 });
  try {
    const region = 'us-east-1';
    const t = emrTemplate('studio', {
      account: ACCOUNT,
      region,
      bucket: 'studio-backups/ws',
      roleName: 'StudioRole',
      gitSecrets: true,
    });
    await cp.iam.createRole({ account: ACCOUNT, name: 'StudioRole', trustPolicy: JSON.stringify(t.trust) });
    await cp.iam.putInlinePolicy(
      { kind: 'role', account: ACCOUNT, name: 'StudioRole' },
      'studio',
      JSON.stringify(t.permissions),
    );
    const tags = [{ key: EMR_TAG_KEY, value: EMR_TAG_VALUE }];
    const ec2 = `arn:aws:ec2:${region}:${ACCOUNT}`;
    for (const r of ['vpc/vpc-1', 'subnet/subnet-1', 'security-group/sg-1'])
      await cp.resources.put({ arn: `${ec2}:${r}`, account: ACCOUNT, tags });
    await cp.resources.put({ arn: 'arn:aws:s3:::studio-backups', account: ACCOUNT });
    await cp.resources.put({
      arn: `arn:aws:elasticmapreduce:${region}:${ACCOUNT}:studio/es-1`,
      account: ACCOUNT,
      attributes: {
        'emr:kind': 'studio',
        name: 'analytics',
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/StudioRole`,
        vpc: 'vpc-1',
        subnets: 'subnet-1',
        securityGroups: 'sg-1',
        s3Location: 's3://studio-backups/ws',
      },
    });
    const notAllowed = async (o: Parameters<typeof checkSetup>[1] = {}) => {
      const report = await checkSetup(cp, { now: 0, ...o });
      const studio = report.targets[0];
      assert.equal(report.targets.length, 1);
      const rest = studio?.results.filter((r) => r.decision !== 'Allow') ?? [];
      assert.equal(studio?.ready, rest.length === 0);
      return rest.map((r) => [r.decision, r.call.action, r.call.resource, r.reason.split(':')[0]]);
    };

    // No secret in the store: the secret the users link is not known, so the call is not decided.
    assert.deepEqual(await notAllowed(), [
      [
        'Unknown',
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:(not given)`,
        'cannot decide',
      ],
    ]);
    const [unknown] =
      (await checkSetup(cp, { now: 0 })).targets[0]?.results.filter((r) => r.decision === 'Unknown') ?? [];
    assert.match(
      unknown?.reason ?? '',
      /the Secrets Manager secrets that Studio users link Git repositories/,
    );
    // The same for one role checked without an environment.
    const role = { kind: 'studio' as const, role: 'StudioRole', account: ACCOUNT };
    assert.equal((await notAllowed(role)).filter((r) => r[1] === 'secretsmanager:GetSecretValue').length, 1);
    // An environment that says no one links a Git repository (`secrets: []`): nothing to check.
    const env: EmrEnvironment = { account: ACCOUNT, region, secrets: [] };
    const withNone = await checkSetup(cp, { now: 0, ...role, environment: env });
    assert.ok(!withNone.targets[0]?.results.some((r) => r.call.action === 'secretsmanager:GetSecretValue'));
    // The same said of every target (`emr check --no-git-secrets`): the Studio found in the store is ready,
    // and the role checked alone asks for no secret.
    assert.deepEqual(await notAllowed({ noGitSecrets: true }), []);
    assert.ok(
      !(await notAllowed({ ...role, noGitSecrets: true })).some(
        (r) => r[1] === 'secretsmanager:GetSecretValue',
      ),
    );
    // An environment that lists the secrets users link says the opposite.
    await assert.rejects(
      checkSetup(cp, {
        now: 0,
        ...role,
        noGitSecrets: true,
        environment: {
          ...env,
          secrets: [{ arn: `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:git-x` }],
        },
      }),
      { code: 'UsageError', message: /`--no-git-secrets` says no one links a Git repository/ },
    );

    // A secret of the store without EMR's tag: denied by the tag condition, the fix a tag.
    const secret = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:git-AbCdEf`;
    await cp.resources.put({ arn: secret, account: ACCOUNT });
    assert.deepEqual(await notAllowed(), [
      ['ImplicitDeny', 'secretsmanager:GetSecretValue', secret, (await notAllowed())[0]?.[3]],
    ]);
    await cp.resources.put({ arn: secret, account: ACCOUNT, tags });
    assert.deepEqual(await notAllowed(), []);
    // One role checked without an environment: the store's secrets are its secrets (its network is not given).
    assert.ok(!(await notAllowed(role)).some((r) => r[1] === 'secretsmanager:GetSecretValue'));
  } finally {
    await cp.close();
  }
});
