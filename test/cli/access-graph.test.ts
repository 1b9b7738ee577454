// who-can, can-what and escalation through the CLI in process, on a store built by `rolecall apply`
// with known escalation paths (PassRole of the EMR Studio service role to EMR, AssumeRole chains,
// CreateAccessKey on an administrator, CreatePolicyVersion on a policy attached to an assumed role,
// AddUserToGroup, UpdateAssumeRolePolicy) and known non-paths (PassRole without a way to run code, a
// trust policy that names only a service, a permissions boundary that caps an iam:* grant, a condition
// on aws:MultiFactorAuthPresent reported as such).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { runMain } from '../helpers/main.js';

const A = '111122223333';
const arn = (kind: string, name: string) => `arn:aws:iam::${A}:${kind}/${name}`;
const allow = (Action: unknown, Resource: unknown = '*', Condition?: object) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }],
});
const trust = (Principal: unknown) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal, Action: 'sts:AssumeRole' }],
});

const STATE = {
  account: A,
  policies: [
    { name: 'DeployerPolicy', document: allow('s3:*') },
    { name: 'OnlyS3', document: allow('s3:*') },
  ],
  roles: [
    {
      name: 'EMRStudio_Service_Role',
      path: '/service-role/',
      trustPolicy: trust({ Service: 'elasticmapreduce.amazonaws.com' }),
      inlinePolicies: { studio: allow(['s3:GetObject', 'ec2:CreateNetworkInterface']) },
    },
    {
      name: 'Deployer',
      trustPolicy: trust({ AWS: `arn:aws:iam::${A}:root` }),
      managedPolicies: [`arn:aws:iam::${A}:policy/DeployerPolicy`],
      inlinePolicies: { edit: allow('iam:CreatePolicyVersion', `arn:aws:iam::${A}:policy/DeployerPolicy`) },
    },
    {
      name: 'Hop',
      trustPolicy: trust({ AWS: `arn:aws:iam::${A}:root` }),
      inlinePolicies: { next: allow('sts:AssumeRole', arn('role', 'Deployer')) },
    },
    {
      name: 'Ec2Only',
      trustPolicy: trust({ Service: 'ec2.amazonaws.com' }),
      inlinePolicies: { p: allow('s3:*') },
    },
    {
      name: 'Rewritable',
      trustPolicy: trust({ Service: 'ec2.amazonaws.com' }),
      inlinePolicies: { p: allow('dynamodb:*') },
    },
  ],
  groups: [{ name: 'admins', inlinePolicies: { all: allow('*') } }],
  users: [
    { name: 'admin', inlinePolicies: { all: allow('*') } },
    {
      name: 'studio-admin',
      inlinePolicies: {
        pass: allow('iam:PassRole', arn('role/service-role', 'EMRStudio_Service_Role'), {
          StringEquals: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' },
        }),
        studio: allow('elasticmapreduce:CreateStudio'),
      },
    },
    { name: 'passer', inlinePolicies: { pass: allow('iam:PassRole') } },
    { name: 'ops', inlinePolicies: { hop: allow('sts:AssumeRole', arn('role', 'Hop')) } },
    { name: 'keymaker', inlinePolicies: { keys: allow('iam:CreateAccessKey', arn('user', 'admin')) } },
    { name: 'joiner', inlinePolicies: { join: allow('iam:AddUserToGroup', arn('group', 'admins')) } },
    {
      name: 'bounded',
      permissionsBoundary: `arn:aws:iam::${A}:policy/OnlyS3`,
      inlinePolicies: { iam: allow('iam:*') },
    },
    {
      name: 'mfa',
      inlinePolicies: {
        assume: allow('sts:AssumeRole', arn('role', 'Deployer'), {
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
        }),
      },
    },
    {
      name: 'rewriter',
      inlinePolicies: {
        trust: allow(['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], arn('role', 'Rewritable')),
      },
    },
  ],
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-escalation-'));
const store = path.join(dir, 'store.db');

const run = runMain;

interface Edge {
  from: string;
  to: string;
  method: string;
  service?: string;
  steps: { action: string; statements: string[]; conditions: Record<string, unknown> }[];
}
interface Report {
  principal: string;
  reachable: { to: string; edges: Edge[] }[];
  fullControl: { to: string; edges: Edge[] }[];
}

async function escalation(...args: string[]): Promise<Report[]> {
  const r = await run(['escalation', ...args, '--store', store, '--json']);
  assert.ok(r.status === 0 || r.status === 2, r.err);
  return (JSON.parse(r.out) as { reports: Report[] }).reports;
}

before(async () => {
  const file = path.join(dir, 'state.json');
  fs.writeFileSync(file, JSON.stringify(STATE, null, 2));
  const r = await run(['apply', file, '--store', store]);
  assert.equal(r.status, 0, r.err);
});

describe('escalation on a store built by apply', () => {
  it('who can pass the Studio service role, and to what: studio-admin, to EMR, with the deciding statements', async () => {
    const studio = `arn:aws:iam::${A}:role/service-role/EMRStudio_Service_Role`;
    const reports = await escalation('--target', studio);
    // keymaker reaches it through the administrator whose access key it can create.
    assert.deepEqual(reports.map((r) => r.principal).sort(), [
      arn('user', 'admin'),
      arn('user', 'keymaker'),
      arn('user', 'studio-admin'),
    ]);
    const keymaker = reports.find((r) => r.principal === arn('user', 'keymaker'))!.reachable[0]!;
    assert.equal(keymaker.edges.length, 2);
    assert.equal(keymaker.edges[0]!.method, 'CreateAccessKey');
    const edge = reports.find((r) => r.principal === arn('user', 'studio-admin'))!.reachable[0]!.edges[0]!;
    assert.equal(edge.method, 'PassRole');
    assert.equal(edge.service, 'elasticmapreduce.amazonaws.com');
    assert.equal(edge.steps[0]!.action, 'iam:PassRole');
    assert.match(edge.steps[0]!.statements.join(' '), /inline pass/);
    assert.match(edge.steps[1]!.action, /^elasticmapreduce:/);
  });

  it('PassRole without a service call that runs code is no path; a role trusting only EC2 is not assumable', async () => {
    const [passer] = await escalation(arn('user', 'passer'));
    assert.deepEqual(passer!.reachable, []);
    assert.deepEqual(passer!.fullControl, []);
    const reports = await escalation('--target', arn('role', 'Ec2Only'));
    // Only the administrator (and keymaker, who becomes it) can pass it to EC2 and run an instance.
    assert.deepEqual(reports.map((r) => r.principal).sort(), [arn('user', 'admin'), arn('user', 'keymaker')]);
  });

  it('an AssumeRole chain ends in a role that can rewrite its own managed policy: full control', async () => {
    const [ops] = await escalation(arn('user', 'ops'));
    assert.deepEqual(
      ops!.reachable.map((p) => [p.to, p.edges.map((e) => e.method)]),
      [
        [arn('role', 'Hop'), ['AssumeRole']],
        [arn('role', 'Deployer'), ['AssumeRole', 'AssumeRole']],
      ],
    );
    const full = ops!.fullControl[0]!;
    assert.deepEqual(
      full.edges.map((e) => e.method),
      ['AssumeRole', 'AssumeRole', 'CreatePolicyVersion'],
    );
    assert.equal(full.to, arn('role', 'Deployer'));
    const r = await run(['escalation', arn('user', 'ops'), '--store', store]);
    assert.equal(r.status, 2);
    assert.match(r.out, /can grant itself any permission: AssumeRole \+ AssumeRole \+ CreatePolicyVersion/);
    assert.match(r.out, /by identity .*inline hop/);
  });

  it('CreateAccessKey on an administrator, AddUserToGroup into an admin group, UpdateAssumeRolePolicy then AssumeRole', async () => {
    const [keymaker] = await escalation(arn('user', 'keymaker'));
    assert.equal(keymaker!.reachable[0]!.to, arn('user', 'admin'));
    assert.ok(keymaker!.fullControl.length > 0);
    const [joiner] = await escalation(arn('user', 'joiner'));
    assert.deepEqual(
      joiner!.reachable.map((p) => [p.to, p.edges[0]!.method]),
      [[arn('group', 'admins'), 'AddUserToGroup']],
    );
    const [rewriter] = await escalation(arn('user', 'rewriter'));
    assert.deepEqual(
      rewriter!.reachable.map((p) => [p.to, p.edges[0]!.method]),
      [[arn('role', 'Rewritable'), 'UpdateAssumeRolePolicy']],
    );
    assert.equal(rewriter!.reachable[0]!.edges[0]!.steps.length, 2);
  });

  it('a permissions boundary caps an iam:* grant: no path; a condition is reported with its value', async () => {
    const [bounded] = await escalation(arn('user', 'bounded'));
    assert.deepEqual(bounded!.reachable, []);
    assert.deepEqual(bounded!.fullControl, []);
    const [mfa] = await escalation(arn('user', 'mfa'));
    const edge = mfa!.reachable[0]!.edges[0]!;
    assert.equal(edge.to, arn('role', 'Deployer'));
    assert.deepEqual(edge.steps[0]!.conditions, { 'aws:MultiFactorAuthPresent': 'true' });
  });

  it('prints the graph as Graphviz dot and Mermaid', async () => {
    const dot = await run(['escalation', arn('user', 'ops'), '--store', store, '--graph', 'dot']);
    assert.match(dot.out, /^digraph escalation \{/);
    assert.match(
      dot.out,
      new RegExp(`"${arn('user', 'ops')}" -> "${arn('role', 'Hop')}" \\[label="AssumeRole"\\]`),
    );
    const mermaid = await run(['escalation', '--store', store, '--graph', 'mermaid']);
    assert.match(mermaid.out, /^flowchart LR/);
    assert.match(mermaid.out, /-->\|PassRole to elasticmapreduce\.amazonaws\.com\|/);
    assert.match(mermaid.out, /-\.->\|CreatePolicyVersion on /);
  });
});

describe('who-can and can-what on the same store', () => {
  it('who can create access keys for admin: the admin, keymaker; not bounded (its boundary caps iam:*)', async () => {
    const r = await run(['who-can', 'iam:CreateAccessKey', arn('user', 'admin'), '--store', store, '--json']);
    assert.equal(r.status, 0, r.err);
    const j = JSON.parse(r.out) as { principals: { principal: string; statements: string[] }[] };
    assert.deepEqual(j.principals.map((p) => p.principal).sort(), [
      arn('user', 'admin'),
      arn('user', 'keymaker'),
    ]);
    assert.match(
      j.principals.find((p) => p.principal === arn('user', 'keymaker'))!.statements.join(' '),
      /inline keys/,
    );
  });

  it('who can assume Deployer: the roles and users allowed, mfa under its condition', async () => {
    const r = await run(['who-can', 'sts:AssumeRole', arn('role', 'Deployer'), '--store', store]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, new RegExp(`${arn('role', 'Hop')}\\n`));
    assert.match(r.out, new RegExp(`${arn('user', 'mfa')} when \\{"aws:MultiFactorAuthPresent":"true"\\}`));
    assert.doesNotMatch(r.out, /user\/ops/);
  });

  it('can-what lists effective permissions per service with resources and conditions', async () => {
    const r = await run(['can-what', arn('user', 'studio-admin'), '--store', store, '--json']);
    assert.equal(r.status, 0, r.err);
    const j = JSON.parse(r.out) as {
      permissions: { service: string; actions: string[]; resources: string[]; conditions: string[] }[];
    };
    const iam = j.permissions.find((p) => p.service === 'iam')!;
    assert.deepEqual(iam.actions, ['PassRole']);
    assert.deepEqual(iam.resources, [`arn:aws:iam::${A}:role/service-role/EMRStudio_Service_Role`]);
    assert.match(iam.conditions[0]!, /StringEquals iam:PassedToService/);
    assert.ok(
      j.permissions.some((p) => p.service === 'elasticmapreduce' && p.actions.includes('CreateStudio')),
    );
    const b = await run(['can-what', arn('user', 'bounded'), '--store', store, '--json']);
    assert.deepEqual((JSON.parse(b.out) as { permissions: unknown[] }).permissions, []);
  });
});
