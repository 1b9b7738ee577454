/**
 * scripts/snapshot.sh against a stand-in `aws` on PATH (test/emr/aws-stand-in/aws) that answers each
 * command the script runs with the JSON the AWS CLI reference shows for it
 * (test/emr/fixtures/aws-cli/analytics-account): the folder the script writes, file by file; that it runs
 * only read-only commands, in the region asked, with JSON output; that a service error leaves no file and is
 * reported with its message; and that the snapshot importer reads the folder back to the account's setup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importAwsSnapshot, readSnapshotFolder } from '../../src/iam/import/index.js';
import { repoRoot } from '../helpers/paths.js';

const script = path.join(repoRoot, 'scripts/snapshot.sh');
const standIn = path.join(repoRoot, 'test/emr/aws-stand-in');
const answers = path.join(repoRoot, 'test/emr/fixtures/aws-cli/analytics-account');
const ACCOUNT = '111122223333';

function takeSnapshot(answerDir: string, args: string[], env: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-snapshot-'));
  const out = path.join(dir, 'snapshot');
  const log = path.join(dir, 'calls.log');
  const r = spawnSync('bash', [script, out, ...args], {
    encoding: 'utf8',
    // Only what the script needs: no AWS_REGION or AWS_PROFILE of the machine running the test.
    env: {
      PATH: `${standIn}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: dir,
      AWS_STAND_IN_ANSWERS: answerDir,
      AWS_STAND_IN_LOG: log,
      ...env,
    },
  });
  const calls = fs.existsSync(log)
    ? fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[])
    : [];
  return { ...r, out, calls };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** The snapshot of the analytics account, taken once for the tests that read it. */
let taken: ReturnType<typeof takeSnapshot> | undefined;
const analytics = () => (taken ??= takeSnapshot(answers, ['--region', 'us-east-1']));

test('snapshot.sh writes one file per command and resource, each what the AWS CLI printed', () => {
  const r = analytics();
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    'skipped s3api/get-bucket-policy/notebook-files.json: An error occurred (NoSuchBucketPolicy) when calling the GetBucketPolicy operation: The bucket policy does not exist',
    'skipped s3api/get-bucket-tagging/studio-backups-111122223333.json: An error occurred (NoSuchTagSet) when calling the GetBucketTagging operation: The TagSet does not exist',
    `snapshot written to ${r.out}`,
  ]);
  const written = filesUnder(r.out);
  assert.deepEqual(written, [
    'ec2/describe-security-groups.json',
    'ec2/describe-subnets.json',
    'ec2/describe-vpcs.json',
    'emr-serverless/get-application/00f1abcdexample.json',
    'emr/describe-studio/es-D4E5F6G7H8I9J0K1L2M3N4O5P.json',
    'iam/get-account-authorization-details.json',
    'kms/describe-key/1234abcd-12ab-34cd-56ef-1234567890ab.json',
    'kms/get-key-policy/1234abcd-12ab-34cd-56ef-1234567890ab.json',
    'organizations/describe-organization.json',
    'organizations/describe-policy/p-FullAWSAccess.json',
    'organizations/describe-policy/p-examplepolicyid111.json',
    'organizations/list-accounts-for-parent/ou-examplerootid111-exampleouid111.json',
    'organizations/list-accounts-for-parent/r-examplerootid111.json',
    'organizations/list-organizational-units-for-parent/ou-examplerootid111-exampleouid111.json',
    'organizations/list-organizational-units-for-parent/r-examplerootid111.json',
    'organizations/list-policies-resource-control-policy.json',
    'organizations/list-policies-service-control-policy.json',
    'organizations/list-roots.json',
    'organizations/list-targets-for-policy/p-FullAWSAccess.json',
    'organizations/list-targets-for-policy/p-examplepolicyid111.json',
    'region.txt',
    's3api/get-bucket-encryption/notebook-files.json',
    's3api/get-bucket-encryption/studio-backups-111122223333.json',
    's3api/get-bucket-policy/studio-backups-111122223333.json',
    's3api/get-bucket-tagging/notebook-files.json',
    // A secret named `emr/studio-git`: one file, its name percent-encoded, not a folder.
    'secretsmanager/describe-secret/emr%2Fstudio-git.json',
    'secretsmanager/describe-secret/notebook-git.json',
    'sts/get-caller-identity.json',
  ]);
  assert.equal(fs.readFileSync(path.join(r.out, 'region.txt'), 'utf8'), 'us-east-1\n');
  // Each file is exactly what the command printed.
  const answerOf = (f: string) =>
    f.replace(
      /^organizations\/list-policies-(service|resource)-control-policy\.json$/,
      (_m, t: string) => `organizations/list-policies/${t.toUpperCase()}_CONTROL_POLICY.json`,
    );
  for (const f of written.filter((x) => x !== 'region.txt'))
    assert.equal(
      fs.readFileSync(path.join(r.out, f), 'utf8'),
      fs.readFileSync(path.join(answers, answerOf(f)), 'utf8'),
      f,
    );

  // Read-only commands only, each in the region asked and printing JSON (a --query may ask for text).
  assert.ok(r.calls.length > 0);
  for (const c of r.calls) {
    assert.deepEqual(c.slice(0, 4), ['--region', 'us-east-1', '--output', 'json'], c.join(' '));
    const command = c.find(
      (w, i) => i >= 4 && !w.startsWith('--') && !c[i - 1]?.startsWith('--') && w !== c[4],
    );
    assert.match(command ?? '', /^(get|list|describe)-/, c.join(' '));
  }
  const keyPolicy = r.calls.find((c) => c.includes('get-key-policy'));
  assert.deepEqual(keyPolicy?.slice(-4), [
    '--key-id',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    '--policy-name',
    'default',
  ]);
});

