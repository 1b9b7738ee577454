/**
 * Server-side verification of AWS Signature Version 4, with the signer the SDK itself uses
 * (`@smithy/signature-v4`). Around it: the payload hash is always recomputed from the received body (the
 * library would trust `x-amz-content-sha256`), the clock must be within 15 minutes, and signatures are
 * compared in constant time.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4, getCanonicalHeaders, createScope, getSigningKey } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';
import { RolecallError } from '../errors.js';

export interface IncomingSignedRequest {
  method: string;
  path: string;
  /** Query parameters as received, decoded. */
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
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function header(req: IncomingSignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
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
  const fields = new Map<string, string>();
  for (const part of auth.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
  if (missing.length > 0) {
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
  return {
    ...readCredential(fields.get('Credential')!),
    signedHeaders: fields.get('SignedHeaders')!.split(';'),
    signature: fields.get('Signature')!,
    amzDate,
    ...(token !== undefined ? { securityToken: token } : {}),
    presigned: false,
  };
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
  return {
    ...readCredential(queryValue(req, 'X-Amz-Credential')!),
    signedHeaders: queryValue(req, 'X-Amz-SignedHeaders')!.split(';'),
    signature: queryValue(req, 'X-Amz-Signature')!,
    amzDate: queryValue(req, 'X-Amz-Date')!,
    ...(token !== undefined ? { securityToken: token } : {}),
    presigned: true,
    ...(expiresIn !== undefined ? { expiresIn } : {}),
  };
}

function readCredential(
  credential: string,
): Pick<SignatureClaim, 'accessKeyId' | 'scopeDate' | 'region' | 'service'> {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    throw incomplete(
      `Credential should be scoped to a valid region, not in the form ${parts.length === 5 ? 'given' : 'of a key and a scope'}. Credential=${credential}`,
    );
  }
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string];
  return { accessKeyId, scopeDate, region, service };
}

/** `YYYYMMDDTHHMMSSZ` to epoch milliseconds; undefined when malformed. */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : t;
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

/** SHA-256 and HMAC-SHA256 from node:crypto in the shape the smithy signer expects. */
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

/** Signing keys derived per secret, day, region and service (the derivation is four HMACs). */
function signingKeyId(claim: SignatureClaim, secret: string): string {
  return `${claim.accessKeyId}\0${secret}\0${claim.scopeDate}\0${claim.region}\0${claim.service}`;
}

const signingKeys = new Map<string, Uint8Array>();

async function signingKey(claim: SignatureClaim, secret: string): Promise<Uint8Array> {
  const id = signingKeyId(claim, secret);
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = await getSigningKey(
      NodeSha256,
      { accessKeyId: claim.accessKeyId, secretAccessKey: secret },
      claim.scopeDate,
      claim.region,
      claim.service,
    );
    if (signingKeys.size >= 1000) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** Exposes the canonical-request and string-to-sign steps of the SDK's signer for verification. */
class Verifier extends SignatureV4 {
  /** Synchronous once the signing key is known: the canonical request is the SDK's, hashed with node:crypto. */
  signatureOf(
    request: HttpRequest,
    canonicalHeaders: Record<string, string>,
    payloadHash: string,
    claim: SignatureClaim,
    key: Uint8Array,
  ): string {
    const scope = createScope(claim.scopeDate, claim.region, claim.service);
    const canonical = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
    return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  }
}

const verifier = new Verifier({
  credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  region: 'us-east-1',
  service: 'iam',
  sha256: NodeSha256,
});

/**
 * Recomputes the signature of the request with `secret` and compares it in constant time. Throws
 * SignatureDoesNotMatch when it differs or the body does not match a signed `x-amz-content-sha256`.
 */
export async function verifySignature(
  req: IncomingSignedRequest,
  claim: SignatureClaim,
  secret: string,
): Promise<void> {
  const signed = new Set(claim.signedHeaders.map((h) => h.toLowerCase()));
  if (!signed.has('host')) {
    throw incomplete(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = header(req, name);
    if (v !== undefined) headers[name] = v;
  }
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (
    claimedHash !== undefined &&
    claimedHash !== bodyHash &&
    !(req.body.length === 0 && claimedHash === EMPTY_SHA256)
  ) {
    throw mismatch();
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
  const canonicalHeaders = getCanonicalHeaders(request, undefined, signed);
  // Awaits only when the day's signing key is not derived yet: fewer promises on the hot path.
  const key = signingKeys.get(signingKeyId(claim, secret)) ?? (await signingKey(claim, secret));
  const expected = verifier.signatureOf(request, canonicalHeaders, bodyHash, claim, key);
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(claim.signature.toLowerCase(), 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw mismatch();
}
