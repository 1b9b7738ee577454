/**
 * The decision: AWS's policy evaluation flow, one named step each.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * With explanations off a decision allocates nothing: one prepared request is reused, policy flags are
 * numbers, and the result is one of a fixed set of frozen objects.
 */
import { KMS_CROSS_ACCOUNT_ACTIONS } from '../knowledge/kms-cross-account.js';
import {
  actionFactsFor,
  appliesBeyondAction,
  candidatesFor,
  explainStatement,
  internalsOf,
  resourceFactsFor,
  type CompiledStatement,
} from './compile.js';
import { Grant } from './principal.js';
import { PreparedRequest } from './request.js';
import type {
  AuthzEnv,
  AuthzRequest,
  AuthzResult,
  CompiledPolicy,
  Decision,
  DecisionReason,
  Explanation,
  PolicySet,
  PolicySlot,
  StatementExplanation,
} from './types.js';

const DENY = 1;
const ALLOW = 2;
const GRANT_SHIFT = 2;

/** An explained decision records into its explanation as it goes (missingContextKeys as they are found). */
type Recorder = Explanation;

/** Deny/allow flags of one policy, with the strongest principal grant of its applying Allow statements. */
function scan(
  policy: CompiledPolicy,
  req: PreparedRequest,
  rec: Recorder | undefined,
  slot: PolicySlot,
  level?: number,
): number {
  const p = internalsOf(policy);
  if (rec) {
    let flags = 0;
    let grant = 0;
    const facts = actionFactsFor(p, req);
    const resources = resourceFactsFor(p, req);
    const list = p.statements;
    const statements = new Array<StatementExplanation>(list.length);
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      const g = explainStatement(st, req, rec.missingContextKeys, facts[i]!, resources[i], statements, i);
      if (g !== Grant.None) {
        if (st.deny) flags |= DENY;
        else {
          flags |= ALLOW;
          if (g > grant) grant = g;
        }
      }
    }
    const pe: Explanation['policies'][number] = { slot, statements };
    if (policy.name !== undefined) pe.name = policy.name;
    if (level !== undefined) pe.level = level;
    rec.policies.push(pe);
    return flags | (grant << GRANT_SHIFT);
  }
  return visit(candidatesFor(p, req), req);
}

/**
 * Flags of the applying statements among a policy's candidates for the action (whose Action element is
 * known to match). The hot path: no closures, no arrays.
 */
function visit(list: readonly CompiledStatement[], req: PreparedRequest): number {
  let flags = 0;
  let grant = 0;
  for (let i = 0; i < list.length; i++) {
    const st = list[i]!;
    const g = appliesBeyondAction(st, req);
    if (g === Grant.None) continue;
    if (st.deny) flags |= DENY;
    else {
      flags |= ALLOW;
      if (g > grant) grant = g;
    }
  }
  return flags | (grant << GRANT_SHIFT);
}

function scanAll(
  policies: readonly CompiledPolicy[],
  req: PreparedRequest,
  rec: Recorder | undefined,
  slot: PolicySlot,
  level?: number,
): number {
  let flags = 0;
  for (let i = 0; i < policies.length; i++) flags = combine(flags, scan(policies[i]!, req, rec, slot, level));
  return flags;
}

/** Union of two scans: either's deny and allow, the stronger grant. */
function combine(a: number, b: number): number {
  return ((a | b) & 3) | (Math.max(a >> GRANT_SHIFT, b >> GRANT_SHIFT) << GRANT_SHIFT);
}

/**
 * Organization levels (SCPs or RCPs): DENY when any level denies, ALLOW only when every level allows.
 * Every level is scanned, since a deny at any level makes the decision an explicit deny.
 */
function levels(
  lvls: readonly (readonly CompiledPolicy[])[],
  req: PreparedRequest,
  rec: Recorder | undefined,
  slot: PolicySlot,
): number {
  let deny = 0;
  let every = ALLOW;
  for (let i = 0; i < lvls.length; i++) {
    const f = scanAll(lvls[i]!, req, rec, slot, i);
    deny |= f & DENY;
    if (!(f & ALLOW)) every = 0;
  }
  return deny | every;
}

