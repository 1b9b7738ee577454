/**
 * The web console in a real browser (Debian's Chromium through playwright-core), against `rolecall
 * serve`'s server in-process: sign-in, every page, the decision explainer on a denied request, an EMR
 * readiness report, the policy editor's findings, and a principal without permissions. One browser and
 * one server for the suite; each test has its own context (cookies); the sign-in test (which moves the
 * server's clock past a session's hour) first, then the others at once; no sleeps: every step waits for
 * an element.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AttachUserPolicyCommand,
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { emrTemplate } from '../../src/knowledge/emr/index.js';
import { startTestServer, type Credentials, type TestServer } from '../api/harness.js';
import { launchBrowser, screenshot, unnamedControls } from './browser.js';
import { organizationWithScps } from './fixtures.js';

const ACCOUNT = '123456789012';
const TAG = 'for-use-with-amazon-emr-managed-policies';
const browser: Browser | string = await launchBrowser();
const skip = typeof browser === 'string' ? browser : false;

describe('web console in Chromium', { skip }, () => {
  let server: TestServer;
  let viewer: Credentials;
  const contexts: BrowserContext[] = [];

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    const iam = new IAMClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: server.admin,
      maxAttempts: 1,
    });
    const ec2Trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'NetworkRole',
        AssumeRolePolicyDocument: ec2Trust,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'NetworkRole',
        PolicyName: 'TaggedSubnets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TaggedOnly',
              Effect: 'Allow',
              Action: 'ec2:CreateNetworkInterface',
              Resource: 'arn:aws:ec2:*:*:subnet/*',
              Condition: { StringEquals: { [`aws:ResourceTag/${TAG}`]: 'true' } },
            },
          ],
        }),
      }),
    );
    const studio = emrTemplate('studio', {
      account: ACCOUNT,
      region: 'us-east-1',
      bucket: 'studio-backups/ws',
      roleName: 'EMRStudio_Service_Role',
    });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'EMRStudio_Service_Role',
        AssumeRolePolicyDocument: JSON.stringify(studio.trust),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'EMRStudio_Service_Role',
        PolicyName: 'studio-permissions',
        PolicyDocument: JSON.stringify(studio.permissions),
      }),
    );
    const v1 = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Read', Effect: 'Allow', Action: 'logs:GetLogEvents', Resource: '*' }],
    };
    const created = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'ReadLogs', PolicyDocument: JSON.stringify(v1) }),
    );
    // v2 spells the kept action in lower case (IAM compares action names case-insensitively: no change),
    // adds one action to `Read` and a new statement `Describe`.
    const v2 = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Describe', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: '*' },
        {
          Sid: 'Read',
          Effect: 'Allow',
          Action: ['logs:getlogevents', 'logs:FilterLogEvents'],
          Resource: '*',
        },
      ],
    };
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: created.Policy!.Arn!,
        PolicyDocument: JSON.stringify(v2),
        SetAsDefault: true,
      }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'analyst', PolicyArn: created.Policy!.Arn! }));
    await iam.send(new CreateGroupCommand({ GroupName: 'analysts' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'analysts', UserName: 'analyst' }));
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'viewer' }));
    viewer = {
      accessKeyId: key.AccessKey!.AccessKeyId!,
      secretAccessKey: key.AccessKey!.SecretAccessKey!,
    };
    iam.destroy();

    const cp = server.api.cp;
    // The account is a member of an organization: its OU's SCPs allow everything but Glacier (an
    // allow-list, FullAWSAccess detached) and deny leaving the organization.
    await organizationWithScps(cp, {
      management: '999999999999',
      member: ACCOUNT,
      ou: 'Workloads',
      scps: [
        {
          name: 'DenyLeaveOrganization',
          statement: [{ Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' }],
        },
        {
          name: 'AllowAllButGlacier',
          statement: [{ Sid: 'NotGlacier', Effect: 'Allow', NotAction: 'glacier:*', Resource: '*' }],
        },
      ],
      replaceFullAccess: true,
    });
    await cp.resources.put({
      arn: 'arn:aws:s3:::studio-backups',
      account: ACCOUNT,
      tags: [{ key: 'data', value: 'backups' }],
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: 'arn:aws:s3:::studio-backups/*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    });
    await cp.resources.put({ arn: `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/subnet-1` });
    await cp.resources.put({
      arn: `arn:aws:elasticmapreduce:us-east-1:${ACCOUNT}:studio/es-1`,
      account: ACCOUNT,
      attributes: {
        'emr:kind': 'studio',
        name: 'analytics',
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/EMRStudio_Service_Role`,
        subnets: 'subnet-1',
        s3Location: 's3://studio-backups/ws',
      },
    });
  });

  after(async () => {
    for (const c of contexts) await c.close();
    if (typeof browser !== 'string') await browser.close();
    await server?.close();
  });

  /** A fresh context (own cookies); waits are for elements, with a ceiling for a loaded CI machine. */
  async function newContext(): Promise<BrowserContext> {
    const context = await (browser as Browser).newContext();
    context.setDefaultTimeout(60_000);
    contexts.push(context);
    return context;
  }

  async function open(creds: Credentials): Promise<Page> {
    const context = await newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(`${server.url}/console`);
    await page.getByLabel('Access key id').fill(creds.accessKeyId);
    await page.getByLabel('Secret access key').fill(creds.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    return page;
  }

  const pageErrors = (page: Page) =>
    ((page as Page & { errors?: string[] }).errors ?? []).filter((e) => !/status of 403/.test(e));

  async function go(page: Page, link: string, heading: string | RegExp): Promise<void> {
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: link, exact: true })
      .click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  test('signs in with an access key: HttpOnly SameSite=Strict cookie, CSP, no secret in the page', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/console`);
    assert.match(
      response?.headers()['content-security-policy'] ?? '',
      /default-src 'none'; script-src 'self'/,
    );
    await page.getByRole('heading', { name: 'Sign in to rolecall' }).waitFor();
    assert.deepEqual(await unnamedControls(page), []);
    await screenshot(page, 'sign-in');

    await page.getByLabel('Access key id').fill(server.admin.accessKeyId);
    await page.getByLabel('Secret access key').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

    await page.getByLabel('Secret access key').fill(server.admin.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as arn:aws:iam::${ACCOUNT}:user/rolecall-admin`).waitFor();
    const [cookie] = await context.cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(cookie?.path, '/console');
    assert.ok(cookie !== undefined && cookie.expires > Date.now() / 1000);
    assert.ok(!(await page.content()).includes(server.admin.secretAccessKey));
    assert.equal(
      await page.evaluate<string>('document.cookie'),
      '',
      'the session cookie is not readable by scripts',
    );
    await screenshot(page, 'home');

    // A reload keeps the session; past its hour it has ended and the console asks to sign in again.
    await page.reload();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    server.advance(60 * 60 * 1000 + 1000);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Roles' }).click();
    await page.getByRole('status').filter({ hasText: 'Your session has ended' }).waitFor();
    await page.getByLabel('Access key id').fill(server.admin.accessKeyId);
    await page.getByLabel('Secret access key').fill(server.admin.secretAccessKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    // Signing out ends the session.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to rolecall' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to rolecall' }).waitFor();
  });

  // The rest read what before() wrote and move no clock: they run at once, each in its own context, so
  // that one test's waits on the browser and the server overlap another's work.
  describe('signed in', { concurrency: true }, () => {
    test('browses every page by keyboard and link; every form field has an accessible name', async () => {
      const page = await open(server.admin);

      // Keyboard: the page title has focus; Shift+Tab goes back into the navigation. From the skip link,
      // Tab moves through the header and the navigation in order, and Enter opens a page whose title
      // takes focus.
      assert.equal(await page.locator('h1:focus').count(), 1);
      await page.keyboard.press('Shift+Tab');
      assert.equal(await page.locator(':focus').textContent(), 'Policy editor');
      const nav = page.getByRole('navigation', { name: 'Console' });
      await page.getByRole('link', { name: 'Skip to content' }).focus();
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        await page.keyboard.press('Tab');
        order.push((await page.locator(':focus').textContent()) ?? '');
      }
      assert.deepEqual(order, ['rolecall', 'Sign out', 'Accounts', 'Organization']);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Organization' }).waitFor();
      assert.equal(await page.locator('h1:focus').count(), 1);
      assert.equal(
        await nav.getByRole('link', { name: 'Organization' }).getAttribute('aria-current'),
        'page',
      );
      await page.getByRole('list', { name: 'Organization tree' }).getByText('OU Workloads').waitFor();
      await page
        .getByRole('list', { name: /Policies attached to ou-/ })
        .getByText('DenyLeaveOrganization')
        .waitFor();
      await page.getByText('RCPFullAWSAccess').first().waitFor();
      await screenshot(page, 'organization');

      await go(page, 'Accounts', 'Accounts');
      await page.getByRole('table', { name: 'Accounts' }).locator('code', { hasText: ACCOUNT }).waitFor();
      await screenshot(page, 'accounts');

      await go(page, 'Roles', 'Roles');
      const roles = page.getByRole('table', { name: 'Roles' });
      await roles.getByRole('link', { name: 'NetworkRole' }).waitFor();
      await page.getByLabel('Filter roles by name').fill('emr');
      await roles.getByRole('link', { name: 'NetworkRole' }).waitFor({ state: 'detached' });
      await screenshot(page, 'roles');
      await roles.getByRole('link', { name: 'EMRStudio_Service_Role' }).click();
      await page.getByRole('heading', { level: 1, name: 'Role EMRStudio_Service_Role' }).waitFor();
      await page
        .getByLabel('Trust policy of EMRStudio_Service_Role')
        .getByText('elasticmapreduce.amazonaws.com')
        .waitFor();
      await page.getByLabel('Inline policy studio-permissions').waitFor();
      await screenshot(page, 'role');

      await go(page, 'Users', 'Users');
      await page.getByRole('table', { name: 'Users' }).getByRole('link', { name: 'analyst' }).click();
      await page.getByRole('heading', { level: 1, name: 'User analyst' }).waitFor();
      await page
        .getByRole('table', { name: 'Groups of the user' })
        .getByRole('link', { name: 'analysts' })
        .waitFor();
      await page
        .getByRole('table', { name: 'Attached managed policies' })
        .getByRole('link', { name: 'ReadLogs' })
        .waitFor();
      await screenshot(page, 'user');

      await go(page, 'Groups', 'Groups');
      await page.getByRole('table', { name: 'Groups' }).getByRole('link', { name: 'analysts' }).click();
      await page.getByRole('table', { name: 'Members' }).getByRole('link', { name: 'analyst' }).waitFor();
      await screenshot(page, 'group');

      await go(page, 'Policies', 'Policies');
      await page.getByRole('table', { name: 'Policies' }).getByRole('link', { name: 'ReadLogs' }).click();
      await page.getByRole('heading', { level: 1, name: 'Policy ReadLogs' }).waitFor();
      await page.getByRole('table', { name: 'Versions' }).getByText('v2').waitFor();
      // The semantic diff of `rolecall policy diff`: per statement, the values added and removed.
      const diff = page.getByRole('region', { name: 'Changes from v1 to v2' });
      await diff.getByText('2 statements changed: 4 added, 0 removed').waitFor();
      const read = diff.locator('article.statement-diff[data-sid="Read"]');
      assert.equal(await read.getAttribute('data-status'), 'changed');
      const readRows = read.getByRole('table', { name: 'Changes of Statement Read' }).locator('tbody tr');
      assert.equal(await readRows.count(), 1, 'only the new action: the re-cased one is the same action');
      assert.equal(await readRows.first().getAttribute('class'), 'added');
      assert.equal(await readRows.first().getAttribute('data-element'), 'Action');
      assert.equal(await readRows.first().locator('code').textContent(), 'logs:FilterLogEvents');
      const describe = diff.locator('article.statement-diff[data-sid="Describe"]');
      assert.equal(await describe.getAttribute('data-status'), 'added');
      await describe
        .locator('tr.added[data-element="Action"]', { hasText: 'logs:DescribeLogGroups' })
        .waitFor();
      assert.equal(await diff.getByText('logs:GetLogEvents', { exact: true }).count(), 0);
      await screenshot(page, 'policy');
      // Back the other way: the added values are removed.
      await page.getByLabel('From version').selectOption('v2');
      await page.getByLabel('To version').selectOption('v1');
      const back = page.getByRole('region', { name: 'Changes from v2 to v1' });
      await back.getByText('2 statements changed: 0 added, 4 removed').waitFor();
      assert.equal(
        await back.locator('article.statement-diff[data-sid="Describe"]').getAttribute('data-status'),
        'removed',
      );
      // The same version on both sides: no change.
      await page.getByLabel('To version').selectOption('v2');
      await page
        .getByRole('region', { name: 'Changes from v2 to v2' })
        .getByText('No change in permissions.')
        .waitFor();
      await go(page, 'Policies', 'Policies');
      await page.getByLabel('Scope').selectOption('AWS');
      await page.getByLabel('Filter policies by name').fill('ElasticMapReduceEditors');
      await page
        .getByRole('table', { name: 'Policies' })
        .getByRole('link', { name: 'AmazonElasticMapReduceEditorsRole' })
        .waitFor();

      await go(page, 'Tags', 'Tags');
      await page.getByRole('table', { name: 'Tags' }).getByText('platform').waitFor();
      await screenshot(page, 'tags');

      await go(page, 'Trust policies', 'Trust policies');
      await page.getByLabel('Trust policy of NetworkRole').getByText('ec2.amazonaws.com').waitFor();
      await screenshot(page, 'trust');

      await go(page, 'Resources', 'Resources');
      await page.getByRole('table', { name: 'Subnets' }).getByText('subnet-1').waitFor();
      await page
        .getByRole('table', { name: 'S3 buckets' })
        .getByRole('link', { name: 'arn:aws:s3:::studio-backups' })
        .click();
      await page
        .getByLabel('Policy of arn:aws:s3:::studio-backups')
        .getByText('aws:SecureTransport')
        .waitFor();
      await screenshot(page, 'resource');
      await page.getByRole('link', { name: 'Explain a request on this resource' }).click();
      await page.getByRole('heading', { level: 1, name: 'Explain a decision' }).waitFor();
      assert.equal(
        await page.getByLabel('Resource', { exact: true }).inputValue(),
        'arn:aws:s3:::studio-backups',
      );

      for (const [link, title] of [
        ['Explain a decision', 'Explain a decision'],
        ['EMR readiness', 'EMR readiness'],
        ['Policy editor', 'Policy editor'],
        ['Policies', 'Policies'],
        ['Users', 'Users'],
      ] as const) {
        await go(page, link, title);
        assert.deepEqual(await unnamedControls(page), [], `unnamed controls on ${title}`);
        const unlabelled: string[] = [];
        for (const field of await page.locator('input, select, textarea').all()) {
          const id = await field.getAttribute('id');
          const labels = id === null ? 0 : await page.locator(`label[for="${id}"]`).count();
          if (labels === 0 && (await field.getAttribute('aria-label')) === null)
            unlabelled.push(id ?? '(no id)');
        }
        assert.deepEqual(unlabelled, [], `fields without a label on ${title}`);
      }
      assert.deepEqual(pageErrors(page), []);
    });

    test('explains a denied request: deciding step highlighted, failing condition wanted vs seen', async () => {
      const page = await open(server.admin);
      await go(page, 'Explain a decision', 'Explain a decision');
      await page
        .getByLabel('Principal (ARN or service name)')
        .fill(`arn:aws:iam::${ACCOUNT}:role/NetworkRole`);
      await page.getByLabel('Action', { exact: true }).fill('ec2:CreateNetworkInterface');
      await page
        .getByLabel('Resource', { exact: true })
        .fill(`arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/subnet-1`);
      // The action field offers the service's actions from AWS's service data.
      await page
        .locator('#action-options option[value="ec2:CreateNetworkInterface"]')
        .waitFor({ state: 'attached' });
      await page.getByRole('button', { name: 'Explain' }).click();
      const decision = page.locator('[data-decision]');
      await page.locator('[data-decision="ImplicitDeny"]').waitFor();
      assert.match((await decision.textContent()) ?? '', /no identity-based or resource-based policy allows/);

      // The flow: the identity/resource step decided it and is highlighted; the boundary was not reached.
      const decided = page.locator('svg.flow-diagram g.step[data-state="decided"]');
      assert.equal(await decided.count(), 1);
      assert.equal(await decided.getAttribute('data-step'), 'identity-and-resource-policies');
      assert.equal(
        await page.locator('svg g.step[data-step="permissions-boundary"]').getAttribute('data-state'),
        'not-reached',
      );
      await page.getByRole('list', { name: 'Evaluation steps' }).getByText('(deciding step)').waitFor();

      // The statement and its failing condition: wanted `true`, the key was missing.
      const statement = page.locator('article.statement[data-sid="TaggedOnly"]');
      await statement.getByText('Action matched by ec2:CreateNetworkInterface').waitFor();
      const failing = statement.locator('tr.condition.failing');
      assert.equal(await failing.getAttribute('data-key'), `aws:ResourceTag/${TAG}`);
      assert.equal(await failing.locator('td.wanted').textContent(), 'true');
      assert.equal(await failing.locator('td.seen').textContent(), '(key missing)');
      await screenshot(page, 'explain-denied');

      // The condition's key is offered as a field: a wrong value is seen as such, the right one allows.
      const field = page.getByLabel(`aws:ResourceTag/${TAG}`, { exact: true });
      await field.fill('false');
      await page.getByRole('button', { name: 'Explain' }).click();
      await statement.locator('tr.condition.failing td.seen', { hasText: 'false' }).waitFor();
      await field.fill('true');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.locator('[data-decision="Allow"]').waitFor();
      assert.equal(await page.locator('svg g.step.final').getAttribute('data-state'), 'decided');
      await screenshot(page, 'explain-allowed');
      assert.deepEqual(await unnamedControls(page), []);
    });

    test('explains a request an SCP denies: the SCP step decides and names the policy', async () => {
      const page = await open(server.admin);
      await go(page, 'Explain a decision', 'Explain a decision');
      await page
        .getByLabel('Principal (ARN or service name)')
        .fill(`arn:aws:iam::${ACCOUNT}:user/rolecall-admin`);
      await page.getByLabel('Action', { exact: true }).fill('glacier:ListVaults');
      await page.getByLabel('Resource', { exact: true }).fill('*');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.locator('[data-decision="ImplicitDeny"]').waitFor();
      const decided = page.locator('svg.flow-diagram g.step[data-state="decided"]');
      assert.equal(await decided.count(), 1);
      assert.equal(await decided.getAttribute('data-step'), 'service-control-policies');
      assert.equal(await decided.getAttribute('data-policies'), 'SCP AllowAllButGlacier at level 1');
      await decided
        .locator('text.step-policies', { hasText: 'by SCP AllowAllButGlacier at level 1' })
        .waitFor();
      // The steps before it passed (the explicit-deny check), those after it were not reached.
      assert.equal(
        await page.locator('svg g.step[data-step="explicit-deny"]').getAttribute('data-state'),
        'passed',
      );
      assert.equal(
        await page
          .locator('svg g.step[data-step="identity-and-resource-policies"]')
          .getAttribute('data-state'),
        'not-reached',
      );
      await page
        .getByRole('list', { name: 'Evaluation steps' })
        .locator('li[data-state="decided"]', { hasText: 'by SCP AllowAllButGlacier at level 1' })
        .waitFor();
      // The SCP's statement is listed, and does not apply (NotAction excludes the action).
      await page.locator('article.statement.not-applies[data-sid="NotGlacier"]').waitFor();
      await screenshot(page, 'explain-scp');
    });

    test('opens an EMR readiness report: the denied call, the failing condition and the fix', async () => {
      const page = await open(server.admin);
      await page.goto(`${server.url}/console#/roles/EMRStudio_Service_Role`);
      await page.getByRole('link', { name: 'EMR readiness of this role' }).click();
      await page.getByRole('heading', { level: 1, name: 'EMR readiness' }).waitFor();
      assert.equal(await page.getByLabel('Role name').inputValue(), 'EMRStudio_Service_Role');
      await page.getByLabel('EMR service').selectOption('studio');
      await page
        .getByLabel(/^Environment/)
        .fill(
          [
            `account: '${ACCOUNT}'`,
            'region: us-east-1',
            `vpc: { id: vpc-1, tags: { ${TAG}: 'true' } }`,
            'subnets: [{ id: subnet-9 }]',
            `securityGroups: [{ id: sg-1, tags: { ${TAG}: 'true' } }]`,
            's3: { bucket: studio-backups, prefix: ws }',
          ].join('\n'),
        );
      await page.getByRole('button', { name: 'Check readiness' }).click();
      const heading = page.locator('h2[data-ready]');
      await heading.filter({ hasText: 'Not ready' }).waitFor();
      assert.equal(await heading.getAttribute('data-ready'), 'false');
      const denied = page
        .getByRole('table', { name: 'Calls of studio role EMRStudio_Service_Role' })
        .locator('tr.denied');
      assert.ok((await denied.count()) >= 1);
      await denied.first().getByText('subnet-9').first().waitFor();
      await denied
        .first()
        .getByText(`aws ec2 create-tags --resources subnet-9 --tags Key=${TAG},Value=true`)
        .waitFor();
      await denied.first().locator('.failing', { hasText: 'request had no value' }).waitFor();
      assert.ok((await page.locator('tr.ok').count()) >= 1);
      await screenshot(page, 'readiness');

      // An environment file with a problem: refused with its line:column, nothing reported.
      await page.getByLabel(/^Environment/).fill(`account: '${ACCOUNT}'\nregion: us-east-1\nsubnet: []\n`);
      await page.getByRole('button', { name: 'Check readiness' }).click();
      await page
        .getByRole('list', { name: 'Problems' })
        .locator('li[data-line="3"]', { hasText: 'unknown field `subnet`' })
        .waitFor();
      assert.equal(await page.locator('h2[data-ready]').count(), 0);

      // The whole imported setup: the Studio in the store, with its service role and untagged subnet.
      await page.getByLabel('What to check').selectOption('setup');
      await page.getByRole('button', { name: 'Check readiness' }).click();
      const studio = page.locator('section.target[data-target="Studio analytics"]');
      await studio.waitFor();
      assert.equal(await studio.getAttribute('data-ready'), 'false');
      assert.equal(await page.locator('h2[data-ready]').getAttribute('data-ready'), 'false');
      await studio
        .getByRole('table', { name: 'Calls of Studio analytics' })
        .locator('tr.denied', { hasText: 'subnet-1' })
        .getByText(`aws ec2 create-tags --resources subnet-1 --tags Key=${TAG},Value=true`)
        .first()
        .waitFor();
      assert.deepEqual(await unnamedControls(page), []);
      await screenshot(page, 'readiness-setup');
    });

    test('policy editor shows a finding at its line:column as you type', async () => {
      const page = await open(server.admin);
      await go(page, 'Policy editor', 'Policy editor');
      await page.getByText('No findings.').waitFor();
      const editor = page.getByLabel('Policy document');
      const text = await editor.inputValue();
      await editor.fill(text.replace('"Effect": "Allow"', '"Effect": "Alow"'));
      const finding = page.getByRole('list', { name: 'Findings' }).locator('li.finding').first();
      await finding.waitFor();
      assert.equal(await finding.getAttribute('data-line'), '5');
      assert.match((await finding.textContent()) ?? '', /^5:\d+ ERROR/);
      await page.locator('.gutter .line-no.marked', { hasText: '5' }).waitFor();
      await screenshot(page, 'editor');
      // Choosing the finding puts the caret on its line.
      await finding.getByRole('button').click();
      const caretLine = await page.evaluate<number>(
        "(() => { const t = document.getElementById('editor-text'); return t.value.slice(0, t.selectionStart).split('\\n').length; })()",
      );
      assert.equal(caretLine, 5);
      await editor.fill(text);
      await page.getByText('No findings.').waitFor();
      // A valid policy gets `validate`'s checks: iam:PassRole on every role is a security warning.
      await editor.fill(
        text.replace('"s3:GetObject"', '"iam:PassRole"').replace('"arn:aws:s3:::my-bucket/*"', '"*"'),
      );
      const warning = page.locator('li.finding[data-code="PASS_ROLE_WITH_STAR_IN_RESOURCE"]');
      await warning.waitFor();
      assert.match((await warning.textContent()) ?? '', /^6:\d+ SECURITY_WARNING/);
    });

    test('a principal without permissions sees nothing it may not', async () => {
      const page = await open(viewer);
      await page.getByText(`Signed in as arn:aws:iam::${ACCOUNT}:user/viewer`).waitFor();
      for (const [link, title] of [
        ['Roles', 'Roles'],
        ['Users', 'Users'],
        ['Accounts', 'Accounts'],
        ['Organization', 'Organization'],
        ['Trust policies', 'Trust policies'],
      ] as const) {
        await go(page, link, title);
        await page.getByRole('alert').filter({ hasText: 'Not authorized' }).first().waitFor();
        assert.equal(await page.getByRole('table').count(), 0, `no table on ${title}`);
      }
      await go(page, 'Roles', 'Roles');
      assert.match(
        (await page.getByRole('alert').textContent()) ?? '',
        /is not authorized to perform: iam:ListRoles/,
      );
      assert.equal(await page.getByText('NetworkRole').count(), 0);
      await screenshot(page, 'denied-roles');

      await page.goto(`${server.url}/console#/roles/NetworkRole`);
      await page.getByRole('alert').filter({ hasText: 'iam:GetRole' }).waitFor();
      assert.equal(await page.getByText('ec2.amazonaws.com').count(), 0);

      await go(page, 'Resources', 'Resources');
      await page.getByRole('alert').filter({ hasText: 's3:ListAllMyBuckets' }).waitFor();
      assert.equal(await page.getByText('studio-backups').count(), 0);

      await go(page, 'Explain a decision', 'Explain a decision');
      await page
        .getByLabel('Principal (ARN or service name)')
        .fill(`arn:aws:iam::${ACCOUNT}:role/NetworkRole`);
      await page.getByLabel('Action', { exact: true }).fill('ec2:CreateNetworkInterface');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.getByRole('alert').filter({ hasText: 'iam:SimulatePrincipalPolicy' }).waitFor();
      assert.equal(await page.locator('[data-decision]').count(), 0);
      await screenshot(page, 'denied-explain');
    });
  });
});
