// The explanation is recorded by the evaluation itself: per policy and statement, what matched (and by
// which entry), each condition with the values it saw, the steps of the flow, and missing context keys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, compilePolicy } from '../../src/eval/index.js';
import type { PolicySet } from '../../src/eval/types.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { PolicyKind } from '../../src/policy/types.js';

function compile(doc: unknown, kind: PolicyKind, name: string) {
  const parsed = parsePolicy(doc, { kind });
  assert.ok(parsed.document, JSON.stringify(parsed.issues));
  return compilePolicy(parsed.document, { kind, name });
}

const USER = 'arn:aws:iam::111122223333:user/alice';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/Dev/s1';

describe('explanations', () => {
  const set: PolicySet = {
    identity: [
      compile(
        {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Home',
              Effect: 'Allow',
              Action: ['s3:PutObject', 's3:Get*'],
              Resource: ['arn:aws:s3:::other/*', 'arn:aws:s3:::b/home/${aws:username}/*'],
              Condition: { StringEquals: { 'aws:PrincipalTag/team': ['red', 'blue'] } },
            },
            { Effect: 'Deny', NotAction: 's3:*', Resource: '*' },
          ],
        },
        'identity',
        'home-folder',
      ),
    ],
    resource: compile(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam::111122223333:root', USER] },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::b/*',
          },
        ],
      },
      'resource',
      'bucket-policy',
    ),
  };

  it('records per statement the entries that matched and the values each condition saw', () => {
    const r = authorize(
      {
        principal: USER,
        action: 's3:GetObject',
        resource: 'arn:aws:s3:::b/home/alice/x',
        context: { 'aws:PrincipalTag/team': 'blue' },
      },
      set,
      { now: 0, explain: true },
    );
    assert.equal(r.decision, 'Allow');
    const e = r.explanation!;
    const home = e.policies.find((p) => p.name === 'home-folder')!.statements[0]!;
    assert.equal(home.sid, 'Home');
    assert.equal(home.applies, true);
    assert.equal(home.action.matchedBy, 's3:Get*');
    assert.equal(home.resource?.matchedBy, 'arn:aws:s3:::b/home/${aws:username}/*');
    assert.deepEqual(
      home.conditions.map((c) => ({ key: c.key, seen: c.seen, matched: c.matched })),
      [{ key: 'aws:PrincipalTag/team', seen: ['blue'], matched: true }],
    );
    const notAction = e.policies.find((p) => p.name === 'home-folder')!.statements[1]!;
    assert.deepEqual(
      { applies: notAction.applies, element: notAction.action.element, by: notAction.action.matchedBy },
      { applies: false, element: 'NotAction', by: 's3:*' },
    );
    const bucket = e.policies.find((p) => p.slot === 'resource')!.statements[0]!;
    assert.deepEqual(bucket.principal, { element: 'Principal', matched: true, matchedBy: USER });
    assert.deepEqual(
      e.steps.map((s) => s.step),
      ['explicit-deny', 'identity-and-resource-policies'],
    );
    assert.deepEqual(e.missingContextKeys, []);
  });

  it('lists the context keys the evaluation asked for and did not find, also those of Resource variables', () => {
    const r = authorize(
      { principal: SESSION, action: 's3:GetObject', resource: 'arn:aws:s3:::b/home/s1/x' },
      { identity: set.identity },
      { now: 0, explain: true },
    );
    assert.equal(r.decision, 'ImplicitDeny');
    assert.equal(r.reason, 'NoAllow');
    assert.deepEqual([...r.explanation!.missingContextKeys].sort(), [
      'aws:PrincipalTag/team',
      'aws:username',
    ]);
    const cond = r.explanation!.policies[0]!.statements[0]!.conditions[0]!;
    assert.equal(cond.seen, undefined);
    assert.equal(cond.matched, false);
  });

  it('explains without changing the decision, and returns no explanation when none was asked for', () => {
    const req = { principal: USER, action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' };
    const fast = authorize(req, set, { now: 0 });
    const slow = authorize(req, set, { now: 0, explain: true });
    assert.equal(fast.explanation, undefined);
    assert.deepEqual({ d: slow.decision, r: slow.reason }, { d: fast.decision, r: fast.reason });
  });

  it('keeps an explanation as it was while later decisions are explained (they share what does not change)', () => {
    const ask = (team: string | undefined, resource: string) =>
      authorize(
        {
          principal: USER,
          action: 's3:GetObject',
          resource,
          ...(team !== undefined ? { context: { 'aws:PrincipalTag/team': team } } : {}),
        },
        set,
        { now: 0, explain: true },
      );
    const first = ask('blue', 'arn:aws:s3:::b/home/alice/x');
    const before = JSON.stringify(first);
    ask('green', 'arn:aws:s3:::b/home/alice/x');
    ask(undefined, 'arn:aws:s3:::other/y');
    authorize({ principal: SESSION, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' }, set, {
      now: 0,
      explain: true,
    });
    assert.equal(JSON.stringify(first), before);
    assert.deepEqual(JSON.stringify(ask('blue', 'arn:aws:s3:::b/home/alice/x')), before);
  });

  it('places statements and conditions by line:column and JSON path, a single statement object too', () => {
    const text = [
      '{',
      '  "Version": "2012-10-17",',
      '  "Statement": {',
      '    "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",',
      '    "Condition": { "StringEquals": { "aws:PrincipalTag/team": "red" } }',
      '  }',
      '}',
    ].join('\n');
    const parsed = parsePolicy(text, { kind: 'identity' });
    assert.ok(parsed.document, JSON.stringify(parsed.issues));
    const r = authorize(
      { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
      { identity: [compilePolicy(parsed.document, { kind: 'identity', name: 'single' })] },
      { now: 0, explain: true },
    );
    const st = r.explanation!.policies[0]!.statements[0]!;
    assert.deepEqual(st.pos, { line: 3, column: 16, offset: 44, path: '$.Statement' });
    assert.deepEqual(st.conditions[0]!.pos, {
      line: 5,
      column: 38,
      offset: 149,
      path: '$.Statement.Condition.StringEquals.aws:PrincipalTag/team',
    });
    assert.deepEqual(st.pos, parsed.document.statements[0]!.pos);
    assert.deepEqual(st.conditions[0]!.pos, parsed.document.statements[0]!.conditions[0]!.pos);
  });
});
