/**
 * Authentication (SigV4 against the stored secret) and authorization (the engine, as AWS would) of one
 * call, shared by the query-protocol endpoint and the decision API.
 */
import { timingSafeEqual } from 'node:crypto';
import { RolecallError } from '../errors.js';
import { credentialExpired } from '../iam/index.js';
import { accessDeniedMessage, decodedDocument, sealMessage } from './authorization-message.js';
import type { ApiBackend, CallEnvironment, StoredCredential } from './backend.js';
import type { CallAuthorization, Caller, Operation, OperationContext } from './operation.js';
import {
  checkClaimTime,
  checkSignature,
  readSignatureClaim,
  type IncomingSignedRequest,
  type SignatureClaim,
} from './sigv4.js';

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface Authenticated {
  caller: Caller;
  claim: SignatureClaim;
}

/**
 * Authenticates a signed request: the claim, the clock, the key, the session token, then the signature.
 * Without waiting (not a promise) when the credential is cached, as it is for a client's second request.
 */
export function authenticate(
  backend: ApiBackend,
  incoming: IncomingSignedRequest,
  now: number,
): Authenticated | Promise<Authenticated> {
  const claim = readSignatureClaim(incoming);
  checkClaimTime(claim, now);
  const cred = backend.findCredential(claim.accessKeyId);
  if (cred instanceof Promise) return cred.then((c) => authenticateWith(incoming, claim, c, now));
  return authenticateWith(incoming, claim, cred, now);
}

function authenticateWith(
  incoming: IncomingSignedRequest,
  claim: SignatureClaim,
  cred: StoredCredential | undefined,
  now: number,
): Authenticated {
  const invalidToken = () =>
    new RolecallError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (cred === undefined || !cred.active) throw invalidToken();
  if (cred.sessionToken !== undefined) {
    if (claim.securityToken === undefined || !constantTimeEqual(claim.securityToken, cred.sessionToken)) {
      throw invalidToken();
    }
  } else if (claim.securityToken !== undefined) {
    throw invalidToken();
  }
  checkSignature(incoming, claim, cred.secretAccessKey);
  // AWS's wording and code for an expired token (IAM/latest/APIReference/CommonErrors.html, ExpiredToken).
  if (credentialExpired(cred.expiresAt, now)) {
    throw new RolecallError('ExpiredToken', 'The security token included in the request is expired');
  }
  return { caller: cred.caller, claim };
}

export interface DenialOptions {
  /**
   * Appends an encoded authorization message that DecodeAuthorizationMessage opens (local debugging only:
   * IAM and STS do not return one for their own operations).
   */
  encodeDenials?: boolean;
}

/**
 * Runs the engine for every authorization the operation needs; the first denial answers AccessDenied in
 * AWS's form: who, which action on which resource, and the policy type that decided, without an encoded
 * authorization message unless `encodeDenials` asks for one.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 */
export function authorizeOperation(
  backend: ApiBackend,
  op: Pick<Operation, 'authorize'>,
  ctx: OperationContext,
  options: DenialOptions = {},
): void | Promise<void> {
  const calls = op.authorize(ctx);
  if (calls instanceof Promise) return calls.then((c) => authorizeCalls(backend, c, ctx, options));
  return authorizeCalls(backend, calls, ctx, options);
}

const NO_DENIAL_OPTIONS: DenialOptions = Object.freeze({});

/**
 * `calls[from..]` one after another, as authorizeOperation does for an operation's; without waiting
 * while each allow is cached (the decision API's caller check on a warm server).
 */
export function authorizeCalls(
  backend: ApiBackend,
  calls: readonly CallAuthorization[],
  ctx: OperationContext,
  options: DenialOptions = NO_DENIAL_OPTIONS,
  from = 0,
): void | Promise<void> {
  // The context has the environment's members (now, sourceIp, region).
  const env: CallEnvironment = ctx;
  for (let i = from; i < calls.length; i++) {
    const call = calls[i]!;
    const result = backend.authorizeCall(ctx.caller, call, env, false);
    if (result instanceof Promise) {
      return result.then((r) =>
        r.decision === 'Allow'
          ? authorizeCalls(backend, calls, ctx, options, i + 1)
          : deny(backend, call, env, ctx, options),
      );
    }
    if (result.decision !== 'Allow') return deny(backend, call, env, ctx, options);
  }
  return undefined;
}

/** AccessDenied for `call`, with the engine's explanation of why. */
async function deny(
  backend: ApiBackend,
  call: CallAuthorization,
  env: CallEnvironment,
  ctx: OperationContext,
  options: DenialOptions,
): Promise<never> {
  const explained = await backend.authorizeCall(ctx.caller, call, env, true);
  const denied = {
    principalArn: ctx.caller.arn,
    principalId: ctx.caller.userId,
    action: call.action,
    resource: call.resource,
    context: call.context ?? {},
  };
  const message = accessDeniedMessage(denied, explained);
  if (options.encodeDenials !== true) throw new RolecallError('AccessDenied', message);
  const encoded = sealMessage(decodedDocument(denied, explained), ctx.caller.account, backend.sealer);
  throw new RolecallError('AccessDenied', `${message}. Encoded authorization failure message: ${encoded}`);
}
