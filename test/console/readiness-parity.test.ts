/**
 * The console's EMR readiness report says what `rolecall emr check` says for the same store: one role
 * (`emr check KIND --role NAME --store`) and the whole imported setup (`emr check --store`), call by
 * call, with a permissions boundary that denies and an SCP that denies. The console must never read
 * "ready" where the CLI reads DENIED.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildConsole } from '../../console/build.js';
import { EMR_TAG_KEY, EMR_TAG_VALUE } from '../../src/knowledge/emr/index.js';
import { startTestServer, type TestServer } from '../api/harness.js';
import { runMain } from '../helpers/main.js';
import { consoleCall, consoleSignIn, type ConsoleSession } from './client.js';
import { createEmrRole, organizationWithScps } from './fixtures.js';

const ACCOUNT = '123456789012';
const MANAGEMENT = '999999999999';
const REGION = 'us-east-1';
const TAG = `{ ${EMR_TAG_KEY}: '${EMR_TAG_VALUE}' }`;
/** What the Studio of StudioRole touches, as an environment file. */
const ENVIRONMENT = [
  `account: '${ACCOUNT}'`,
  `region: ${REGION}`,
  `vpc: { id: vpc-1, tags: ${TAG} }`,
  `subnets: [{ id: subnet-1, tags: ${TAG} }]`,
  `securityGroups: [{ id: sg-1, tags: ${TAG} }]`,
  's3: { bucket: studio-backups, prefix: ws }',
].join('\n');
/** Where the notebooks live (no setup names it: given as `--location`). */
const NOTEBOOKS = 's3://studio-backups/notebooks';

interface Call {
  action: string;
  resource: string;
  decision: string;
  blocker?: { type: string; policy: string };
}
interface Report {
  ready: boolean;
  targets: { name: string; role: string; ready: boolean; results: Call[] }[];
}

/** What a report decides, call by call: the part the console and the CLI must agree on. */
const decisions = (r: Report) =>
  r.targets.map((t) => ({
    name: t.name,
    role: t.role,
    ready: t.ready,
    calls: t.results.map(
      (c) =>
        `${c.decision} ${c.action} ${c.resource}${c.blocker ? ` [${c.blocker.type} ${c.blocker.policy}]` : ''}`,
    ),
  }));

