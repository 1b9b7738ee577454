// Scenario files: the shapes the loader accepts, the errors it gives (code, JSON path, line:column), and
// what running a case reports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RolecallError } from '../../src/errors.js';
import { loadScenarioFile, parseScenarios, runScenario } from '../../src/scenario/index.js';

const USER = 'arn:aws:iam::111122223333:user/alice';
const ok = {
  name: 'read',
  source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html',
  policies: {
    identity: [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
    ],
  },
  request: { principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: { n: 3 } },
  expect: 'Allow',
};

function failure(text: string): RolecallError {
  try {
    parseScenarios(text, 'cases.json');
  } catch (e) {
    assert.ok(e instanceof RolecallError, String(e));
    return e;
  }
  assert.fail('expected an InvalidScenario error');
}

describe('scenario files', () => {
  it('reads {"cases": [...]} and a bare array, keeping notes', () => {
    const a = parseScenarios(JSON.stringify({ cases: [ok] }));
    const b = parseScenarios(JSON.stringify([ok]));
    assert.equal(a.length, 1);
    assert.deepEqual(a, b);
    assert.equal(a[0]!.source, ok.source);
  });

  it('reads a file from disk and says which file it cannot read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolecall-scenarios-'));
    const file = path.join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify({ cases: [ok] }));
    assert.equal(loadScenarioFile(file)[0]!.name, 'read');
    assert.throws(
      () => loadScenarioFile(path.join(dir, 'missing.json')),
      (e: unknown) =>
        e instanceof RolecallError && e.code === 'InvalidFile' && e.message.includes('missing.json'),
    );
  });

  it('locates text that is not JSON', () => {
    const e = failure('{"cases": [\n  {"name": "x",,}\n]}');
    assert.equal(e.code, 'InvalidScenario');
    assert.equal(e.place.file, 'cases.json');
    assert.equal(e.place.line, 2);
  });

  it('refuses an unknown decision at its place', () => {
    const text = JSON.stringify({ cases: [ok, { ...ok, name: 'second', expect: 'Denied' }] }, null, 2);
    const e = failure(text);
    assert.equal(e.code, 'InvalidScenario');
    assert.equal(e.place.path, '$.cases[1].expect');
    assert.match(e.message, /`Denied`/);
    const line = text.split('\n').findIndex((l) => l.includes('"Denied"')) + 1;
    assert.equal(e.place.line, line);
  });

  it('refuses a misspelt policy kind, suggesting the right one', () => {
    const e = failure(JSON.stringify([{ ...ok, policies: { idenity: [] } }]));
    assert.equal(e.place.path, '$[0].policies.idenity');
    assert.match(e.message, /unknown policy kind `idenity`; did you mean `identity`\?/);
  });

  it('refuses a misspelt request field', () => {
    const e = failure(JSON.stringify([{ ...ok, request: { ...ok.request, resourceAcount: '1' } }]));
    assert.equal(e.place.path, '$[0].request.resourceAcount');
    assert.match(e.message, /did you mean `resourceAccount`\?/);
  });

  it('refuses a context value that is neither a scalar nor an array of scalars', () => {
    const e = failure(
      JSON.stringify([{ ...ok, request: { ...ok.request, context: { 'aws:x': { a: 1 } } } }]),
    );
    assert.equal(e.place.path, '$[0].request.context["aws:x"]');
  });

  it('refuses SCP levels that are not arrays of policies', () => {
    const e = failure(JSON.stringify([{ ...ok, policies: { ...ok.policies, scp: [{}] } }]));
    assert.equal(e.place.path, '$[0].policies.scp');
  });

  it('runs a case, and a case whose policy does not parse never passes', () => {
    const [good] = parseScenarios(JSON.stringify([ok]));
    const r = runScenario(good!);
    assert.deepEqual(
      { decision: r.decision, pass: r.pass, invalid: r.invalidPolicies },
      { decision: 'Allow', pass: true, invalid: undefined },
    );
    const [bad] = parseScenarios(
      JSON.stringify([
        { ...ok, policies: { identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow' }] }] } },
      ]),
    );
    const b = runScenario(bad!);
    assert.equal(b.pass, false);
    assert.ok(b.invalidPolicies && b.invalidPolicies.length > 0);
    assert.equal(b.invalidPolicies[0]!.policy, 'identity[0]');
  });

  it('places a bad policy in the scenario file: its line:column and the JSON path from the file root', () => {
    const text = [
      '{"cases": [',
      `  ${JSON.stringify(ok)},`,
      '  {"name": "bad", "expect": "Allow",',
      `   "request": ${JSON.stringify(ok.request)},`,
      '   "policies": {',
      '     "identity": [{"Version": "2012-10-17", "Statement": [',
      '       {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",',
      '        "Condition": {"StringLikee": {"aws:SourceIp": "x"}}}]}],',
      '     "scp": [[{"Version": "2012-10-17", "Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]}]]',
      '   }}',
      ']}',
    ].join('\n');
    const [, bad] = parseScenarios(text, 'cases.json');
    const issues = runScenario(bad!).invalidPolicies ?? [];
    const at = (needle: string) => {
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes(needle)) + 1;
      return { line, column: (lines[line - 1] ?? '').indexOf(needle) + 1 };
    };
    assert.deepEqual(
      issues.map((i) => ({ file: i.file, line: i.line, column: i.column, path: i.path, policy: i.policy })),
      [
        {
          file: 'cases.json',
          ...at('"StringLikee"'),
          path: '$.cases[1].policies.identity[0].Statement[0].Condition.StringLikee',
          policy: 'identity[0]',
        },
        {
          file: 'cases.json',
          ...at('"Alow"'),
          path: '$.cases[1].policies.scp[0][0].Statement[0].Effect',
          policy: 'scp[0][0]',
        },
      ],
    );
  });

  it('reads the resource policy of sts:AssumeRole as the role trust policy', () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: USER }, Action: 'sts:AssumeRole' }],
    };
    const [s] = parseScenarios(
      JSON.stringify([
        {
          name: 'assume',
          policies: { identity: [], resource: trust },
          request: {
            principal: USER,
            action: 'sts:AssumeRole',
            resource: 'arn:aws:iam::111122223333:role/R',
          },
          expect: 'Allow',
        },
      ]),
    );
    const r = runScenario(s!, { explain: true });
    assert.equal(r.invalidPolicies, undefined);
    assert.equal(r.decision, 'Allow');
    assert.ok(r.explanation?.steps.some((st) => st.step === 'trust-policy' && st.outcome === 'allows'));
  });
});
