/**
 * The decision: AWS's policy evaluation flow, one named step each.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 */
import { RCP_SERVICES } from '../knowledge/rcp-services.js';
import { explainStatement, internalsOf, statementApplies, type CompiledStatement } from './compile.js';
import { Grant } from './principal.js';
import { PreparedRequest } from './request.js';
import type {
  AuthzEnv,
  AuthzRequest,
  AuthzResult,
  CompiledPolicy,
  DecisionReason,
  Explanation,
  PolicySet,
  PolicySlot,
} from './types.js';

const DENY = 1;
const ALLOW = 2;
const GRANT_SHIFT = 2;

interface Recorder {
  explanation: Explanation;
  missing: Set<string>;
}

/** Deny/allow flags of one policy, with the strongest principal grant of its applying Allow statements. */
function scan(
  policy: CompiledPolicy,
  req: PreparedRequest,
  rec: Recorder | undefined,
  slot: PolicySlot,
  level?: number,
): number {
  const p = internalsOf(policy);
  let flags = 0;
  let grant = 0;
  if (rec) {
    const statements = p.statements.map((st) => {
      const { grant: g, explanation } = explainStatement(st, req, rec.missing);
      if (g !== Grant.None) {
        if (st.deny) flags |= DENY;
        else {
          flags |= ALLOW;
          if (g > grant) grant = g;
        }
      }
      return explanation;
    });
    const pe: Explanation['policies'][number] = { slot, statements };
    if (policy.name !== undefined) pe.name = policy.name;
    if (level !== undefined) pe.level = level;
    rec.explanation.policies.push(pe);
    return flags | (grant << GRANT_SHIFT);
  }
  const svc = p.byService.get(req.service);
  const a = svc ? visit(svc, req) : 0;
  const b = visit(p.anyService, req);
  return combine(a, b);
}

/** Flags of the applying statements of one list (no closures: this is the hot path). */
function visit(list: readonly CompiledStatement[], req: PreparedRequest): number {
  let flags = 0;
  let grant = 0;
  for (let i = 0; i < list.length; i++) {
    const st = list[i]!;
    const g = statementApplies(st, req);
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

function done(
  rec: Recorder | undefined,
  decision: AuthzResult['decision'],
  reason: DecisionReason,
): AuthzResult {
  if (!rec) return { decision, reason };
  rec.explanation.missingContextKeys = [...rec.missing];
  return { decision, reason, explanation: rec.explanation };
}

function step(rec: Recorder | undefined, name: string, outcome: string): void {
  rec?.explanation.steps.push({ step: name, outcome });
}

const NONE: readonly number[] = [];

function levels(
  lvls: readonly (readonly CompiledPolicy[])[],
  req: PreparedRequest,
  rec: Recorder | undefined,
  slot: PolicySlot,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < lvls.length; i++) out.push(scanAll(lvls[i]!, req, rec, slot, i));
  return out;
}

function everyAllows(flags: readonly number[]): boolean {
  for (let i = 0; i < flags.length; i++) if (!(flags[i]! & ALLOW)) return false;
  return true;
}

/** sts actions that assume a role (or act on the assumption) and so need the role's trust policy. */
const ASSUME_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
]);

