/**
 * Server-side verification of AWS Signature Version 4. Around the signature: the payload hash is always
 * recomputed from the received body (a signer's `x-amz-content-sha256` is never trusted), the clock must be
 * within 15 minutes (presigned URLs: their X-Amz-Expires window, at most seven days), and signatures are
 * compared in constant time.
 *
 * Why part of it is written here rather than taken from `@smithy/signature-v4` (the signer the SDK uses):
 * the library's async, allocation-heavy canonicalization was about a quarter of the CPU of a decision
 * request. The hot path, a header-signed request without a query string whose path needs neither escaping
 * nor normalization (what every SDK sends to `POST /` and `POST /v1/authorize`), builds the canonical
 * request here, in the library's exact form; every other request (presigned URLs, query strings, paths
 * that escaping or `.`/`..` segments would change) is canonicalized by the library itself. Hashing is
 * node:crypto's in both; the per-request HMAC is computed from two one-shot hashes by its definition
 * (`stringToSignMac`, a third of `createHmac`'s cost), over a block prepared once per signing key where
 * only the date and the canonical request's hash are written per request. test/api/sigv4.test.ts checks
 * all of it against the library's signer: what it signs verifies, any one-byte change of what it signed
 * does not, for both forms.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import crypto, { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';
import { RolecallError } from '../errors.js';

export interface IncomingSignedRequest {
  method: string;
  path: string;
  /** Query parameters as received, decoded (EMPTY_QUERY when the URL has none). */
  query: Record<string, string | string[]>;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SignatureClaim {
  accessKeyId: string;
  /** `YYYYMMDD` of the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  /** SignedHeaders as the client wrote it (`;`-separated). */
  signedHeadersText: string;
  signature: string;
  /** `YYYYMMDDTHHMMSSZ` from x-amz-date (or X-Amz-Date for presigned requests). */
  amzDate: string;
  /** `x-amz-security-token` (or X-Amz-Security-Token), present for temporary credentials. */
  securityToken?: string;
  presigned: boolean;
  /** Presigned URLs: seconds of validity from amzDate. */
  expiresIn?: number;
}

/** Clock skew AWS tolerates for IAM and STS (reported as "Signature expired"). */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** Longest validity of a presigned URL: seven days. */
export const MAX_PRESIGN_SECONDS = 604800;

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** The query of a request whose URL has none (shared: never written to). */
export const EMPTY_QUERY: Readonly<Record<string, string>> = Object.freeze({});
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function header(req: IncomingSignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  if (typeof v === 'string') return v;
  return Array.isArray(v) ? v.join(',') : undefined;
}

function queryValue(req: IncomingSignedRequest, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? v[0] : v;
}

function incomplete(message: string): RolecallError {
  return new RolecallError('IncompleteSignature', message);
}

/**
 * Reads what the request claims: from the Authorization header, or from X-Amz-* query parameters of a
 * presigned URL. No header and no presigned parameters is MissingAuthenticationToken.
 */
export function readSignatureClaim(req: IncomingSignedRequest): SignatureClaim {
  const auth = header(req, 'authorization');
  if (auth !== undefined) return readAuthorizationHeader(req, auth);
  if (queryValue(req, 'X-Amz-Algorithm') !== undefined || queryValue(req, 'X-Amz-Signature') !== undefined) {
    return readPresigned(req);
  }
  throw new RolecallError('MissingAuthenticationToken', 'Request is missing Authentication Token');
}

function readAuthorizationHeader(req: IncomingSignedRequest, auth: string): SignatureClaim {
  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${algorithm}'`);
  }
  // Comma-separated `Name=value` fields, each trimmed; a part without `=` is ignored, the last of a name wins.
  let credential = '';
  let signedHeaders = '';
  let signature = '';
  for (let at = space + 1; at <= auth.length;) {
    let end = auth.indexOf(',', at);
    if (end < 0) end = auth.length;
    const eq = auth.indexOf('=', at);
    if (eq >= 0 && eq < end) {
      const name = fieldName(auth, at, eq);
      if (name === 'Credential') credential = auth.slice(eq + 1, end).trim();
      else if (name === 'SignedHeaders') signedHeaders = auth.slice(eq + 1, end).trim();
      else if (name === 'Signature') signature = auth.slice(eq + 1, end).trim();
    }
    at = end + 1;
  }
  if (credential === '' || signedHeaders === '' || signature === '') {
    const missing = [
      ...(credential === '' ? ['Credential'] : []),
      ...(signedHeaders === '' ? ['SignedHeaders'] : []),
      ...(signature === '' ? ['Signature'] : []),
    ];
    throw incomplete(
      `${missing.map((m) => `Authorization header requires '${m}' parameter.`).join(' ')} Authorization=${algorithm}`,
    );
  }
  const amzDate = header(req, 'x-amz-date');
  if (amzDate === undefined) {
    throw incomplete(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" +
        algorithm,
    );
  }
  const token = header(req, 'x-amz-security-token');
  const scope = readCredential(credential);
  const claim: SignatureClaim = {
    accessKeyId: scope[0],
    scopeDate: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: signedHeaders.split(';'),
    signedHeadersText: signedHeaders,
    signature,
    amzDate,
    presigned: false,
  };
  if (token !== undefined) claim.securityToken = token;
  return claim;
}

