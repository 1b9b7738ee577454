/**
 * Access questions over the whole store, each answer decided by the engine through the one resolver
 * (`Resolver.prepare`: the principal's identity policies with its groups', boundary, session policies,
 * SCP levels; the resource's policy, tags and RCP levels):
 * - who can do ACTION on RESOURCE, and under which conditions;
 * - what a principal can do, per service (effective permissions);
 * - the privilege-escalation graph (src/analyze/escalation.ts) with every edge decided.
 * A request the store cannot complete (context keys it does not know, such as `aws:SourceIp`) counts as
 * allowed when some value of those keys allows it; the values are reported as its conditions.
 */
import {
  allowedActionPatterns,
  allowedUnderSome,
  CODE_RUNNING_SERVICES,
  decidingStatements,
  ESCALATION_METHODS,
  type AllowedUnder,
  type EdgeStep,
  type EscalationEdge,
  type EscalationMethod,
} from '../analyze/index.js';
import type { AuthzRequest, ContextValue, RequestPrincipal } from '../eval/types.js';
import { actionsMatching } from '../knowledge/service-data.js';
import { decidePrepared, nothingAllowedWhy } from './decide.js';
import type { OpenedControlPlane } from './open.js';

/** What the queries read: the identities, the resolver and the engine (the CLI's and the endpoint's). */
export type AccessControlPlane = Pick<OpenedControlPlane, 'iam' | 'resolver' | 'engine'>;
import type { GroupInfo, RoleInfo, UserInfo } from './types.js';

export interface AccessQueryOptions {
  now: number;
  /** Only this account's entities (default: every account of the store). */
  account?: string;
}

interface Entities {
  users: UserInfo[];
  roles: RoleInfo[];
  groups: GroupInfo[];
  /** Customer managed policy ARN → the entities it is attached to, and how many versions it has. */
  policies: Map<string, { attachedTo: string[]; versions: number }>;
  /** User ARN → the ARNs of its groups. */
  groupsOf: Map<string, string[]>;
}

async function entities(cp: AccessControlPlane, account?: string): Promise<Entities> {
  const accounts = account ? [account] : (await cp.iam.listAccounts()).map((a) => a.id);
  const out: Entities = { users: [], roles: [], groups: [], policies: new Map(), groupsOf: new Map() };
  for (const a of accounts) {
    const users = await cp.iam.listUsers(a);
    const roles = await cp.iam.listRoles(a);
    const groups = await cp.iam.listGroups(a);
    out.users.push(...users);
    out.roles.push(...roles);
    out.groups.push(...groups);
    const groupArn = new Map(groups.map((g) => [g.name, g.arn]));
    for (const u of users)
      out.groupsOf.set(
        u.arn,
        u.groups.map((g) => groupArn.get(g)).filter((x): x is string => x !== undefined),
      );
    for (const p of await cp.iam.listPolicies(a)) {
      const versions = (await cp.iam.listPolicyVersions(p.arn)).length;
      out.policies.set(p.arn, { attachedTo: [], versions });
    }
    const refs = [
      ...users.map((u) => ({ ref: { kind: 'user' as const, account: a, name: u.name }, arn: u.arn })),
      ...roles.map((r) => ({ ref: { kind: 'role' as const, account: a, name: r.name }, arn: r.arn })),
      ...groups.map((g) => ({ ref: { kind: 'group' as const, account: a, name: g.name }, arn: g.arn })),
    ];
    for (const { ref, arn } of refs)
      for (const att of await cp.iam.listAttachedPolicies(ref))
        out.policies.get(att.arn)?.attachedTo.push(arn);
  }
  return out;
}

const isServiceLinked = (r: RoleInfo) => r.serviceLinked || r.path.startsWith('/aws-service-role/');

/** The request decided through the resolver, allowed under some context of the keys the store lacks. */
async function allowed(
  cp: AccessControlPlane,
  request: AuthzRequest,
  now: number,
  opts: { freeResource?: boolean } = {},
): Promise<AllowedUnder | undefined> {
  const prepared = await cp.resolver.prepare(request);
  // The decision step's principal checks first: a principal allowed nothing is allowed under no context.
  if (nothingAllowedWhy(prepared.principal, now) !== undefined) return undefined;
  return allowedUnderSome(prepared.policySet, prepared.request, { now }, opts);
}

function stepOf(principal: string, a: AllowedUnder): EdgeStep {
  return {
    principal,
    action: a.request.action,
    resource: a.request.resource,
    decision: a.result.decision,
    statements: decidingStatements(a.result.explanation),
    conditions: a.conditions,
  };
}

export interface WhoCanEntry {
  principal: string;
  kind: 'user' | 'role';
  /** The statements that allow the request (identity, resource, boundary, SCP...). */
  statements: string[];
  /** Context values the request needs beyond what the store knows; empty when always allowed. */
  conditions: Record<string, unknown>;
  /** The conditions of the allowing statements, as written. */
  statementConditions: { statement: string; operator: string; key: string; values: string[] }[];
}

