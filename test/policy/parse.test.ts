// The policy parser: what AWS accepts, what it rejects (with code, JSON path and line:column), and that
// it never throws on any input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePolicy } from '../../src/policy/index.js';
import type { PolicyKind } from '../../src/policy/types.js';
import { completeArnPattern } from '../../src/policy/arn.js';

const doc = (statement: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: '2012-10-17', ...extra, Statement: statement });

describe('accepted documents', () => {
  const accepted: [string, string, PolicyKind | undefined][] = [
    [
      'a single statement object',
      doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
      'identity',
    ],
    [
      'arrays everywhere',
      doc([
        {
          Sid: 'A1',
          Effect: 'Deny',
          Action: ['s3:*', 'ec2:Describe*'],
          Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
        },
      ]),
      'identity',
    ],
    [
      'NotAction and NotResource',
      doc([{ Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:iam::111122223333:role/*' }]),
      'identity',
    ],
    [
      'Version 2008-10-17',
      JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      'identity',
    ],
    [
      'no Version',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      'identity',
    ],
    [
      'Principal "*"',
      doc([{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }]),
      'resource',
    ],
    [
      'a Principal map with every type',
      doc([
        {
          Effect: 'Allow',
          Principal: {
            AWS: [
              '111122223333',
              'arn:aws:iam::111122223333:root',
              'arn:aws:sts::111122223333:assumed-role/R/s',
            ],
            Service: 'ec2.amazonaws.com',
            Federated: 'cognito-identity.amazonaws.com',
            CanonicalUser: 'abc',
          },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
        },
      ]),
      'resource',
    ],
    [
      'a trust policy without Resource',
      doc([
        {
          Effect: 'Allow',
          Principal: { Service: 'elasticmapreduce.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ]),
      'trust',
    ],
    [
      'a trust policy with the session actions that go with AssumeRole',
      doc([
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity', 'sts:SetContext'],
        },
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/idp' },
          Action: 'sts:AssumeRoleWithSAML',
        },
      ]),
      'trust',
    ],
    [
      'the RCPFullAWSAccess policy and an RCP perimeter deny',
      doc([
        { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: '*',
          Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } },
        },
      ]),
      'rcp',
    ],
    [
      'NotPrincipal with Deny in a resource policy',
      doc([{ Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: 's3:*', Resource: '*' }]),
      'resource',
    ],
    [
      'numbers and booleans as condition values',
      doc([
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: '*',
          Condition: { NumericLessThan: { 's3:max-keys': 10 }, Bool: { 'aws:SecureTransport': true } },
        },
      ]),
      'identity',
    ],
    [
      'an empty condition value list',
      doc([
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: '*',
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [] } },
        },
      ]),
      'identity',
    ],
    [
      'policy variables in Resource',
      doc([{ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:username}/*' }]),
      'identity',
    ],
  ];
  for (const [name, text, kind] of accepted) {
    it(name, () => {
      const r = parsePolicy(text, kind ? { kind } : {});
      assert.deepEqual(r.issues, []);
      assert.ok(r.document);
    });
  }

  it('keeps positions and normalises operators', () => {
    const text =
      '{\n  "Version": "2012-10-17",\n  "Statement": {\n    "Effect": "Allow",\n    "Action": "ec2:CreateTags",\n    "Resource": "*",\n    "Condition": {"ForAnyValue:StringLikeIfExists": {"AWS:TagKeys": ["a*", 7]}}\n  }\n}';
    const r = parsePolicy(text, { kind: 'identity' });
    const s = r.document!.statements[0]!;
    assert.equal(r.document!.singleStatement, true);
    assert.deepEqual(s.action![0]!.pos, {
      line: 5,
      column: 15,
      offset: s.action![0]!.pos.offset,
      path: '$.Statement.Action',
    });
    const c = s.conditions[0]!;
    assert.equal(c.baseOperator, 'StringLike');
    assert.equal(c.qualifier, 'ForAnyValue');
    assert.equal(c.ifExists, true);
    assert.equal(c.keyLower, 'aws:tagkeys');
    assert.deepEqual(
      c.values.map((v) => v.value),
      ['a*', '7'],
    );
  });
});

describe('rejected documents: every problem, with code, path and line:column', () => {
  /** Where `needle` first starts in `text` (`<end>`: just past the end), as 1-based line and column. */
  function at(text: string, needle: string): [number, number] {
    const offset = needle === '<end>' ? text.length : text.indexOf(needle);
    assert.ok(offset >= 0, `\`${needle}\` not in the text`);
    const before = text.slice(0, offset).split('\n');
    return [before.length, before.at(-1)!.length + 1];
  }

  const rejected: [string, string, PolicyKind | undefined, [string, string, string][]][] = [
    ['not JSON', '{"Version": "2012-10-17",\n "Statement": [', 'identity', [['JsonSyntax', '$', '<end>']]],
    [
      'a trailing comma',
      '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",}]}',
      'identity',
      [['JsonSyntax', '$', '}]}']],
    ],
    [
      'unknown elements',
      doc([{ Effect: 'Allow', Action: '*', Resource: '*', Resources: 'x' }], { Foo: 1 }),
      'identity',
      [
        ['UnknownElement', '$.Foo', '"Foo"'],
        ['UnknownElement', '$.Statement[0].Resources', '"Resources"'],
      ],
    ],
    [
      'Action with NotAction',
      doc([{ Effect: 'Allow', Action: '*', NotAction: 's3:*', Resource: '*' }]),
      'identity',
      [['ActionAndNotAction', '$.Statement[0].NotAction', '"NotAction"']],
    ],
    [
      'a missing Effect and Action',
      doc([{ Resource: '*' }]),
      'identity',
      [
        ['MissingEffect', '$.Statement[0]', '{"Resource"'],
        ['MissingAction', '$.Statement[0]', '{"Resource"'],
      ],
    ],
    [
      'an invalid Effect',
      doc([{ Effect: 'allow', Action: '*', Resource: '*' }]),
      'identity',
      [['InvalidEffect', '$.Statement[0].Effect', '"allow"']],
    ],
    [
      'duplicate Sids',
      doc([
        { Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'A', Effect: 'Deny', Action: '*', Resource: '*' },
      ]),
      'identity',
      [['DuplicateSid', '$.Statement[1].Sid', '"A","Effect":"Deny"']],
    ],
    [
      'an unknown condition operator',
      doc([
        { Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLikee: { 'aws:username': 'a' } } },
      ]),
      'identity',
      [['UnknownConditionOperator', '$.Statement[0].Condition.StringLikee', '"StringLikee"']],
    ],
    [
      'a Resource ARN without a service',
      doc([{ Effect: 'Allow', Action: '*', Resource: 'arn:aws' }]),
      'identity',
      [['MalformedArn', '$.Statement[0].Resource', '"arn:aws"']],
    ],
    [
      'an action without a service',
      doc([{ Effect: 'Allow', Action: 'GetObject', Resource: '*' }]),
      'identity',
      [['InvalidAction', '$.Statement[0].Action', '"GetObject"']],
    ],
    [
      'a principal in an identity policy',
      doc([{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }]),
      'identity',
      [['UnexpectedPrincipal', '$.Statement[0].Principal', '"Principal"']],
    ],
    [
      'a resource policy without a principal',
      doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]),
      'resource',
      [['MissingPrincipal', '$.Statement[0]', '{"Effect"']],
    ],
    [
      'a missing Resource',
      doc([{ Effect: 'Allow', Action: '*' }]),
      'identity',
      [['MissingResource', '$.Statement[0]', '{"Effect"']],
    ],
    [
      'an unsupported Version',
      JSON.stringify({ Version: '2012-10-18', Statement: [] }),
      'identity',
      [
        ['InvalidVersion', '$.Version', '"2012-10-18"'],
        ['EmptyArray', '$.Statement', '[]'],
      ],
    ],
    [
      'Resource with NotResource, Principal with NotPrincipal',
      doc([
        {
          Effect: 'Deny',
          Principal: '*',
          NotPrincipal: { AWS: '111122223333' },
          Action: 's3:*',
          Resource: '*',
          NotResource: 'arn:aws:s3:::b',
        },
      ]),
      'resource',
      [
        ['ResourceAndNotResource', '$.Statement[0].NotResource', '"NotResource"'],
        ['PrincipalAndNotPrincipal', '$.Statement[0].NotPrincipal', '"NotPrincipal"'],
      ],
    ],
    [
      'empty Action and Resource arrays',
      doc([{ Effect: 'Allow', Action: [], Resource: [] }]),
      'identity',
      [
        ['EmptyArray', '$.Statement[0].Action', '[],'],
        ['EmptyArray', '$.Statement[0].Resource', '[]}'],
      ],
    ],
    [
      'wrong JSON types',
      doc({ Sid: 7, Effect: 'Allow', Action: { a: 1 }, Resource: ['*', 3], Condition: [] }, { Id: [] }),
      undefined,
      [
        ['InvalidType', '$.Id', '[]'],
        ['InvalidType', '$.Statement.Sid', '7,"Effect"'],
        ['InvalidType', '$.Statement.Action', '{"a":1}'],
        ['InvalidType', '$.Statement.Resource[1]', '3]'],
        ['InvalidType', '$.Statement.Condition', '[]}'],
      ],
    ],
    [
      'a Null condition with a value other than true or false',
      doc([
        { Effect: 'Allow', Action: '*', Resource: '*', Condition: { Null: { 'aws:TokenIssueTime': 'yes' } } },
      ]),
      'identity',
      [['InvalidConditionValue', '$.Statement[0].Condition.Null.aws:TokenIssueTime', '"yes"']],
    ],
    [
      'an action with two colons and a resource without a service',
      doc([{ Effect: 'Allow', Action: 's3:Get:Object', Resource: ['arn:aws', 'arn:aws::b', 'arn::s3:::b'] }]),
      'identity',
      [
        ['InvalidAction', '$.Statement[0].Action', '"s3:Get:Object"'],
        ['MalformedArn', '$.Statement[0].Resource[0]', '"arn:aws"'],
        ['MalformedArn', '$.Statement[0].Resource[1]', '"arn:aws::b"'],
        ['MalformedArn', '$.Statement[0].Resource[2]', '"arn::s3:::b"'],
      ],
    ],
    [
      'an IAM resource with a region',
      doc([
        { Effect: 'Allow', Action: 'iam:GetRole', Resource: 'arn:aws:iam:us-east-1:111122223333:role/r' },
      ]),
      'identity',
      [['MalformedArn', '$.Statement[0].Resource', '"arn:aws:iam:us-east-1']],
    ],
    [
      'a trust policy with a permissions action, a Resource and NotPrincipal',
      doc([
        {
          Effect: 'Allow',
          Principal: { Service: 'elasticmapreduce.amazonaws.com' },
          Action: ['sts:AssumeRole', 's3:GetObject'],
          Resource: '*',
        },
        { Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' },
      ]),
      'trust',
      [
        ['InvalidTrustAction', '$.Statement[0].Action[1]', '"s3:GetObject"'],
        ['ProhibitedResource', '$.Statement[0].Resource', '"Resource"'],
        ['UnsupportedElement', '$.Statement[1].NotPrincipal', '"NotPrincipal"'],
      ],
    ],
    [
      'NotPrincipal with Allow',
      doc([{ Effect: 'Allow', NotPrincipal: { AWS: '111122223333' }, Action: 's3:*', Resource: '*' }]),
      'resource',
      [['NotPrincipalWithAllow', '$.Statement[0].NotPrincipal', '"NotPrincipal"']],
    ],
    [
      'an RCP naming a principal, with NotAction, without Version 2012-10-17',
      JSON.stringify({
        Version: '2008-10-17',
        Statement: [
          { Effect: 'Deny', Principal: { AWS: '111122223333' }, NotAction: 's3:Get*', Resource: '*' },
        ],
      }),
      'rcp',
      [
        ['InvalidVersion', '$.Version', '"2008-10-17"'],
        ['InvalidPrincipal', '$.Statement[0].Principal', '{"AWS"'],
        ['UnsupportedElement', '$.Statement[0].NotAction', '"NotAction"'],
      ],
    ],
    [
      'a principal in an SCP, a permissions boundary and a session policy',
      doc([{ Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: '*', Resource: '*' }]),
      'scp',
      [['UnexpectedPrincipal', '$.Statement[0].NotPrincipal', '"NotPrincipal"']],
    ],
    [
      'duplicate keys',
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}]}',
      'identity',
      [['DuplicateKey', '$.Statement[0].Effect', '"Effect":"Deny"']],
    ],
  ];
  for (const [name, text, kind, expected] of rejected) {
    it(name, () => {
      const r = parsePolicy(text, kind ? { kind } : {});
      assert.equal(r.document, undefined);
      assert.deepEqual(
        r.issues.map((i) => [i.code, i.path, i.line, i.column]),
        expected.map(([code, path, needle]) => [code, path, ...at(text, needle)]),
      );
    });
  }

  it("uses AWS's MalformedPolicyDocument wording, with the detail in the hint", () => {
    const messages = (text: string, kind?: PolicyKind) =>
      parsePolicy(text, kind ? { kind } : {}).issues.map((i) => i.message);
    assert.deepEqual(messages(doc({ Effect: 'Allow', Resource: '*' }), 'identity'), [
      'Policy statement must contain actions.',
    ]);
    assert.deepEqual(messages(doc({ Effect: 'Allow', Action: 's3:*' }), 'identity'), [
      'Policy statement must contain resources.',
    ]);
    assert.deepEqual(messages(doc({ Effect: 'Allow', Action: 's3:*', Resource: 'bucket' })), [
      'Resource bucket must be in ARN format or "*".',
    ]);
    assert.deepEqual(
      messages(doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }), 'identity'),
      ['Policy document should not specify a principal.'],
    );
    assert.deepEqual(messages(doc({ Effect: 'Allow', Action: 'GetObject', Resource: '*' })), [
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ]);
    // Not JSON at all, and JSON that is not a policy, are told apart as AWS tells them apart.
    assert.deepEqual(messages('{"Version": "2012-10-17",}'), ['This policy contains invalid Json']);
    assert.deepEqual(messages(''), ['This policy contains invalid Json']);
    const unknown = parsePolicy(doc({ Effect: 'Allow', Action: '*', Resource: '*', Foo: 1 })).issues;
    assert.deepEqual(
      unknown.map((i) => [i.message, i.hint]),
      [['Syntax errors in policy.', 'unknown element `Foo`']],
    );
    assert.deepEqual(
      messages(
        doc([
          { Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' },
          { Sid: 'A', Effect: 'Allow', Action: '*', Resource: '*' },
        ]),
      ),
      ['Statement IDs (SID) in a single policy must be unique.'],
    );
    assert.deepEqual(
      messages(doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'iam:PassRole' }), 'trust'),
      ['AssumeRole policy may only specify STS AssumeRole actions.'],
    );
    assert.deepEqual(
      messages(doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEqual: { k: 'v' } } })),
      ['Invalid Condition type : StringEqual'],
    );
  });

  it('warns, without rejecting, about an RCP that allows less than everything', () => {
    const r = parsePolicy(doc([{ Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: '*' }]), {
      kind: 'rcp',
    });
    assert.ok(r.document);
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.severity, i.path]),
      [['RcpAllow', 'warning', '$.Statement[0]']],
    );
  });

  it('suggests the operator a typo meant', () => {
    const r = parsePolicy(
      doc([{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringLikee: { k: 'v' } } }]),
    );
    assert.equal(r.issues[0]!.hint, 'did you mean `StringLike`?');
  });
});

