/**
 * What the resolver shares between principals and pairs is only what is the same for them: a decision
 * without explanations reads one policy set for every principal whose policies compile to the same
 * documents (the names, which differ, are read by explanations only), and one context for the pairs of a
 * principal whose resource keys are the same. Each test makes principals that share something, then
 * changes one of them or decides something that must differ, with warm decisions in between and after,
 * and expects every principal's own answer (and, explained, its own policy names).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthzResult, Decision } from '../../src/eval/types.js';
import { decidePrepared } from '../../src/iam/decide.js';
import { openControlPlane, type OpenedControlPlane } from '../../src/iam/index.js';

const ACCT = '111122223333';
const OTHER = '444455556666';
const NOW = Date.UTC(2026, 10, 22);
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string, resource = '*') =>
  policy({ Effect: 'Allow', Action: action, Resource: resource });
const TRUST = policy({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' });
const roleArn = (name: string, account = ACCT) => `arn:aws:iam::${account}:role/${name}`;
const OBJECT = 'arn:aws:s3:::data/x';

/** Runs `body` on a control plane over a memory store of its own, closed after. */
async function withPlane(body: (cp: OpenedControlPlane) => Promise<void>): Promise<void> {
  const cp = await openControlPlane('memory', { now: () => NOW });
  try {
    await body(cp);
  } finally {
    await cp.close();
  }
}

async function role(
  cp: OpenedControlPlane,
  name: string,
  inline: string,
  extra: { account?: string; permissionsBoundary?: string; tags?: { key: string; value: string }[] } = {},
): Promise<string> {
  const account = extra.account ?? ACCT;
  await cp.iam.createRole({
    account,
    name,
    trustPolicy: TRUST,
    ...(extra.permissionsBoundary !== undefined ? { permissionsBoundary: extra.permissionsBoundary } : {}),
    ...(extra.tags !== undefined ? { tags: extra.tags } : {}),
  });
  await cp.iam.putInlinePolicy({ kind: 'role', account, name }, 'main', inline);
  return roleArn(name, account);
}

async function decide(
  cp: OpenedControlPlane,
  principal: string,
  action: string,
  resource = OBJECT,
  options: { credential?: string; now?: number } = {},
): Promise<Decision> {
  const { result } = await cp.decide(
    { principal, action, resource },
    { now: options.now ?? NOW },
    options.credential !== undefined ? { credential: options.credential } : {},
  );
  return result.decision;
}

/** Each request's decision, three rounds (the later ones from the cache), interleaved. */
async function expectAll(
  cp: OpenedControlPlane,
  cases: [principal: string, action: string, resource: string, expected: Decision][],
): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const [principal, action, resource, expected] of cases) {
      assert.equal(
        await decide(cp, principal, action, resource),
        expected,
        `round ${round + 1}: ${principal} ${action} ${resource}`,
      );
    }
  }
}

function policyNames(result: AuthzResult): string[] {
  return (result.explanation?.policies ?? []).map((p) => p.name ?? '');
}

