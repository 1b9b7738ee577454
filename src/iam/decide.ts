/**
 * Deciding a request against the store, the same way for every front end (the endpoint's authorization of
 * each call, the decision API and the console's explainer, `rolecall simulate` from the store, readiness):
 * the resolver's policy set and context, then the engine. A credential whose role or user no longer exists
 * is allowed nothing, and so is a temporary credential at or after its expiry (checked against each
 * decision's `now`, also when the policy set comes from the cache).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html
 */
import type { AuthzEnv, AuthzRequest, AuthzResult } from '../eval/types.js';
import type { PolicyEngine } from './engine.js';
import {
  decisionSetOf,
  type PrepareOptions,
  type PreparedRequest,
  type Resolver,
  type ResolvedPrincipal,
} from './resolver.js';
import { credentialExpired } from './sessions.js';

/** No permission at all, whatever any policy says, for the reason given in the explanation. */
function nothingAllowed(env: AuthzEnv, why: string): AuthzResult {
  return {
    decision: 'ImplicitDeny',
    reason: 'NoAllow',
    ...(env.explain
      ? {
          explanation: { steps: [{ step: 'principal', outcome: why }], policies: [], missingContextKeys: [] },
        }
      : {}),
  };
}

/**
 * Why the principal is allowed nothing at `now`, whatever any policy or context says (its role or user is
 * gone, its session expired), or undefined. Searches over contexts (who-can, escalation) ask it first.
 */
export function nothingAllowedWhy(principal: ResolvedPrincipal, now: number): string | undefined {
  if (principal.revoked) return 'the credential\u2019s principal no longer exists';
  const expiresAt = principal.expiresAt;
  if (expiresAt !== undefined && credentialExpired(expiresAt, now))
    return `the credential\u2019s session expired at ${new Date(expiresAt).toISOString()}`;
  return undefined;
}

/** The engine's answer for a prepared request. */
export function decidePrepared(
  engine: Pick<PolicyEngine, 'authorize'>,
  prepared: PreparedRequest,
  env: AuthzEnv,
): AuthzResult {
  // Without explanations a pair's shared set decides (the same documents, unnamed), when its principal can
  // be refused nothing by itself: the principal's record is then not read at all.
  const shared = env.explain ? undefined : decisionSetOf(prepared);
  if (shared !== undefined) return engine.authorize(prepared.request, shared, env);
  const why = nothingAllowedWhy(prepared.principal, env.now);
  if (why !== undefined) return nothingAllowed(env, why);
  return engine.authorize(prepared.request, prepared.policySet, env);
}

/** Resolves and decides one request. */
export async function decideRequest(
  resolver: Resolver,
  engine: Pick<PolicyEngine, 'authorize'>,
  request: AuthzRequest,
  env: AuthzEnv,
  options: PrepareOptions = {},
): Promise<{ result: AuthzResult; prepared: PreparedRequest }> {
  // A warm decision is synchronous: no promise beyond this function's own.
  const prepared = resolver.prepareCached(request, options) ?? (await resolver.prepare(request, options));
  return { result: decidePrepared(engine, prepared, env), prepared };
}
