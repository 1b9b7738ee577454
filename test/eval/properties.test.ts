// Property tests of the engine: it agrees with the naive reference evaluator on generated policy sets
// and requests (small alphabets of actions, ARNs, principals, keys, operators and values, so that matches
// actually happen), explanations never change a decision, and adding a Deny never yields Allow.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize, compilePolicy } from '../../src/eval/index.js';
import type { AuthzResult, PolicySet } from '../../src/eval/types.js';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parsePolicy } from '../../src/policy/index.js';
import type { PolicyKind } from '../../src/policy/types.js';
import { loadScenarioFile, type Scenario } from '../../src/scenario/index.js';
import { repoRoot, sharedDir } from '../helpers/paths.js';
import {
  referenceDecision,
  type RefPolicies,
  type RefPolicy,
  type RefRequest,
  type RefStatement,
} from './reference.js';

const A1 = '111111111111';
const A2 = '222222222222';
const ALICE = `arn:aws:iam::${A1}:user/alice`;
const BOB = `arn:aws:iam::${A2}:user/bob`;
const SESSION = `arn:aws:sts::${A1}:assumed-role/Dev/s1`;
const ROLE = `arn:aws:iam::${A1}:role/Dev`;
const SLR = `arn:aws:iam::${A1}:role/aws-service-role/ec2.amazonaws.com/AWSServiceRoleForEC2`;

const PRINCIPALS: RefRequest['principal'][] = [
  ALICE,
  BOB,
  SESSION,
  `arn:aws:iam::${A1}:root`,
  SLR,
  { Service: 'ec2.amazonaws.com' },
];
const ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  'ec2:CreateTags',
  'kms:Decrypt',
  'kms:RetireGrant',
  'sts:AssumeRole',
  'iam:PassRole',
];
const RESOURCES = [
  'arn:aws:s3:::bucket-a/alice/x',
  'arn:aws:s3:::bucket-b/logs/y',
  `arn:aws:ec2:us-east-1:${A1}:instance/i-1`,
  `arn:aws:kms:us-east-1:${A1}:key/k1`,
  `arn:aws:kms:us-east-1:${A2}:key/k2`,
  ROLE,
  SLR,
];
const ACTION_PATTERNS = [
  '*',
  's3:*',
  's3:Get*',
  'S3:getobject',
  's3:?utObject',
  'ec2:*Tags',
  'kms:*',
  'kms:Decrypt',
  'sts:AssumeRole',
  'iam:PassRole',
  'k?s:Decrypt',
  's3:GetObject',
];
const RESOURCE_PATTERNS = [
  '*',
  'arn:aws:s3:::bucket-*/*',
  'arn:aws:s3:::*log*',
  'arn:aws:s3:::bucket-a/${aws:username}/*',
  "arn:aws:s3:::bucket-a/${aws:PrincipalTag/team, 'alice'}/*",
  'arn:aws:ec2:*:*:instance/*',
  `arn:aws:kms:*:${A1}:key/*`,
  'arn:aws:iam::*:role/*',
  `arn:aws:ec2:us-east-1:${A1}:instance/i-?`,
  'arn:aws:s3:::Bucket-A/*',
];
const AWS_PRINCIPALS = ['*', A1, `arn:aws:iam::${A2}:root`, ALICE, BOB, SESSION, ROLE];

// Condition keys by value type, each with policy values (some with variables) and request values.
const CONDITIONS: { ops: string[]; key: string; values: string[] }[] = [
  {
    ops: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
    key: 'aws:PrincipalTag/team',
    values: ['a', 'b', 'A', '${aws:username}', 'a*', '${aws:PrincipalTag/boss}', '${*}'],
  },
  {
    ops: [
      'ForAllValues:StringEquals',
      'ForAnyValue:StringLike',
      'ForAllValues:StringNotLike',
      'ForAnyValue:StringNotEquals',
    ],
    key: 'aws:TagKeys',
    values: ['k1', 'k*', 'x', '${aws:PrincipalTag/team}'],
  },
  { ops: ['StringEquals', 'StringNotEqualsIfExists'], key: 'aws:username', values: ['alice', 'bob'] },
  {
    ops: ['NumericLessThan', 'NumericGreaterThanEquals', 'NumericEquals', 'NumericNotEquals'],
    key: 's3:max-keys',
    values: ['5', '10', '10.0', '${aws:PrincipalTag/team}'],
  },
  {
    ops: ['DateLessThan', 'DateGreaterThan', 'DateEquals', 'DateNotEquals'],
    key: 'aws:CurrentTime',
    values: ['2026-01-01', '2025-06-01T00:00:00Z', '2026-01-01T00:00:00', '2027', '1767225600'],
  },
  { ops: ['Bool', 'BoolIfExists'], key: 'aws:SecureTransport', values: ['true', 'false', 'TRUE'] },
  { ops: ['Bool'], key: 'aws:PrincipalIsAWSService', values: ['true', 'false'] },
  {
    ops: ['IpAddress', 'NotIpAddress'],
    key: 'aws:SourceIp',
    values: ['10.0.0.0/8', '192.0.2.1', '2001:db8::/32', '192.0.2.0/24'],
  },
  {
    ops: ['ArnLike', 'ArnNotEquals', 'ArnEquals'],
    key: 'aws:SourceArn',
    values: [`arn:aws:sns:*:${A1}:t-*`, 'arn:aws:sns:us-east-1:${aws:PrincipalAccount}:t-1', 'arn:aws:sns:*'],
  },
  {
    ops: ['StringEquals', 'StringNotEquals'],
    key: 'aws:ResourceAccount',
    values: [A1, '${aws:PrincipalAccount}'],
  },
  { ops: ['Null'], key: 'aws:PrincipalTag/team', values: ['true', 'false'] },
  { ops: ['Null'], key: 'aws:SourceIp', values: ['true', 'false'] },
];