describe('the parser never throws', () => {
  // parsePolicy turns an exception into an InternalError issue, so "never throws" means: never that issue.
  const noInternalError = (r: ReturnType<typeof parsePolicy>) =>
    assert.ok(!r.issues.some((i) => i.code === 'InternalError'), JSON.stringify(r.issues));
  const checkPositions = (text: string) => {
    const r = parsePolicy(text);
    noInternalError(r);
    const lines = text.split('\n');
    for (const i of r.issues) {
      assert.ok(i.line >= 1 && i.line <= lines.length, `line ${i.line} of ${lines.length}`);
      assert.ok(i.column >= 1 && i.column <= lines[i.line - 1]!.length + 1, `column ${i.column}`);
    }
    assert.ok(r.document !== undefined || r.issues.some((i) => i.severity === 'error'));
  };
  it('on arbitrary text', () =>
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkPositions), { numRuns: 3000 }));
  it('on arbitrary JSON text', () =>
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), checkPositions), { numRuns: 3000 }));
  it('on arbitrary JSON values', () =>
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (v) => noInternalError(parsePolicy(v))),
      { numRuns: 3000 },
    ));
  it('on policy-shaped JSON with random elements', () =>
    fc.assert(
      fc.property(
        fc.record({
          Version: fc.oneof(fc.constant('2012-10-17'), fc.jsonValue()),
          Statement: fc.array(
            fc.dictionary(
              fc.constantFrom('Effect', 'Action', 'Resource', 'Principal', 'Condition', 'Sid', 'NotAction'),
              fc.jsonValue({ maxDepth: 3 }),
            ),
          ),
        }),
        (v) => checkPositions(JSON.stringify(v, null, 2)),
      ),
      { numRuns: 3000 },
    ));
});