describe('console EMR readiness agrees with emr check', () => {
  let server: TestServer;
  let admin: ConsoleSession;
  let store: string;

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    store = path.join(server.dir, 'rolecall.db');
    admin = await consoleSignIn(server.url, server.admin);
    const cp = server.api.cp;
    await createEmrRole(cp, {
      kind: 'studio',
      account: ACCOUNT,
      region: REGION,
      name: 'StudioRole',
      bucket: 'studio-backups/ws',
      gitSecrets: true,
    });
    const tags = [{ key: EMR_TAG_KEY, value: EMR_TAG_VALUE }];
    const ec2 = `arn:aws:ec2:${REGION}:${ACCOUNT}`;
    await cp.resources.put({ arn: `${ec2}:vpc/vpc-1`, account: ACCOUNT, tags });
    await cp.resources.put({ arn: `${ec2}:subnet/subnet-1`, account: ACCOUNT, tags });
    await cp.resources.put({ arn: `${ec2}:security-group/sg-1`, account: ACCOUNT, tags });
    await cp.resources.put({ arn: 'arn:aws:s3:::studio-backups', account: ACCOUNT });
    // The secret Studio users link a Git repository with: without one the secret call is undecidable.
    await cp.resources.put({
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:git-AbCdEf`,
      account: ACCOUNT,
      tags,
    });
    await cp.resources.put({
      arn: `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:studio/es-1`,
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
  });
  after(() => server?.close());

  async function consoleReport(params: Record<string, string>): Promise<Report> {
    const res = await consoleCall(server.url, admin, 'console', 'EmrReadiness', params);
    const body = (await res.json()) as { result?: Report; error?: unknown };
    assert.equal(res.status, 200, JSON.stringify(body.error));
    return body.result as Report;
  }

  async function cliReport(args: string[]): Promise<{ status: number; report: Report }> {
    const r = await runMain(['emr', 'check', ...args, '--store', store, '--account', ACCOUNT, '--json']);
    assert.ok(r.status === 0 || r.status === 2, r.err);
    return { status: r.status, report: JSON.parse(r.out) as Report };
  }

  test('one role: undecidable without its network, ready with it, denied once a permissions boundary caps it', async () => {
    // Without the network and S3 location the Studio uses, nothing can be ready.
    const bare = await consoleReport({ RoleName: 'StudioRole', Kind: 'studio' });
    const cliBare = await cliReport(['studio', '--role', 'StudioRole']);
    assert.deepEqual(decisions(bare), decisions(cliBare.report));
    assert.equal(cliBare.status, 2);
    assert.equal(bare.ready, false);
    assert.ok(bare.targets[0]!.results.some((c) => c.decision === 'Unknown'));

    const envFile = path.join(server.dir, 'studio-env.yaml');
    fs.writeFileSync(envFile, ENVIRONMENT);
    const roleArgs = ['studio', '--role', 'StudioRole', '--env', envFile];
    const roleParams = { RoleName: 'StudioRole', Kind: 'studio', Environment: ENVIRONMENT };
    const open = await consoleReport(roleParams);
    const cliOpen = await cliReport(roleArgs);
    assert.deepEqual(decisions(open), decisions(cliOpen.report));
    assert.equal(cliOpen.status, 0);
    assert.equal(open.ready, true, JSON.stringify(decisions(open)));

    const cp = server.api.cp;
    const onlyS3 = await cp.iam.createPolicy({
      account: ACCOUNT,
      name: 'OnlyS3',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      }),
    });
    await cp.iam.setPermissionsBoundary({ kind: 'role', account: ACCOUNT, name: 'StudioRole' }, onlyS3.arn);
    const capped = await consoleReport(roleParams);
    const cliCapped = await cliReport(roleArgs);
    assert.deepEqual(decisions(capped), decisions(cliCapped.report));
    assert.equal(cliCapped.status, 2);
    assert.equal(capped.ready, false);
    const denied = capped.targets[0]!.results.filter((c) => c.decision !== 'Allow').map((c) => c.action);
    assert.ok(denied.includes('ec2:CreateNetworkInterface'), denied.join(', '));
    assert.ok(!denied.some((a) => a.startsWith('s3:')), denied.join(', '));
    await cp.iam.setPermissionsBoundary({ kind: 'role', account: ACCOUNT, name: 'StudioRole' }, undefined);
  });

  test('the whole imported setup: every Studio and Notebooks role, an SCP denying in both', async () => {
    const cp = server.api.cp;
    await createEmrRole(cp, {
      kind: 'notebooks',
      account: ACCOUNT,
      region: REGION,
      name: 'EMR_Notebooks_DefaultRole',
      bucket: 'studio-backups/notebooks',
      gitSecrets: true,
    });
    const whole = await consoleReport({ Locations: NOTEBOOKS });
    const cliWhole = await cliReport(['--location', NOTEBOOKS]);
    assert.deepEqual(decisions(whole), decisions(cliWhole.report));
    assert.deepEqual(
      whole.targets.map((t) => t.name),
      ['Studio analytics', 'Notebooks role EMR_Notebooks_DefaultRole'],
    );
    assert.equal(whole.ready, cliWhole.status === 0);
    // The Studio is ready until the SCP below: the report must turn with it.
    assert.equal(whole.targets[0]?.ready, true, JSON.stringify(decisions(whole)[0]));

    // The account joins an organization whose SCP denies the network interfaces EMR creates.
    await organizationWithScps(cp, {
      management: MANAGEMENT,
      member: ACCOUNT,
      ou: 'Analytics',
      scps: [
        {
          name: 'NoNetworkInterfaces',
          statement: [{ Sid: 'NoEni', Effect: 'Deny', Action: 'ec2:CreateNetworkInterface', Resource: '*' }],
        },
      ],
    });
    const blocked = await consoleReport({ Locations: NOTEBOOKS });
    const cliBlocked = await cliReport(['--location', NOTEBOOKS]);
    assert.deepEqual(decisions(blocked), decisions(cliBlocked.report));
    assert.equal(cliBlocked.status, 2);
    assert.equal(blocked.ready, false);
    for (const t of blocked.targets) {
      assert.equal(t.ready, false, t.name);
      const eni = t.results.find((c) => c.action === 'ec2:CreateNetworkInterface' && c.decision !== 'Allow');
      assert.equal(eni?.blocker?.type, 'scp', t.name);
      assert.match(eni?.blocker?.policy ?? '', /NoNetworkInterfaces/);
    }
    // Only the Notebooks role, as `emr check notebooks --store`.
    const only = await consoleReport({ Kind: 'notebooks', Locations: `read ${NOTEBOOKS}` });
    const cliOnly = await cliReport(['notebooks', '--read-location', NOTEBOOKS]);
    assert.deepEqual(decisions(only), decisions(cliOnly.report));
    assert.deepEqual(
      only.targets.map((t) => t.name),
      ['Notebooks role EMR_Notebooks_DefaultRole'],
    );
  });

  test('the whole-setup report is authorized like the reads it makes', async () => {
    const cp = server.api.cp;
    await cp.iam.createUser({ account: ACCOUNT, name: 'role-reader' });
    await cp.iam.putInlinePolicy(
      { kind: 'user', account: ACCOUNT, name: 'role-reader' },
      'read-roles',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['iam:GetRole', 'iam:List*', 'iam:GetRolePolicy'], Resource: '*' },
        ],
      }),
    );
    const key = await cp.iam.createAccessKey(ACCOUNT, 'role-reader');
    const reader = await consoleSignIn(server.url, key);
    const role = await consoleCall(server.url, reader, 'console', 'EmrReadiness', {
      RoleName: 'StudioRole',
      Kind: 'studio',
    });
    assert.equal(role.status, 200);
    const whole = await consoleCall(server.url, reader, 'console', 'EmrReadiness', {});
    assert.equal(whole.status, 403);
    const { error } = (await whole.json()) as { error: { message: string } };
    assert.match(error.message, /not authorized to perform: iam:GetAccountAuthorizationDetails/);
  });

  test('an environment file with a problem is refused with its line:column, as emr check --env does', async () => {
    const res = await consoleCall(server.url, admin, 'console', 'EmrReadiness', {
      RoleName: 'StudioRole',
      Kind: 'studio',
      Environment: `account: '${ACCOUNT}'\nregion: ${REGION}\nsubnet: [{ id: subnet-1 }]\n`,
    });
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as {
      error: { code: string; details: { message: string; line: number; column: number }[] };
    };
    assert.equal(error.code, 'InvalidInput');
    assert.equal(error.details[0]?.line, 3);
    assert.match(error.details[0]?.message ?? '', /unknown field `subnet`.*subnets/);
  });
});
