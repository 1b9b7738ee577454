/**
 * The management CLI end to end on a SQLite store in a temporary directory (in-process; in a child process
 * where the process is the subject): apply is idempotent, export re-applies exactly into an empty store, a
 * bad file reports every problem with file:line:column and changes nothing, a writer killed mid-apply
 * leaves the previous state, and policy versions and diffs work for AWS managed policies.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const ACCT = '111122223333';
/** The installed bin (the built bundle), for the test about a process killed mid-transaction. */
const BIN = path.join(repoRoot, 'bin/rolecall.cjs');

function workdir(): { dir: string; store: string; file: (name: string, text: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-cli-'));
  return {
    dir,
    store: path.join(dir, '.rolecall', 'rolecall.db'),
    file: (name, text) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}

const STATE = `
account: "${ACCT}"
accounts:
  - { id: "${ACCT}", name: analytics }
organization:
  managementAccount: "${ACCT}"
  policies:
    - name: DenyLeave
      type: scp
      document: { Version: "2012-10-17", Statement: [{ Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*" }] }
  root:
    scps: [FullAWSAccess, DenyLeave]
    units:
      - name: Workloads
        accounts: ["444455556666"]
policies:
  - name: EmrStudioExtra
    path: /emr/
    document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "elasticmapreduce:ListClusters", Resource: "*" }] }
roles:
  - name: EMRStudio_Service_Role
    path: /service-role/
    description: EMR Studio service role
    trustPolicy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: { Service: elasticmapreduce.amazonaws.com }
          Action: sts:AssumeRole
    managedPolicies:
      - arn:aws:iam::${ACCT}:policy/emr/EmrStudioExtra
    inlinePolicies:
      tagged-network: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateNetworkInterface","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/for-use-with-amazon-emr-managed-policies":"true"}}}]}'
    tags: { for-use-with-amazon-emr-managed-policies: "true" }
groups:
  - name: data-engineers
    managedPolicies: ["arn:aws:iam::aws:policy/AmazonEMRReadOnlyAccessPolicy_v2"]
users:
  - name: alice
    groups: [data-engineers]
    tags: { team: data }
resources:
  - arn: arn:aws:s3:::studio-workspace-bucket
    policy: { Version: "2012-10-17", Statement: [{ Effect: Deny, Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::studio-workspace-bucket/*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }
    tags: { for-use-with-amazon-emr-managed-policies: "true" }
  - arn: arn:aws:ec2:us-east-1:${ACCT}:subnet/subnet-0abc
    tags: { for-use-with-amazon-emr-managed-policies: "true" }
    attributes: { vpcId: vpc-0123 }
`;

describe('questions to a store that does not exist', () => {
  it('answer as the empty store does and create no store and no key', () => {
    const w = workdir();
    const asks = [
      ['role', 'list', '--json'],
      ['policy', 'list', '--aws'],
      ['policy', 'show', 'arn:aws:iam::aws:policy/AdministratorAccess'],
      ['export'],
      ['who-can', 's3:GetObject', 'arn:aws:s3:::b/k'],
      ['simulate', '--principal', `arn:aws:iam::${ACCT}:role/R`, '--action', 's3:GetObject'],
    ];
    const answers = asks.map((a) => runCli(a, { cwd: w.dir }));
    assert.deepEqual(fs.readdirSync(w.dir), [], 'a question creates no store and no key');
    assert.equal(answers[0]!.stdout.trim(), '[]');
    assert.match(answers[1]!.stdout, /AmazonElasticMapReduceEditorsRole/);
    assert.match(answers[2]!.stdout, /"Action": "\*"/);
    assert.equal(answers[3]!.status, 0, answers[3]!.stderr);
    assert.equal(answers[5]!.status, 1);
    assert.match(answers[5]!.stderr, /NoSuchEntity/);
    // a change still creates the store, and the questions then read it
    const trust = w.file(
      'trust.json',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    const created = runCli(['role', 'create', 'R', '--account', ACCT, '--trust-policy', trust], {
      cwd: w.dir,
    });
    assert.equal(created.status, 0, created.stderr);
    assert.ok(fs.existsSync(path.join(w.dir, '.rolecall', 'rolecall.db')));
    assert.match(runCli(['role', 'list', '--account', ACCT], { cwd: w.dir }).stdout, /\bR\b/);
  });
});

describe('rolecall apply and export', () => {
  it('applies a file, and applying it again changes nothing', () => {
    const w = workdir();
    const f = w.file('state.yaml', STATE);
    const dry = runCli(['apply', f, '--dry-run'], { cwd: w.dir });
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /\+ create role 111122223333:\/service-role\/EMRStudio_Service_Role/);
    assert.deepEqual(fs.readdirSync(w.dir), ['state.yaml'], 'a dry run creates no store and no key');
    assert.equal(runCli(['role', 'list', '--json', '--account', ACCT], { cwd: w.dir }).stdout.trim(), '[]');
    const first = runCli(['apply', f], { cwd: w.dir });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /applied/);
    const second = runCli(['apply', f], { cwd: w.dir });
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, 'no changes\n');
    const roles = JSON.parse(
      runCli(['role', 'list', '--json', '--account', ACCT], { cwd: w.dir }).stdout,
    ) as {
      name: string;
      id: string;
    }[];
    assert.deepEqual(
      roles.map((r) => r.name),
      ['EMRStudio_Service_Role'],
    );
    assert.match(roles[0]!.id, /^AROA/);
  });

  it('export applied to an empty store reproduces the state exactly', () => {
    const a = workdir();
    assert.equal(runCli(['apply', a.file('state.yaml', STATE)], { cwd: a.dir }).status, 0);
    const exported = runCli(['export'], { cwd: a.dir });
    assert.equal(exported.status, 0, exported.stderr);
    // A YAML 1.1 reader (which loads a bare 2012-10-17 as a date) reads the versions as strings.
    const versions = [
      ...JSON.stringify(parseYaml(exported.stdout, { version: '1.1' })).matchAll(/"Version":([^,}]+)/g),
    ];
    assert.ok(versions.length > 0);
    for (const v of versions) assert.equal(v[1], '"2012-10-17"');
    const b = workdir();
    const applied = runCli(['apply', b.file('export.yaml', exported.stdout)], { cwd: b.dir });
    assert.equal(applied.status, 0, applied.stderr);
    assert.equal(runCli(['export'], { cwd: b.dir }).stdout, exported.stdout);
    assert.equal(runCli(['apply', path.join(b.dir, 'export.yaml')], { cwd: b.dir }).stdout, 'no changes\n');
    const json = runCli(['export', '--format', 'json'], { cwd: b.dir });
    const c = workdir();
    assert.equal(runCli(['apply', c.file('export.json', json.stdout)], { cwd: c.dir }).status, 0);
    assert.equal(runCli(['export'], { cwd: c.dir }).stdout, exported.stdout);
  });

  it('reports every problem of a bad file with file:line:column and changes nothing', () => {
    const w = workdir();
    assert.equal(runCli(['apply', w.file('state.yaml', STATE)], { cwd: w.dir }).status, 0);
    const before = runCli(['export'], { cwd: w.dir }).stdout;
    const bad = w.file(
      'bad.yaml',
      [
        `account: "${ACCT}"`,
        'roles:',
        '  - name: "bad name!"',
        '    path: no-slashes',
        '    trustPolicy: 42',
        '    colour: blue',
        '    maxSessionDuration: 99',
        'users:',
        '  - name: bob',
        '    groups: [missing-group]',
        '',
      ].join('\n'),
    );
    const r = runCli(['apply', bad], { cwd: w.dir });
    assert.equal(r.status, 1);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    for (const want of [
      /bad\.yaml:3:11 \$\.roles\[0\]\.name: ValidationError/,
      /bad\.yaml:4:11 \$\.roles\[0\]\.path: ValidationError/,
      /bad\.yaml:5:18 \$\.roles\[0\]\.trustPolicy: must be a policy document/,
      /bad\.yaml:6:5 \$\.roles\[0\]\.colour: unknown field `colour`/,
      /bad\.yaml:7:25 \$\.roles\[0\]\.maxSessionDuration: ValidationError/,
      /bad\.yaml:10:14 \$\.users\[0\]\.groups\[0\]: group `missing-group` is not declared/,
    ]) {
      assert.match(r.stderr, want);
    }
    assert.match(r.stderr, /InvalidFile: 6 problems in `.*bad\.yaml`; nothing was changed/);
    assert.equal(runCli(['export'], { cwd: w.dir }).stdout, before);
    const syntax = runCli(['apply', w.file('broken.json', '{"roles": [\n  {"name": "x",\n}')], {
      cwd: w.dir,
    });
    assert.equal(syntax.status, 1);
    assert.match(syntax.stderr, /broken\.json:\d+:\d+: /);
  });

  it('keeps the previous state when apply is killed in the middle of its transaction', async () => {
    const w = workdir();
    assert.equal(runCli(['apply', w.file('state.yaml', STATE)], { cwd: w.dir }).status, 0);
    const before = runCli(['export'], { cwd: w.dir }).stdout;
    const trust =
      '{ Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: "sts:AssumeRole" }] }';
    const bigFile = w.file(
      'big2.yaml',
      STATE.replace(
        '\ngroups:',
        '\n' +
          Array.from(
            { length: 900 },
            (_, i) => `  - { account: "222233334444", name: bulk-${i}, trustPolicy: ${trust} }`,
          ).join('\n') +
          '\ngroups:',
      ),
    );
    const child = spawn(process.execPath, [BIN, 'apply', bigFile], {
      cwd: w.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // The child is inside its write transaction when the database lock is taken and the plan was printed.
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let killed = false;
    const probe = new Database(w.store, { timeout: 0 });
    for (let i = 0; i < 4000 && !killed; i++) {
      if (out.includes('plan:')) {
        try {
          probe.exec('BEGIN IMMEDIATE');
          probe.exec('ROLLBACK');
        } catch {
          child.kill('SIGKILL');
          killed = true;
          break;
        }
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    probe.close();
    await exited;
    assert.equal(killed, true, `apply finished before it could be killed: ${out}`);
    assert.equal(runCli(['export'], { cwd: w.dir }).stdout, before);
    const integrity = new Database(w.store, { readonly: true });
    assert.equal(integrity.pragma('integrity_check', { simple: true }), 'ok');
    integrity.close();
  });
});

describe('rolecall simulate with the store', () => {
  it('decides with identity, resource tags, trust policies and the SCPs of the store', () => {
    const w = workdir();
    assert.equal(runCli(['apply', w.file('state.yaml', STATE)], { cwd: w.dir }).status, 0);
    const studio = `arn:aws:iam::${ACCT}:role/service-role/EMRStudio_Service_Role`;
    const sim = (...args: string[]) => runCli(['simulate', ...args], { cwd: w.dir });
    const tagged = sim(
      '--principal',
      studio,
      '--action',
      'ec2:CreateNetworkInterface',
      '--resource',
      `arn:aws:ec2:us-east-1:${ACCT}:subnet/subnet-0abc`,
    );
    assert.equal(tagged.status, 0, tagged.stderr);
    assert.match(tagged.stdout, /^Allow/);
    const untagged = sim(
      '--principal',
      studio,
      '--action',
      'ec2:CreateNetworkInterface',
      '--resource',
      `arn:aws:ec2:us-east-1:${ACCT}:subnet/subnet-unknown`,
    );
    assert.equal(untagged.status, 2);
    assert.match(untagged.stdout, /^ImplicitDeny/);
    const trust = sim(
      '--principal',
      'elasticmapreduce.amazonaws.com',
      '--action',
      'sts:AssumeRole',
      '--resource',
      studio,
    );
    assert.equal(trust.status, 0, trust.stderr);
    // A member account under the root that carries the DenyLeave SCP.
    const admin = w.file(
      'admin.json',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
    );
    const ec2Trust = w.file(
      'trust.json',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    assert.equal(
      runCli(['role', 'create', 'Admin', '--account', '444455556666', '--trust-policy', ec2Trust], {
        cwd: w.dir,
      }).status,
      0,
    );
    assert.equal(
      runCli(['role', 'put-policy', 'Admin', 'all', admin, '--account', '444455556666'], { cwd: w.dir })
        .status,
      0,
    );
    const leave = sim(
      '--principal',
      'arn:aws:iam::444455556666:role/Admin',
      '--action',
      'organizations:LeaveOrganization',
    );
    assert.equal(leave.status, 2);
    assert.match(leave.stdout, /^ExplicitDeny/);
    const other = sim(
      '--principal',
      'arn:aws:iam::444455556666:role/Admin',
      '--action',
      's3:ListAllMyBuckets',
    );
    assert.match(other.stdout, /^Allow/);
    const unknown = sim('--principal', `arn:aws:iam::${ACCT}:role/Nobody`, '--action', 's3:GetObject');
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr, 'rolecall: NoSuchEntity: The role with name Nobody cannot be found.\n');
  });
});

describe('rolecall policy versions and diff', () => {
  it('lists and diffs the versions of an AWS managed policy', () => {
    const w = workdir();
    const versions = runCli(['policy', 'versions', 'AmazonElasticMapReduceEditorsRole', '--json'], {
      cwd: w.dir,
    });
    assert.equal(versions.status, 0, versions.stderr);
    const list = JSON.parse(versions.stdout) as { versionId: string; isDefault: boolean }[];
    assert.deepEqual(
      list.map((v) => [v.versionId, v.isDefault]),
      [
        ['v2', true],
        ['v1', false],
      ],
    );
    const table = runCli(
      ['policy', 'versions', 'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceEditorsRole'],
      { cwd: w.dir },
    );
    assert.match(table.stdout, /^VERSION\s+DEFAULT\s+CREATED\nv2\s+yes\s+2023-02-09/);
    const diff = runCli(
      [
        'policy',
        'diff',
        'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceEditorsRole',
        'v1',
        'v2',
      ],
      {
        cwd: w.dir,
      },
    );
    assert.equal(diff.status, 0, diff.stderr);
    assert.match(
      diff.stdout,
      /^--- arn:aws:iam::aws:policy\/service-role\/AmazonElasticMapReduceEditorsRole v1\n\+\+\+ /,
    );
    assert.match(diff.stdout, /^\+ /m);
    const missing = runCli(['policy', 'versions', 'NoSuchManagedPolicyAnywhere'], { cwd: w.dir });
    assert.equal(missing.status, 1);
    assert.equal(
      missing.stderr,
      'rolecall: NoSuchEntity: Policy NoSuchManagedPolicyAnywhere does not exist or is not attachable.\n',
    );
  });

  it('answers unknown entities and malformed ARNs with AWS codes on one line', () => {
    const w = workdir();
    const r = runCli(['role', 'get', 'Nobody', '--account', ACCT], { cwd: w.dir });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'rolecall: NoSuchEntity: The role with name Nobody cannot be found.\n');
    const bad = runCli(['resource', 'put', 'not-an-arn'], { cwd: w.dir });
    assert.equal(bad.stderr, 'rolecall: InvalidInput: ARN not-an-arn is not valid.\n');
  });
});