const sub = <T>(xs: T[]) => fc.subarray(xs, { minLength: 1, maxLength: Math.min(3, xs.length) });

const condition = fc
  .constantFrom(...CONDITIONS)
  .chain((c) =>
    fc.tuple(
      fc.constantFrom(...c.ops),
      fc.constant(c.key),
      c.ops.includes('Null') ? fc.subarray(c.values, { minLength: 1, maxLength: 1 }) : sub(c.values),
    ),
  )
  .map(([op, key, values]) => ({ [op]: { [key]: values } }));

type Where = 'identity' | 'resource' | 'scp' | 'rcp' | 'trust';

function statement(where: Where): fc.Arbitrary<RefStatement> {
  return fc
    .record({
      effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
      notAction: fc.boolean(),
      actions: sub(ACTION_PATTERNS),
      notResource: fc.boolean(),
      resources: sub(RESOURCE_PATTERNS),
      principal: fc.oneof(
        fc.constant<'*'>('*'),
        sub(AWS_PRINCIPALS).map((AWS) => ({ AWS })),
        fc.constant({ Service: 'ec2.amazonaws.com' }),
      ),
      notPrincipal: fc.boolean(),
      conditions: fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(condition, { minLength: 1, maxLength: 2 }) },
      ),
    })
    .map((r) => {
      const st: RefStatement = { Effect: r.effect };
      const negate = r.effect === 'Deny' && where !== 'rcp' && where !== 'trust';
      if (r.notAction && negate) st.NotAction = r.actions;
      else st.Action = where === 'trust' ? ['sts:AssumeRole'] : r.actions;
      if (where !== 'trust') {
        if (r.notResource && negate) st.NotResource = r.resources;
        else st.Resource = r.resources;
      }
      if (where === 'rcp') st.Principal = '*';
      else if (where === 'resource' || where === 'trust') {
        if (r.notPrincipal && r.effect === 'Deny' && where === 'resource' && r.principal !== '*')
          st.NotPrincipal = r.principal;
        else st.Principal = r.principal;
      }
      if (r.conditions.length > 0)
        st.Condition = Object.assign({}, ...r.conditions) as NonNullable<RefStatement['Condition']>;
      return st;
    });
}

const policy = (where: Where): fc.Arbitrary<RefPolicy> =>
  fc
    .tuple(
      fc.array(statement(where), { minLength: 1, maxLength: 3 }),
      fc.constantFrom<RefPolicy['Version']>(
        '2012-10-17',
        '2012-10-17',
        '2012-10-17',
        '2008-10-17',
        undefined,
      ),
    )
    // RCPs must be 2012-10-17 (the parser refuses others); the rest may be 2008-10-17 or have no Version,
    // where variables are text.
    .map(([Statement, Version]): RefPolicy => {
      const v = where === 'rcp' ? '2012-10-17' : Version;
      return v ? { Version: v, Statement } : { Statement };
    });

/** RCP levels always carry RCPFullAWSAccess, as AWS attaches it; sometimes a level lacks it. */
const FULL_ACCESS: RefPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }],
};
const rcpLevel = fc
  .tuple(fc.array(policy('rcp'), { maxLength: 1 }), fc.nat(9))
  .map(([ps, n]) => (n === 0 ? ps : [FULL_ACCESS, ...ps]));