test('the snapshot importer reads the folder snapshot.sh wrote back to the account setup', () => {
  const r = analytics();
  assert.equal(r.status, 0, r.stderr);
  const setup = importAwsSnapshot(readSnapshotFolder(r.out), r.out);
  assert.equal(setup.account, ACCOUNT);
  assert.equal(setup.region, 'us-east-1');
  // The service-linked role is AWS's: skipped, and said so.
  assert.deepEqual(setup.state.roles.map((x) => `${x.path}${x.name}`).sort(), [
    '/EMRServerlessJobRuntimeRole',
    '/service-role/EMRStudio_Service_Role',
    '/service-role/EMR_Notebooks_DefaultRole',
  ]);
  assert.deepEqual(
    setup.skipped.map((x) => [x.type, x.name]),
    [['service-linked role', 'AWSServiceRoleForEMRCleanup']],
  );
  const runtime = setup.state.roles.find((x) => x.name === 'EMRServerlessJobRuntimeRole');
  assert.equal(runtime?.permissionsBoundary, 'arn:aws:iam::aws:policy/AmazonS3FullAccess');
  assert.deepEqual(runtime?.managedPolicies, [`arn:aws:iam::${ACCOUNT}:policy/NotebookFiles`]);
  assert.deepEqual(runtime?.tags, [{ key: 'team', value: 'data' }]);
  assert.deepEqual(
    setup.state.policies.map((p) => p.name),
    ['NotebookFiles'],
  );

  const resource = (arn: string) => setup.state.resources.find((x) => x.arn === arn);
  const notebookFiles = resource('arn:aws:s3:::notebook-files');
  assert.equal(notebookFiles?.policy, undefined, 'no bucket policy (the command failed)');
  assert.deepEqual(notebookFiles?.tags, [{ key: 'team', value: 'data' }]);
  assert.equal(
    notebookFiles?.attributes['kms-key'],
    `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  );
  const backups = resource(`arn:aws:s3:::studio-backups-${ACCOUNT}`);
  assert.equal(backups?.attributes['sse-algorithm'], 'AES256');
  assert.deepEqual(backups?.tags, []);
  assert.match(backups?.policy ?? '', /"Sid":\s*"TlsOnly"/);
  assert.match(
    resource(`arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)?.policy ?? '',
    /"Statement"/,
  );
  assert.deepEqual(
    resource(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:emr/studio-git-d4e5f6`)?.tags,
    [{ key: 'for-use-with-amazon-emr-managed-policies', value: 'true' }],
  );
  assert.ok(resource(`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:notebook-git-a1b2c3`));
  for (const [kind, id] of [
    ['vpc', 'vpc-0e9801d129EXAMPLE'],
    ['subnet', 'subnet-0bb1c79de3EXAMPLE'],
    ['security-group', 'sg-903004f8EXAMPLE'],
  ] as const)
    assert.ok(resource(`arn:aws:ec2:us-east-1:${ACCOUNT}:${kind}/${id}`), `${kind} ${id}`);

  assert.deepEqual(
    setup.studios.map(({ place: _p, ...s }) => s),
    [
      {
        arn: `arn:aws:elasticmapreduce:us-east-1:${ACCOUNT}:studio/es-D4E5F6G7H8I9J0K1L2M3N4O5P`,
        name: 'analytics-studio',
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/service-role/EMRStudio_Service_Role`,
        vpc: 'vpc-0e9801d129EXAMPLE',
        subnets: ['subnet-0bb1c79de3EXAMPLE'],
        securityGroups: ['sg-903004f8EXAMPLE', 'sg-903004f8EXAMPLE'],
        s3Location: `s3://studio-backups-${ACCOUNT}/workspaces`,
      },
    ],
  );
  assert.deepEqual(
    setup.applications.map(({ place: _p, ...a }) => a),
    [
      {
        arn: `arn:aws:emr-serverless:us-east-1:${ACCOUNT}:/applications/00f1abcdexample`,
        name: 'spark-jobs',
        runtimeRoles: [`arn:aws:iam::${ACCOUNT}:role/EMRServerlessJobRuntimeRole`],
        subnets: ['subnet-0bb1c79de3EXAMPLE'],
        securityGroups: ['sg-903004f8EXAMPLE'],
      },
    ],
  );

  const org = setup.state.organization;
  assert.equal(org?.managementAccount, '999988887777');
  assert.deepEqual(org?.units, ['Analytics']);
  assert.equal(org.accounts.get(ACCOUNT), 'Analytics');
  // AWS managed FullAWSAccess is attached by name; the customer SCP comes with its document.
  assert.deepEqual(
    org.policies.map((p) => [p.name, p.type]),
    [['DenyLeaveOrganization', 'scp']],
  );
  assert.deepEqual(org.scps.get('Analytics'), ['FullAWSAccess', 'DenyLeaveOrganization']);
});

test('without access to the organization, or a region, snapshot.sh still takes the account', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-snapshot-answers-'));
  fs.cpSync(answers, dir, { recursive: true });
  fs.rmSync(path.join(dir, 'organizations'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'organizations'));
  fs.writeFileSync(
    path.join(dir, 'organizations/describe-organization.error'),
    "\nAn error occurred (AccessDeniedException) when calling the DescribeOrganization operation: You don't have permissions to access this resource.\n",
  );
  // No --region and no AWS_REGION: the region of the CLI's configuration.
  const r = takeSnapshot(dir, [], { AWS_STAND_IN_REGION: 'us-east-1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^skipped organizations: these credentials cannot read the organization$/m);
  assert.ok(!fs.existsSync(path.join(r.out, 'organizations')));
  assert.ok(r.calls.some((c) => c.join(' ') === 'configure get region'));
  assert.equal(fs.readFileSync(path.join(r.out, 'region.txt'), 'utf8'), 'us-east-1\n');
  const setup = importAwsSnapshot(readSnapshotFolder(r.out), r.out);
  assert.equal(setup.state.organization, undefined);
  assert.equal(setup.studios.length, 1);
});
