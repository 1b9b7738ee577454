/** The wire pieces on their own: query parameters, XML envelopes, pagination, error mapping, sealed messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RolecallError, type ErrorCode } from '../../src/errors.js';
import { toWireError } from '../../src/api/errors.js';
import { QueryParams } from '../../src/api/form.js';
import { paginate, pageTail } from '../../src/api/pagination.js';
import { renderError, renderResponse, XmlMap } from '../../src/api/xml.js';
import { encodePolicyDocument } from '../../src/api/wire-shapes.js';
import { accessDeniedMessage, openMessage, sealMessage } from '../../src/api/authorization-message.js';
import { secretBox } from '../../src/store/secrets.js';
import { contextKeysOf } from '../../src/api/context-keys.js';
import { loadPolicyEngine } from '../../src/iam/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RolecallError) return e.code;
    throw e;
  }
  return 'none';
}

test('query parameters: scalars, member lists, lists of structures, nested lists; percent-encoding', () => {
  const p = QueryParams.parse(
    'Action=CreateRole&RoleName=EMR_DefaultRole&MaxSessionDuration=3600&SetAsDefault=true' +
      '&Tags.member.2.Key=env&Tags.member.2.Value=dev&Tags.member.1.Key=team&Tags.member.1.Value=data%20eng' +
      '&ActionNames.member.1=s3%3AGetObject&ActionNames.member.2=ec2%3ARunInstances' +
      '&ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1' +
      '&ContextEntries.member.1.ContextKeyType=ip&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess',
  );
  assert.equal(p.required('RoleName'), 'EMR_DefaultRole');
  assert.equal(p.int('MaxSessionDuration'), 3600);
  assert.equal(p.bool('SetAsDefault'), true);
  assert.deepEqual(
    p.structs('Tags', (m) => [m.required('Key'), m.string('Value')]),
    [
      ['team', 'data eng'],
      ['env', 'dev'],
    ],
  );
  assert.deepEqual(p.list('ActionNames'), ['s3:GetObject', 'ec2:RunInstances']);
  assert.deepEqual(
    p.structs('ContextEntries', (m) => ({ k: m.required('ContextKeyName'), v: m.list('ContextKeyValues') })),
    [{ k: 'aws:SourceIp', v: ['10.0.0.1'] }],
  );
  assert.deepEqual(
    p.structs('PolicyArns', (m) => m.required('arn')),
    ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  );
  assert.deepEqual(p.list('Missing'), []);
});

test('query parameters: missing, non-numeric, out of range and non-boolean values are ValidationError', () => {
  const p = QueryParams.parse('MaxItems=abc&Big=5000&Flag=yes');
  assert.equal(
    code(() => p.required('RoleName')),
    'ValidationError',
  );
  assert.throws(() => p.required('RoleName'), /Value null at 'roleName' failed to satisfy constraint/);
  assert.equal(
    code(() => p.int('MaxItems')),
    'ValidationError',
  );
  assert.equal(
    code(() => p.int('Big', { max: 1000 })),
    'ValidationError',
  );
  assert.equal(
    code(() => p.bool('Flag')),
    'ValidationError',
  );
});

test('XML: envelope with namespace and request id, members, maps, escaping, timestamps', () => {
  const xml = renderResponse('ListRoles', 'https://iam.amazonaws.com/doc/2010-05-08/', 'req-1', {
    Roles: [{ RoleName: 'a<b&"c"', CreateDate: new Date('2024-01-01T00:00:00.123Z'), Missing: undefined }],
    IsTruncated: false,
    Details: new XmlMap([['k', 'v']]),
  });
  assert.equal(
    xml,
    '<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult>' +
      '<Roles><member><RoleName>a&lt;b&amp;&quot;c&quot;</RoleName><CreateDate>2024-01-01T00:00:00Z</CreateDate></member></Roles>' +
      '<IsTruncated>false</IsTruncated><Details><entry><key>k</key><value>v</value></entry></Details>' +
      '</ListRolesResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListRolesResponse>',
  );
  const none = renderResponse('DeleteRole', 'ns', 'r', undefined);
  assert.equal(
    none,
    '<DeleteRoleResponse xmlns="ns"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>',
  );
  assert.equal(
    renderResponse('GetUser', 'ns', 'r', { UserName: 'a\u0001b' }),
    '<GetUserResponse xmlns="ns"><GetUserResult><UserName>a\uFFFDb</UserName></GetUserResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetUserResponse>',
  );
  const err = renderError({ status: 404, code: 'NoSuchEntity', type: 'Sender', message: 'x <y>' }, 'ns', 'r');
  assert.equal(
    err,
    '<ErrorResponse xmlns="ns"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>x &lt;y&gt;</Message></Error><RequestId>r</RequestId></ErrorResponse>',
  );
});

test('pagination: pages of MaxItems with an opaque Marker, stable when earlier items go away', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const first = paginate(items, (x) => x, QueryParams.parse('MaxItems=2'));
  assert.deepEqual(first.items, ['a', 'b']);
  assert.equal(first.isTruncated, true);
  assert.ok(first.marker);
  const second = paginate(
    items.filter((x) => x !== 'a'),
    (x) => x,
    QueryParams.parse(`MaxItems=2&Marker=${first.marker ?? ''}`),
  );
  assert.deepEqual(second.items, ['c', 'd']);
  const last = paginate(items, (x) => x, QueryParams.parse(`MaxItems=2&Marker=${second.marker ?? ''}`));
  assert.deepEqual(last.items, ['e']);
  assert.deepEqual(pageTail(last), { IsTruncated: false });
  assert.equal(
    code(() => paginate(items, (x) => x, QueryParams.parse('Marker=bogus'))),
    'InvalidInput',
  );
  assert.equal(
    code(() => paginate(items, (x) => x, QueryParams.parse('MaxItems=0'))),
    'ValidationError',
  );
});

test('pagination of a list not sorted by its key (roles by name, keyed by path and name) skips nothing', () => {
  const roles = ['/z/a', '/a/b', '/m/c'];
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = paginate(
      roles,
      (x) => x,
      QueryParams.parse(`MaxItems=1${marker ? `&Marker=${marker}` : ''}`),
    );
    seen.push(...page.items);
    marker = page.marker;
  } while (marker !== undefined);
  assert.deepEqual(seen, roles);
});

test('error map: AWS statuses and Sender/Receiver; unknown errors become ServiceFailure without details', () => {
  const cases: [ErrorCode, number, string][] = [
    ['NoSuchEntity', 404, 'NoSuchEntity'],
    ['EntityAlreadyExists', 409, 'EntityAlreadyExists'],
    ['LimitExceeded', 409, 'LimitExceeded'],
    ['DeleteConflict', 409, 'DeleteConflict'],
    ['MalformedPolicyDocument', 400, 'MalformedPolicyDocument'],
    ['AccessDenied', 403, 'AccessDenied'],
    ['InvalidClientTokenId', 403, 'InvalidClientTokenId'],
    ['SignatureDoesNotMatch', 403, 'SignatureDoesNotMatch'],
    ['IncompleteSignature', 400, 'IncompleteSignature'],
    ['MissingAuthenticationToken', 403, 'MissingAuthenticationToken'],
    ['ExpiredToken', 403, 'ExpiredToken'],
    ['InvalidAction', 400, 'InvalidAction'],
    ['RequestEntityTooLarge', 413, 'RequestEntityTooLarge'],
    ['ServiceFailure', 500, 'ServiceFailure'],
    ['StoreUnavailable', 503, 'ServiceUnavailable'],
    ['StoreTimeout', 503, 'ServiceUnavailable'],
  ];
  for (const [c, status, wire] of cases) {
    const w = toWireError(new RolecallError(c, 'm'));
    assert.equal(w.status, status, c);
    assert.equal(w.code, wire, c);
    assert.equal(w.type, status >= 500 ? 'Receiver' : 'Sender', c);
  }
  const internal = toWireError(new Error('secret detail at /src/x.ts:10'));
  assert.equal(internal.status, 500);
  assert.doesNotMatch(internal.message, /secret detail/);
  assert.equal(
    toWireError(Object.assign(new Error('too big'), { statusCode: 413 })).code,
    'RequestEntityTooLarge',
  );
});

test('policy documents are percent-encoded per RFC 3986', () => {
  const doc = '{"Action":"s3:*","Resource":"arn:aws:s3:::b/(x)!\'"}';
  const enc = encodePolicyDocument(doc);
  assert.match(enc, /^[A-Za-z0-9\-._~%]+$/);
  assert.equal(decodeURIComponent(enc), doc);
});

test('authorization messages: AWS wording, sealed for one account so only its callers read them, tampering detected', () => {
  const call = {
    principalArn: 'arn:aws:iam::123456789012:user/dev',
    principalId: 'AIDAEXAMPLE',
    action: 'iam:CreateRole',
    resource: 'arn:aws:iam::123456789012:role/x',
    context: {},
  };
  assert.equal(
    accessDeniedMessage(call, { decision: 'ImplicitDeny', reason: 'NoAllow' }),
    'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/x because no identity-based policy allows the iam:CreateRole action',
  );
  assert.match(
    accessDeniedMessage(call, { decision: 'ExplicitDeny', reason: 'ExplicitDeny' }),
    /on resource: arn:aws:iam::123456789012:role\/x with an explicit deny in an identity-based policy$/,
  );
  assert.match(
    accessDeniedMessage(call, { decision: 'ImplicitDeny', reason: 'BoundaryNoAllow' }),
    /because no permissions boundary allows the iam:CreateRole action$/,
  );
  const box = secretBox(randomBytes(32));
  const token = sealMessage({ hello: 'world' }, '123456789012', box);
  assert.deepEqual(JSON.parse(openMessage(token, '123456789012', box)), { hello: 'world' });
  // a message is its account's: another account's caller cannot read it, even holding the key
  assert.equal(
    code(() => openMessage(token, '210987654321', box)),
    'InvalidAuthorizationMessageException',
  );
  assert.equal(
    code(() => openMessage(token, '123456789012', secretBox(randomBytes(32)))),
    'InvalidAuthorizationMessageException',
  );
  assert.equal(
    code(() => openMessage(token.slice(0, -3) + 'AAA', '123456789012', box)),
    'InvalidAuthorizationMessageException',
  );
  assert.equal(
    code(() => openMessage('not a token', '123456789012', box)),
    'InvalidAuthorizationMessageException',
  );
});

test('context keys of policies: every condition key once, case-insensitively', async () => {
  const doc = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/a': 'x' } },
      },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'AWS:RequestTag/A': 'true', 'aws:SecureTransport': 'false' } },
      },
    ],
  });
  const engine = await loadPolicyEngine();
  assert.deepEqual(contextKeysOf(engine, [engine.compile(doc, { kind: 'identity', name: 'p' })]), [
    'aws:RequestTag/a',
    'aws:SecureTransport',
  ]);
});
