// The exactness claim of docs/access-analysis.md, tested: on small generated policies (small alphabets of
// actions, resources, keys and values) check-no-new-access agrees with brute force over every request of
// a finite space large enough to reach every cell, and every witness is decided by authorize() as
// claimed (Allow under the new policy, not Allow under the existing one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { authorize, compilePolicy } from '../../src/eval/index.js';
import type { AuthzRequest, CompiledPolicy, ContextValue } from '../../src/eval/types.js';
import { compileArnGlob, parsePolicy } from '../../src/policy/index.js';
import {
  aloneSet,
  checkAccessNotGranted,
  checkNoNewAccess,
  type AccessPolicyKind,
} from '../../src/analyze/index.js';
import { principalContext } from '../../src/analyze/request-space.js';

const ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 'iam:PassRole', 'ec2:RunInstances'];
const ACTION_PATTERNS = [...ACTIONS, 's3:*', 's3:Get*', '*', 's3:?utObject', 'iam:*', '*:*Object'];
const PREFIX = 'arn:aws:s3:::';
const SUFFIXES = ['a', 'b', 'ab', 'a*', '*a', '?', '??', 'a?', '*', 'b/*', '*/a'];
const RESOURCE_PATTERNS = [...SUFFIXES.map((s) => PREFIX + s), '*', 'arn:aws:s3:*::a', 'arn:aws:s3:::a:*'];
const NOW = Date.parse('2026-06-01T00:00:00Z');
const PRINCIPAL = 'arn:aws:iam::111122223333:role/rolecall-check';

const stringOps = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'StringEqualsIgnoreCase',
  'StringEqualsIfExists',
  'StringNotLikeIfExists',
];
const k1Values = ['a', 'b', 'A', 'a*', '?', 'ab', '*b'];
const condition = fc.oneof(
  fc.record({
    op: fc.constantFrom(...stringOps),
    key: fc.constant('k1'),
    values: fc.uniqueArray(fc.constantFrom(...k1Values), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    op: fc.constantFrom('NumericLessThan', 'NumericEquals', 'NumericGreaterThanEquals'),
    key: fc.constant('k1'),
    values: fc.uniqueArray(fc.constantFrom('1', '2'), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    op: fc.constant('Null'),
    key: fc.constantFrom('k1', 'k2'),
    values: fc.constantFrom(['true'], ['false']),
  }),
  fc.record({
    op: fc.constantFrom('ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ForAllValues:StringLike'),
    key: fc.constant('k2'),
    values: fc.uniqueArray(fc.constantFrom('a', 'b', 'a*'), { minLength: 1, maxLength: 2 }),
  }),
);

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
  actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 2 }),
  notAction: fc.boolean(),
  resources: fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 2 }),
  notResource: fc.boolean(),
  conditions: fc.array(condition, { maxLength: 2 }),
});
const policy = fc.array(statement, { minLength: 1, maxLength: 3 });

type Gen = typeof policy extends fc.Arbitrary<infer T> ? T : never;

function toDocument(p: Gen): object {
  return {
    Version: '2012-10-17',
    Statement: p.map((s) => {
      const out: Record<string, unknown> = { Effect: s.Effect };
      out[s.notAction && s.Effect === 'Deny' ? 'NotAction' : 'Action'] = s.actions;
      out[s.notResource && s.Effect === 'Deny' ? 'NotResource' : 'Resource'] = s.resources;
      const cond: Record<string, Record<string, readonly string[]>> = {};
      for (const c of s.conditions) (cond[c.op] ??= {})[c.key] = c.values;
      if (s.conditions.length > 0) out.Condition = cond;
      return out;
    }),
  };
}

function compile(doc: object, kind: AccessPolicyKind): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify(doc), { kind });
  assert.ok(parsed.document, JSON.stringify(parsed.issues));
  return compilePolicy(parsed.document, { kind, name: 'generated' });
}

/** Every string over `alphabet` up to `n` characters. */
function strings(alphabet: string[], n: number): string[] {
  let level = [''];
  const out = [''];
  for (let i = 0; i < n; i++) {
    level = level.flatMap((s) => alphabet.map((c) => s + c));
    out.push(...level);
  }
  return out;
}

