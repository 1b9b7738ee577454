import { test } from 'node:test';
import crypto, { createHash, createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { isRolecallError } from '../../src/errors.js';
import {
  canonicalRequest,
  checkClaimTime,
  stringToSignMac,
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

// The hot path's canonical request is built in src/api/sigv4.ts rather than by the library: whatever the
// SDK's signer signs must verify, and any one-byte change of what it signed must not.

const unreserved = fc.constantFrom(...'abcXYZ019-._~'.split(''));
const plainSegment = fc
  .string({ unit: unreserved, minLength: 1, maxLength: 6 })
  .filter((s) => s !== '.' && s !== '..');
const requestPath = fc.oneof(
  fc.constantFrom('/', '/v1/authorize', '/v1/access/who-can'),
  fc
    .tuple(fc.array(plainSegment, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([segments, slash]) => `/${segments.join('/')}${slash ? '/' : ''}`),
  // paths that escaping or normalization change go through the library's canonicalization
  fc.constantFrom('/a/../b', '/./x', '//double', '/a b', '/%2F', '/caf\u00e9', "/x!'()*", '/a/b/..'),
);
const headerValue = fc.string({
  unit: fc.constantFrom('a', 'Z', '7', ' ', '  ', '\t', '-', ':', ',', '=', '/', '\u00e9'),
});
const signedRequest = fc.record({
  method: fc.constantFrom('POST', 'GET', 'PUT'),
  path: requestPath,
  query: fc.oneof(
    fc.constant({}),
    fc.dictionary(
      fc.constantFrom('Action', 'Version', 'a b', 'X-Amz-Meta', 'ü'),
      fc.string({ maxLength: 8 }),
      {
        minKeys: 1,
      },
    ),
  ),
  headers: fc.dictionary(
    fc.constantFrom('content-type', 'X-Custom', 'x-amz-target', 'accept', 'X-Amz-Meta-A'),
    headerValue,
  ),
  body: fc.oneof(
    fc.constant(''),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
  ),
  region: fc.constantFrom('us-east-1', 'eu-west-1', 'cn-north-1'),
  service: fc.constantFrom('iam', 'sts', 'rolecall'),
  token: fc.option(
    fc.string({ unit: fc.constantFrom('A', 'b', '9', '/', '+', '='), minLength: 1, maxLength: 20 }),
    {
      nil: undefined,
    },
  ),
  contentSha: fc.boolean(),
  skewSeconds: fc.integer({ min: -600, max: 600 }),
});
type Shape = typeof signedRequest extends fc.Arbitrary<infer T> ? T : never;

async function signShape(shape: Shape, now: number): Promise<IncomingSignedRequest> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      ...(shape.token !== undefined ? { sessionToken: shape.token } : {}),
    },
    region: shape.region,
    service: shape.service,
    sha256: Sha256,
    applyChecksum: shape.contentSha,
  });
  const out = await signer.sign(
    {
      method: shape.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4599,
      path: shape.path,
      query: { ...shape.query },
      headers: { host: '127.0.0.1:4599', ...shape.headers },
      body: shape.body,
    },
    { signingDate: new Date(now + shape.skewSeconds * 1000) },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers)) headers[k.toLowerCase()] = v;
  return {
    method: shape.method,
    path: shape.path,
    query: { ...shape.query },
    headers,
    body: Buffer.from(shape.body),
  };
}

/** `s` with the character at `i` replaced by one that differs from it (and from blanks, which canonicalize). */
function changeAt(s: string, i: number): string {
  const c = s[i] === 'q' ? 'r' : 'q';
  return s.slice(0, i) + c + s.slice(i + 1);
}

test('differential: what the SDK signer signs verifies; any one-byte change of it does not', async () => {
  const now = Date.now();
  await fc.assert(
    fc.asyncProperty(signedRequest, fc.nat(), async (shape, pick) => {
      const req = await signShape(shape, now);
      assert.equal(await verdict(req, SECRET, now), 'ok');
      const copy = (): IncomingSignedRequest => ({
        ...req,
        query: { ...req.query },
        headers: { ...req.headers },
        body: Buffer.from(req.body),
      });
      if (req.body.length > 0) {
        const b = copy();
        const at = pick % b.body.length;
        b.body[at] = b.body[at]! ^ 0x01;
        assert.notEqual(await verdict(b, SECRET, now), 'ok', 'body');
      }
      const claim = readSignatureClaim(req);
      for (const name of claim.signedHeaders) {
        const value = String(req.headers[name] ?? '');
        const positions = [...value].flatMap((c, i) => (/[\s]/.test(c) ? [] : [i]));
        if (positions.length === 0) continue;
        const h = copy();
        h.headers[name] = changeAt(value, positions[pick % positions.length]!);
        assert.notEqual(await verdict(h, SECRET, now), 'ok', `header ${name}`);
      }
      // (a segment that `..` removes, or `.` itself, is not part of what is signed)
      const pathAt = [...req.path].flatMap((c, i) => (c === '/' ? [] : [i]));
      if (pathAt.length > 0 && !req.path.includes('.')) {
        const p = copy();
        p.path = changeAt(req.path, pathAt[pick % pathAt.length]!);
        assert.notEqual(await verdict(p, SECRET, now), 'ok', 'path');
      }
      const keys = Object.keys(req.query);
      if (keys.length > 0) {
        const q = copy();
        const key = keys[pick % keys.length]!;
        q.query[key] = `${String(q.query[key])}q`;
        assert.notEqual(await verdict(q, SECRET, now), 'ok', `query ${key}`);
      }
      const m = copy();
      m.method = req.method === 'PUT' ? 'POST' : 'PUT';
      assert.notEqual(await verdict(m, SECRET, now), 'ok', 'method');
      const s = copy();
      const i = pick % 64;
      s.headers.authorization = String(req.headers.authorization).replace(
        /Signature=([0-9a-f]+)/,
        (_, sig: string) => `Signature=${sig.slice(0, i)}${sig[i] === '0' ? '1' : '0'}${sig.slice(i + 1)}`,
      );
      assert.notEqual(await verdict(s, SECRET, now), 'ok', 'signature');
      assert.notEqual(await verdict(req, SECRET + 'x', now), 'ok', 'secret');
    }),
    { numRuns: 300 },
  );
});

