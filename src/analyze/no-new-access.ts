/**
 * Access Analyzer's custom policy checks, decided offline by rolecall's engine:
 * - check-no-new-access: does NEW allow any request that EXISTING does not?
 *   https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html
 * - check-access-not-granted: does POLICY allow any of these actions (on these resources)?
 *   https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
 * Both search the finite request space of the policies (request-space.ts) completely, and a FAIL comes
 * with a witness: a request that `authorize` allows under one and not under the other, with both
 * explanations. What is exact and what is approximated: docs/access-analysis.md.
 */
import { authorize } from '../eval/authorize.js';
import type { AuthzEnv, AuthzRequest, AuthzResult, CompiledPolicy } from '../eval/types.js';
import { searchDifference } from './access-search.js';
import { aloneSet, type AccessPolicyKind } from './policy-alone.js';
import {
  requestOf,
  requestSpace,
  statementTests,
  type DimValue,
  type RequestSpace,
} from './request-space.js';

export type CheckVerdict = 'PASS' | 'FAIL';

export interface AccessWitness {
  request: AuthzRequest;
  /** The engine's decision (with explanation) under the policy that allows it. */
  allowedBy: AuthzResult;
  /** The engine's decision (with explanation) under the other policy, or undefined for check-access-not-granted. */
  notAllowedBy?: AuthzResult;
}

export interface AccessCheckResult {
  result: CheckVerdict;
  witness?: AccessWitness;
  /** True when the space was searched completely and no part of it was approximated. */
  exact: boolean;
  /** Where the request space is not exact, in words. */
  approximations: string[];
  /** The size of the space and of the search. */
  stats: { nodes: number; dimensions: Record<string, number> };
}

export interface AccessCheckOptions {
  kind: AccessPolicyKind;
  /** Evaluation time (aws:CurrentTime when a policy reads it and the key is not set). */
  now: number;
  /** The action universe; default every action of every service. */
  actions?: readonly string[];
  nodeBudget?: number;
  cellBudget?: number;
}

function decide(
  kind: AccessPolicyKind,
  policy: CompiledPolicy,
  request: AuthzRequest,
  env: AuthzEnv,
): AuthzResult {
  return authorize(request, aloneSet(kind, policy, request.principal), env);
}

function run(
  allowed: CompiledPolicy,
  other: CompiledPolicy | undefined,
  space: RequestSpace,
  opts: AccessCheckOptions,
): AccessCheckResult {
  const env = { now: opts.now };
  const accept = (a: ReadonlyMap<string, DimValue>) => {
    const req = requestOf(space, a);
    if (decide(opts.kind, allowed, req, env).decision !== 'Allow') return false;
    return !other || decide(opts.kind, other, req, env).decision !== 'Allow';
  };
  const found = searchDifference(
    space,
    { tests: statementTests(allowed) },
    other ? { tests: statementTests(other) } : undefined,
    { env, accept, ...(opts.nodeBudget !== undefined ? { nodeBudget: opts.nodeBudget } : {}) },
  );
  const dimensions: Record<string, number> = {};
  for (const [id, d] of space.dimensions) dimensions[id] = d.values.length;
  const approximations = [...space.approximations];
  if (!found.complete)
    approximations.push(`search stopped after ${found.nodes} nodes: the space was not covered`);
  const base = { approximations, stats: { nodes: found.nodes, dimensions } };
  if (!found.witness) return { result: 'PASS', exact: approximations.length === 0, ...base };
  const request = requestOf(space, found.witness);
  const explain = { now: opts.now, explain: true };
  const witness: AccessWitness = {
    request,
    allowedBy: authorize(request, aloneSet(opts.kind, allowed, request.principal), explain),
  };
  if (other)
    witness.notAllowedBy = authorize(request, aloneSet(opts.kind, other, request.principal), explain);
  // A witness is a fact about the engine: FAIL is exact whatever the space left out.
  return { result: 'FAIL', witness, exact: true, ...base };
}

/** PASS when `updated` allows nothing that `existing` does not. */
export function checkNoNewAccess(
  existing: CompiledPolicy,
  updated: CompiledPolicy,
  opts: AccessCheckOptions,
): AccessCheckResult {
  const space = requestSpace([existing, updated], {
    kind: opts.kind,
    ...(opts.actions ? { actions: opts.actions } : {}),
    ...(opts.cellBudget !== undefined ? { cellBudget: opts.cellBudget } : {}),
  });
  return run(updated, existing, space, opts);
}

export interface AccessNotGrantedOptions extends AccessCheckOptions {
  /**
   * The access that must not be allowed: any of `access.actions` (wildcards allowed) on any of
   * `access.resources` (ARN patterns); either may be left out (any action, any resource), as in AWS's
   * Access object (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_Access.html).
   */
  access: { actions?: readonly string[]; resources?: readonly string[] };
}

/** PASS when `policy` allows none of the access, under any principal and context. */
export function checkAccessNotGranted(
  policy: CompiledPolicy,
  opts: AccessNotGrantedOptions,
): AccessCheckResult {
  const space = requestSpace([policy], {
    kind: opts.kind,
    ...(opts.access.actions ? { onlyActions: opts.access.actions } : {}),
    ...(opts.access.resources ? { onlyResources: opts.access.resources } : {}),
    ...(opts.actions ? { actions: opts.actions } : {}),
    ...(opts.cellBudget !== undefined ? { cellBudget: opts.cellBudget } : {}),
  });
  return run(policy, undefined, space, opts);
}