/** Every user and role of the store that can do `action` on `resource`, with how and when. */
export async function whoCan(
  cp: AccessControlPlane,
  action: string,
  resource: string,
  opts: AccessQueryOptions,
): Promise<WhoCanEntry[]> {
  const e = await entities(cp, opts.account);
  const out: WhoCanEntry[] = [];
  const principals = [
    ...e.users.map((u) => ({ arn: u.arn, kind: 'user' as const })),
    ...e.roles.map((r) => ({ arn: r.arn, kind: 'role' as const })),
  ];
  for (const p of principals) {
    const a = await allowed(cp, { principal: p.arn, action, resource }, opts.now);
    if (!a) continue;
    const statementConditions: WhoCanEntry['statementConditions'] = [];
    for (const pol of a.result.explanation?.policies ?? [])
      for (const s of pol.statements)
        if (s.applies && s.effect === 'Allow')
          for (const c of s.conditions)
            statementConditions.push({
              statement: `${pol.slot} ${pol.name ?? ''} ${s.sid ?? `#${s.index}`}`.replace(/\s+/g, ' '),
              operator: c.operator,
              key: c.key,
              values: c.values,
            });
    out.push({
      principal: p.arn,
      kind: p.kind,
      statements: decidingStatements(a.result.explanation),
      conditions: a.conditions,
      statementConditions,
    });
  }
  return out;
}

export interface EffectivePermission {
  service: string;
  actions: string[];
  /** Resource patterns of the allowing statements. */
  resources: string[];
  /** Conditions of the allowing statements, as `operator key [values]`. */
  conditions: string[];
  statements: string[];
}

/**
 * What `principal` can do: every action its allowing statements name, kept when the engine allows it
 * on some resource under some context, grouped per service by the statements that allow it.
 */
export async function canWhat(
  cp: AccessControlPlane,
  principal: RequestPrincipal,
  opts: AccessQueryOptions,
): Promise<EffectivePermission[]> {
  const resolved = await cp.resolver.principal(principal);
  const candidates = new Set<string>();
  const { actions, notAction } = allowedActionPatterns(resolved.identity);
  const wide: string[] = [...notAction];
  for (const a of actions) {
    // `*` and `*:...` match every service: listed as written instead of expanded into 22,000 actions.
    if (a === '*' || a.startsWith('*:')) {
      wide.push(a);
      continue;
    }
    const service = a.slice(0, a.indexOf(':')).toLowerCase();
    for (const x of actionsMatching(a) ?? []) candidates.add(`${service}:${x}`);
  }
  const groups = new Map<string, EffectivePermission>();
  for (const action of [...candidates].sort()) {
    const a = await allowed(cp, { principal, action, resource: '*' }, opts.now, { freeResource: true });
    if (!a) continue;
    const resources = new Set<string>();
    const conditions = new Set<string>();
    for (const pol of a.result.explanation?.policies ?? [])
      for (const s of pol.statements) {
        if (!s.applies || s.effect !== 'Allow' || pol.slot !== 'identity') continue;
        if (s.resource?.matchedBy) resources.add(s.resource.matchedBy);
        for (const c of s.conditions) conditions.add(`${c.operator} ${c.key} ${JSON.stringify(c.values)}`);
      }
    const statements = decidingStatements(a.result.explanation);
    const service = action.slice(0, action.indexOf(':'));
    const key = `${service}|${[...resources].join(',')}|${[...conditions].join(',')}|${statements.join(',')}`;
    const g = groups.get(key);
    if (g) g.actions.push(action.slice(service.length + 1));
    else
      groups.set(key, {
        service,
        actions: [action.slice(service.length + 1)],
        resources: [...resources],
        conditions: [...conditions],
        statements,
      });
  }
  const out = [...groups.values()];
  for (const w of new Set(wide))
    out.unshift({
      service: '*',
      actions: [w],
      resources: [],
      conditions: [],
      statements: ['(not expanded: matches every service)'],
    });
  return out;
}

/** Trust policies that let a service assume the role, by role ARN. */
async function serviceTrust(cp: AccessControlPlane, role: RoleInfo, now: number): Promise<string[]> {
  const out: string[] = [];
  for (const svc of Object.keys(CODE_RUNNING_SERVICES)) {
    const prepared = await cp.resolver.prepare({
      principal: { Service: svc },
      action: 'sts:AssumeRole',
      resource: role.arn,
    });
    const result = decidePrepared(cp.engine, prepared, { now });
    if (result.decision === 'Allow') out.push(svc);
  }
  return out;
}

