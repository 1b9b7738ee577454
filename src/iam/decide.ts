/**
 * Deciding a request against the store, the same way for every front end (the endpoint's authorization of
 * each call, the decision API, `rolecall simulate` from the store): the resolver's policy set and context,
 * then the engine. A credential whose role or user no longer exists is allowed nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
import type { AuthzEnv, AuthzRequest, AuthzResult } from '../eval/types.js';
import type { PolicyEngine } from './engine.js';
import type { PrepareOptions, PreparedRequest, Resolver } from './resolver.js';

/** The engine's answer for a prepared request. */
export function decidePrepared(
  engine: Pick<PolicyEngine, 'authorize'>,
  prepared: PreparedRequest,
  env: AuthzEnv,
): AuthzResult {
  if (prepared.principal.revoked) {
    return {
      decision: 'ImplicitDeny',
      reason: 'NoAllow',
      ...(env.explain
        ? {
            explanation: {
              steps: [{ step: 'principal', outcome: 'the credential\u2019s principal no longer exists' }],
              policies: [],
              missingContextKeys: [],
            },
          }
        : {}),
    };
  }
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
