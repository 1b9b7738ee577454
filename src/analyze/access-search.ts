/**
 * Search of a request space for a request that one policy allows and another does not. Dimensions are
 * assigned one at a time (only those a still-undecided statement reads); each statement is true, false
 * or not yet known under the partial assignment, and a branch is dropped as soon as the first policy
 * cannot allow or the second must allow. Over the finite space this is a complete search: no witness
 * found means none exists in the space.
 */
import { PreparedRequest } from '../eval/request.js';
import type { AuthzEnv } from '../eval/types.js';
import { requestOf, type DimValue, type RequestSpace, type StatementTests } from './request-space.js';

type Tri = 0 | 1 | 2; // false, true, unknown
const F: Tri = 0;
const T: Tri = 1;
const U: Tri = 2;

export interface SearchSide {
  tests: StatementTests[];
}

export interface SearchOptions {
  env: AuthzEnv;
  /** Largest number of search nodes; past it the search stops and says so. */
  nodeBudget?: number;
  /** Whether a full assignment is a witness (the engine's verdict); a false answer resumes the search. */
  accept(assignment: ReadonlyMap<string, DimValue>): boolean;
}

export interface SearchResult {
  witness?: ReadonlyMap<string, DimValue>;
  nodes: number;
  /** False when the node budget ran out before the space was covered. */
  complete: boolean;
}

function statementStatus(
  t: StatementTests,
  req: PreparedRequest,
  assigned: ReadonlyMap<string, DimValue>,
  missing: Set<string>,
): Tri {
  let status: Tri = T;
  for (const p of t.pieces) {
    let ready = true;
    for (const d of p.deps)
      if (!assigned.has(d)) {
        ready = false;
        missing.add(d);
      }
    if (!ready) {
      status = U;
      continue;
    }
    if (!p.test(req)) return F;
  }
  return status;
}

/** 3-valued "the policy allows": some Allow applies and no Deny applies. */
function allows(
  side: SearchSide,
  req: PreparedRequest,
  assigned: ReadonlyMap<string, DimValue>,
  missing: Set<string>,
  unread: Set<string>,
): Tri {
  let allow: Tri = F;
  let deny: Tri = F;
  const local = new Set<string>();
  for (const t of side.tests) {
    const s = statementStatus(t, req, assigned, local);
    if (t.deny) {
      if (s === T) deny = T;
      else if (s === U && deny === F) deny = U;
    } else if (s === T) allow = T;
    else if (s === U && allow === F) allow = U;
  }
  const result: Tri = deny === T || allow === F ? F : allow === T && deny === F ? T : U;
  for (const d of local) (result === U ? missing : unread).add(d);
  return result;
}

/** Finds an assignment under which `first` allows and `second` (if any) does not. */
export function searchDifference(
  space: RequestSpace,
  first: SearchSide,
  second: SearchSide | undefined,
  opts: SearchOptions,
): SearchResult {
  const budget = opts.nodeBudget ?? 2_000_000;
  const assigned = new Map<string, DimValue>();
  let nodes = 0;
  let complete = true;
  const order = (d: string) => (d === 'action' ? 0 : d === 'resource' ? 1 : d === 'principal' ? 2 : 3);

  const visit = (): boolean => {
    if (++nodes > budget) {
      complete = false;
      return false;
    }
    const req = new PreparedRequest(requestOf(space, assigned), opts.env);
    const missing = new Set<string>();
    const unread = new Set<string>();
    const a = allows(first, req, assigned, missing, unread);
    if (a === F) return false;
    const b = second ? allows(second, req, assigned, missing, unread) : F;
    if (b === T) return false;
    if (a === T && b === F) {
      if (opts.accept(assigned)) return true;
      // The engine's flow can need more than the sides show (a cap or a trust policy beside an allow
      // that already applies): keep assigning what the undecided statements read.
      for (const d of unread) missing.add(d);
    }
    // The next dimension: the one the flow reads first among those still undecided statements read.
    let next: string | undefined;
    for (const d of missing)
      if (next === undefined || order(d) < order(next) || (order(d) === order(next) && d < next)) next = d;
    if (next === undefined) return false;
    const dim = space.dimensions.get(next);
    if (!dim) return false;
    for (const v of dim.values) {
      assigned.set(next, v);
      if (visit()) return true;
      if (!complete) break;
    }
    assigned.delete(next);
    return false;
  };
  const found = visit();
  return found ? { witness: new Map(assigned), nodes, complete: true } : { nodes, complete };
}
