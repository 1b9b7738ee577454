// The decision API's batches: decided in order whether the resolver holds a request's policy set already
// or has to read it, each request with its own context keys, the next batch seeing a write.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { coreMissing, signedJson, signedPost, startTestServer, type TestServer } from './harness.js';

const skip = await coreMissing();
let server: TestServer;
const arns: Record<string, string> = {};

const iam = (params: Record<string, string>) =>
  signedPost(server.url, server.admin, new URLSearchParams({ Version: '2010-05-08', ...params }).toString());
const authorize = (body: unknown) => signedJson(server.url, server.admin, '/v1/authorize', body);
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });

async function role(name: string, policy: string): Promise<void> {
  const created = await iam({ Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: trust });
  arns[name] = /<Arn>([^<]+)<\/Arn>/.exec(created.text)?.[1] ?? '';
  assert.notEqual(arns[name], '', created.text);
  const put = await iam({ Action: 'PutRolePolicy', RoleName: name, PolicyName: 'p', PolicyDocument: policy });
  assert.equal(put.status, 200, put.text);
}

before(async () => {
  if (skip) return;
  server = await startTestServer();
  await role(
    'Reader',
    doc(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/*' },
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::logs/*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      },
    ),
  );
  await role(
    'Denied',
    doc(
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
    ),
  );
  await role(
    'ProtoKey',
    doc({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Null: { ['__proto__']: 'true' } },
    }),
  );
});
after(async () => {
  if (!skip) await server.close();
});

const decisions = (json: Record<string, unknown>) =>
  (json.results as { decision: string }[]).map((r) => r.decision);

describe('decision API batches', { skip }, () => {
  test('decided in order with warm and cold requests mixed; each request keeps its own context', async () => {
    // warms one principal and resource; the batch then mixes it with requests not prepared yet
    const warm = await authorize({
      principal: arns.Reader,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::logs/a',
    });
    assert.equal(warm.json.decision, 'Allow');
    const batch = {
      requests: [
        { principal: arns.Reader, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' },
        { principal: arns.Denied, action: 's3:DeleteObject', resource: 'arn:aws:s3:::logs/a' },
        { principal: arns.Reader, action: 's3:GetObject', resource: 'arn:aws:s3:::other/a' },
        {
          principal: arns.Reader,
          action: 's3:PutObject',
          resource: 'arn:aws:s3:::logs/b',
          context: { 'aws:SourceIp': '10.1.2.3' },
        },
        // the same request without the context: the caller's own address (loopback) decides
        { principal: arns.Reader, action: 's3:PutObject', resource: 'arn:aws:s3:::logs/b' },
        // a key given in another case replaces the caller's address all the same: names are case-insensitive
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
        {
          principal: arns.Reader,
          action: 's3:PutObject',
          resource: 'arn:aws:s3:::logs/b',
          context: { 'AWS:SOURCEIP': '10.1.2.3' },
        },
        { principal: arns.Denied, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' },
      ],
    };
    const expected = ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'Allow', 'ImplicitDeny', 'Allow', 'Allow'];
    const cold = await authorize(batch);
    assert.equal(cold.status, 200, JSON.stringify(cold.json));
    assert.deepEqual(decisions(cold.json), expected);
    assert.match(String(cold.json.requestId), /^[0-9a-f-]{36}$/);
    // all of it warm now: the same answers
    assert.deepEqual(decisions((await authorize(batch)).json), expected);
    const explained = await authorize({ ...batch, explain: true });
    const results = explained.json.results as { decision: string; explanation?: unknown }[];
    assert.deepEqual(
      results.map((r) => r.decision),
      expected,
    );
    assert.ok(results.every((r) => r.explanation !== undefined));
  });

  test('a context key named __proto__ is a key like any other, in a single request and in a batch', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    // The body is written as JSON text: an object literal's `__proto__` would set the prototype instead.
    const ask = (context: string) =>
      `{"principal":${JSON.stringify(arns.ProtoKey)},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k"${context}}`;
    const post = async (body: string) => (await authorize(JSON.parse(body) as unknown)).json;
    assert.equal((await post(ask(''))).decision, 'Allow');
    assert.equal((await post(ask(',"context":{"__proto__":"x"}'))).decision, 'ImplicitDeny');
    assert.equal(
      (await post(ask(',"context":{"__proto__":["x"],"aws:SourceIp":"10.0.0.1"}'))).decision,
      'ImplicitDeny',
    );
    const batch = await post(`{"requests":[${ask('')},${ask(',"context":{"__proto__":"x"}')}]}`);
    assert.deepEqual(decisions(batch), ['Allow', 'ImplicitDeny']);
  });

  test('the batch after a write decides with the new policy', async () => {
    const batch = {
      requests: [
        { principal: arns.Denied, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' },
        { principal: arns.Reader, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' },
      ],
    };
    assert.deepEqual(decisions((await authorize(batch)).json), ['Allow', 'Allow']);
    const put = await iam({
      Action: 'PutRolePolicy',
      RoleName: 'Denied',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Deny', Action: 's3:*', Resource: '*' }),
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(decisions((await authorize(batch)).json), ['ExplicitDeny', 'Allow']);
  });

  test('an empty batch answers no results; a bad member is refused with its path', async () => {
    const empty = await authorize({ requests: [] });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.json.results, []);
    const bad = await authorize({
      requests: [
        { principal: arns.Reader, action: 's3:GetObject', resource: 'arn:aws:s3:::logs/a' },
        { principal: arns.Reader },
      ],
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /\$\.requests\[1\]\.action/);
  });

  test('a session credential is decided only while it is live: once expired, nothing, cached or not', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
    const cp = server.api.cp;
    const account = arns.Reader!.split(':')[4]!;
    const now = Date.now();
    const session = (sessionName: string, expiration: number) =>
      cp.iam.createSession({ account, roleName: 'Reader', sessionName, expiration });
    const live = await session('live', now + 60 * 60 * 1000);
    const expired = await session('expired', now - 1);
    const ask = (s: { assumedRoleArn: string; accessKeyId: string }) => ({
      principal: s.assumedRoleArn,
      credential: s.accessKeyId,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::logs/a',
    });
    const both = { requests: [ask(live), ask(expired)] };
    // Twice: cold, then with both policy sets cached.
    assert.deepEqual(decisions((await authorize(both)).json), ['Allow', 'ImplicitDeny']);
    assert.deepEqual(decisions((await authorize(both)).json), ['Allow', 'ImplicitDeny']);
    const one = await authorize({ ...ask(expired), explain: true });
    assert.equal(one.json.decision, 'ImplicitDeny');
    assert.match(JSON.stringify(one.json.explanation), /session expired at/);
  });
});
