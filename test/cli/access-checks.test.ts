// check-no-new-access and check-access-not-granted through the CLI, in process: the pairs and sets of
// AWS's custom policy check pages and API references
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html,
// https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html,
// https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html),
// IAM user guide condition examples, and the seed policies against themselves and a widened copy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runMain } from '../helpers/main.js';
import { seedPolicies } from '../emr/seed-policies.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-access-'));
let n = 0;
function file(policy: unknown): string {
  const p = path.join(dir, `p${n++}.json`);
  fs.writeFileSync(p, typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));
  return p;
}

const run = runMain;

interface Json {
  result: string;
  exact: boolean;
  witness?: {
    request: { principal: unknown; action: string; resource: string; context?: Record<string, unknown> };
    allowedBy: { decision: string };
    notAllowedBy?: { decision: string };
  };
}

async function noNew(existing: unknown, updated: unknown, type = 'identity'): Promise<Json> {
  const r = await run(['check-no-new-access', file(existing), file(updated), '--type', type, '--json']);
  assert.ok(r.status === 0 || r.status === 2, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.equal(r.status, j.result === 'PASS' ? 0 : 2);
  return j;
}

async function notGranted(policy: unknown, args: string[], type = 'identity'): Promise<Json> {
  const r = await run(['check-access-not-granted', file(policy), ...args, '--type', type, '--json']);
  assert.ok(r.status === 0 || r.status === 2, r.err);
  return JSON.parse(r.out) as Json;
}

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const BUCKET = 'arn:aws:s3:::amzn-s3-demo-bucket';
const JOHN = 'arn:aws:iam::123456789012:user/JohnDoe';

describe('check-access-not-granted (API reference and AWS CLI examples)', () => {
  it('a resource policy granting JohnDoe s3:GetObject does not grant s3:PutObject', async () => {
    const p = doc({
      Sid: 'AllowJohnDoe',
      Effect: 'Allow',
      Principal: { AWS: JOHN },
      Action: 's3:GetObject',
      Resource: '*',
    });
    assert.equal((await notGranted(p, ['--action', 's3:PutObject'], 'RESOURCE_POLICY')).result, 'PASS');
    const j = await notGranted(p, ['--action', 's3:GetObject'], 'RESOURCE_POLICY');
    assert.equal(j.result, 'FAIL');
    assert.equal(j.witness!.request.principal, JOHN);
  });

  it('resources only: a bucket policy on another bucket does not reach sensitive-bucket', async () => {
    const narrow = doc({
      Effect: 'Allow',
      Principal: { AWS: JOHN },
      Action: 's3:*',
      Resource: 'arn:aws:s3:::public-bucket/*',
    });
    assert.equal(
      (await notGranted(narrow, ['--resource', 'arn:aws:s3:::sensitive-bucket/*'], 'resource')).result,
      'PASS',
    );
    const wide = doc({ Effect: 'Allow', Principal: { AWS: JOHN }, Action: 's3:GetObject', Resource: '*' });
    const j = await notGranted(wide, ['--resource', 'arn:aws:s3:::sensitive-bucket/*'], 'resource');
    assert.equal(j.result, 'FAIL');
    assert.match(j.witness!.request.resource, /^arn:aws:s3:::sensitive-bucket\//);
    assert.equal(j.witness!.request.action, 's3:GetObject');
  });

  it('an identity policy of GetObject and ListBucket grants neither DeleteBucket nor GetBucketLocation', async () => {
    const p = doc({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [BUCKET, `${BUCKET}/*`],
    });
    assert.equal(
      (await notGranted(p, ['--action', 's3:DeleteBucket', '--action', 's3:GetBucketLocation'])).result,
      'PASS',
    );
    const j = await notGranted(p, ['--action', 's3:DeleteBucket', '--action', 's3:ListBucket']);
    assert.equal(j.result, 'FAIL');
    assert.equal(j.witness!.request.action, 's3:ListBucket');
    assert.equal(j.witness!.request.resource, BUCKET);
  });

  it('a conditional allow fails: some context satisfies the condition', async () => {
    const p = doc({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    });
    const j = await notGranted(p, ['--action', 'iam:PassRole']);
    assert.equal(j.result, 'FAIL');
    assert.equal(j.witness!.request.context!['iam:PassedToService'], 'emr-serverless.amazonaws.com');
  });

  it('a Deny with NotAction caps everything else, whatever the context', async () => {
    const p = doc(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', NotAction: ['s3:GetObject'], Resource: '*' },
    );
    assert.equal((await notGranted(p, ['--action', 'iam:*', '--action', 'ec2:RunInstances'])).result, 'PASS');
  });
});

describe('check-no-new-access (custom policy check pairs)', () => {
  const read = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` });

  it('adding an action is new access; the witness names it, with both explanations', async () => {
    const j = await noNew(
      read,
      doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${BUCKET}/*` }),
    );
    assert.equal(j.result, 'FAIL');
    assert.equal(j.witness!.request.action, 's3:PutObject');
    assert.equal(j.witness!.allowedBy.decision, 'Allow');
    assert.equal(j.witness!.notAllowedBy!.decision, 'ImplicitDeny');
  });

  it('a wildcard that only covers what was there is no new access; one that covers more is', async () => {
    const exact = doc({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectAcl'],
      Resource: `${BUCKET}/*`,
    });
    assert.equal(
      (await noNew(exact, doc({ Effect: 'Allow', Action: 's3:GetObjectAc?', Resource: `${BUCKET}/*` })))
        .result,
      'PASS',
    );
    const j = await noNew(exact, doc({ Effect: 'Allow', Action: 's3:GetObject*', Resource: `${BUCKET}/*` }));
    assert.equal(j.result, 'FAIL');
    assert.match(j.witness!.request.action, /^s3:GetObject./);
  });

  it('narrowing the resource or adding a condition is no new access; the reverse is', async () => {
    const narrower = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/reports/*`,
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
    });
    assert.equal((await noNew(read, narrower)).result, 'PASS');
    const j = await noNew(narrower, read);
    assert.equal(j.result, 'FAIL');
  });

  it('IfExists: StringEquals is stricter than StringEqualsIfExists (the key may be absent)', async () => {
    const region = (op: string) =>
      doc({
        Effect: 'Allow',
        Action: 'ec2:*',
        Resource: '*',
        Condition: { [op]: { 'aws:RequestedRegion': 'us-east-1' } },
      });
    assert.equal((await noNew(region('StringEqualsIfExists'), region('StringEquals'))).result, 'PASS');
    const j = await noNew(region('StringEquals'), region('StringEqualsIfExists'));
    assert.equal(j.result, 'FAIL');
    assert.deepEqual(j.witness!.request.context!['aws:RequestedRegion'], []);
  });

  it('multivalued keys: ForAnyValue is wider than ForAllValues over the same tag keys', async () => {
    const tags = (op: string, keys: string[]) =>
      doc({
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: '*',
        Condition: { [op]: { 'aws:TagKeys': keys } },
      });
    assert.equal(
      (await noNew(tags('ForAllValues:StringEquals', ['a', 'b']), tags('ForAllValues:StringEquals', ['a'])))
        .result,
      'PASS',
    );
    const j = await noNew(
      tags('ForAllValues:StringEquals', ['a', 'b']),
      tags('ForAnyValue:StringEquals', ['a']),
    );
    assert.equal(j.result, 'FAIL');
    const seen = j.witness!.request.context!['aws:TagKeys'] as string[];
    assert.ok(seen.includes('a') && seen.some((k) => k !== 'a' && k !== 'b'), JSON.stringify(seen));
  });

  it('numeric and date conditions: a later deadline or a higher limit is new access', async () => {
    const before = (date: string) =>
      doc({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': date } },
      });
    assert.equal(
      (await noNew(before('2027-01-01T00:00:00Z'), before('2026-06-30T00:00:00Z'))).result,
      'PASS',
    );
    assert.equal(
      (await noNew(before('2026-06-30T00:00:00Z'), before('2027-01-01T00:00:00Z'))).result,
      'FAIL',
    );
    const age = (n: number) =>
      doc({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: '*',
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': n } },
      });
    assert.equal((await noNew(age(3600), age(600))).result, 'PASS');
    assert.equal((await noNew(age(600), age(3600))).result, 'FAIL');
  });

  it('IP ranges: a sub-range is no new access, a super-range is', async () => {
    const ip = (cidr: string) =>
      doc({
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': cidr } },
      });
    assert.equal((await noNew(ip('203.0.113.0/24'), ip('203.0.113.128/25'))).result, 'PASS');
    const j = await noNew(ip('203.0.113.128/25'), ip('203.0.113.0/24'));
    assert.equal(j.result, 'FAIL');
    assert.match(String(j.witness!.request.context!['aws:SourceIp']), /^203\.0\.113\.\d+$/);
  });

  it('trust policies: opening the Principal to everyone is new access; to one account of it is not', async () => {
    const trust = (principal: unknown, condition?: object) =>
      doc({
        Effect: 'Allow',
        Principal: principal,
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      });
    const account = trust({ AWS: 'arn:aws:iam::111122223333:root' });
    const j = await noNew(account, trust({ AWS: '*' }), 'trust');
    assert.equal(j.result, 'FAIL');
    assert.doesNotMatch(String(j.witness!.request.principal), /111122223333/);
    // aws:PrincipalAccount follows the principal: Principal * limited to the account grants no more.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
    const same = trust('*', { StringEquals: { 'aws:PrincipalAccount': '111122223333' } });
    assert.equal((await noNew(account, same, 'trust')).result, 'PASS');
    const role = trust({ AWS: 'arn:aws:iam::111122223333:role/Admin' });
    assert.equal((await noNew(account, role, 'trust')).result, 'PASS');
    assert.equal((await noNew(role, account, 'trust')).result, 'FAIL');
  });

  it('service control policies: removing a Deny from a deny list is new access', async () => {
    const full = { Effect: 'Allow', Action: '*', Resource: '*' };
    const denyLeave = { Effect: 'Deny', Action: 'organizations:LeaveOrganization', Resource: '*' };
    const j = await noNew(doc(full, denyLeave), doc(full), 'scp');
    assert.equal(j.result, 'FAIL');
    assert.equal(j.witness!.request.action, 'organizations:LeaveOrganization');
    assert.equal((await noNew(doc(full), doc(full, denyLeave), 'scp')).result, 'PASS');
  });

  it('policy variables: a home prefix per user is narrower than the whole bucket', async () => {
    const home = doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/home/\${aws:username}/*`,
    });
    const all = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` });
    assert.equal((await noNew(all, home)).result, 'PASS');
    assert.equal((await noNew(home, all)).result, 'FAIL');
  });
});

describe('check commands report problems', () => {
  it('an invalid policy exits 3 with its file and line:column', async () => {
    const bad = file(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}',
    );
    const r = await run(['check-no-new-access', bad, bad]);
    assert.equal(r.status, 3);
    assert.match(r.err, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+: `));
  });

  it('an unknown --type or action is a usage error', async () => {
    const p = file(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    const r = await run(['check-no-new-access', p, p, '--type', 'bucket']);
    assert.equal(r.status, 1);
    assert.match(r.err, /UsageError: --type `bucket`/);
    const a = await run(['check-access-not-granted', p, '--action', 's3:GetObjekt']);
    assert.equal(a.status, 1);
    assert.match(a.err, /names no action/);
  });

  it('prints a readable FAIL with the witness and both decisions', async () => {
    const a = file(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    const b = file(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
    const r = await run(['check-no-new-access', a, b]);
    assert.equal(r.status, 2);
    assert.match(r.out, /^FAIL: /);
    assert.match(r.out, /action: s3:/);
    assert.match(r.out, /under .*: Allow/);
    assert.match(r.out, /under .*: ImplicitDeny/);
  });
});

describe('check-no-new-access on the seed policies', () => {
  it('every seed policy grants nothing new over itself, and a widened copy does', async () => {
    for (const f of [
      'emr-studio-service-role.txt',
      'emr-notebooks-service-role.txt',
      'emr-serverless-job-runtime-roles.txt',
    ]) {
      for (const p of seedPolicies(f) as { Statement: { Principal?: unknown; Action?: unknown }[] }[]) {
        const type = p.Statement.some((s) => s.Principal !== undefined) ? 'trust' : 'identity';
        assert.equal((await noNew(p, p, type)).result, 'PASS', `${f}: ${JSON.stringify(p).slice(0, 80)}`);
        const wider = {
          ...p,
          Statement: [
            ...p.Statement,
            type === 'trust'
              ? { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }
              : { Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' },
          ],
        };
        const j = await noNew(p, wider, type);
        assert.equal(j.result, 'FAIL', `${f}: widened copy`);
      }
    }
  });
});
