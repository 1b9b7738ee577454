import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { sharedDir } from '../helpers/paths.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rolecall-simulate-'));
function file(name: string, content: unknown): string {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return f;
}

const tagged = {
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::b/*',
  Condition: { StringEquals: { 'aws:PrincipalTag/team': 'data' } },
};
const allowTagged = file('allow.json', { Version: '2012-10-17', Statement: [tagged] });
const adHoc = [
  'simulate',
  '--policy',
  allowTagged,
  '--principal',
  'arn:aws:iam::111122223333:user/a',
  '--action',
  's3:GetObject',
  '--resource',
  'arn:aws:s3:::b/k',
];

describe('rolecall simulate FILE', () => {
  it('runs the shared conformance scenarios, one line each and a summary, exit 0', () => {
    const conformance = path.join(sharedDir, 'conformance');
    const files = readdirSync(conformance)
      .filter((f) => f.endsWith('.json'))
      .map((f) => path.join(conformance, f));
    const names = files.flatMap((f) => {
      const v = JSON.parse(readFileSync(f, 'utf8')) as { cases?: { name: string }[] } | { name: string }[];
      return (Array.isArray(v) ? v : (v.cases ?? [])).map((c) => c.name);
    });
    assert.ok(names.length >= 87, `only ${names.length} conformance cases found`);
    const r = runCli(['simulate', ...files]);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), `${names.length} passed, 0 failed`);
    assert.deepEqual(
      lines
        .slice(0, -1)
        .map((l) => /^PASS {2}(\S+) {2}(Allow|ExplicitDeny|ImplicitDeny) \(expected \2\)$/.exec(l)?.[1]),
      names,
    );
    assert.equal(r.status, 0, r.stderr);
  });

  it('reports a case whose policy is invalid with the file and the case, and fails it', () => {
    const f = file('invalid-policy.json', {
      cases: [
        {
          name: 'typo-in-operator',
          policies: {
            identity: [
              {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 's3:GetObject',
                    Resource: '*',
                    Condition: { StringEqualz: { a: 'b' } },
                  },
                ],
              },
            ],
          },
          request: { principal: 'arn:aws:iam::111122223333:user/a', action: 's3:GetObject', resource: '*' },
          expect: 'Allow',
        },
      ],
    });
    const r = runCli(['simulate', f]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^FAIL {2}typo-in-operator {2}ImplicitDeny \(expected Allow\)$/m);
    // Placed in the scenario file: its line:column and the JSON path from the file's root.
    const lines = readFileSync(f, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('"StringEqualz"')) + 1;
    const column = (lines[line - 1] ?? '').indexOf('"StringEqualz"') + 1;
    assert.ok(
      r.stdout.includes(
        `${f}:${line}:${column}: $.cases[0].policies.identity[0].Statement[0].Condition.StringEqualz: UnknownConditionOperator`,
      ),
      r.stdout,
    );
    assert.match(r.stdout, /\(case `typo-in-operator`, identity\[0\]\)$/m);
    assert.match(r.stdout, /0 passed, 1 failed\n$/);
    const json = runCli(['simulate', '--json', f]);
    assert.equal(json.status, 1);
    assert.equal((JSON.parse(json.stdout) as { failed: number }).failed, 1);
    assert.match(
      json.stderr,
      /UnknownConditionOperator: .*did you mean `StringEquals`.*\(case `typo-in-operator`, identity\[0\]\)/,
    );
  });

  it('exits 1 when a case does not match, and --json gives the documented shape', () => {
    const f = file('wrong.json', {
      cases: [
        {
          name: 'expects-allow',
          policies: { identity: [] },
          request: { principal: 'arn:aws:iam::111122223333:user/a', action: 's3:GetObject', resource: '*' },
          expect: 'Allow',
        },
      ],
    });
    const text = runCli(['simulate', '--explain', f]);
    assert.equal(text.status, 1);
    assert.match(text.stdout, /FAIL {2}expects-allow {2}ImplicitDeny \(expected Allow\)/);
    assert.match(text.stdout, /step identity-and-resource-policies: nothing allows the request/);
    assert.match(text.stdout, /0 passed, 1 failed\n$/);
    const json = runCli(['simulate', '--json', f]);
    assert.deepEqual(JSON.parse(json.stdout), {
      results: [{ name: 'expects-allow', decision: 'ImplicitDeny', expect: 'Allow', pass: false }],
      passed: 0,
      failed: 1,
    });
  });

  it('reports a bad scenario file with the file, the case and the position, without a stack trace', () => {
    const f = file(
      'bad-decision.json',
      '{"cases":[\n{"name":"x","policies":{},"request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:X","resource":"*"},\n"expect":"Maybe"}]}',
    );
    const r = runCli(['simulate', f]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `${f.replaceAll('.', '\\.')}:3:10 \\$\\.cases\\[0\\]\\.expect: InvalidScenario: case \`x\`: unknown decision \`Maybe\``,
      ),
    );
    assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
    const notJson = runCli(['simulate', file('not-json.json', '{"cases": [')]);
    assert.equal(notJson.status, 1);
    assert.match(notJson.stderr, /InvalidScenario: not valid JSON/);
  });
});

describe('rolecall simulate --policy (ad hoc)', () => {
  it('allows with the tag and exits 0, denies without it and exits 2 naming the missing key', () => {
    const allow = runCli([...adHoc, '--context', 'aws:PrincipalTag/team=data']);
    assert.equal(allow.status, 0, allow.stderr);
    assert.match(allow.stdout, /^Allow: allowed/);
    const deny = runCli([...adHoc, '--explain']);
    assert.equal(deny.status, 2);
    assert.match(deny.stdout, /^ImplicitDeny: no identity-based or resource-based policy allows the request/);
    assert.match(
      deny.stdout,
      /StringEquals aws:PrincipalTag\/team: wanted "data", saw nothing \(the key is absent\)/,
    );
    assert.match(deny.stdout, /missing context keys: aws:PrincipalTag\/team/);
  });

  it('explains what decided by default, everything with --explain-all, each place as file:line:column', () => {
    const two = file('two.json', {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Tagged', ...tagged },
        {
          Sid: 'Ec2',
          Effect: 'Allow',
          Action: 'ec2:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        },
      ],
    });
    const args = adHoc.map((a) => (a === allowTagged ? two : a));
    const plain = runCli([...args, '--context', 'aws:PrincipalTag/team=data']);
    assert.equal(plain.stdout, `Allow: allowed\napplies: identity statement Tagged (Allow) at ${two}:4:5\n`);
    const allowed = runCli([...args, '--context', 'aws:PrincipalTag/team=data', '--explain']);
    assert.equal(
      allowed.stdout,
      `Allow: allowed\ndecided by step identity-and-resource-policies: identity-based policy allows\n` +
        `applies: identity statement Tagged (Allow) at ${two}:4:5\n`,
      'an Allow names neither the statement whose action did not match nor its context keys',
    );
    const denied = runCli([...args, '--context', 'aws:PrincipalTag/team=web', '--explain']);
    assert.equal(
      denied.stdout,
      'ImplicitDeny: no identity-based or resource-based policy allows the request\n' +
        'decided by step identity-and-resource-policies: nothing allows the request\n' +
        `condition not met: identity statement Tagged (Allow) at ${two}:4:5\n` +
        `  StringEquals aws:PrincipalTag/team: wanted "data", saw "web" -> false at ${two}:11:11\n`,
    );
    const all = runCli([...args, '--context', 'aws:PrincipalTag/team=web', '--explain-all']);
    assert.match(all.stdout, /^step explicit-deny: no Deny statement applies$/m);
    assert.match(
      all.stdout,
      new RegExp(`^no match: identity statement Ec2 \\(Allow\\) at ${two}:15:5$`, 'm'),
    );
    assert.match(all.stdout, /^ {2}Action: no match$/m);
    assert.match(all.stdout, /^ {2}StringEquals aws:RequestedRegion: wanted "us-east-1", saw nothing/m);
  });

  it('--json is the compact decision; with --explain, the whole evaluation', () => {
    const compact = runCli([...adHoc, '--context', 'aws:PrincipalTag/team=data', '--json']);
    assert.equal(compact.status, 0);
    assert.deepEqual(JSON.parse(compact.stdout), {
      decision: 'Allow',
      reason: 'Allowed',
      message: 'allowed',
      statements: [{ policy: `identity ${allowTagged}`, effect: 'Allow', at: `${allowTagged}:4:5` }],
    });
    const full = JSON.parse(runCli([...adHoc, '--json', '--explain']).stdout) as {
      decision: string;
      explanation: { policies: { statements: { conditions: { seen?: string[] }[] }[] }[] };
    };
    assert.equal(full.decision, 'ImplicitDeny');
    assert.equal(full.explanation.policies[0]?.statements[0]?.conditions[0]?.seen, undefined);
  });

  it('exits 3 for an invalid policy and prints every problem with file:line:column', () => {
    const bad = file(
      'bad.json',
      '{"Version":"2012-10-17",\n "Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"bucket","Condition":{"StringLikee":{"a":"b"}}}]}',
    );
    const r = runCli([
      'simulate',
      '--policy',
      bad,
      '--principal',
      'arn:aws:iam::111122223333:user/a',
      '--action',
      's3:GetObject',
    ]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, new RegExp(`bad\\.json:2:68: \\$\\.Statement\\[0\\]\\.Resource: MalformedArn`));
    assert.match(
      r.stderr,
      /bad\.json:2:90: \$\.Statement\[0\]\.Condition\.StringLikee: UnknownConditionOperator: .*did you mean `StringLike`/,
    );
  });

  it('treats a repeated context key as multivalued and --json prints the result', () => {
    const forAll = file('forall.json', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'ec2:CreateTags',
          Resource: '*',
          Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } },
        },
      ],
    });
    const base = [
      'simulate',
      '--json',
      '--policy',
      forAll,
      '--principal',
      'arn:aws:iam::111122223333:user/a',
      '--action',
      'ec2:CreateTags',
      '--resource',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-1',
    ];
    const ok = runCli([...base, '--context', 'aws:TagKeys=a', '--context', 'aws:TagKeys=b']);
    assert.equal(ok.status, 0);
    assert.equal((JSON.parse(ok.stdout) as { decision: string }).decision, 'Allow');
    const extra = runCli([...base, '--context', 'aws:TagKeys=a', '--context', 'aws:TagKeys=c']);
    assert.equal(extra.status, 2);
  });

  it('keeps a context key named __proto__ as a key: present, so Null true does not hold', () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    const absent = file('null-proto.json', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { Null: { ['__proto__']: 'true' } },
        },
      ],
    });
    const args = ['simulate', '--policy', absent, '--principal', 'arn:aws:iam::111122223333:user/a'];
    const asked = [...args, '--action', 's3:GetObject'];
    assert.equal(runCli(asked).status, 0);
    const given = runCli([...asked, '--context', '__proto__=x']);
    assert.equal(given.status, 2, given.stdout);
    assert.match(given.stdout, /^ImplicitDeny/);
  });

  it('takes the trust policy as the resource policy of sts:AssumeRole', () => {
    const caller = file('caller.json', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111122223333:role/R' },
      ],
    });
    const trust = (user: string) =>
      file(`trust-${user}.json`, {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::111122223333:user/${user}` },
            Action: 'sts:AssumeRole',
          },
        ],
      });
    const args = (t: string) => [
      'simulate',
      '--policy',
      caller,
      '--resource-policy',
      t,
      '--principal',
      'arn:aws:iam::111122223333:user/a',
      '--action',
      'sts:AssumeRole',
      '--resource',
      'arn:aws:iam::111122223333:role/R',
    ];
    const ok = runCli(args(trust('a')));
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const other = runCli(args(trust('b')));
    assert.equal(other.status, 2, other.stdout + other.stderr);
    assert.match(other.stdout, /^ImplicitDeny: /);
    // A trust policy with a permissions action is rejected as IAM rejects it: exit 3.
    const bad = file('trust-bad.json', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: ['sts:AssumeRole', 's3:*'] },
      ],
    });
    const invalid = runCli(args(bad));
    assert.equal(invalid.status, 3);
    assert.match(
      invalid.stderr,
      /trust-bad\.json:\d+:\d+: \$\.Statement\[0\]\.Action\[1\]: InvalidTrustAction: AssumeRole policy may only specify STS AssumeRole actions\./,
    );
  });

  it('applies each --scp as one organization level, and a boundary, with an explicit deny exiting 2', () => {
    const all = file('scp-all.json', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    const ec2Only = file('scp-ec2.json', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }],
    });
    const denyS3 = file('boundary-deny.json', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
      ],
    });
    const withTag = [...adHoc, '--context', 'aws:PrincipalTag/team=data'];
    assert.equal(runCli([...withTag, '--scp', all]).status, 0);
    const level = runCli([...withTag, '--scp', all, '--scp', ec2Only, '--explain']);
    assert.equal(level.status, 2, level.stdout + level.stderr);
    assert.match(level.stdout, /^ImplicitDeny: /);
    const denied = runCli([...withTag, '--boundary', denyS3, '--json']);
    assert.equal(denied.status, 2, denied.stdout + denied.stderr);
    assert.equal((JSON.parse(denied.stdout) as { decision: string }).decision, 'ExplicitDeny');
  });

  it('rejects usage errors with exit 1', () => {
    const r = runCli(['simulate', '--policy', allowTagged]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /UsageError/);
  });
});
