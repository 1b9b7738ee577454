import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { isRolecallError } from '../../src/errors.js';
import {
  checkClaimTime,
  readSignatureClaim,
  verifySignature,
  type IncomingSignedRequest,
} from '../../src/api/sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const BODY = 'Action=GetRole&Version=2010-05-08&RoleName=EMR_DefaultRole';

async function signed(opts: {
  body?: string;
  region?: string;
  service?: string;
  date?: Date;
  contentSha?: boolean;
  token?: string;
}): Promise<IncomingSignedRequest> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      ...(opts.token !== undefined ? { sessionToken: opts.token } : {}),
    },
    region: opts.region ?? 'eu-west-1',
    service: opts.service ?? 'iam',
    sha256: Sha256,
    applyChecksum: opts.contentSha ?? true,
  });
  const body = opts.body ?? BODY;
  const out = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4599,
      path: '/',
      query: {},
      headers: {
        host: '127.0.0.1:4599',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'test',
      },
      body,
    },
    { signingDate: opts.date ?? new Date() },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = v;
  return { method: 'POST', path: '/', query: {}, headers, body: Buffer.from(body) };
}

async function verdict(req: IncomingSignedRequest, secret = SECRET, now = Date.now()): Promise<string> {
  try {
    const claim = readSignatureClaim(req);
    checkClaimTime(claim, now);
    await verifySignature(req, claim, secret);
    return 'ok';
  } catch (e) {
    if (isRolecallError(e)) return e.code;
    throw e;
  }
}

test('a request signed by the SDK signer verifies, in any region and for sts too', async () => {
  assert.equal(await verdict(await signed({})), 'ok');
  assert.equal(await verdict(await signed({ region: 'ap-southeast-2' })), 'ok');
  assert.equal(await verdict(await signed({ service: 'sts', contentSha: false })), 'ok');
  const claim = readSignatureClaim(await signed({ region: 'cn-north-1' }));
  assert.equal(claim.region, 'cn-north-1');
  assert.equal(claim.accessKeyId, AKID);
});

test('a wrong secret does not match', async () => {
  assert.equal(await verdict(await signed({}), SECRET + 'x'), 'SignatureDoesNotMatch');
});

test('a tampered body is caught even when x-amz-content-sha256 was signed', async () => {
  for (const contentSha of [true, false]) {
    const req = await signed({ contentSha });
    req.body = Buffer.from(BODY.replace('EMR_DefaultRole', 'Admin'));
    assert.equal(await verdict(req), 'SignatureDoesNotMatch', `contentSha=${contentSha}`);
  }
});

test('a body swapped together with a forged content hash header is caught', async () => {
  const req = await signed({ contentSha: false });
  req.body = Buffer.from('Action=DeleteRole&Version=2010-05-08&RoleName=x');
  req.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  assert.equal(await verdict(req), 'SignatureDoesNotMatch');
});

test('clock skew: accepted within 15 minutes, rejected beyond, both ways', async () => {
  const now = Date.now();
  assert.equal(await verdict(await signed({ date: new Date(now - 14 * 60_000) }), SECRET, now), 'ok');
  assert.equal(await verdict(await signed({ date: new Date(now + 14 * 60_000) }), SECRET, now), 'ok');
  assert.equal(
    await verdict(await signed({ date: new Date(now - 16 * 60_000) }), SECRET, now),
    'SignatureDoesNotMatch',
  );
  assert.equal(
    await verdict(await signed({ date: new Date(now + 16 * 60_000) }), SECRET, now),
    'SignatureDoesNotMatch',
  );
  const req = await signed({ date: new Date(now - 16 * 60_000) });
  assert.throws(
    () => checkClaimTime(readSignatureClaim(req), now),
    /Signature expired: \d{8}T\d{6}Z is now earlier than/,
  );
});

test('missing and malformed Authorization headers', async () => {
  const req = await signed({});
  delete req.headers.authorization;
  assert.equal(await verdict(req), 'MissingAuthenticationToken');
  const bad = await signed({});
  bad.headers.authorization = 'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/iam/aws4_request';
  assert.equal(await verdict(bad), 'IncompleteSignature');
  const scope = await signed({});
  scope.headers.authorization = String(scope.headers.authorization).replace('/aws4_request', '/aws5_request');
  assert.equal(await verdict(scope), 'IncompleteSignature');
  const algo = await signed({});
  algo.headers.authorization = String(algo.headers.authorization).replace('AWS4-HMAC-SHA256', 'AWS3');
  assert.equal(await verdict(algo), 'IncompleteSignature');
});

test('a session token is part of the signature', async () => {
  const req = await signed({ token: 'tok-1' });
  assert.equal(readSignatureClaim(req).securityToken, 'tok-1');
  assert.equal(await verdict(req), 'ok');
  req.headers['x-amz-security-token'] = 'tok-2';
  assert.equal(await verdict(req), 'SignatureDoesNotMatch');
});

test('a signature of the wrong length or case-altered signature header does not crash', async () => {
  const req = await signed({});
  req.headers.authorization = String(req.headers.authorization).replace(
    /Signature=[0-9a-f]+/,
    'Signature=abc',
  );
  assert.equal(await verdict(req), 'SignatureDoesNotMatch');
});