test('differential: presigned URLs of the SDK signer verify within X-Amz-Expires, and not once changed', async () => {
  const now = Date.now();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 604800 }),
      fc.constantFrom('/', '/v1/authorize', '/a b/..'),
      fc.dictionary(
        fc.constantFrom('Action', 'Version', 'RoleName'),
        fc.string({ minLength: 1, maxLength: 8 }),
      ),
      fc.nat(),
      async (expiresIn, path, query, pick) => {
        const signer = new SignatureV4({
          credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
          region: 'us-east-1',
          service: 'sts',
          sha256: Sha256,
        });
        // X-Amz-Date has whole seconds
        const signedAt = Math.floor(now / 1000) * 1000;
        const out = await signer.presign(
          {
            method: 'GET',
            protocol: 'http:',
            hostname: '127.0.0.1',
            port: 4599,
            path,
            query,
            headers: { host: '127.0.0.1:4599' },
          },
          { expiresIn, signingDate: new Date(signedAt) },
        );
        const req: IncomingSignedRequest = {
          method: 'GET',
          path,
          query: { ...(out.query as Record<string, string>) },
          headers: { host: '127.0.0.1:4599' },
          body: Buffer.alloc(0),
        };
        assert.equal(await verdict(req, SECRET, now), 'ok');
        // valid up to its last millisecond, expired after it
        assert.equal(await verdict(req, SECRET, signedAt + expiresIn * 1000), 'ok');
        assert.equal(await verdict(req, SECRET, signedAt + expiresIn * 1000 + 1), 'RequestExpired');
        const keys = Object.keys(req.query).filter((k) => k !== 'X-Amz-Signature');
        const key = keys[pick % keys.length]!;
        const changed = { ...req, query: { ...req.query, [key]: changeAt(String(req.query[key]), 0) } };
        assert.notEqual(await verdict(changed, SECRET, now), 'ok', key);
      },
    ),
    { numRuns: 150 },
  );
});

/** The library's own canonical request, for comparison with the one built on the hot path. */
class LibraryCanonical extends SignatureV4 {
  of(req: IncomingSignedRequest, names: string[], payloadHash: string): string {
    const headers: Record<string, string> = {};
    for (const n of names) if (req.headers[n] !== undefined) headers[n] = String(req.headers[n]);
    const request = {
      method: req.method,
      protocol: 'http:',
      hostname: '',
      path: req.path,
      query: req.query,
      headers,
    };
    return this.createCanonicalRequest(
      request,
      getCanonicalHeaders(request, undefined, new Set(names)),
      payloadHash,
    );
  }
}

test('differential: the canonical request of the hot path is the library’s, byte for byte', () => {
  const library = new LibraryCanonical({
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    region: 'us-east-1',
    service: 'iam',
    sha256: Sha256,
  });
  fc.assert(
    fc.property(signedRequest, (shape) => {
      const headers: Record<string, string> = { host: '127.0.0.1:4599', 'x-amz-date': '20260101T000000Z' };
      for (const [k, v] of Object.entries(shape.headers)) headers[k.toLowerCase()] = v;
      const req: IncomingSignedRequest = {
        method: shape.method,
        path: shape.path,
        query: shape.query,
        headers,
        body: Buffer.from(shape.body),
      };
      const names = Object.keys(headers).sort();
      const hash = createHash('sha256').update(req.body).digest('hex');
      assert.equal(canonicalRequest(req, names, hash), library.of(req, names, hash));
    }),
    { numRuns: 2000 },
  );
});

test("the per-request HMAC is HMAC-SHA256 of the string to sign, for any key of a signing key's size", () => {
  const hex = fc.string({
    unit: fc.constantFrom(...'0123456789abcdef'.split('')),
    minLength: 64,
    maxLength: 64,
  });
  const amzDate = fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) =>
      d
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, ''),
    );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      // scopes of any region and service, non-ASCII ones too
      fc.tuple(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 })),
      fc.array(fc.tuple(amzDate, hex), { minLength: 1, maxLength: 4 }),
      (bytes, [region, service], messages) => {
        const key = Buffer.from(bytes);
        const scope = `20260101/${region}/${service}/aws4_request`;
        const mac = stringToSignMac(key, scope);
        // undefined only before Node 20.12 (no crypto.hash), where createHmac is used instead
        assert.equal(mac === undefined, typeof crypto.hash !== 'function');
        if (mac === undefined) return;
        // one signing key serves many requests
        for (const [date, hash] of messages) {
          const stringToSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${hash}`;
          assert.deepEqual(mac(date, hash), createHmac('sha256', key).update(stringToSign, 'utf8').digest());
        }
      },
    ),
    { numRuns: 500 },
  );
});
