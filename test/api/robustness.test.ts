/**
 * Every operation the endpoint answers, called with no parameters and with junk in every parameter it
 * could read: always an AWS error envelope with a 4xx status (or a success), never a 500 or a stack trace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import fc from 'fast-check';
import { createBackend } from '../../src/api/iam-backend.js';
import { coreMissing, startTestServer, type TestServer } from './harness.js';

const skip = await coreMissing();
let server: TestServer;

before(async () => {
  if (!skip) server = await startTestServer();
});
after(async () => {
  if (!skip) await server.close();
});

const PARAMS = [
  'RoleName',
  'UserName',
  'GroupName',
  'PolicyName',
  'PolicyArn',
  'PolicyDocument',
  'AssumeRolePolicyDocument',
  'VersionId',
  'AccessKeyId',
  'Status',
  'Path',
  'PathPrefix',
  'MaxItems',
  'Marker',
  'MaxSessionDuration',
  'PermissionsBoundary',
  'Description',
  'Scope',
  'OnlyAttached',
  'SetAsDefault',
  'PolicySourceArn',
  'RoleArn',
  'RoleSessionName',
  'DurationSeconds',
  'ExternalId',
  'SourceIdentity',
  'Policy',
  'EncodedMessage',
  'NewUserName',
  'NewGroupName',
  'NewPath',
  'Tags.member.1.Key',
  'Tags.member.1.Value',
  'TagKeys.member.1',
  'ActionNames.member.1',
  'ResourceArns.member.1',
  'PolicyInputList.member.1',
  'ContextEntries.member.1.ContextKeyName',
  'ContextEntries.member.1.ContextKeyType',
  'ContextEntries.member.1.ContextKeyValues.member.1',
  'PolicyArns.member.1.arn',
  'Filter.member.1',
];

async function call(service: 'iam' | 'sts', body: string): Promise<{ status: number; text: string }> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    query: {},
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const res = await fetch(server.url + '/', { method: 'POST', headers: signed.headers, body });
  return { status: res.status, text: await res.text() };
}

function check(op: string, r: { status: number; text: string }): void {
  assert.ok(r.status < 500, `${op}: ${r.status} ${r.text}`);
  assert.doesNotMatch(r.text, /\bat .+\.(ts|js):\d+/, `${op}: stack trace in ${r.text}`);
  if (r.status >= 400)
    assert.match(r.text, /^<ErrorResponse xmlns="https:\/\/(iam|sts)\.amazonaws\.com\/doc\//);
}

const version = { iam: '2010-05-08', sts: '2011-06-15' } as const;

test('every operation without parameters answers a 4xx AWS error or a success', { skip }, async () => {
  const ops = createBackend(server.api.cp).operations('123456789012');
  assert.ok(ops.length > 60, `only ${ops.length} operations`);
  for (const op of ops) {
    check(op.name, await call(op.service, `Action=${op.name}&Version=${version[op.service]}`));
  }
});

test('every operation with junk in every parameter never answers 500', { skip }, async () => {
  const ops = createBackend(server.api.cp).operations('123456789012');
  const junk = fc.oneof(
    fc.constantFrom(
      '',
      '-1',
      '0',
      '99999999999',
      'true',
      '%',
      '{',
      '[]',
      'arn:aws:iam::123456789012:role/x',
      '*',
    ),
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 200, maxLength: 3000 }),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ops),
      fc.array(fc.tuple(fc.constantFrom(...PARAMS), junk)),
      async (op, pairs) => {
        const body = new URLSearchParams([
          ['Action', op.name],
          ['Version', version[op.service]],
          ...pairs,
        ]).toString();
        check(op.name, await call(op.service, body));
      },
    ),
    { numRuns: 300 },
  );
});
