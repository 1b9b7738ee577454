// Property tests of the engine: it agrees with the naive reference evaluator, and adding a Deny
// statement never turns a decision into Allow.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize, compilePolicy } from '../../src/eval/index.js';
import type { PolicySet } from '../../src/eval/types.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { PolicyKind } from '../../src/policy/types.js';
import {
  referenceDecision,
  type RefPolicies,
  type RefPolicy,
  type RefRequest,
  type RefStatement,
} from './reference.js';

const ACTIONS = ['s3:GetObject', 's3:PutObject', 'ec2:CreateTags', 'ec2:DescribeInstances', 'iam:PassRole'];
const ACTION_PATTERNS = [
  '*',
  's3:*',
  's3:Get*',
  'S3:getobject',
  's3:?utObject',
  'ec2:*Tags',
  'ec2:Describe*',
  'iam:PassRole',
  'ec2:*',
];
const RESOURCES = [
  'arn:aws:s3:::bucket-a/key1',
  'arn:aws:s3:::bucket-b/logs/x',
  'arn:aws:ec2:us-east-1:111111111111:instance/i-1',
  'arn:aws:iam::111111111111:role/EMR_Role',
];
const RESOURCE_PATTERNS = [
  '*',
  'arn:aws:s3:::bucket-*/*',
  'arn:aws:s3:::*log*',
  'arn:aws:s3:::bucket-a/key?',
  'arn:aws:ec2:*:*:instance/*',
  'arn:aws:ec2:us-east-1:111111111111:instance/i-?',
  'arn:aws:iam::*:role/EMR_*',
  'arn:aws:s3:::Bucket-A/*',
];
const PRINCIPALS = ['arn:aws:iam::111111111111:user/alice', 'arn:aws:iam::222222222222:user/bob'];
const POLICY_PRINCIPALS = [
  '*',
  '111111111111',
  'arn:aws:iam::222222222222:root',
  'arn:aws:iam::111111111111:user/alice',
  'arn:aws:iam::222222222222:user/bob',
];
const KEYS = ['aws:PrincipalTag/team', 'aws:TagKeys', 'aws:RequestTag/env'];
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'StringEqualsIfExists',
  'StringNotEqualsIfExists',
  'ForAllValues:StringEquals',
  'ForAllValues:StringNotEquals',
  'ForAnyValue:StringLike',
  'ForAnyValue:StringNotLike',
  'Null',
];
const VALUES = ['a', 'b', 'A', 'k*', '*', 'x', 'k1'];

const sub = <T>(xs: T[]) => fc.subarray(xs, { minLength: 1, maxLength: 3 });

const condition = fc
  .tuple(fc.constantFrom(...OPERATORS), fc.constantFrom(...KEYS), sub(VALUES), fc.boolean())
  .map(([op, key, values, flag]) => ({
    [op]: { [key]: op === 'Null' ? [flag ? 'true' : 'false'] : values },
  }));

function statement(withPrincipal: boolean): fc.Arbitrary<RefStatement> {
  return fc
    .record({
      effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
      notAction: fc.boolean(),
      actions: sub(ACTION_PATTERNS),
      notResource: fc.boolean(),
      resources: sub(RESOURCE_PATTERNS),
      principals: sub(POLICY_PRINCIPALS),
      conditions: fc.array(condition, { maxLength: 2 }),
    })
    .map((r) => {
      const st: RefStatement = { Effect: r.effect };
      if (r.notAction && r.effect === 'Deny') st.NotAction = r.actions;
      else st.Action = r.actions;
      if (r.notResource && r.effect === 'Deny') st.NotResource = r.resources;
      else st.Resource = r.resources;
      if (withPrincipal) st.Principal = { AWS: r.principals };
      if (r.conditions.length > 0)
        st.Condition = Object.assign({}, ...r.conditions) as NonNullable<RefStatement['Condition']>;
      return st;
    });
}

const policy = (withPrincipal: boolean): fc.Arbitrary<RefPolicy> =>
  fc
    .array(statement(withPrincipal), { minLength: 1, maxLength: 3 })
    .map((Statement) => ({ Version: '2012-10-17' as const, Statement }));

const request: fc.Arbitrary<RefRequest & { resourceAccount: string }> = fc.record({
  principal: fc.constantFrom(...PRINCIPALS),
  action: fc.constantFrom(...ACTIONS),
  resource: fc.constantFrom(...RESOURCES),
  resourceAccount: fc.constantFrom('111111111111', '222222222222'),
  context: fc.record(
    {
      'aws:PrincipalTag/team': fc.constantFrom(['a'], ['b'], ['A']),
      'aws:TagKeys': sub(['k1', 'k2', 'x']),
      'aws:requesttag/env': fc.constantFrom(['a'], ['x']),
    },
    { requiredKeys: [] },
  ),
});

const policies: fc.Arbitrary<RefPolicies> = fc
  .record({
    identity: fc.array(policy(false), { maxLength: 2 }),
    resource: fc.option(policy(true), { nil: undefined }),
    boundary: fc.option(policy(false), { nil: undefined }),
  })
  .map((p) => {
    const out: RefPolicies = { identity: p.identity };
    if (p.resource) out.resource = p.resource;
    if (p.boundary) out.boundary = p.boundary;
    return out;
  });

function compile(doc: RefPolicy, kind: PolicyKind) {
  const parsed = parsePolicy(doc, { kind });
  assert.ok(parsed.document, JSON.stringify(parsed.issues));
  return compilePolicy(parsed.document, { kind });
}

function engineDecision(p: RefPolicies, req: RefRequest & { resourceAccount: string }) {
  const set: PolicySet = { identity: p.identity.map((d) => compile(d, 'identity')) };
  if (p.resource) set.resource = compile(p.resource, 'resource');
  if (p.boundary) set.boundary = compile(p.boundary, 'boundary');
  return authorize(
    {
      principal: req.principal,
      action: req.action,
      resource: req.resource,
      resourceAccount: req.resourceAccount,
      context: req.context,
    },
    set,
    { now: 0 },
  ).decision;
}

describe('engine properties', () => {
  it('agrees with the naive reference evaluator on generated policies and requests', () => {
    fc.assert(
      fc.property(policies, request, (p, req) => {
        assert.equal(
          engineDecision(p, req),
          referenceDecision(p, req, req.resourceAccount),
          JSON.stringify({ p, req }),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('makes both Allow and deny decisions on the generated inputs (the generators are not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(policies, request, (p, req) => {
        seen.add(engineDecision(p, req));
      }),
      { numRuns: 1000 },
    );
    assert.deepEqual([...seen].sort(), ['Allow', 'ExplicitDeny', 'ImplicitDeny']);
  });

  it('never turns a decision into Allow by adding a Deny statement', () => {
    fc.assert(
      fc.property(policies, request, statement(false), fc.nat(), (p, req, deny, at) => {
        const before = engineDecision(p, req);
        const withDeny: RefPolicies = {
          ...p,
          identity: p.identity.length
            ? p.identity.map((d) => ({ ...d }))
            : [{ Version: '2012-10-17', Statement: [] }],
        };
        const target = withDeny.identity[at % withDeny.identity.length]!;
        target.Statement = [...target.Statement, { ...deny, Effect: 'Deny' }];
        const after = engineDecision(withDeny, req);
        assert.ok(after !== 'Allow' || before === 'Allow', `${before} became ${after}`);
      }),
      { numRuns: 2000 },
    );
  });
});
