import { test } from 'node:test';
import { createHash, createHmac } from 'node:crypto';
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

/** A presigned GET signed by hand, so that X-Amz-Expires can be any value the SDK would refuse to sign. */
function presignedByHand(expires: string, date: Date): IncomingSignedRequest {
  const amzDate = date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/sts/aws4_request`;
  const query: Record<string, string> = {
    Action: 'GetCallerIdentity',
    Version: '2011-06-15',
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${AKID}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': expires,
    'X-Amz-SignedHeaders': 'host',
  };
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${enc(k)}=${enc(query[k]!)}`)
    .join('&');
  const hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
  const canonical = `GET\n/\n${canonicalQuery}\nhost:127.0.0.1:4599\n\nhost\n${hex('')}`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hex(canonical)}`;
  let key: Buffer = createHmac('sha256', `AWS4${SECRET}`).update(day).digest();
  for (const part of ['us-east-1', 'sts', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  query['X-Amz-Signature'] = createHmac('sha256', key).update(toSign).digest('hex');
  return { method: 'GET', path: '/', query, headers: { host: '127.0.0.1:4599' }, body: Buffer.alloc(0) };
}

test('presigned URLs: X-Amz-Expires is honoured, and more than 604800 seconds (7 days) is refused', async () => {
  const now = Date.now();
  const signedAt = new Date(now - 60_000);
  // the hand-made signature is right: within its window it verifies
  assert.equal(await verdict(presignedByHand('120', signedAt), SECRET, now), 'ok');
  assert.equal(await verdict(presignedByHand('30', signedAt), SECRET, now), 'RequestExpired');
  // seven days is the longest window; it is honoured up to its last second
  const weekAgo = new Date(now - 604800_000 + 5_000);
  assert.equal(await verdict(presignedByHand('604800', weekAgo), SECRET, now), 'ok');
  assert.equal(await verdict(presignedByHand('604800', weekAgo), SECRET, now + 10_000), 'RequestExpired');
  for (const bad of ['604801', '999999', '0', '-1', 'abc', '']) {
    assert.equal(await verdict(presignedByHand(bad, signedAt), SECRET, now), 'IncompleteSignature', bad);
  }
  assert.throws(
    () => readSignatureClaim(presignedByHand('604801', signedAt)),
    /X-Amz-Expires must be .* 604800, got '604801'/,
  );
});
