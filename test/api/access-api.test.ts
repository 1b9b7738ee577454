// The access analyses on the endpoint: SigV4-signed JSON, authorized by the engine like every call
// (access-analyzer:CheckNoNewAccess / CheckAccessNotGranted; iam:GetAccountAuthorizationDetails and
// iam:SimulatePrincipalPolicy for who-can and escalation), with the same answers as the CLI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  coreMissing,
  signedJson,
  signedPost,
  startTestServer,
  type Credentials,
  type TestServer,
} from './harness.js';

const skip = await coreMissing();
let server: TestServer;
let limited: Credentials;
let account = '';

const post = (path: string, body: unknown, creds: Credentials = server.admin) =>
  signedJson(server.url, creds, path, body);

const iam = (params: Record<string, string>) =>
  signedPost(server.url, server.admin, new URLSearchParams({ Version: '2010-05-08', ...params }).toString());

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const created = await iam({ Action: 'CreateUser', UserName: 'checker' });
  account = /arn:aws:iam::(\d{12}):user\/checker/.exec(created.text)?.[1] ?? '';
  assert.notEqual(account, '', created.text);
  await iam({
    Action: 'PutUserPolicy',
    UserName: 'checker',
    PolicyName: 'checks',
    PolicyDocument: doc({
      Effect: 'Allow',
      Action: ['access-analyzer:CheckNoNewAccess', 'iam:PassRole'],
      Resource: '*',
    }),
  });
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'checker' });
  limited = {
    accessKeyId: /<AccessKeyId>(.+?)<\/AccessKeyId>/.exec(key.text)![1]!,
    secretAccessKey: /<SecretAccessKey>(.+?)<\/SecretAccessKey>/.exec(key.text)![1]!,
  };
});
after(async () => {
  if (!skip) await server.close();
});

describe('access analyses on the endpoint', { skip }, () => {
  test('check-no-new-access in Access Analyzer request shape: FAIL with a witness, PASS the other way', async () => {
    const existing = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' });
    const updated = doc({ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' });
    const fail = await post('/v1/check-no-new-access', {
      existingPolicyDocument: existing,
      newPolicyDocument: updated,
      policyType: 'IDENTITY_POLICY',
    });
    assert.equal(fail.status, 200, JSON.stringify(fail.json));
    assert.equal(fail.json.result, 'FAIL');
    const w = fail.json.witness as { request: { action: string }; allowedBy: { decision: string } };
    assert.match(w.request.action, /^s3:Get/);
    assert.equal(w.allowedBy.decision, 'Allow');
    const pass = await post(
      '/v1/check-no-new-access',
      { existingPolicyDocument: updated, newPolicyDocument: existing, policyType: 'IDENTITY_POLICY' },
      limited,
    );
    assert.equal(pass.json.result, 'PASS');
    assert.equal(pass.json.exact, true);
  });

  test('check-access-not-granted needs its own permission', async () => {
    const body = {
      policyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
      access: [{ actions: ['s3:PutObject'] }],
      policyType: 'IDENTITY_POLICY',
    };
    const ok = await post('/v1/check-access-not-granted', body);
    assert.equal(ok.json.result, 'PASS');
    const denied = await post('/v1/check-access-not-granted', body, limited);
    assert.equal(denied.status, 403);
    assert.equal((denied.json.error as { code: string }).code, 'AccessDenied');
  });

  test('who-can and escalation read the account: the administrator may, the limited user may not', async () => {
    const who = await post('/v1/who-can', {
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${account}:role/any`,
    });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    const names = (who.json.principals as { principal: string }[]).map((p) => p.principal);
    assert.ok(names.includes(`arn:aws:iam::${account}:user/checker`), names.join(' '));
    const esc = await post('/v1/escalation', { principal: `arn:aws:iam::${account}:user/checker` });
    assert.equal(esc.status, 200, JSON.stringify(esc.json));
    assert.equal((esc.json.reports as unknown[]).length, 1);
    const denied = await post('/v1/who-can', { action: 'iam:PassRole', resource: '*' }, limited);
    assert.equal(denied.status, 403);
  });

  test('bad input answers 400 with the JSON path; a bad policy is MalformedPolicyDocument', async () => {
    const bad = await post('/v1/check-no-new-access', {
      existingPolicyDocument: '{}',
      newPolicyDocument: 1,
      policyType: 'X',
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.json), /policyType/);
    const malformed = await post('/v1/check-no-new-access', {
      existingPolicyDocument: '{"Statement":[{"Effect":"Allow"}]}',
      newPolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
      policyType: 'IDENTITY_POLICY',
    });
    assert.equal(malformed.status, 400);
    assert.equal((malformed.json.error as { code: string }).code, 'MalformedPolicyDocument');
  });
});