describe('incomplete Resource ARNs', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
  it('are accepted, and completed with wildcards for the fields they leave out', () => {
    for (const r of ['arn:aws:sqs', 'arn:aws:sqs:us-east-1', 'arn:aws:s3::b', 'arn:aws:iam::111122223333']) {
      const parsed = parsePolicy(
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: r }] }),
        { kind: 'identity' },
      );
      assert.deepEqual(parsed.issues, [], r);
      assert.ok(parsed.document, r);
    }
    assert.equal(completeArnPattern('arn:aws:sqs'), 'arn:aws:sqs:*:*:*');
    assert.equal(completeArnPattern('arn:aws:sqs:us-east-1'), 'arn:aws:sqs:us-east-1:*:*');
    assert.equal(completeArnPattern('arn:aws:iam::111122223333'), 'arn:aws:iam::111122223333:*');
    assert.equal(completeArnPattern('arn:aws:s3:::b/*'), 'arn:aws:s3:::b/*');
    assert.equal(completeArnPattern('*'), '*');
    // a policy variable's own colon is not a field separator
    assert.equal(completeArnPattern('arn:aws:s3:::${aws:username}'), 'arn:aws:s3:::${aws:username}');
    assert.equal(
      completeArnPattern('arn:aws:sqs:${aws:RequestedRegion}'),
      'arn:aws:sqs:${aws:RequestedRegion}:*:*',
    );
  });
});
