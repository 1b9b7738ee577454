/**
 * Authentication (SigV4 against the stored secret) and authorization (the engine, as AWS would) of one
 * call, shared by the query-protocol endpoint and the decision API.
 */
import { timingSafeEqual } from 'node:crypto';
import { RolecallError } from '../errors.js';
import { credentialExpired } from '../iam/index.js';
import { accessDeniedMessage, decodedDocument, sealMessage } from './authorization-message.js';
import type { ApiBackend, CallEnvironment } from './backend.js';
import type { Caller, Operation, OperationContext } from './operation.js';
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

/** Authenticates a signed request: the claim, the clock, the key, the session token, then the signature. */
export async function authenticate(
  backend: ApiBackend,
  incoming: IncomingSignedRequest,
  now: number,
): Promise<{ caller: Caller; claim: SignatureClaim }> {
  const claim = readSignatureClaim(incoming);
  checkClaimTime(claim, now);
  const invalidToken = () =>
    new RolecallError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const cred = await backend.findCredential(claim.accessKeyId);
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
export async function authorizeOperation(
  backend: ApiBackend,
  op: Pick<Operation, 'authorize'>,
  ctx: OperationContext,
  options: DenialOptions = {},
): Promise<void> {
  const env: CallEnvironment = { now: ctx.now, sourceIp: ctx.sourceIp, region: ctx.region };
  for (const call of await op.authorize(ctx)) {
    const result = await backend.authorizeCall(ctx.caller, call, env, false);
    if (result.decision === 'Allow') continue;
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
}