describe('what the resolver shares between principals', () => {
  it('two roles with the same inline text: each keeps its own answer when one is edited, and its own names', async () => {
    await withPlane(async (cp) => {
      const a = await role(cp, 'A', allow('s3:GetObject'));
      const b = await role(cp, 'B', allow('s3:GetObject'));
      await expectAll(cp, [
        [a, 's3:GetObject', OBJECT, 'Allow'],
        [b, 's3:GetObject', OBJECT, 'Allow'],
        [a, 's3:PutObject', OBJECT, 'ImplicitDeny'],
        [b, 's3:PutObject', OBJECT, 'ImplicitDeny'],
      ]);
      for (const arn of [a, b]) {
        const { result } = await cp.decide(
          { principal: arn, action: 's3:GetObject', resource: OBJECT },
          { now: NOW, explain: true },
        );
        assert.equal(result.decision, 'Allow');
        assert.deepEqual(policyNames(result), [`${arn} inline main`]);
      }
      await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'B' }, 'main', allow('s3:PutObject'));
      await expectAll(cp, [
        [a, 's3:GetObject', OBJECT, 'Allow'],
        [b, 's3:GetObject', OBJECT, 'ImplicitDeny'],
        [a, 's3:PutObject', OBJECT, 'ImplicitDeny'],
        [b, 's3:PutObject', OBJECT, 'Allow'],
      ]);
      // And back to the same text as A: the same answers as A's again.
      await cp.iam.putInlinePolicy({ kind: 'role', account: ACCT, name: 'B' }, 'main', allow('s3:GetObject'));
      await expectAll(cp, [
        [a, 's3:GetObject', OBJECT, 'Allow'],
        [b, 's3:GetObject', OBJECT, 'Allow'],
        [b, 's3:PutObject', OBJECT, 'ImplicitDeny'],
      ]);
    });
  });

  it('the same policies under a boundary, in an account under a denying SCP, or with a Deny of their own do not share an answer', async () => {
    await withPlane(async (cp) => {
      const org = await cp.org.create('999999999999');
      const ou = await cp.org.createOrgUnit(org.rootId, 'Restricted');
      await cp.org.moveAccount(ACCT, org.rootId);
      await cp.org.moveAccount(OTHER, ou.id);
      const scp = await cp.org.createPolicy({
        type: 'scp',
        name: 'no-get',
        document: policy(
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:GetObject', Resource: '*' },
        ),
      });
      await cp.org.attachPolicy(scp.id, ou.id);
      // An OU that allows nothing: its only SCP detached.
      const THIRD = '777788889999';
      const empty = await cp.org.createOrgUnit(org.rootId, 'Empty');
      await cp.org.moveAccount(THIRD, empty.id);
      await cp.org.detachPolicy('p-FullAWSAccess', empty.id);
      const boundary = await cp.iam.createPolicy({
        account: ACCT,
        name: 'put-only',
        document: allow('s3:PutObject'),
      });
      const text = allow('s3:*');
      const plain = await role(cp, 'Plain', text);
      const bounded = await role(cp, 'Bounded', text, { permissionsBoundary: boundary.arn });
      const elsewhere = await role(cp, 'Plain', text, { account: OTHER });
      const denying = await role(cp, 'Denying', text);
      const nothing = await role(cp, 'Plain', text, { account: THIRD });
      await cp.iam.putInlinePolicy(
        { kind: 'role', account: ACCT, name: 'Denying' },
        'deny',
        policy({ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }),
      );
      await expectAll(cp, [
        [plain, 's3:GetObject', OBJECT, 'Allow'],
        [bounded, 's3:GetObject', OBJECT, 'ImplicitDeny'],
        [bounded, 's3:PutObject', OBJECT, 'Allow'],
        [elsewhere, 's3:GetObject', OBJECT, 'ExplicitDeny'],
        [elsewhere, 's3:PutObject', OBJECT, 'Allow'],
        [denying, 's3:GetObject', OBJECT, 'ExplicitDeny'],
        [denying, 's3:PutObject', OBJECT, 'Allow'],
        [nothing, 's3:PutObject', OBJECT, 'ImplicitDeny'],
      ]);
      // The boundary removed: the role now decides as Plain does.
      await cp.iam.setPermissionsBoundary({ kind: 'role', account: ACCT, name: 'Bounded' }, undefined);
      await expectAll(cp, [
        [plain, 's3:GetObject', OBJECT, 'Allow'],
        [bounded, 's3:GetObject', OBJECT, 'Allow'],
      ]);
    });
  });

  it('a role deleted and created again under its name, with the text another role has', async () => {
    await withPlane(async (cp) => {
      const keep = await role(cp, 'Keep', allow('s3:GetObject'));
      const gone = await role(cp, 'Gone', allow('s3:PutObject'));
      const session = await cp.iam.createSession({
        account: ACCT,
        roleName: 'Gone',
        sessionName: 'job',
        expiration: NOW + 3600_000,
      });
      const sessionArn = `arn:aws:sts::${ACCT}:assumed-role/Gone/job`;
      const viaSession = () =>
        decide(cp, sessionArn, 's3:PutObject', OBJECT, { credential: session.accessKeyId });
      await expectAll(cp, [
        [keep, 's3:GetObject', OBJECT, 'Allow'],
        [gone, 's3:PutObject', OBJECT, 'Allow'],
        [gone, 's3:GetObject', OBJECT, 'ImplicitDeny'],
      ]);
      assert.equal(await viaSession(), 'Allow');
      assert.equal(await viaSession(), 'Allow');
      await cp.iam.deleteInlinePolicy({ kind: 'role', account: ACCT, name: 'Gone' }, 'main');
      await cp.iam.deleteRole(ACCT, 'Gone');
      await role(cp, 'Gone', allow('s3:*'));
      await expectAll(cp, [
        [keep, 's3:GetObject', OBJECT, 'Allow'],
        [gone, 's3:GetObject', OBJECT, 'Allow'],
        [gone, 's3:PutObject', OBJECT, 'Allow'],
      ]);
      // The old role's session is another principal's: allowed nothing, also from the cache.
      assert.equal(await viaSession(), 'ImplicitDeny');
      assert.equal(await viaSession(), 'ImplicitDeny');
    });
  });

  it("sessions of one role: each with its own session policy, and a session's answer after its expiry", async () => {
    await withPlane(async (cp) => {
      await role(cp, 'Worker', allow('s3:*'));
      const sessionArn = (name: string) => `arn:aws:sts::${ACCT}:assumed-role/Worker/${name}`;
      const get = await cp.iam.createSession({
        account: ACCT,
        roleName: 'Worker',
        sessionName: 'get',
        expiration: NOW + 3600_000,
        sessionPolicy: allow('s3:GetObject'),
      });
      const get2 = await cp.iam.createSession({
        account: ACCT,
        roleName: 'Worker',
        sessionName: 'get2',
        expiration: NOW + 3600_000,
        sessionPolicy: allow('s3:GetObject'),
      });
      const put = await cp.iam.createSession({
        account: ACCT,
        roleName: 'Worker',
        sessionName: 'put',
        expiration: NOW + 3600_000,
        sessionPolicy: allow('s3:PutObject'),
      });
      const cases: [string, string, string, Decision][] = [
        ['get', get.accessKeyId, 's3:GetObject', 'Allow'],
        ['get', get.accessKeyId, 's3:PutObject', 'ImplicitDeny'],
        ['get2', get2.accessKeyId, 's3:GetObject', 'Allow'],
        ['get2', get2.accessKeyId, 's3:PutObject', 'ImplicitDeny'],
        ['put', put.accessKeyId, 's3:GetObject', 'ImplicitDeny'],
        ['put', put.accessKeyId, 's3:PutObject', 'Allow'],
      ];
      for (let round = 0; round < 3; round++) {
        for (const [name, credential, action, expected] of cases) {
          assert.equal(
            await decide(cp, sessionArn(name), action, OBJECT, { credential }),
            expected,
            `round ${round + 1}: session ${name} ${action}`,
          );
        }
      }
      const { result } = await cp.decide(
        { principal: sessionArn('get2'), action: 's3:GetObject', resource: OBJECT },
        { now: NOW, explain: true },
        { credential: get2.accessKeyId },
      );
      assert.deepEqual(policyNames(result), [
        `${roleArn('Worker')} inline main`,
        `${sessionArn('get2')} session policy`,
      ]);
      // Cached and then past its expiry: allowed nothing, whatever the shared set would allow.
      const later = NOW + 3600_000;
      for (let i = 0; i < 2; i++) {
        assert.equal(
          await decide(cp, sessionArn('get'), 's3:GetObject', OBJECT, {
            credential: get.accessKeyId,
            now: later,
          }),
          'ImplicitDeny',
        );
      }
    });
  });

  it("one principal's pairs share a context only where the resource's keys are the same; principals never do", async () => {
    await withPlane(async (cp) => {
      // The same policy text for both roles, read per principal through a policy variable and per
      // resource through a resource tag.
      const text = policy(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/${aws:PrincipalTag/team}/*' },
        {
          Effect: 'Allow',
          Action: 'ssm:GetParameter',
          Resource: '*',
          Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
        },
      );
      const red = await role(cp, 'Red', text, { tags: [{ key: 'team', value: 'red' }] });
      const blue = await role(cp, 'Blue', text, { tags: [{ key: 'team', value: 'blue' }] });
      const param = (name: string) => `arn:aws:ssm:us-east-1:${ACCT}:parameter/${name}`;
      await cp.resources.put({ arn: param('red'), account: ACCT, tags: [{ key: 'team', value: 'red' }] });
      await cp.resources.put({ arn: param('blue'), account: ACCT, tags: [{ key: 'team', value: 'blue' }] });
      await expectAll(cp, [
        [red, 's3:GetObject', 'arn:aws:s3:::data/red/1', 'Allow'],
        [red, 's3:GetObject', 'arn:aws:s3:::data/blue/1', 'ImplicitDeny'],
        [blue, 's3:GetObject', 'arn:aws:s3:::data/red/1', 'ImplicitDeny'],
        [blue, 's3:GetObject', 'arn:aws:s3:::data/blue/1', 'Allow'],
        [red, 'ssm:GetParameter', param('red'), 'Allow'],
        [red, 'ssm:GetParameter', param('blue'), 'ImplicitDeny'],
        [blue, 'ssm:GetParameter', param('red'), 'ImplicitDeny'],
        [blue, 'ssm:GetParameter', param('blue'), 'Allow'],
      ]);
      // A tag changed on one resource and on one principal.
      await cp.resources.put({ arn: param('blue'), account: ACCT, tags: [{ key: 'team', value: 'red' }] });
      await cp.iam.tagIdentity({ kind: 'role', account: ACCT, name: 'Blue' }, [
        { key: 'team', value: 'red' },
      ]);
      await expectAll(cp, [
        [red, 'ssm:GetParameter', param('blue'), 'Allow'],
        [blue, 'ssm:GetParameter', param('blue'), 'Allow'],
        [blue, 's3:GetObject', 'arn:aws:s3:::data/red/1', 'Allow'],
        [blue, 's3:GetObject', 'arn:aws:s3:::data/blue/1', 'ImplicitDeny'],
      ]);
    });
  });

  it('a prepared request whose policy set or principal was replaced is decided with what it holds', async () => {
    await withPlane(async (cp) => {
      const arn = await role(cp, 'Replaced', allow('s3:GetObject'));
      const request = { principal: arn, action: 's3:GetObject', resource: OBJECT };
      await cp.decide(request, { now: NOW });
      const prepared = cp.resolver.prepareCached(request);
      assert.ok(prepared, 'cached');
      assert.equal(decidePrepared(cp.engine, prepared, { now: NOW }).decision, 'Allow');
      assert.equal(
        decidePrepared(cp.engine, { ...prepared, policySet: { identity: [] } }, { now: NOW }).decision,
        'ImplicitDeny',
      );
      prepared.policySet = { identity: [] };
      assert.equal(decidePrepared(cp.engine, prepared, { now: NOW }).decision, 'ImplicitDeny');
      const again = cp.resolver.prepareCached(request)!;
      again.principal = { ...again.principal, revoked: true };
      assert.equal(decidePrepared(cp.engine, again, { now: NOW }).decision, 'ImplicitDeny');
    });
  });
});