const BRUTE_RESOURCES = [
  ...strings(['a', 'b', '/'], 3).map((s) => PREFIX + s),
  'arn:aws:s3:us-east-1::a',
  'arn:aws:s3:::a:b',
];
const BRUTE_K1: (ContextValue | undefined)[] = [
  undefined,
  ...strings(['a', 'b', 'A'], 2),
  'a*',
  '?',
  '*b',
  'c',
  '1',
  '2',
  '0',
  '1.5',
  '3',
];
const BRUTE_K2: (ContextValue | undefined)[] = [
  undefined,
  ['a'],
  ['b'],
  ['c'],
  ['a', 'b'],
  ['a', 'c'],
  ['b', 'c'],
  ['a', 'b', 'c'],
];

/** Every request of the brute-force space; a key no policy reads is left absent. */
function* requests(...policies: Gen[]): Generator<AuthzRequest> {
  const reads = (k: string) => policies.some((p) => p.some((s) => s.conditions.some((c) => c.key === k)));
  const k1s = reads('k1') ? BRUTE_K1 : [undefined];
  const k2s = reads('k2') ? BRUTE_K2 : [undefined];
  for (const action of ACTIONS)
    for (const resource of BRUTE_RESOURCES)
      for (const k1 of k1s)
        for (const k2 of k2s)
          yield { principal: PRINCIPAL, action, resource, context: { k1: k1 ?? [], k2: k2 ?? [] } };
}

const allowed = (p: CompiledPolicy, r: AuthzRequest) =>
  authorize(r, aloneSet('identity', p, r.principal), { now: NOW }).decision === 'Allow';

function bruteNewAccess(
  existing: CompiledPolicy,
  updated: CompiledPolicy,
  gens: Gen[],
): AuthzRequest | undefined {
  for (const r of requests(...gens)) if (allowed(updated, r) && !allowed(existing, r)) return r;
  return undefined;
}

describe('check-no-new-access is exact on small policies', () => {
  it('agrees with brute force, and its witness is decided as claimed', () => {
    let inexact = 0;
    fc.assert(
      fc.property(policy, policy, (a, b) => {
        const existing = compile(toDocument(a), 'identity');
        const updated = compile(toDocument(b), 'identity');
        const r = checkNoNewAccess(existing, updated, { kind: 'identity', now: NOW, actions: ACTIONS });
        const brute = bruteNewAccess(existing, updated, [a, b]);
        if (r.result === 'FAIL') {
          const w = r.witness!;
          assert.equal(
            authorize(w.request, aloneSet('identity', updated, w.request.principal), { now: NOW }).decision,
            'Allow',
          );
          assert.notEqual(
            authorize(w.request, aloneSet('identity', existing, w.request.principal), { now: NOW }).decision,
            'Allow',
          );
          assert.equal(w.allowedBy.decision, 'Allow');
          assert.notEqual(w.notAllowedBy?.decision, 'Allow');
        } else if (r.exact) {
          // Only a PASS the check calls exact is a claim about every request.
          assert.equal(
            brute,
            undefined,
            `PASS, but brute force allows ${JSON.stringify(brute)} only under the new policy`,
          );
        } else inexact++;
      }),
      { numRuns: 50 },
    );
    // Mixed-type keys are the only approximation the generator can reach: most runs must be exact.
    assert.ok(inexact < 20, `${inexact} of 50 runs were not exact`);
  });

  it('a policy never grants new access over itself, nor over itself with a statement added', () => {
    fc.assert(
      fc.property(policy, statement, (a, extra) => {
        const p = compile(toDocument(a), 'identity');
        assert.equal(checkNoNewAccess(p, p, { kind: 'identity', now: NOW, actions: ACTIONS }).result, 'PASS');
        const wider = compile(toDocument([...a, { ...extra, Effect: 'Allow' }]), 'identity');
        assert.equal(
          checkNoNewAccess(wider, p, { kind: 'identity', now: NOW, actions: ACTIONS }).result,
          'PASS',
        );
      }),
      { numRuns: 30 },
    );
  });
});

