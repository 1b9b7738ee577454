/** Readiness: every call the service makes, decided by the engine, with the smallest fix for each denial. */
import { authorize, compilePolicy } from '../../eval/index.js';
import type { AuthzResult, CompiledPolicy, ConditionExplanation, PolicySet } from '../../eval/types.js';
import { parsePolicy } from '../../policy/index.js';
import { RolecallError } from '../../errors.js';
import { EMR_TAG_KEY, EMR_TAG_VALUE, type EmrEnvironment, type EmrKind } from './environment.js';
import { emrCalls, type EmrCall } from './service-model.js';

export type EmrFix =
  | { kind: 'tag-resource'; resourceKind: string; id: string; key: string; value: string }
  | { kind: 'key-policy-allow'; key: string; action: string; principal: string }
  | { kind: 'allow-pass-role'; role: string; service: string }
  | { kind: 'trust-service'; service: string }
  | { kind: 'add-permission'; action: string; resource: string };

export interface CallResult {
  call: EmrCall;
  decision: AuthzResult['decision'];
  /** The statement that decided, or the nearest one that did not apply. */
  statement?: string;
  failedCondition?: ConditionExplanation;
  fix?: EmrFix;
}

export interface RolePolicies {
  trust?: unknown;
  permissions: unknown[];
  /** Names of the permissions policies, shown in explanations (default `permissions-N`). */
  permissionNames?: string[];
}

function compile(doc: unknown, kind: 'identity' | 'resource' | 'trust', name: string): CompiledPolicy {
  const r = parsePolicy(doc, { kind });
  if (!r.document) {
    const i = r.issues[0];
    throw new RolecallError(
      'MalformedPolicyDocument',
      `policy \`${name}\` is invalid: ${i ? i.message : 'unknown'}`,
    );
  }
  return compilePolicy(r.document, { kind, name });
}

function nearest(res: AuthzResult): { statement?: string; failed?: ConditionExplanation } {
  for (const p of res.explanation?.policies ?? [])
    for (const s of p.statements) {
      if (s.effect !== 'Allow' || !s.action.matched || (s.resource && !s.resource.matched)) continue;
      const failed = s.conditions.find((c) => !c.matched);
      return { statement: `${p.name ?? p.slot}#${s.sid ?? s.index}`, ...(failed ? { failed } : {}) };
    }
  return {};
}

function fixFor(
  call: EmrCall,
  env: EmrEnvironment,
  failed: ConditionExplanation | undefined,
  keyBlocks: boolean,
): EmrFix {
  if (call.subject === 'trust')
    return { kind: 'trust-service', service: (call.principal as { Service: string }).Service };
  if (call.subject === 'submitter')
    return {
      kind: 'allow-pass-role',
      role: call.resource,
      service: String(call.context['iam:PassedToService']),
    };
  if (call.taggedResource && failed && failed.key.toLowerCase().startsWith('aws:resourcetag/'))
    return {
      kind: 'tag-resource',
      resourceKind: call.taggedResource.kind,
      id: call.taggedResource.id,
      key: failed.key.slice('aws:ResourceTag/'.length),
      value: failed.values[0] ?? EMR_TAG_VALUE,
    };
  if (call.subject === 'key' && keyBlocks)
    return {
      kind: 'key-policy-allow',
      key: call.resource,
      action: call.action,
      principal: `arn:aws:iam::${env.account}:role/${env.roleName}`,
    };
  return { kind: 'add-permission', action: call.action, resource: call.resource };
}