const FIELDS = ['Credential', 'SignedHeaders', 'Signature'] as const;

/**
 * The trimmed name of the field `auth[at..eq)`: one of FIELDS read in place when it is written as SDKs
 * write it (after at most one space), otherwise sliced and trimmed.
 */
function fieldName(auth: string, at: number, eq: number): string {
  const from = auth.charCodeAt(at) === 0x20 ? at + 1 : at;
  for (const f of FIELDS) if (eq - from === f.length && auth.startsWith(f, from)) return f;
  return auth.slice(at, eq).trim();
}

function readPresigned(req: IncomingSignedRequest): SignatureClaim {
  const names = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-Signature',
    'X-Amz-SignedHeaders',
    'X-Amz-Date',
  ];
  const missing = names.filter((n) => !queryValue(req, n));
  if (missing.length > 0) {
    throw incomplete(`AWS query-string parameters missing: ${missing.join(', ')}`);
  }
  if (queryValue(req, 'X-Amz-Algorithm') !== ALGORITHM) {
    throw incomplete(`Unsupported AWS 'algorithm': '${queryValue(req, 'X-Amz-Algorithm')}'`);
  }
  const expires = queryValue(req, 'X-Amz-Expires');
  const token = queryValue(req, 'X-Amz-Security-Token');
  // A SigV4 signing key is valid for seven days, so a presigned URL is at most 604800 seconds
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)
  const expiresIn = expires !== undefined && /^\d{1,6}$/.test(expires) ? Number(expires) : undefined;
  if (
    expires !== undefined &&
    (expiresIn === undefined || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS)
  ) {
    throw incomplete(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}, got '${expires}'`,
    );
  }
  const [accessKeyId, scopeDate, region, service] = readCredential(queryValue(req, 'X-Amz-Credential')!);
  const signedHeaders = queryValue(req, 'X-Amz-SignedHeaders')!;
  return {
    accessKeyId,
    scopeDate,
    region,
    service,
    signedHeaders: signedHeaders.split(';'),
    signedHeadersText: signedHeaders,
    signature: queryValue(req, 'X-Amz-Signature')!,
    amzDate: queryValue(req, 'X-Amz-Date')!,
    ...(token !== undefined ? { securityToken: token } : {}),
    presigned: true,
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  };
}

/**
 * The access key id, day, region and service of `AKID/YYYYMMDD/region/service/aws4_request`: five
 * non-empty parts, read in place (it is parsed on every request).
 */
function readCredential(credential: string): [string, string, string, string] {
  const a = credential.indexOf('/');
  const b = a < 0 ? -1 : credential.indexOf('/', a + 1);
  const c = b < 0 ? -1 : credential.indexOf('/', b + 1);
  const d = c < 0 ? -1 : credential.indexOf('/', c + 1);
  if (
    a > 0 &&
    b > a + 1 &&
    c > b + 1 &&
    d > c + 1 &&
    credential.length - d - 1 === 12 &&
    credential.endsWith('aws4_request')
  ) {
    return [
      credential.slice(0, a),
      credential.slice(a + 1, b),
      credential.slice(b + 1, c),
      credential.slice(c + 1, d),
    ];
  }
  const parts = credential.split('/');
  throw incomplete(
    `Credential should be scoped to a valid region, not in the form ${parts.length === 5 ? 'given' : 'of a key and a scope'}. Credential=${credential}`,
  );
}

/** `YYYYMMDDTHHMMSSZ` to epoch milliseconds; undefined when malformed. */
export function parseAmzDate(s: string): number | undefined {
  if (s.length !== 16 || s.charCodeAt(8) !== 0x54 /* T */ || s.charCodeAt(15) !== 0x5a /* Z */)
    return undefined;
  const t = Date.UTC(
    digits(s, 0, 4),
    digits(s, 4, 6) - 1,
    digits(s, 6, 8),
    digits(s, 9, 11),
    digits(s, 11, 13),
    digits(s, 13, 15),
  );
  return Number.isNaN(t) ? undefined : t;
}

/** The decimal number of ASCII digits `s[from..to)`; NaN when one is not a digit. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function mismatch(): RolecallError {
  return new RolecallError(
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

/**
 * Checks the time window of a claim before any secret is looked up: ±15 minutes around `now` for
 * header-signed requests, the X-Amz-Expires window for presigned ones.
 */
export function checkClaimTime(claim: SignatureClaim, now: number): void {
  const signedAt = parseAmzDate(claim.amzDate);
  if (signedAt === undefined) {
    throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${claim.amzDate}'.`);
  }
  if (claim.scopeDate !== claim.amzDate.slice(0, 8)) {
    throw new RolecallError(
      'SignatureDoesNotMatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${claim.scopeDate}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
    );
  }
  if (claim.presigned) {
    const expiresIn = claim.expiresIn ?? 900;
    if (now > signedAt + expiresIn * 1000 || signedAt - now > MAX_SKEW_MS) {
      throw new RolecallError('RequestExpired', 'Request has expired.');
    }
    return;
  }
  // The message AWS sends for clock skew on IAM and STS (aws/aws-cli#6676).
  if (signedAt < now - MAX_SKEW_MS) {
    throw new RolecallError(
      'SignatureDoesNotMatch',
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
  if (signedAt > now + MAX_SKEW_MS) {
    throw new RolecallError(
      'SignatureDoesNotMatch',
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
}

/** SHA-256 hex of a string (UTF-8) or bytes; `crypto.hash` (Node 20.12+) is the one-shot form. */
const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => createHash('sha256').update(data).digest('hex');

/** A signing key (four HMACs from the secret) for one scope of one access key. */
interface SigningKey {
  secret: string;
  scopeDate: string;
  region: string;
  service: string;
  key: Buffer;
  /** The HMAC of the string to sign of this scope, when `crypto.hash` is there (see stringToSignMac). */
  mac: ((amzDate: string, canonicalHash: string) => Buffer) | undefined;
}

/** Scopes remembered per access key (a client signing for iam and sts in two regions uses four). */
const SCOPES_PER_KEY = 4;
/** Access keys remembered; past this the cache starts over. */
const MAX_KEYS = 1000;
const signingKeys = new Map<string, SigningKey[]>();

/**
 * HMAC-SHA256 with `key` of the string to sign of one scope, `AWS4-HMAC-SHA256\n<amzDate>\n<scope>\n<hash>`,
 * by its definition: H((K ^ opad) || H((K ^ ipad) || message)) with K zero-padded to the 64-byte block
 * (https://www.rfc-editor.org/rfc/rfc2104). Two one-shot hashes cost a third of what `createHmac` does per
 * call (it sets up a keyed context every time). The padded block and the parts of the string to sign that
 * the scope fixes are written once; a call writes the request's date (`YYYYMMDDTHHMMSSZ`, 16 ASCII
 * characters) and the canonical request's hash (64 hex digits) in place, and callers check both are that.
 * The verification is synchronous, so no two calls share the buffers at once; the MAC returned is
 * overwritten by the next call. Undefined before Node 20.12 (no `crypto.hash`): createHmac is used then.
 */
export function stringToSignMac(
  key: Buffer,
  scope: string,
): ((amzDate: string, canonicalHash: string) => Buffer) | undefined {
  if (typeof crypto.hash !== 'function' || key.length > 64) return undefined;
  const dateAt = 64 + ALGORITHM.length + 1;
  const hashAt = dateAt + 16 + 1 + Buffer.byteLength(scope, 'utf8') + 1;
  const inner = Buffer.alloc(hashAt + 64);
  const outer = Buffer.alloc(64 + 32);
  const mac = Buffer.alloc(32);
  for (let i = 0; i < 64; i++) {
    const k = i < key.length ? key[i]! : 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  inner.write(`${ALGORITHM}\n`, 64, 'latin1');
  inner.write(`\n${scope}\n`, dateAt + 16, 'utf8');
  return (amzDate, canonicalHash) => {
    inner.write(amzDate, dateAt, 16, 'latin1');
    inner.write(canonicalHash, hashAt, 64, 'latin1');
    // digests as latin1 strings (one byte per character) copied into place: no buffer per call
    outer.write(crypto.hash('sha256', inner, 'binary'), 64, 'latin1');
    mac.write(crypto.hash('sha256', outer, 'binary'), 0, 'latin1');
    return mac;
  };
}

/** 16 characters below U+0080: a date that stringToSignMac can write as it is. */
function isAmzDateShape(s: string): boolean {
  if (s.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The day's signing key of the claim's scope, derived once per access key, secret, day, region and service. */
function signingKey(claim: SignatureClaim, secret: string): SigningKey {
  let keys = signingKeys.get(claim.accessKeyId);
  if (keys !== undefined) {
    for (const k of keys) {
      if (
        k.scopeDate === claim.scopeDate &&
        k.region === claim.region &&
        k.service === claim.service &&
        k.secret === secret
      ) {
        return k;
      }
    }
  } else {
    if (signingKeys.size >= MAX_KEYS) signingKeys.clear();
    keys = [];
    signingKeys.set(claim.accessKeyId, keys);
  }
  let key = createHmac('sha256', `AWS4${secret}`).update(claim.scopeDate, 'utf8').digest();
  for (const part of [claim.region, claim.service, 'aws4_request']) {
    key = createHmac('sha256', key).update(part, 'utf8').digest();
  }
  if (keys.length >= SCOPES_PER_KEY) keys.shift();
  const entry: SigningKey = {
    secret,
    scopeDate: claim.scopeDate,
    region: claim.region,
    service: claim.service,
    key,
    mac: stringToSignMac(key, scopeOf(claim)),
  };
  keys.push(entry);
  return entry;
}

/** The signed header names: lower case, each once, sorted (the canonical request's order). */
function signedHeaderNames(claimed: readonly string[]): string[] {
  let canonical = true;
  for (let i = 0; i < claimed.length && canonical; i++) {
    const name = claimed[i]!;
    canonical = name === name.toLowerCase() && (i === 0 || claimed[i - 1]! < name);
  }
  if (canonical) return claimed as string[];
  return [...new Set(claimed.map((h) => h.toLowerCase()))].sort();
}

/** A header value as the library canonicalizes it: line breaks and runs of blanks become one space, trimmed. */
function canonicalValue(v: string): string {
  if (isCanonicalValue(v)) return v;
  return v
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
}

/** No tab or line break, no leading, trailing or doubled space: what SDKs send (scanned, not matched). */
function isCanonicalValue(v: string): boolean {
  const n = v.length;
  if (n > 0 && (v.charCodeAt(0) === 0x20 || v.charCodeAt(n - 1) === 0x20)) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d || (c === 0x20 && v.charCodeAt(i + 1) === 0x20)) return false;
  }
  return true;
}

/**
 * A path the library's canonicalization leaves as is: `/` then segments of unreserved characters
 * (RFC 3986: letters, digits, `-._~`), none empty, `.` or `..`, optionally ending in `/`.
 */
function isPlainPath(path: string): boolean {
  if (path.charCodeAt(0) !== 0x2f) return false;
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - segmentStart;
      if (len === 0 && i < path.length) return false;
      if (len === 1 && path.charCodeAt(segmentStart) === 0x2e) return false;
      if (len === 2 && path.charCodeAt(segmentStart) === 0x2e && path.charCodeAt(segmentStart + 1) === 0x2e)
        return false;
      segmentStart = i + 1;
      continue;
    }
    const unreserved =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2d ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x7e;
    if (!unreserved) return false;
  }
  return true;
}

function scopeOf(claim: SignatureClaim): string {
  return `${claim.scopeDate}/${claim.region}/${claim.service}/aws4_request`;
}

function hasQuery(req: IncomingSignedRequest): boolean {
  if (req.query === EMPTY_QUERY) return false;
  for (const key in req.query) if (Object.hasOwn(req.query, key)) return true;
  return false;
}

/** The library's hash constructor, needed to build its signer (whose hashing is not used here). */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** Exposes the library's canonical request (path escaping and normalization, canonical query). */
class LibraryCanonicalizer extends SignatureV4 {
  canonicalRequest(req: IncomingSignedRequest, names: readonly string[], payloadHash: string): string {
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const name of names) {
      const v = header(req, name);
      if (v !== undefined) headers[name] = v;
    }
    const query: Record<string, string | string[]> = { ...req.query };
    // The signature itself is not part of what a presigned URL signs (getCanonicalQuery drops it too).
    delete query['X-Amz-Signature'];
    const request: HttpRequest = {
      method: req.method.toUpperCase(),
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query,
      headers,
    };
    return this.createCanonicalRequest(
      request,
      getCanonicalHeaders(request, undefined, new Set(names)),
      payloadHash,
    );
  }
}

const library = new LibraryCanonicalizer({
  credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  region: 'us-east-1',
  service: 'iam',
  sha256: NodeSha256,
});

/**
 * The canonical request of the hot path (no query string, a plain path), in the library's form: method,
 * path, empty query, `name:value` of each signed header present, the signed names, the payload hash.
 */
function plainCanonicalRequest(
  req: IncomingSignedRequest,
  names: readonly string[],
  payloadHash: string,
  namesText: string | undefined,
): string {
  let lines = '';
  let signed = '';
  let all = true;
  for (const name of names) {
    const v = header(req, name);
    if (v === undefined) {
      all = false;
      continue;
    }
    lines += `${name}:${canonicalValue(v)}\n`;
    signed = signed === '' ? name : `${signed};${name}`;
  }
  // the names as the client wrote them, when they are the list (every one present, in canonical order)
  if (all && namesText !== undefined) signed = namesText;
  return `${req.method.toUpperCase()}\n${req.path}\n\n${lines}\n${signed}\n${payloadHash}`;
}

/**
 * The canonical request the client signed, as the library's signer builds it. `namesText`: `names`
 * joined by `;` when the caller has that string already.
 */
export function canonicalRequest(
  req: IncomingSignedRequest,
  names: readonly string[],
  payloadHash: string,
  namesText?: string,
): string {
  return !hasQuery(req) && isPlainPath(req.path)
    ? plainCanonicalRequest(req, names, payloadHash, namesText)
    : library.canonicalRequest(req, names, payloadHash);
}

/** The claimed signature's bytes, decoded in place. */
const claimed = Buffer.alloc(32);

/**
 * Recomputes the signature of the request with `secret` and compares it in constant time. Throws
 * SignatureDoesNotMatch when it differs or the body does not match a signed `x-amz-content-sha256`.
 * Synchronous: nothing here waits (the signing key of a scope is derived once and remembered).
 */
export function checkSignature(req: IncomingSignedRequest, claim: SignatureClaim, secret: string): void {
  const names = signedHeaderNames(claim.signedHeaders);
  if (!names.includes('host')) {
    throw incomplete(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  const bodyHash = req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (
    claimedHash !== undefined &&
    claimedHash !== bodyHash &&
    !(req.body.length === 0 && claimedHash === EMPTY_SHA256)
  ) {
    throw mismatch();
  }
  // (signedHeaderNames returns the claimed list itself when it is canonical: its text is the names joined)
  const canonical = canonicalRequest(
    req,
    names,
    bodyHash,
    names === claim.signedHeaders ? claim.signedHeadersText : undefined,
  );
  const canonicalHash = sha256Hex(canonical);
  const key = signingKey(claim, secret);
  const expected =
    key.mac !== undefined && isAmzDateShape(claim.amzDate)
      ? key.mac(claim.amzDate, canonicalHash)
      : createHmac('sha256', key.key)
          .update(`${ALGORITHM}\n${claim.amzDate}\n${scopeOf(claim)}\n${canonicalHash}`, 'utf8')
          .digest();
  // 64 hex digits in any case: the hex decoder stops at the first pair that is not two of them, so 32
  // bytes written from 64 characters means all were. The comparison is of the bytes, in constant time.
  if (claim.signature.length !== 64 || claimed.write(claim.signature, 0, 'hex') !== 32) throw mismatch();
  if (!timingSafeEqual(expected, claimed)) throw mismatch();
}

/** checkSignature, for callers that await it. */
export function verifySignature(
  req: IncomingSignedRequest,
  claim: SignatureClaim,
  secret: string,
): Promise<void> {
  return new Promise((resolve) => {
    checkSignature(req, claim, secret);
    resolve();
  });
}
