import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

const allowTagged = file('allow.json', {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::b/*',
      Condition: { StringEquals: { 'aws:PrincipalTag/team': 'data' } },
    },
  ],
});
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
    const files = ['aws-docs-sample.json', 'emr-roles.json'].map((f) =>
      path.join(sharedDir, 'conformance', f),
    );
    const r = runCli(['simulate', ...files]);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.at(-1), '87 passed, 0 failed');
    assert.equal(lines.length, 88);
    assert.equal(r.status, 0, r.stderr);
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
    assert.match(deny.stdout, /StringEquals aws:PrincipalTag\/team \["data"\]: saw absent -> false/);
    assert.match(deny.stdout, /missing context keys: aws:PrincipalTag\/team/);
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

  it('rejects usage errors with exit 1', () => {
    const r = runCli(['simulate', '--policy', allowTagged]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /UsageError/);
  });
});