/** The results a decision without explanation can have, built once. */
const RESULTS = new Map<string, AuthzResult>();
function result(decision: Decision, reason: DecisionReason): AuthzResult {
  const k = `${decision}/${reason}`;
  let r = RESULTS.get(k);
  if (!r) {
    r = Object.freeze({ decision, reason });
    RESULTS.set(k, r);
  }
  return r;
}
const EXPLICIT_DENY = result('ExplicitDeny', 'ExplicitDeny');
const RCP_NO_ALLOW = result('ImplicitDeny', 'RcpNoAllow');
const SCP_NO_ALLOW = result('ImplicitDeny', 'ScpNoAllow');
const NO_ALLOW = result('ImplicitDeny', 'NoAllow');
const CROSS_ACCOUNT = result('ImplicitDeny', 'CrossAccountNeedsBoth');
const BOUNDARY_NO_ALLOW = result('ImplicitDeny', 'BoundaryNoAllow');
const SESSION_NO_ALLOW = result('ImplicitDeny', 'SessionNoAllow');
const KEY_POLICY = result('ImplicitDeny', 'KeyPolicyRequired');
const KMS_NOT_CROSS_ACCOUNT = result('ImplicitDeny', 'KmsNotCrossAccount');
const TRUST_POLICY = result('ImplicitDeny', 'TrustPolicyRequired');
const ROOT_ASSUME = result('ImplicitDeny', 'RootCannotAssumeRole');
const ALLOWED = result('Allow', 'Allowed');

function done(rec: Recorder | undefined, r: AuthzResult): AuthzResult {
  if (!rec) return r;
  return { decision: r.decision, reason: r.reason, explanation: rec };
}

function step(rec: Recorder | undefined, name: string, outcome: string): void {
  rec?.steps.push({ step: name, outcome });
}

/** Service-linked roles live under this path. https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html */
const SERVICE_LINKED_PATH = '/aws-service-role/';
const SERVICE_LINKED_ROLE = ':role/aws-service-role/';

/** The one request every decision prepares in place: decisions are synchronous and never nest. */
const scratch = new PreparedRequest();