const request: fc.Arbitrary<RefRequest> = fc
  .record({
    principal: fc.constantFrom(...PRINCIPALS),
    action: fc.constantFrom(...ACTIONS),
    resource: fc.constantFrom(...RESOURCES),
    resourceAccount: fc.constantFrom<string | undefined>(undefined, undefined, A1, A2),
    context: fc.record(
      {
        'aws:PrincipalTag/team': fc.constantFrom('a', 'b', 'A', 'alice', '*'),
        'aws:PrincipalTag/boss': fc.constantFrom('a', 'x'),
        'aws:TagKeys': fc.subarray(['k1', 'k2', 'x'], { maxLength: 3 }),
        's3:max-keys': fc.constantFrom('5', '10', '12', 'ten'),
        'aws:SecureTransport': fc.constantFrom('true', 'false'),
        'aws:SourceIp': fc.constantFrom('10.1.2.3', '192.0.2.1', '2001:DB8::5', '203.0.113.9'),
        'aws:SourceArn': fc.constantFrom(
          `arn:aws:sns:us-east-1:${A1}:t-1`,
          `arn:aws:sns:us-east-1:${A2}:t-1`,
        ),
        'aws:username': fc.constantFrom('alice', 'mallory'),
      },
      { requiredKeys: [] },
    ),
  })
  .map((r) => {
    const out: RefRequest = {
      principal: r.principal,
      action: r.action,
      resource: r.resource,
      context: r.context,
    };
    if (r.resourceAccount !== undefined && r.resource.startsWith('arn:aws:s3'))
      out.resourceAccount = r.resourceAccount;
    return out;
  });

const NOWS = [Date.UTC(2025, 11, 31, 23, 0), Date.UTC(2026, 0, 1), Date.UTC(2026, 5, 1, 12, 30)];

/** Often absent: each present cap makes an Allow rarer. */
const sometimes = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });

const policies: fc.Arbitrary<RefPolicies> = fc
  .record({
    identity: fc.array(policy('identity'), { maxLength: 2 }),
    resource: fc.option(policy('resource'), { nil: undefined }),
    trust: fc.option(policy('trust'), { nil: undefined }),
    boundary: sometimes(policy('identity')),
    session: sometimes(policy('identity')),
    scp: sometimes(
      fc.array(fc.array(policy('identity'), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
    ),
    rcp: sometimes(fc.array(rcpLevel, { minLength: 1, maxLength: 2 })),
  })
  .map((p) => {
    const out: RefPolicies = { identity: p.identity };
    if (p.resource) out.resource = p.resource;
    if (p.boundary) out.boundary = p.boundary;
    if (p.session) out.session = p.session;
    if (p.scp) out.scp = p.scp;
    if (p.rcp) out.rcp = p.rcp;
    // The trust policy stands in for the resource policy of sts:AssumeRole requests (see engineDecision).
    if (p.trust) (out as RefPolicies & { trust?: RefPolicy }).trust = p.trust;
    return out;
  });

function compile(doc: RefPolicy, kind: PolicyKind) {
  const parsed = parsePolicy(doc, { kind });
  assert.ok(parsed.document, `${kind}: ${JSON.stringify(parsed.issues)}\n${JSON.stringify(doc)}`);
  return compilePolicy(parsed.document, { kind });
}

/** The policies a request sees: for sts:AssumeRole the role's trust policy is the resource policy. */
function forRequest(p: RefPolicies, req: RefRequest): RefPolicies {
  const trust = (p as RefPolicies & { trust?: RefPolicy }).trust;
  const out: RefPolicies = { ...p };
  delete (out as { trust?: RefPolicy }).trust;
  if (req.action === 'sts:AssumeRole') {
    if (trust) out.resource = trust;
    else delete out.resource;
  }
  return out;
}

function engine(p: RefPolicies, req: RefRequest, now: number, explain = false): AuthzResult {
  const set: PolicySet = { identity: p.identity.map((d) => compile(d, 'identity')) };
  if (p.resource) set.resource = compile(p.resource, req.action === 'sts:AssumeRole' ? 'trust' : 'resource');
  if (p.boundary) set.boundary = compile(p.boundary, 'boundary');
  if (p.session) set.session = [compile(p.session, 'session')];
  if (p.scp) set.scp = p.scp.map((l) => l.map((d) => compile(d, 'scp')));
  if (p.rcp) set.rcp = p.rcp.map((l) => l.map((d) => compile(d, 'rcp')));
  return authorize(req, set, { now, explain });
}

const input = fc.tuple(policies, request, fc.constantFrom(...NOWS)).map(([p, req, now]) => ({
  p: forRequest(p, req),
  req,
  now,
}));

/** A scenario case as the reference evaluator reads it. */
function asReference(s: Scenario): { p: RefPolicies; req: RefRequest } {
  const given = s.policies as unknown as RefPolicies;
  const p: RefPolicies = { identity: given.identity ?? [] };
  if (given.resource) p.resource = given.resource;
  if (given.boundary) p.boundary = given.boundary;
  if (given.session) p.session = given.session;
  if (given.scp) p.scp = given.scp;
  if (given.rcp) p.rcp = given.rcp;
  // fromEntries defines each key as the object's own, a key named `__proto__` included.
  const context: RefRequest['context'] = Object.fromEntries(
    Object.entries(s.request.context ?? {}).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map(String) : String(v),
    ]),
  );
  const req: RefRequest = {
    principal: s.request.principal,
    action: s.request.action,
    resource: s.request.resource,
    context,
  };
  if (s.request.resourceAccount !== undefined) req.resourceAccount = s.request.resourceAccount;
  return { p, req };
}

