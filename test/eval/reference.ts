/**
 * A naive reference evaluator for property tests: written straight from AWS's evaluation-logic pages,
 * with regular expressions and no indexing, compilation or caching. Slow and obvious on purpose; the
 * compiled engine must agree with it. It covers identity, resource and boundary policies, Action/
 * NotAction, Resource/NotResource, Principal (AWS account, user, role ARN) and the string, Null and set
 * condition operators that the generators produce.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 */

export interface RefStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: { AWS: string[] };
  Condition?: Record<string, Record<string, string[]>>;
}
export interface RefPolicy {
  Version: '2012-10-17';
  Statement: RefStatement[];
}
export interface RefRequest {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string[]>;
}
export interface RefPolicies {
  identity: RefPolicy[];
  resource?: RefPolicy;
  boundary?: RefPolicy;
}

function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

function actionMatches(patterns: string[], action: string): boolean {
  return patterns.some((p) => globToRegExp(p, 'i').test(action));
}

/** Each of the six colon-separated ARN parts on its own; the last part keeps any further colons. */
function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (!p) return globToRegExp(pattern).test(arn);
  if (!a) return false;
  return p.every((seg, i) => globToRegExp(seg).test(a[i]!));
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** 0 no match, 1 the account, 2 named directly. */
function principalMatch(st: RefStatement, principal: string): number {
  if (!st.Principal) return 2;
  let best = 0;
  for (const v of st.Principal.AWS) {
    if (v === '*') best = Math.max(best, 2);
    else if (v === accountOf(principal) || v === `arn:aws:iam::${accountOf(principal)}:root`)
      best = Math.max(best, 1);
    else if (v === principal) best = Math.max(best, 2);
  }
  return best;
}

function conditionHolds(op: string, key: string, values: string[], ctx: Record<string, string[]>): boolean {
  const found = Object.keys(ctx).find((k) => k.toLowerCase() === key.toLowerCase());
  const seen = found === undefined ? [] : ctx[found]!;
  let qualifier = '';
  let base = op;
  if (op.includes(':')) [qualifier, base] = op.split(':') as [string, string];
  let ifExists = false;
  if (base.endsWith('IfExists')) {
    ifExists = true;
    base = base.slice(0, -8);
  }
  if (base === 'Null') return values.some((v) => (v === 'true') === (seen.length === 0));
  if (seen.length === 0) {
    if (ifExists || qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return base.includes('Not');
  }
  const negated = base.includes('Not');
  const positive = base.replace('Not', '');
  const one = (cv: string) =>
    values.some((pv) =>
      positive === 'StringEquals'
        ? cv === pv
        : positive === 'StringEqualsIgnoreCase'
          ? cv.toLowerCase() === pv.toLowerCase()
          : positive === 'StringLike'
            ? globToRegExp(pv).test(cv)
            : false,
    );
  const each = (cv: string) => (negated ? !one(cv) : one(cv));
  if (qualifier === 'ForAllValues') return seen.every(each);
  if (qualifier === 'ForAnyValue') return seen.some(each);
  return negated ? seen.every(each) : seen.some(one);
}

function applies(st: RefStatement, req: RefRequest): number {
  const action = st.Action
    ? actionMatches(st.Action, req.action)
    : !actionMatches(st.NotAction ?? [], req.action);
  if (!action) return 0;
  const resource = st.Resource
    ? st.Resource.some((r) => arnMatches(r, req.resource))
    : st.NotResource
      ? !st.NotResource.some((r) => arnMatches(r, req.resource))
      : true;
  if (!resource) return 0;
  const principal = principalMatch(st, req.principal);
  if (principal === 0) return 0;
  for (const [op, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys))
      if (!conditionHolds(op, key, values, req.context)) return 0;
  }
  return principal;
}

export function referenceDecision(
  p: RefPolicies,
  req: RefRequest,
  resourceAccount: string,
): 'Allow' | 'ExplicitDeny' | 'ImplicitDeny' {
  const all = [...p.identity, ...(p.resource ? [p.resource] : []), ...(p.boundary ? [p.boundary] : [])];
  if (all.some((pol) => pol.Statement.some((s) => s.Effect === 'Deny' && applies(s, req) > 0)))
    return 'ExplicitDeny';
  const identityAllow = p.identity.some((pol) =>
    pol.Statement.some((s) => s.Effect === 'Allow' && applies(s, req) > 0),
  );
  const grant = Math.max(
    0,
    ...(p.resource?.Statement.filter((s) => s.Effect === 'Allow').map((s) => applies(s, req)) ?? []),
  );
  const same = accountOf(req.principal) === resourceAccount;
  const allowed = same ? identityAllow || grant === 2 : identityAllow && grant > 0;
  if (!allowed) return 'ImplicitDeny';
  if (p.boundary) {
    const boundaryAllows = p.boundary.Statement.some((s) => s.Effect === 'Allow' && applies(s, req) > 0);
    // A same-account resource-based policy naming the user ARN itself (or everyone) is not limited by
    // the boundary.
    const namesUser =
      same &&
      (p.resource?.Statement.some(
        (s) =>
          s.Effect === 'Allow' &&
          applies(s, req) > 0 &&
          (s.Principal?.AWS.includes(req.principal) || s.Principal?.AWS.includes('*')),
      ) ??
        false);
    if (!boundaryAllows && !namesUser) return 'ImplicitDeny';
  }
  return 'Allow';
}