export function authorize(request: AuthzRequest, set: PolicySet, env: AuthzEnv): AuthzResult {
  const rec: Recorder | undefined = env.explain
    ? { steps: [], policies: [], missingContextKeys: [] }
    : undefined;
  const req = scratch.reset(request, env);
  req.hasBoundary = set.boundary !== undefined;
  const p = req.principal;
  const isAssume = req.isAssume;

  // SCPs restrict the IAM users and roles of member accounts: never service principals, never
  // service-linked roles. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
  const serviceLinked =
    set.serviceLinkedRole === true ||
    (p.kind === 'role' && p.path !== undefined && p.path.startsWith(SERVICE_LINKED_PATH));
  const scpLevels = set.scp && p.kind !== 'service' && !serviceLinked ? set.scp : undefined;
  // RCPs govern only the services that support them; they do not restrict service-linked roles, a
  // service assuming its service-linked role, or kms:RetireGrant.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#actions-not-restricted-by-rcps
  const rcpLevels =
    set.rcp &&
    req.rcpService &&
    !serviceLinked &&
    req.actionLower !== 'kms:retiregrant' &&
    !(isAssume && req.resource.includes(SERVICE_LINKED_ROLE))
      ? set.rcp
      : undefined;

  const identity = scanAll(set.identity, req, rec, 'identity');
  const resource = set.resource ? scan(set.resource, req, rec, 'resource') : 0;
  const boundary = set.boundary ? scan(set.boundary, req, rec, 'boundary') : ALLOW;
  const session = set.session && set.session.length > 0 ? scanAll(set.session, req, rec, 'session') : ALLOW;
  const scp = scpLevels ? levels(scpLevels, req, rec, 'scp') : ALLOW;
  const rcp = rcpLevels ? levels(rcpLevels, req, rec, 'rcp') : ALLOW;

  // 1. An explicit deny in any applicable policy ends the evaluation.
  if ((identity | resource | boundary | session | scp | rcp) & DENY) {
    step(rec, 'explicit-deny', 'a Deny statement applies');
    return done(rec, EXPLICIT_DENY);
  }
  step(rec, 'explicit-deny', 'no Deny statement applies');

  // 2. Every RCP level of the resource's account must allow.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
  if (!(rcp & ALLOW)) {
    step(rec, 'resource-control-policies', 'a level allows nothing for this request');
    return done(rec, RCP_NO_ALLOW);
  }
  if (rcpLevels) step(rec, 'resource-control-policies', 'every level allows');

  // 3. Every SCP level of the principal's account must allow.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
  if (!(scp & ALLOW)) {
    step(rec, 'service-control-policies', 'a level allows nothing for this request');
    return done(rec, SCP_NO_ALLOW);
  }
  if (scpLevels) step(rec, 'service-control-policies', 'every level allows');

  // 4. Resource-based and identity-based policies. The account root user has every permission an
  // identity-based policy could give; it cannot assume roles.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
  if (p.kind === 'root' && isAssume) {
    step(rec, 'trust-policy', 'the account root user cannot assume a role');
    return done(rec, ROOT_ASSUME);
  }
  const identityAllows = p.kind === 'root' || (identity & ALLOW) !== 0;
  const grant = resource & ALLOW ? resource >> GRANT_SHIFT : Grant.None;
  const sameAccount = p.kind === 'service' || p.account === undefined || req.isResourceAccount(p.account);
  const isKmsKey = req.service === 'kms' && req.resource.includes(':key/');

  if (isKmsKey || isAssume) {
    // A KMS key is reachable only through its key policy, and a role only through its trust policy; a
    // statement naming the account delegates to the account's identity-based policies.
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
    const name = isKmsKey ? 'key-policy' : 'trust-policy';
    // Only some KMS operations can be used across accounts; the others fail for an external principal
    // whatever the key policy grants.
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
    if (isKmsKey && !sameAccount && !KMS_CROSS_ACCOUNT_ACTIONS.has(req.actionLower)) {
      step(rec, name, 'this operation cannot be used by a principal of another account');
      return done(rec, KMS_NOT_CROSS_ACCOUNT);
    }
    if (!set.resource) {
      step(rec, name, 'no key or trust policy');
      return done(rec, isKmsKey ? KEY_POLICY : TRUST_POLICY);
    }
    const ok = sameAccount
      ? grant >= Grant.Direct || (grant === Grant.Account && identityAllows)
      : grant !== Grant.None && identityAllows;
    if (!ok) {
      step(rec, name, 'does not allow this principal');
      return done(
        rec,
        grant === Grant.None
          ? isKmsKey
            ? KEY_POLICY
            : TRUST_POLICY
          : sameAccount
            ? NO_ALLOW
            : CROSS_ACCOUNT,
      );
    }
    step(rec, name, 'allows');
  } else if (sameAccount) {
    // Same account: an allow in either an identity-based or a resource-based policy suffices; a resource
    // policy that names only the account delegates to identity-based policies.
    if (!identityAllows && grant < Grant.Direct) {
      step(rec, 'identity-and-resource-policies', 'nothing allows the request');
      return done(rec, NO_ALLOW);
    }
    step(
      rec,
      'identity-and-resource-policies',
      p.kind === 'root'
        ? 'the account root user has full access'
        : identityAllows
          ? 'identity-based policy allows'
          : 'resource-based policy allows',
    );
  } else {
    // Cross-account: both the identity-based policy and the resource-based policy must allow.
    if (!identityAllows || grant === Grant.None) {
      step(rec, 'identity-and-resource-policies', 'cross-account request lacks an allow on one side');
      return done(rec, identityAllows || grant !== Grant.None ? CROSS_ACCOUNT : NO_ALLOW);
    }
    step(rec, 'identity-and-resource-policies', 'both sides allow');
  }

  // 5. Permissions boundary and session policies cap identity-based permissions; a same-account
  // resource-based policy that grants to the requester itself (its user ARN, its session ARN, or `*`)
  // is not capped by their implicit deny, one naming the role ARN is.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
  const exempt = sameAccount && grant === Grant.Exact;
  if (!(boundary & ALLOW) && !exempt) {
    step(rec, 'permissions-boundary', 'does not allow the request');
    return done(rec, BOUNDARY_NO_ALLOW);
  }
  if (set.boundary)
    step(
      rec,
      'permissions-boundary',
      boundary & ALLOW ? 'allows' : 'resource-based policy grants to the principal itself',
    );
  if (!(session & ALLOW) && !exempt) {
    step(rec, 'session-policy', 'does not allow the request');
    return done(rec, SESSION_NO_ALLOW);
  }
  if (set.session?.length)
    step(
      rec,
      'session-policy',
      session & ALLOW ? 'allows' : 'resource-based policy grants to the session itself',
    );
  return done(rec, ALLOWED);
}