describe('the reference evaluator', () => {
  // Two independent implementations that both give AWS's recorded answers make a disagreement between
  // them on generated input worth believing.
  const corpora = [
    { label: 'the shared conformance files', dir: path.join(sharedDir, 'conformance') },
    { label: 'the scenario corpus', dir: path.join(repoRoot, 'test/scenarios') },
  ];
  for (const { label, dir } of corpora) {
    it(`gives AWS's answer on every case of ${label}`, () => {
      const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      let cases = 0;
      for (const f of files)
        for (const s of loadScenarioFile(path.join(dir, f))) {
          const { p, req } = asReference(s);
          assert.equal(referenceDecision(p, req, Date.UTC(2026, 0, 1)), s.expect, `${f}: ${s.name}`);
          cases++;
        }
      assert.ok(cases >= 80, `${cases} cases`);
    });
  }
});

describe('engine properties', () => {
  // The same runs count the decisions, so that the agreement is not vacuous: the generators reach each
  // decision often (at least 1 in 40 runs).
  it('agrees with the naive reference evaluator on generated policy sets and requests, reaching every decision', () => {
    const runs = 4000;
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(input, ({ p, req, now }) => {
        const d = engine(p, req, now).decision;
        assert.equal(d, referenceDecision(p, req, now), JSON.stringify({ p, req, now }));
        seen.set(d, (seen.get(d) ?? 0) + 1);
      }),
      { numRuns: runs },
    );
    for (const d of ['Allow', 'ExplicitDeny', 'ImplicitDeny'])
      assert.ok((seen.get(d) ?? 0) >= runs / 40, `${d}: ${seen.get(d) ?? 0} of ${runs}`);
  });

  it('decides the same with and without an explanation', () => {
    fc.assert(
      fc.property(input, ({ p, req, now }) => {
        const fast = engine(p, req, now);
        const explained = engine(p, req, now, true);
        assert.equal(explained.decision, fast.decision);
        assert.equal(explained.reason, fast.reason);
        assert.ok(explained.explanation, 'an explanation was asked for');
      }),
      { numRuns: 1000 },
    );
  });

  it('never turns a decision into Allow by adding a Deny statement', () => {
    const slots = ['identity', 'resource', 'boundary', 'session', 'scp', 'rcp'] as const;
    const extra = fc
      .constantFrom(...slots)
      .chain((slot) =>
        fc.tuple(
          fc.constant(slot),
          statement(slot === 'resource' ? 'resource' : slot === 'rcp' ? 'rcp' : 'identity'),
        ),
      );
    // The policy keeps its Version: changing it would change how its variables read.
    const add = (d: RefPolicy | undefined, st: RefStatement): RefPolicy => ({
      ...(d ?? { Version: '2012-10-17' }),
      Statement: [...(d?.Statement ?? []), { ...st, Effect: 'Deny' }],
    });
    fc.assert(
      fc.property(input, extra, ({ p, req, now }, [slot, st]) => {
        const before = engine(p, req, now).decision;
        const q: RefPolicies = { ...p, identity: [...p.identity] };
        if (slot === 'resource' && req.action !== 'sts:AssumeRole') q.resource = add(p.resource, st);
        else if (slot === 'boundary' && p.boundary) q.boundary = add(p.boundary, st);
        else if (slot === 'session' && p.session) q.session = add(p.session, st);
        else if (slot === 'scp' && p.scp) q.scp = [[...p.scp[0]!, add(undefined, st)], ...p.scp.slice(1)];
        else if (slot === 'rcp' && p.rcp) q.rcp = [[...p.rcp[0]!, add(undefined, st)], ...p.rcp.slice(1)];
        else if (slot === 'identity') q.identity.push(add(undefined, st));
        else return;
        const after = engine(q, req, now).decision;
        assert.ok(after !== 'Allow' || before === 'Allow', `${before} became ${after}`);
      }),
      { numRuns: 2000 },
    );
  });
});
