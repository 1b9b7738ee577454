/**
 * The one path from an authenticated caller to a result, shared by the query-protocol endpoint and the
 * web console: find the operation of the caller's account, apply STS's rules for credentials from
 * GetSessionToken and GetFederationToken, have the engine authorize every call the operation needs, then run it.
 */
import { RolecallError } from '../errors.js';
import type { ApiBackend } from './backend.js';
import { authorizeOperation, type DenialOptions } from './call-auth.js';
import type { Operation, OperationContext, OperationResult } from './operation.js';

/** The operations of each account, keyed `service:Name`, built once per account. */
export function operationIndex(backend: ApiBackend): (account: string) => ReadonlyMap<string, Operation> {
  const byAccount = new Map<string, Map<string, Operation>>();
  return (account) => {
    let ops = byAccount.get(account);
    if (ops === undefined) {
      ops = new Map();
      for (const op of backend.operations(account)) ops.set(`${op.service}:${op.name}`, op);
      byAccount.set(account, ops);
    }
    return ops;
  };
}

/** An operation of the endpoint, or of the console (whose results are JSON rather than XML members). */
export interface Dispatchable<R = OperationResult> {
  service: string;
  name: string;
  authorize: Operation['authorize'];
  run(ctx: OperationContext): Promise<R>;
}

/** Authorizes `op` for the context's caller with the engine and runs it; a denial throws AccessDenied. */
export async function runOperation<R = OperationResult>(
  backend: ApiBackend,
  op: Dispatchable<R>,
  ctx: OperationContext,
  options: DenialOptions = {},
): Promise<R> {
  // Credentials from GetSessionToken without MFA cannot call IAM, and of STS only AssumeRole and
  // GetCallerIdentity (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)
  if (
    ctx.caller.fromSessionToken &&
    !(op.service === 'sts' && (op.name === 'AssumeRole' || op.name === 'GetCallerIdentity'))
  ) {
    throw new RolecallError(
      'AccessDenied',
      `User: ${ctx.caller.arn} is not authorized to perform: ${op.service}:${op.name} with credentials from GetSessionToken without MFA`,
    );
  }
  // Federated user credentials call no IAM operation and no STS operation but GetCallerIdentity.
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html (Permissions)
  if (ctx.caller.federated && !(op.service === 'sts' && op.name === 'GetCallerIdentity')) {
    throw new RolecallError(
      'AccessDenied',
      `User: ${ctx.caller.arn} is not authorized to perform: ${op.service}:${op.name} with federated user credentials`,
    );
  }
  await authorizeOperation(backend, op, ctx, options);
  return await op.run(ctx);
}