export function authorize(request: AuthzRequest, set: PolicySet, env: AuthzEnv): AuthzResult {
  const req = new PreparedRequest(request, env);
  const rec: Recorder | undefined = env.explain
    ? { explanation: { steps: [], policies: [], missingContextKeys: [] }, missing: new Set() }
    : undefined;
  const p = req.principal;

  // SCPs restrict IAM principals of member accounts, never service principals or service-linked roles.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
  const serviceLinked =
    set.serviceLinkedRole === true || (p.kind === 'role' && (p.path ?? '').startsWith('/aws-service-role/'));
  const scpLevels = set.scp && p.kind !== 'service' && !serviceLinked ? set.scp : undefined;
  // RCPs govern only the services that support them, and not service-linked roles.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
  const rcpLevels = set.rcp && RCP_SERVICES.has(req.service) && !serviceLinked ? set.rcp : undefined;

  const identity = scanAll(set.identity, req, rec, 'identity');
  const resource = set.resource ? scan(set.resource, req, rec, 'resource') : 0;
  const boundary = set.boundary ? scan(set.boundary, req, rec, 'boundary') : ALLOW;
  const session = set.session && set.session.length > 0 ? scanAll(set.session, req, rec, 'session') : ALLOW;
  const scp = scpLevels ? levels(scpLevels, req, rec, 'scp') : NONE;
  const rcp = rcpLevels ? levels(rcpLevels, req, rec, 'rcp') : NONE;

  // 1. An explicit deny in any applicable policy ends the evaluation.
  let any = identity | resource | boundary | session;
  for (let i = 0; i < scp.length; i++) any |= scp[i]!;
  for (let i = 0; i < rcp.length; i++) any |= rcp[i]!;
  if (any & DENY) {
    step(rec, 'explicit-deny', 'a Deny statement applies');
    return done(rec, 'ExplicitDeny', 'ExplicitDeny');
  }
  step(rec, 'explicit-deny', 'no Deny statement applies');

  // 2. Every RCP level of the resource's account must allow.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
  if (!everyAllows(rcp)) {
    step(rec, 'resource-control-policies', 'a level allows nothing for this request');
    return done(rec, 'ImplicitDeny', 'RcpNoAllow');
  }
  if (rcpLevels) step(rec, 'resource-control-policies', 'every level allows');

  // 3. Every SCP level of the principal's account must allow.
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
  if (!everyAllows(scp)) {
    step(rec, 'service-control-policies', 'a level allows nothing for this request');
    return done(rec, 'ImplicitDeny', 'ScpNoAllow');
  }
  if (scpLevels) step(rec, 'service-control-policies', 'every level allows');

  // 4. Resource-based and identity-based policies.
  const identityAllows = (identity & ALLOW) !== 0;
  const grant = resource & ALLOW ? resource >> GRANT_SHIFT : Grant.None;
  const sameAccount = p.kind === 'service' || p.account === undefined || p.account === req.resourceAccount;
  const isKmsKey = req.service === 'kms' && req.resource.includes(':key/');
  const isAssume = ASSUME_ACTIONS.has(req.actionLower);

  if (isKmsKey || isAssume) {
    // A KMS key is reachable only through its key policy, and a role only through its trust policy; a
    // statement naming the account delegates to the account's identity-based policies.
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
    const reason: DecisionReason = isKmsKey ? 'KeyPolicyRequired' : 'TrustPolicyRequired';
    if (!set.resource) {
      step(rec, isKmsKey ? 'key-policy' : 'trust-policy', 'no key or trust policy');
      return done(rec, 'ImplicitDeny', reason);
    }
    const ok = sameAccount
      ? grant >= Grant.Direct || (grant === Grant.Account && identityAllows)
      : grant !== Grant.None && identityAllows;
    if (!ok) {
      step(rec, isKmsKey ? 'key-policy' : 'trust-policy', 'does not allow this principal');
      return done(
        rec,
        'ImplicitDeny',
        grant === Grant.None ? reason : sameAccount ? 'NoAllow' : 'CrossAccountNeedsBoth',
      );
    }
    step(rec, isKmsKey ? 'key-policy' : 'trust-policy', 'allows');
  } else if (sameAccount) {
    // Same account: an allow in either an identity-based or a resource-based policy suffices; a resource
    // policy that names only the account delegates to identity-based policies.
    if (!identityAllows && grant < Grant.Direct) {
      step(rec, 'identity-and-resource-policies', 'nothing allows the request');
      return done(rec, 'ImplicitDeny', 'NoAllow');
    }
    step(
      rec,
      'identity-and-resource-policies',
      identityAllows ? 'identity-based policy allows' : 'resource-based policy allows',
    );
  } else {
    // Cross-account: both the identity-based policy and the resource-based policy must allow.
    if (!identityAllows || grant === Grant.None) {
      step(rec, 'identity-and-resource-policies', 'cross-account request lacks an allow on one side');
      return done(
        rec,
        'ImplicitDeny',
        identityAllows || grant !== Grant.None ? 'CrossAccountNeedsBoth' : 'NoAllow',
      );
    }
    step(rec, 'identity-and-resource-policies', 'both sides allow');
  }

  // 5. Permissions boundary and session policies cap identity-based permissions; a same-account
  // resource-based policy that names the user ARN or the session ARN itself is not capped by their
  // implicit deny, one naming the role ARN is.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
  const exempt = sameAccount && grant === Grant.Exact;
  if (!(boundary & ALLOW) && !exempt) {
    step(rec, 'permissions-boundary', 'does not allow the request');
    return done(rec, 'ImplicitDeny', 'BoundaryNoAllow');
  }
  if (set.boundary)
    step(
      rec,
      'permissions-boundary',
      boundary & ALLOW ? 'allows' : 'resource-based policy names the principal itself',
    );
  if (!(session & ALLOW) && !exempt) {
    step(rec, 'session-policy', 'does not allow the request');
    return done(rec, 'ImplicitDeny', 'SessionNoAllow');
  }
  if (set.session?.length)
    step(
      rec,
      'session-policy',
      session & ALLOW ? 'allows' : 'resource-based policy names the session itself',
    );
  return done(rec, 'Allow', 'Allowed');
}
