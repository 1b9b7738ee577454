/**
 * Whether a request can be allowed under some context: the principal's whole policy set (identity,
 * resource, boundary, session, SCP and RCP levels) and what the store knows are fixed; the context keys
 * the store does not give (`aws:SourceIp`, `aws:MultiFactorAuthPresent`, `iam:PassedToService`...) and,
 * on request, the resource range over the cells the policies can tell apart (request-space.ts). The
 * answer is a request the engine allows, with its explanation, or none. Used by who-can, can-what and
 * the escalation edges.
 */
import { authorize } from '../eval/authorize.js';
import { internalsOf } from '../eval/compile.js';
import type { AuthzEnv, AuthzRequest, AuthzResult, CompiledPolicy, PolicySet } from '../eval/types.js';
import { searchDifference } from './access-search.js';
import { requestOf, requestSpace, statementTests } from './request-space.js';
import { setOwn } from '../own-key.js';

export interface AllowedUnder {
  request: AuthzRequest;
  result: AuthzResult;
  /** Context keys the witness had to set (not given by the store), with their values. */
  conditions: Record<string, unknown>;
}

function policiesOf(set: PolicySet): CompiledPolicy[] {
  return [
    ...set.identity,
    ...(set.resource ? [set.resource] : []),
    ...(set.boundary ? [set.boundary] : []),
    ...(set.session ?? []),
    ...(set.scp ?? []).flat(),
    ...(set.rcp ?? []).flat(),
  ];
}

/**
 * A request like `base` (same principal and action; the same resource unless `freeResource`) that the
 * engine allows under `set`, or undefined when there is none in the space.
 */
export function allowedUnderSome(
  set: PolicySet,
  base: AuthzRequest,
  env: AuthzEnv,
  opts: { freeResource?: boolean; nodeBudget?: number } = {},
): AllowedUnder | undefined {
  const explain = { ...env, explain: true };
  const direct = authorize(base, set, explain);
  if (direct.decision === 'Allow') return { request: base, result: direct, conditions: {} };
  const policies = policiesOf(set);
  const space = requestSpace(policies, { kind: 'identity', actions: [base.action] });
  space.base = base;
  space.dimensions.set('action', { id: 'action', values: [base.action] });
  space.dimensions.set('principal', { id: 'principal', values: [base.principal] });
  if (!opts.freeResource) space.dimensions.set('resource', { id: 'resource', values: [base.resource] });
  const given = new Set(Object.keys(base.context ?? {}).map((k) => k.toLowerCase()));
  // Keys the store gives are facts: one value each (requestOf takes them from `base`).
  for (const lower of given)
    if (space.dimensions.has(`key:${lower}`))
      space.dimensions.set(`key:${lower}`, { id: `key:${lower}`, values: [undefined] });
  // Any statement that applies is a necessary condition of an allow: the search prunes on all of them
  // together, and the engine's decision on the whole set accepts or rejects each full request.
  const tests = policies.flatMap((p) => statementTests(p));
  const found = searchDifference(space, { tests }, undefined, {
    env,
    accept: (a) => authorize(requestOf(space, a), set, env).decision === 'Allow',
    ...(opts.nodeBudget !== undefined ? { nodeBudget: opts.nodeBudget } : {}),
  });
  if (!found.witness) return undefined;
  const request = requestOf(space, found.witness);
  const conditions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request.context ?? {})) {
    if (given.has(k.toLowerCase()) || !space.dimensions.has(`key:${k.toLowerCase()}`)) continue;
    setOwn(conditions, k, Array.isArray(v) && v.length === 0 ? '(absent)' : v);
  }
  return { request, result: authorize(request, set, explain), conditions };
}

/** The Action patterns of the Allow statements of `policies` (NotAction statements as `NotAction a, b`). */
export function allowedActionPatterns(policies: readonly CompiledPolicy[]): {
  actions: string[];
  notAction: string[];
} {
  const actions: string[] = [];
  const notAction: string[] = [];
  for (const p of policies)
    for (const st of internalsOf(p).statements) {
      const s = st.source;
      if (s.effect !== 'Allow') continue;
      if (s.action) actions.push(...s.action);
      else if (s.notAction) notAction.push(`NotAction ${s.notAction.join(', ')}`);
    }
  return { actions, notAction };
}