/** Decide every call of `kind` in `env` with the role's policies. */
export function checkReadiness(
  kind: EmrKind,
  role: RolePolicies,
  env: EmrEnvironment,
  now = 0,
): CallResult[] {
  const identity = role.permissions.map((p, i) =>
    compile(p, 'identity', role.permissionNames?.[i] ?? `permissions-${i + 1}`),
  );
  const trust = role.trust === undefined ? undefined : compile(role.trust, 'trust', 'trust');
  const key = env.key?.policy === undefined ? undefined : compile(env.key.policy, 'resource', 'key-policy');
  const submitter = (env.submitter?.policies ?? []).map((p, i) =>
    compile(p, 'identity', `submitter-${i + 1}`),
  );
  return emrCalls(kind, env).map((call) => {
    let set: PolicySet;
    if (call.subject === 'trust') set = { identity: [], ...(trust ? { resource: trust } : {}) };
    else if (call.subject === 'submitter') set = { identity: submitter };
    else if (call.subject === 'key') set = { identity, ...(key ? { resource: key } : {}) };
    else set = { identity };
    const res = authorize(
      { principal: call.principal, action: call.action, resource: call.resource, context: call.context },
      set,
      { now, explain: true },
    );
    if (res.decision === 'Allow') return { call, decision: res.decision };
    const n = nearest(res);
    // Would the call pass if the role's policies allowed it? If not, the key policy is what blocks it.
    let keyBlocks = false;
    if (call.subject === 'key' && key) {
      const grant = compile(
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: call.action, Resource: call.resource }],
        },
        'identity',
        'what-if',
      );
      const whatIf = authorize(
        { principal: call.principal, action: call.action, resource: call.resource, context: call.context },
        { ...set, identity: [...identity, grant] },
        { now },
      );
      keyBlocks = whatIf.decision !== 'Allow';
    }
    return {
      call,
      decision: res.decision,
      ...(n.statement ? { statement: n.statement } : {}),
      ...(n.failed ? { failedCondition: n.failed } : {}),
      fix: fixFor(call, env, n.failed, keyBlocks),
    };
  });
}

/** Apply fixes to an environment and role (returns new values), so a check can be repeated. */
export function applyFixes(
  env: EmrEnvironment,
  role: RolePolicies,
  fixes: EmrFix[],
): { env: EmrEnvironment; role: RolePolicies } {
  const e = structuredClone(env);
  const r = structuredClone(role);
  const add: Record<string, unknown>[] = [];
  for (const f of fixes) {
    if (f.kind === 'tag-resource') {
      const all = [...(e.subnets ?? []), ...(e.securityGroups ?? []), ...(e.vpc ? [e.vpc] : [])];
      for (const t of all) if (t.id === f.id) t.tags = { ...t.tags, [f.key]: f.value };
      for (const s of e.secrets ?? []) if (s.arn === f.id) s.tags = { ...s.tags, [f.key]: f.value };
    } else if (f.kind === 'key-policy-allow' && e.key) {
      const kp = e.key.policy as { Statement: unknown[] };
      kp.Statement = [
        ...kp.Statement,
        { Effect: 'Allow', Principal: { AWS: f.principal }, Action: f.action, Resource: '*' },
      ];
    } else if (f.kind === 'allow-pass-role' && e.submitter) {
      e.submitter.policies.push({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: f.role,
            Condition: { StringEquals: { 'iam:PassedToService': f.service } },
          },
        ],
      });
    } else if (f.kind === 'trust-service') {
      const t = (r.trust ?? { Version: '2012-10-17', Statement: [] }) as { Statement: unknown[] };
      t.Statement = [
        ...t.Statement,
        { Effect: 'Allow', Principal: { Service: f.service }, Action: 'sts:AssumeRole' },
      ];
      r.trust = t;
    } else if (f.kind === 'add-permission')
      add.push({ Effect: 'Allow', Action: f.action, Resource: f.resource });
  }
  if (add.length > 0) r.permissions.push({ Version: '2012-10-17', Statement: add });
  return { env: e, role: r };
}

/** One line per fix, as the CLI prints it. */
export function describeFix(f: EmrFix): string {
  switch (f.kind) {
    case 'tag-resource':
      return `tag ${f.resourceKind} ${f.id} with \`${f.key}=${f.value}\``;
    case 'key-policy-allow':
      return `add \`${f.action}\` for ${f.principal} to the key policy of ${f.key}`;
    case 'allow-pass-role':
      return `allow \`iam:PassRole\` on role ${f.role} for \`${f.service}\``;
    case 'trust-service':
      return `allow \`${f.service}\` to assume the role in its trust policy`;
    case 'add-permission':
      return `allow \`${f.action}\` on ${f.resource}`;
  }
}

export { EMR_TAG_KEY };
