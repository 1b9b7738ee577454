// printPolicy round-trips through the parser, and policySizeWithoutWhitespace counts what IAM counts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CONDITION_OPERATORS,
  parsePolicy,
  policySizeWithoutWhitespace,
  printPolicy,
  type PolicyDocument,
} from '../../src/policy/index.js';

/** The document without positions, which necessarily differ between two renderings. */
function shape(doc: PolicyDocument): unknown {
  return JSON.parse(JSON.stringify(doc, (k, v: unknown) => (k === 'pos' ? undefined : v)));
}

const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));
const action = fc.oneof(
  fc.constant('*'),
  fc.tuple(word, word).map(([s, a]) => `${s}:${a}*`),
);
const resource = fc.oneof(
  fc.constant('*'),
  word.map((w) => `arn:aws:s3:::${w}/*`),
  word.map((w) => `arn:aws:iam::111122223333:role/\${aws:username}-${w}`),
);
const operator = fc
  .tuple(
    fc.constantFrom('', 'ForAllValues:', 'ForAnyValue:'),
    fc.constantFrom(...CONDITION_OPERATORS.filter((o) => o !== 'Null')),
    fc.boolean(),
  )
  .map(([q, o, ifExists]) => `${q}${o}${ifExists ? 'IfExists' : ''}`);
const condition = fc.dictionary(
  operator,
  fc.dictionary(
    word.map((w) => `aws:${w}`),
    fc.oneof(word, fc.integer(), fc.boolean(), fc.array(word, { maxLength: 3 })),
    { minKeys: 1, maxKeys: 2 },
  ),
  { minKeys: 1, maxKeys: 3 },
);
const statement = fc
  .record(
    {
      Sid: word,
      Effect: fc.constantFrom('Allow', 'Deny'),
      Principal: fc.oneof(
        fc.constant('*'),
        fc.record(
          {
            AWS: oneOrMany(fc.constantFrom('111122223333', 'arn:aws:iam::111122223333:role/r')),
            Service: oneOrMany(fc.constantFrom('ec2.amazonaws.com', 'elasticmapreduce.amazonaws.com')),
          },
          { requiredKeys: [] },
        ),
      ),
      Action: oneOrMany(action),
      NotAction: oneOrMany(action),
      Resource: oneOrMany(resource),
      Condition: condition,
    },
    { requiredKeys: ['Effect'] },
  )
  .map((s) => {
    // One of each pair, as AWS requires.
    const out: Record<string, unknown> = { ...s };
    if (out.Action !== undefined) delete out.NotAction;
    else if (out.NotAction === undefined) out.Action = '*';
    if (out.Resource === undefined) out.Resource = '*';
    return out;
  });
const policy = fc.record(
  {
    Version: fc.constantFrom('2012-10-17', '2008-10-17'),
    Id: word,
    Statement: fc.oneof(statement, fc.array(statement, { minLength: 1, maxLength: 4 })),
  },
  { requiredKeys: ['Statement'] },
);

describe('printPolicy', () => {
  it('parse → print → parse gives the same document', () =>
    fc.assert(
      fc.property(policy, (p) => {
        // Sids must be unique within a policy; drop repeats rather than filter whole cases away.
        if (Array.isArray(p.Statement)) {
          const seen = new Set<unknown>();
          for (const s of p.Statement) {
            if (seen.has(s.Sid)) delete s.Sid;
            seen.add(s.Sid);
          }
        }
        const first = parsePolicy(p);
        assert.deepEqual(
          first.issues.filter((i) => i.severity === 'error'),
          [],
        );
        const printed = printPolicy(first.document!);
        const second = parsePolicy(printed);
        assert.ok(second.document, printed);
        assert.deepEqual(shape(second.document), shape(first.document!));
        assert.equal(printPolicy(second.document), printed);
      }),
      { numRuns: 1500 },
    ));

  it('keeps a single statement object, an empty condition list and stringified scalars', () => {
    const text =
      '{"Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":[]},"NumericLessThan":{"s3:max-keys":10}}}}';
    const printed = printPolicy(parsePolicy(text).document!, 0);
    assert.equal(
      printed,
      '{"Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":[]},"NumericLessThan":{"s3:max-keys":"10"}}}}',
    );
  });
});

describe('policySizeWithoutWhitespace', () => {
  it('ignores whitespace outside strings only', () => {
    assert.equal(policySizeWithoutWhitespace('{ "a b" :\n\t[ 1 , 2 ] }'), '{"a b":[1,2]}'.length);
    assert.equal(policySizeWithoutWhitespace('{"k": "x\\" y"}'), '{"k":"x\\" y"}'.length);
  });

  it('equals the length of the compact rendering for any JSON value', () =>
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        assert.equal(policySizeWithoutWhitespace(JSON.stringify(v, null, 2)), JSON.stringify(v).length);
      }),
      { numRuns: 2000 },
    ));
});