/** Every escalation edge of the store, each decided by the engine, and the users' groups. */
export async function escalationEdges(
  cp: AccessControlPlane,
  opts: AccessQueryOptions & {
    /** Only the edges of these principals and of the principals they reach (default: every edge). */
    from?: readonly string[];
  },
): Promise<{ edges: EscalationEdge[]; groupsOf: Map<string, string[]> }> {
  const e = await entities(cp, opts.account);
  const edges: EscalationEdge[] = [];
  const now = opts.now;
  const actors = [...e.users.map((u) => u.arn), ...e.roles.map((r) => r.arn)];
  const trusts = new Map<string, string[]>();
  for (const r of e.roles) if (!isServiceLinked(r)) trusts.set(r.arn, await serviceTrust(cp, r, now));

  const edge = (
    from: string,
    to: string,
    method: EscalationMethod,
    steps: EdgeStep[],
    extra: Partial<EscalationEdge> = {},
  ) => edges.push({ from, to, method, effect: ESCALATION_METHODS[method].effect, steps, ...extra });
  const check = async (
    actor: string,
    method: EscalationMethod,
    resource: string,
    context?: Record<string, ContextValue>,
  ) =>
    allowed(
      cp,
      {
        principal: actor,
        action: ESCALATION_METHODS[method].action,
        resource,
        ...(context ? { context } : {}),
      },
      now,
    );

  const edgesFrom = async (actor: string): Promise<void> => {
    for (const r of e.roles) {
      if (isServiceLinked(r)) continue;
      if (r.arn !== actor) {
        const assume = await check(actor, 'AssumeRole', r.arn);
        if (assume) edge(actor, r.arn, 'AssumeRole', [stepOf(actor, assume)]);
        const update = await check(actor, 'UpdateAssumeRolePolicy', r.arn);
        if (update) {
          // After rewriting the trust policy to name the actor, its own identity side must allow the assume.
          const prepared = await cp.resolver.prepare({
            principal: actor,
            action: 'sts:AssumeRole',
            resource: r.arn,
          });
          const trust = cp.engine.compile(
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Principal: { AWS: actor }, Action: 'sts:AssumeRole' }],
            }),
            { kind: 'trust', name: `${r.arn} trust policy rewritten to name ${actor}` },
          );
          const then = allowedUnderSome({ ...prepared.policySet, resource: trust }, prepared.request, {
            now,
          });
          if (then)
            edge(actor, r.arn, 'UpdateAssumeRolePolicy', [stepOf(actor, update), stepOf(actor, then)]);
        }
        for (const svc of trusts.get(r.arn) ?? []) {
          // iam:PassedToService names the service the role is passed to.
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
          const pass = await check(actor, 'PassRole', r.arn, { 'iam:PassedToService': svc });
          if (!pass) continue;
          for (const launch of CODE_RUNNING_SERVICES[svc as keyof typeof CODE_RUNNING_SERVICES]) {
            const run = await allowed(cp, { principal: actor, action: launch, resource: '*' }, now, {
              freeResource: true,
            });
            if (!run) continue;
            edge(actor, r.arn, 'PassRole', [stepOf(actor, pass), stepOf(actor, run)], { service: svc });
            break;
          }
        }
      }
      for (const m of ['PutRolePolicy', 'AttachRolePolicy'] as const) {
        const ok = await check(actor, m, r.arn);
        if (ok) edge(actor, r.arn, m, [stepOf(actor, ok)]);
      }
    }
    for (const u of e.users) {
      if (u.arn !== actor)
        for (const m of ['CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile'] as const) {
          const ok = await check(actor, m, u.arn);
          if (ok) edge(actor, u.arn, m, [stepOf(actor, ok)]);
        }
      for (const m of ['PutUserPolicy', 'AttachUserPolicy'] as const) {
        const ok = await check(actor, m, u.arn);
        if (ok) edge(actor, u.arn, m, [stepOf(actor, ok)]);
      }
    }
    for (const g of e.groups) {
      const isUser = e.users.some((u) => u.arn === actor);
      if (isUser && !(e.groupsOf.get(actor) ?? []).includes(g.arn)) {
        const ok = await check(actor, 'AddUserToGroup', g.arn);
        if (ok) edge(actor, g.arn, 'AddUserToGroup', [stepOf(actor, ok)]);
      }
      for (const m of ['PutGroupPolicy', 'AttachGroupPolicy'] as const) {
        const ok = await check(actor, m, g.arn);
        if (ok) edge(actor, g.arn, m, [stepOf(actor, ok)]);
      }
    }
    for (const [arn, p] of e.policies) {
      if (p.attachedTo.length === 0) continue;
      const methods: EscalationMethod[] =
        p.versions > 1 ? ['CreatePolicyVersion', 'SetDefaultPolicyVersion'] : ['CreatePolicyVersion'];
      for (const m of methods) {
        const ok = await check(actor, m, arn);
        if (ok) for (const to of p.attachedTo) edge(actor, to, m, [stepOf(actor, ok)], { policy: arn });
      }
    }
  };
  const queue = [...(opts.from ?? actors)];
  const visited = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const actor = queue[i]!;
    if (visited.has(actor)) continue;
    visited.add(actor);
    const first = edges.length;
    await edgesFrom(actor);
    if (opts.from)
      for (const x of edges.slice(first))
        if (x.effect !== 'controls' && actors.includes(x.to)) queue.push(x.to);
  }
  return { edges, groupsOf: e.groupsOf };
}