describe('check-access-not-granted is exact on small policies', () => {
  it('agrees with brute force over the asked actions and resources', () => {
    fc.assert(
      fc.property(
        policy,
        fc.uniqueArray(fc.constantFrom(...ACTIONS, 's3:*'), { minLength: 1, maxLength: 2 }),
        fc.option(fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 2 }), {
          nil: undefined,
        }),
        (a, actions, resources) => {
          const p = compile(toDocument(a), 'identity');
          const r = checkAccessNotGranted(p, {
            kind: 'identity',
            now: NOW,
            actions: ACTIONS,
            access: { actions, ...(resources ? { resources } : {}) },
          });
          const actionOk = (x: string) =>
            actions.some((q) => new RegExp(`^${q.replace('*', '.*')}$`, 'i').test(x));
          const ms = (resources ?? []).map((q) => compileArnGlob(q));
          const resourceOk = (x: string) => !resources || ms.some((m) => m(x));
          let brute: AuthzRequest | undefined;
          for (const q of requests(a))
            if (actionOk(q.action) && resourceOk(q.resource) && allowed(p, q)) {
              brute = q;
              break;
            }
          if (r.result === 'FAIL') {
            const w = r.witness!;
            assert.equal(
              authorize(w.request, aloneSet('identity', p, w.request.principal), { now: NOW }).decision,
              'Allow',
            );
            assert.ok(actionOk(w.request.action), w.request.action);
            assert.ok(resourceOk(w.request.resource), w.request.resource);
          } else assert.equal(brute, undefined, `PASS, but brute force finds ${JSON.stringify(brute)}`);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('check-no-new-access is exact on small trust policies (principals)', () => {
  const A1 = '111111111111';
  const A2 = '222222222222';
  const OWNER = '444455556666';
  const ROLE = `arn:aws:iam::${OWNER}:role/target`;
  const entries = [
    { AWS: `arn:aws:iam::${A1}:root` },
    { AWS: A2 },
    { AWS: `arn:aws:iam::${A1}:role/r1` },
    { AWS: `arn:aws:iam::${A2}:user/u` },
    { AWS: '*' },
    { Service: 'ec2.amazonaws.com' },
  ];
  const conditions = [
    undefined,
    { StringEquals: { 'aws:PrincipalAccount': A1 } },
    { StringNotEquals: { 'aws:PrincipalAccount': A2 } },
    { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/r*' } },
    { Bool: { 'aws:PrincipalIsAWSService': 'true' } },
  ];
  const trustStatement = fc.record({
    Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
    principal: fc.constantFrom(...entries),
    condition: fc.constantFrom(...conditions),
  });
  const trustPolicy = fc.array(trustStatement, { minLength: 1, maxLength: 3 });
  type TrustGen = typeof trustPolicy extends fc.Arbitrary<infer T> ? T : never;
  const toTrust = (p: TrustGen) => ({
    Version: '2012-10-17',
    Statement: p.map((s) => ({
      Effect: s.Effect,
      Principal: s.principal,
      Action: 'sts:AssumeRole',
      ...(s.condition ? { Condition: s.condition } : {}),
    })),
  });
  const PRINCIPALS: AuthzRequest['principal'][] = [
    ...[A1, A2, '333333333333'].flatMap((a) => [
      `arn:aws:iam::${a}:role/r1`,
      `arn:aws:iam::${a}:role/x`,
      `arn:aws:iam::${a}:user/u`,
      `arn:aws:sts::${a}:assumed-role/r1/s`,
      `arn:aws:iam::${a}:root`,
    ]),
    { Service: 'ec2.amazonaws.com' },
    { Service: 'lambda.amazonaws.com' },
  ];
  const trustAllows = (p: CompiledPolicy, principal: AuthzRequest['principal']) => {
    const r: AuthzRequest = {
      principal,
      action: 'sts:AssumeRole',
      resource: ROLE,
      resourceAccount: OWNER,
      context: principalContext(principal),
    };
    return authorize(r, aloneSet('trust', p, principal), { now: NOW }).decision === 'Allow';
  };

  it('agrees with brute force over principals of named, other and fresh accounts and services', () => {
    fc.assert(
      fc.property(trustPolicy, trustPolicy, (a, b) => {
        const existing = compile(toTrust(a), 'trust');
        const updated = compile(toTrust(b), 'trust');
        const r = checkNoNewAccess(existing, updated, {
          kind: 'trust',
          now: NOW,
          actions: ['sts:AssumeRole'],
        });
        const brute = PRINCIPALS.find((p) => trustAllows(updated, p) && !trustAllows(existing, p));
        if (r.result === 'FAIL') {
          const w = r.witness!;
          assert.equal(
            authorize(w.request, aloneSet('trust', updated, w.request.principal), { now: NOW }).decision,
            'Allow',
          );
          assert.notEqual(
            authorize(w.request, aloneSet('trust', existing, w.request.principal), { now: NOW }).decision,
            'Allow',
          );
        } else if (r.exact)
          assert.equal(brute, undefined, `PASS, but brute force finds ${JSON.stringify(brute)}`);
      }),
      { numRuns: 60 },
    );
  });
});
