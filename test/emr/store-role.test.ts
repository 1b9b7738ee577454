/**
 * `emr check --role NAME --store S`: the role as the store holds it, decided through the store's resolver,
 * so what caps it outside its own policies counts. A permissions boundary that leaves out a call, and an SCP
 * of the account's organization unit that denies one, are each reported DENIED with the blocker named
 * (the boundary; the SCP and its level) and exit 2, never `ready`. A Serverless role checked without the
 * S3 locations of its job runs is undecidable, not ready.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-store-role-'));
const ACCOUNT = '444455556666';
const MANAGEMENT = '111122223333';
const TAG = { 'for-use-with-amazon-emr-managed-policies': 'true' };

function file(name: string, value: unknown): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(value));
  return p;
}

function ok(args: string[]): string {
  const r = runCli(args);
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

interface Result {
  action: string;
  resource: string;
  decision: string;
  reason: string;
  fix?: string[];
  fixes?: unknown[];
  proven?: boolean;
  blocker?: { type: string; policy: string; level?: number; statement?: string };
}
const notAllowed = (stdout: string): Result[] =>
  (JSON.parse(stdout) as { targets: { results: Result[] }[] }).targets.flatMap((t) =>
    t.results.filter((r) => r.decision !== 'Allow'),
  );

test('a permissions boundary that leaves out ec2:CreateNetworkInterface: DENIED, the boundary named, exit 2', () => {
  const store = path.join(dir, 'boundary.db');
  const s = ['--store', store, '--account', ACCOUNT];
  ok(['emr', 'template', 'studio', '--bucket', 'ws', '--apply', '--name', 'StudioRole', ...s]);
  const env = file('studio-env.json', {
    account: ACCOUNT,
    region: 'us-east-1',
    vpc: { id: 'vpc-1', tags: TAG },
    subnets: [{ id: 'subnet-1', tags: TAG }],
    securityGroups: [{ id: 'sg-1', tags: TAG }],
    s3: { bucket: 'ws' },
    // The template grants no Git secrets: no one links a Git repository.
    secrets: [],
  });
  const check = ['emr', 'check', 'studio', '--role', 'StudioRole', '--env', env, ...s];
  assert.match(ok(check), /^ready: \d+ calls allowed$/m);

  // A customer managed boundary: the fix is a statement of the boundary, proven by re-deciding.
  const boundary = file('boundary.json', {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', NotAction: 'ec2:CreateNetworkInterface', Resource: '*' }],
  });
  ok(['policy', 'create', 'NoNetworkInterfaces', boundary, ...s]);
  const arn = `arn:aws:iam::${ACCOUNT}:policy/NoNetworkInterfaces`;
  ok(['role', 'boundary', 'StudioRole', arn, ...s]);
  const text = runCli(check);
  assert.equal(text.status, 2, text.stdout + text.stderr);
  assert.match(
    text.stdout,
    /^DENIED {2}ec2:CreateNetworkInterface on arn:aws:ec2:us-east-1:444455556666:subnet\/subnet-1 /m,
  );
  assert.match(
    text.stdout,
    new RegExp(`fix: add to the permissions boundary ${arn}: allow \`ec2:CreateNetworkInterface\``),
  );
  assert.doesNotMatch(text.stdout, /^ready/m);
  const json = runCli([...check, '--json']);
  assert.equal(json.status, 2);
  const denied = notAllowed(json.stdout);
  assert.deepEqual(
    [...new Set(denied.map((d) => d.action))],
    ['ec2:CreateNetworkInterface'],
    'only the call the boundary leaves out',
  );
  for (const d of denied) {
    assert.equal(d.reason, 'BoundaryNoAllow');
    assert.equal(d.proven, true);
  }

  // An AWS managed boundary cannot be edited: the boundary itself is the named blocker.
  ok(['role', 'boundary', 'StudioRole', 'arn:aws:iam::aws:policy/AmazonS3FullAccess', ...s]);
  const managed = runCli([...check, '--json']);
  assert.equal(managed.status, 2, managed.stdout + managed.stderr);
  const blocked = notAllowed(managed.stdout);
  assert.ok(blocked.some((d) => d.action === 'ec2:CreateNetworkInterface'));
  assert.ok(!blocked.some((d) => d.action.startsWith('s3:')), 'the boundary allows S3');
  for (const d of blocked)
    assert.deepEqual(d.blocker, { type: 'boundary', policy: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' });
  const managedText = runCli(check);
  assert.match(
    managedText.stdout,
    /blocked by the permissions boundary arn:aws:iam::aws:policy\/AmazonS3FullAccess/,
  );
});

test("an SCP on the account's organization unit denying glue:CreateTable: DENIED, the SCP and its level named, exit 2", () => {
  const store = path.join(dir, 'scp.db');
  const s = ['--store', store];
  ok([
    'emr',
    'template',
    'serverless',
    '--bucket',
    'jobs/data',
    '--glue',
    '--apply',
    '--name',
    'Runtime',
    '--account',
    ACCOUNT,
    ...s,
  ]);
  const check = [
    'emr',
    'check',
    'serverless',
    '--role',
    'Runtime',
    '--account',
    ACCOUNT,
    '--location',
    's3://jobs/data',
    ...s,
  ];
  assert.match(ok(check), /^OK {6}glue:CreateTable /m);

  ok(['org', 'create', MANAGEMENT, ...s]);
  const root = (JSON.parse(ok(['org', 'show', '--json', ...s])) as { organization: { rootId: string } })
    .organization.rootId;
  const ou = /^created (\S+)$/m.exec(ok(['org', 'create-ou', root, 'Analytics', ...s]))?.[1] ?? '';
  ok(['org', 'move-account', ACCOUNT, ou, ...s]);
  const deny = file('deny-create-table.json', {
    Version: '2012-10-17',
    Statement: [{ Sid: 'NoNewTables', Effect: 'Deny', Action: 'glue:CreateTable', Resource: '*' }],
  });
  ok(['org', 'create-policy', 'DenyCreateTable', deny, '--type', 'scp', ...s]);
  ok(['org', 'attach', 'DenyCreateTable', ou, ...s]);

  const text = runCli(check);
  assert.equal(text.status, 2, text.stdout + text.stderr);
  assert.match(text.stdout, /^DENIED {2}glue:CreateTable on arn:aws:glue:us-east-1:444455556666:catalog /m);
  assert.match(
    text.stdout,
    /blocked by the SCP DenyCreateTable at organization level 1 \(DenyCreateTable#NoNewTables\)/,
  );
  assert.doesNotMatch(text.stdout, /^ready/m);
  const json = runCli([...check, '--json']);
  assert.equal(json.status, 2);
  const denied = notAllowed(json.stdout);
  assert.deepEqual(
    denied.map((d) => d.action),
    ['glue:CreateTable'],
  );
  assert.deepEqual(denied[0]?.blocker, {
    type: 'scp',
    policy: 'DenyCreateTable',
    level: 1,
    statement: 'DenyCreateTable#NoNewTables',
  });
  assert.equal(denied[0]?.fixes, undefined, 'an SCP is fixed outside the account: no fix is proposed');
});

test('a Serverless role without the S3 locations of its job runs is undecidable, never ready', () => {
  const store = path.join(dir, 'no-locations.db');
  const s = ['--store', store, '--account', ACCOUNT];
  ok(['emr', 'template', 'serverless', '--bucket', 'jobs', '--apply', '--name', 'Runtime', ...s]);
  const r = runCli(['emr', 'check', 'serverless', '--role', 'Runtime', ...s]);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /^UNKNOWN s3:GetObject on arn:aws:s3:::\(not given\) /m);
  assert.match(r.stdout, /cannot decide: the S3 locations the job runs read and write are not in the setup/);
  assert.doesNotMatch(r.stdout, /^ready/m);
  const missing = runCli(['emr', 'check', 'serverless', '--role', 'Nobody', ...s]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /NoSuchEntity: role `Nobody` is not in account 444455556666/);
});

test('--role without a setup reads the default store, as every store command does, and never creates one', () => {
  const cwd = fs.mkdtempSync(path.join(dir, 'default-store-'));
  const env = { ROLECALL_STORE: '' };
  const missing = runCli(['emr', 'check', 'notebooks', '--role', 'EMR_Notebooks_DefaultRole'], { cwd, env });
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(
    missing.stderr,
    /no store at \.rolecall\/rolecall\.db to find --role EMR_Notebooks_DefaultRole/,
  );
  assert.equal(fs.existsSync(path.join(cwd, '.rolecall')), false, 'a read created the store');

  const made = runCli(['emr', 'template', 'notebooks', '--apply', '--account', ACCOUNT], { cwd, env });
  assert.equal(made.status, 0, made.stderr);
  const r = runCli(
    ['emr', 'check', 'notebooks', '--role', 'EMR_Notebooks_DefaultRole', '--account', ACCOUNT, '--json'],
    { cwd, env },
  );
  // The role is found in .rolecall/rolecall.db; without its network the check cannot say ready.
  assert.equal(r.status, 2, r.stderr);
  const report = JSON.parse(r.stdout) as { ready: boolean; targets: { target: { role?: string } }[] };
  assert.equal(report.ready, false);
  assert.equal(report.targets.length, 1);
});
