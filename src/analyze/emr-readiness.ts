/**
 * EMR readiness: every call the service makes with a role in a setup (knowledge/emr's service table filled
 * with the setup's subnets, security groups, locations...), decided the way AWS decides it by a backend
 * that resolves the complete policy set (identity policies, boundary, SCP and RCP levels, the resource's
 * policy, owner account and tags, key policies, the trust policy) from a store. For each denial it finds
 * the smallest correct fix and proves it by re-deciding the call on a copy of the setup with the fix
 * applied; when an SCP or RCP blocks, it names the policy and level instead (a fix outside the account).
 * The backend is given (iam/ builds it over a store), so this module stays in the pure core.
 */
import type {
  AuthzRequest,
  AuthzResult,
  ContextValue,
  PolicyExplanation as ExplanationOfPolicy,
} from '../eval/types.js';
import { EMR_SERVICES, type CallSpec, type EmrService } from '../knowledge/emr/service-model.js';
import type { EmrKind } from '../knowledge/emr/environment.js';

export interface EmrLocation {
  bucket: string;
  prefix?: string;
  access: 'read' | 'read-write';
  /** The SSE-KMS key of the location. */
  key?: string;
}

/** One EMR resource to check: the role it uses and what the service touches with it. */
export interface EmrTarget {
  kind: EmrKind;
  /** `Studio studio-dev`, `Serverless application spark-jobs`, `role EMR_Notebooks_DefaultRole`. */
  name: string;
  account: string;
  region: string;
  role: string;
  /** What the service sends as aws:SourceArn (the Studio's ARN, a job run of the application). */
  sourceArn: string;
  vpc?: string;
  subnets: string[];
  securityGroups: string[];
  secrets: string[];
  locations: EmrLocation[];
  /** The tags EMR puts on the network interfaces and security groups it creates. */
  createdTags: Record<string, string>;
  /** Principals that pass the role to the service (Serverless). */
  submitters: string[];
  glue: boolean;
  /**
   * Inputs the setup does not give (the S3 locations of job runs or notebooks, the Studio's network): every
   * call that needs one is reported as undecidable with this reason, never left out of the check.
   */
  missing?: { locations?: string; network?: string; secrets?: string; role?: string };
}

export interface EmrCall {
  spec: CallSpec;
  principal: AuthzRequest['principal'];
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
  /** The ARN of the existing resource the call is on (for fixes and places), when there is one. */
  subject?: string;
  /** Why the call cannot be decided: the resource it is on is not given (see `EmrTarget.missing`). */
  undecidable?: string;
}

/** The part of a setup the fixes change; `iam`'s DeclaredState has this shape. */
export interface ReadinessSetup {
  roles: {
    account: string;
    name: string;
    path: string;
    trustPolicy: string;
    inlinePolicies: { name: string; document: string }[];
    managedPolicies: string[];
    permissionsBoundary?: string;
  }[];
  users: { account: string; name: string; inlinePolicies: { name: string; document: string }[] }[];
  policies: { account: string; name: string; path: string; document: string }[];
  resources: { arn: string; account: string; policy?: string; tags: { key: string; value: string }[] }[];
}

export interface ReadinessBackend {
  readonly setup: ReadinessSetup;
  decide(request: AuthzRequest): Promise<AuthzResult>;
  /** A backend over `setup` (a changed copy of this one's). */
  fork(setup: ReadinessSetup): Promise<ReadinessBackend>;
  /** The documents of an AWS managed policy, oldest first, and its default version id. */
  managedPolicy?(
    arn: string,
  ): Promise<{ defaultVersionId: string; versions: { versionId: string; document: string }[] } | undefined>;
}

export type EmrFix =
  | { kind: 'tag-resource'; arn: string; key: string; value: string }
  | { kind: 'condition-key'; policy: PolicyRef; statement: number; from: string; to: string }
  | {
      kind: 'condition-value';
      policy: PolicyRef;
      statement: number;
      operator: string;
      key: string;
      from: string[];
      to: string;
    }
  | { kind: 'trust-service'; role: string; service: string; account: string; sourceArnPattern: string }
  | {
      kind: 'managed-policy-version';
      role: string;
      policy: PolicyRef;
      managed: string;
      versionId: string;
      current: string;
    }
  | { kind: 'add-permission'; role: string; action: string; resource: string }
  | { kind: 'key-policy'; key: string; principal: string; action: string; viaService?: string }
  | { kind: 'bucket-policy'; bucket: string; principal: string; action: string; resource: string }
  | { kind: 'boundary-statement'; boundary: string; action: string; resource: string }
  | { kind: 'pass-role'; principal: string; role: string; service: string };

/** A policy document in the setup: a role's or user's inline policy, or a customer managed policy. */
export type PolicyRef =
  | { kind: 'inline'; owner: 'role' | 'user'; account: string; name: string; policy: string }
  | { kind: 'managed'; arn: string }
  | { kind: 'trust'; role: string };

/** A policy outside the account that blocks a call: the fix is the organization's. */
export interface Blocker {
  type: 'scp' | 'rcp' | 'boundary' | 'explicit-deny';
  policy: string;
  /** 0 is the organization root. */
  level?: number;
  statement?: string;
}

export interface CallResult {
  call: EmrCall;
  decision: AuthzResult['decision'] | 'Unknown';
  reason: string;
  /** The statement that decided, or the nearest Allow that did not apply, as `policy#sid`. */
  statement?: string;
  failedCondition?: { operator: string; key: string; values: string[]; seen: string[] | null };
  fixes?: EmrFix[];
  blocker?: Blocker;
  /** Whether re-deciding the call with the fixes applied allows it. */
  proven?: boolean;
}

const arnOfRole = (account: string, path: string, name: string) =>
  `arn:aws:iam::${account}:role${path}${name}`;

/** Every call of the target's service, filled from the target. */
export function emrCalls(t: EmrTarget): EmrCall[] {
  const svc: EmrService = EMR_SERVICES[t.kind];
  const roleName = t.role.slice(t.role.lastIndexOf('/') + 1);
  const session = `arn:aws:sts::${t.account}:assumed-role/${roleName}/${svc.sessionName}`;
  const ec2 = `arn:aws:ec2:${t.region}:${t.account}`;
  const createdKeys = Object.keys(t.createdTags);
  const out: EmrCall[] = [];
  for (const spec of svc.calls) {
    if (spec.only === 'glue' && !t.glue) continue;
    const context: Record<string, ContextValue> = {};
    for (const s of spec.sends ?? []) {
      if (s === 'created-tags') {
        for (const [k, v] of Object.entries(t.createdTags)) context[`aws:RequestTag/${k}`] = v;
        context['aws:TagKeys'] = createdKeys;
      } else if (s === 'tags-of-created')
        for (const [k, v] of Object.entries(t.createdTags)) context[`aws:ResourceTag/${k}`] = v;
      else if (s === 'editor-tag-keys') context['aws:TagKeys'] = ['aws:elasticmapreduce:editor-id'];
      else if (s.startsWith('create-action:')) context['ec2:CreateAction'] = s.slice('create-action:'.length);
      else if (s === 'via-s3') {
        // S3 calls KMS on the caller's behalf, so the request carries kms:ViaService.
        // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
        context['kms:ViaService'] = `s3.${t.region}.amazonaws.com`;
        context['kms:CallerAccount'] = t.account;
      } else if (s === 'source') {
        context['aws:SourceAccount'] = t.account;
        context['aws:SourceArn'] = t.sourceArn;
      }
    }
    const principal: AuthzRequest['principal'] = spec.by === 'service' ? { Service: svc.principal } : session;
    const add = (resource: string, subject?: string, extra: Record<string, ContextValue> = {}) =>
      out.push({
        spec,
        principal,
        action: spec.action,
        resource,
        context: { ...context, ...extra },
        ...(subject ? { subject } : {}),
      });
    const unknownNetwork =
      t.missing?.network !== undefined &&
      ((spec.on === 'each-subnet' && t.subnets.length === 0) ||
        (spec.on === 'each-security-group' && t.securityGroups.length === 0) ||
        (spec.on === 'vpc' && t.vpc === undefined));
    const unknownLocations =
      t.missing?.locations !== undefined &&
      t.locations.length === 0 &&
      (spec.on === 'location-objects' || spec.on === 'location-bucket');
    const unknownSecrets =
      t.missing?.secrets !== undefined && t.secrets.length === 0 && spec.on === 'each-secret';
    if (unknownNetwork || unknownLocations || unknownSecrets) {
      const type = spec.on === 'each-subnet' ? 'subnet' : spec.on === 'vpc' ? 'vpc' : 'security-group';
      out.push({
        spec,
        principal,
        action: spec.action,
        resource: unknownNetwork
          ? `${ec2}:${type}/(not given)`
          : unknownSecrets
            ? `arn:aws:secretsmanager:${t.region}:${t.account}:secret:(not given)`
            : 'arn:aws:s3:::(not given)',
        context,
        undecidable: (unknownNetwork
          ? t.missing?.network
          : unknownSecrets
            ? t.missing?.secrets
            : t.missing?.locations) as string,
      });
      continue;
    }
    switch (spec.on) {
      case 'role':
        if (spec.by === 'submitter')
          for (const s of t.submitters)
            out.push({
              spec,
              principal: s,
              action: spec.action,
              resource: t.role,
              context: { 'iam:PassedToService': svc.principal },
              subject: t.role,
            });
        else add(t.role, t.role);
        break;
      case 'cluster':
        add(`arn:aws:elasticmapreduce:${t.region}:${t.account}:cluster/j-EXAMPLE`);
        break;
      case 'each-subnet':
        for (const s of t.subnets) add(`${ec2}:subnet/${s}`, `${ec2}:subnet/${s}`);
        break;
      case 'each-security-group':
        for (const g of t.securityGroups) add(`${ec2}:security-group/${g}`, `${ec2}:security-group/${g}`);
        break;
      case 'vpc':
        if (t.vpc) add(`${ec2}:vpc/${t.vpc}`, `${ec2}:vpc/${t.vpc}`);
        break;
      case 'new-network-interface':
        add(`${ec2}:network-interface/*`);
        break;
      case 'created-network-interface':
        add(`${ec2}:network-interface/eni-new`);
        break;
      case 'new-security-group':
        add(`${ec2}:security-group/*`);
        break;
      case 'created-security-group':
        add(`${ec2}:security-group/sg-new`);
        break;
      case 'instance':
        add(`${ec2}:instance/i-example`);
        break;
      case 'any':
        add('*');
        break;
      case 'each-secret':
        for (const s of t.secrets) add(s, s);
        break;
      case 'location-objects':
      case 'location-bucket':
      case 'location-key':
        for (const l of t.locations) {
          if (spec.only === 'write' && l.access !== 'read-write') continue;
          const bucket = `arn:aws:s3:::${l.bucket}`;
          if (spec.on === 'location-bucket') add(bucket, bucket);
          else if (spec.on === 'location-objects') {
            const prefix = l.prefix ? `${l.prefix.replace(/^\/|\/$/g, '')}/` : '';
            add(
              `${bucket}/${prefix}${t.kind === 'serverless' ? 'data/part-0' : 'workspace/file.ipynb'}`,
              bucket,
            );
          } else if (l.key && !out.some((c) => c.spec === spec && c.resource === l.key)) add(l.key, l.key);
        }
        break;
      case 'glue-catalog':
        add(`arn:aws:glue:${t.region}:${t.account}:catalog`);
        break;
    }
  }
  return out;
}

function statementLabel(p: ExplanationOfPolicy, s: { sid?: string; index: number }): string {
  return `${p.name ?? p.slot}#${s.sid ?? s.index}`;
}

/** The nearest Allow that did not apply: action and resource matched, a condition did not. */
function nearest(res: AuthzResult, slots: readonly string[] = ['identity', 'resource']) {
  for (const p of res.explanation?.policies ?? []) {
    if (!slots.includes(p.slot)) continue;
    for (const s of p.statements) {
      if (s.effect !== 'Allow' || !s.action.matched || (s.resource && !s.resource.matched)) continue;
      if (s.principal && !s.principal.matched) continue;
      const failed = s.conditions.find((c) => !c.matched);
      if (!failed && s.applies) continue;
      return { policy: p, statement: s, ...(failed ? { failed } : {}) };
    }
  }
  return undefined;
}

/** The policy an explanation's name points at in the setup (names come from the resolver). */
function policyRefOf(name: string | undefined, setup: ReadinessSetup): PolicyRef | undefined {
  if (!name) return undefined;
  const inline = / inline (.+)$/.exec(name);
  if (inline) {
    const owner = name.slice(0, inline.index);
    for (const r of setup.roles)
      if (arnOfRole(r.account, r.path, r.name) === owner)
        return {
          kind: 'inline',
          owner: 'role',
          account: r.account,
          name: r.name,
          policy: inline[1] as string,
        };
    const user = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(owner);
    if (user)
      return {
        kind: 'inline',
        owner: 'user',
        account: user[1] as string,
        name: user[2] as string,
        policy: inline[1] as string,
      };
    return undefined;
  }
  const managed = /^(arn:aws:iam::\d{12}:policy\/\S+) \(/.exec(name);
  if (managed) return { kind: 'managed', arn: managed[1] as string };
  const trust = /^(arn:aws:iam::\d{12}:role\/\S+) trust policy$/.exec(name);
  if (trust) return { kind: 'trust', role: trust[1] as string };
  return undefined;
}

function readDoc(setup: ReadinessSetup, ref: PolicyRef): string | undefined {
  if (ref.kind === 'inline') {
    const list = ref.owner === 'role' ? setup.roles : setup.users;
    return list
      .find((e) => e.account === ref.account && e.name === ref.name)
      ?.inlinePolicies.find((p) => p.name === ref.policy)?.document;
  }
  if (ref.kind === 'managed')
    return setup.policies.find((p) => `arn:aws:iam::${p.account}:policy${p.path}${p.name}` === ref.arn)
      ?.document;
  return setup.roles.find((r) => arnOfRole(r.account, r.path, r.name) === ref.role)?.trustPolicy;
}

function writeDoc(setup: ReadinessSetup, ref: PolicyRef, document: string): void {
  if (ref.kind === 'inline') {
    const list = ref.owner === 'role' ? setup.roles : setup.users;
    const p = list
      .find((e) => e.account === ref.account && e.name === ref.name)
      ?.inlinePolicies.find((x) => x.name === ref.policy);
    if (p) p.document = document;
  } else if (ref.kind === 'managed') {
    const p = setup.policies.find((x) => `arn:aws:iam::${x.account}:policy${x.path}${x.name}` === ref.arn);
    if (p) p.document = document;
  } else {
    const r = setup.roles.find((x) => arnOfRole(x.account, x.path, x.name) === ref.role);
    if (r) r.trustPolicy = document;
  }
}

interface Doc {
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}
const statementsOf = (d: Doc): Record<string, unknown>[] =>
  Array.isArray(d.Statement) ? d.Statement : [d.Statement];

/** Applies fixes to a copy of the setup. */
export function applyFixes<T extends ReadinessSetup>(setup: T, fixes: readonly EmrFix[]): T {
  const s = structuredClone(setup);
  const roleOf = (arn: string) => s.roles.find((r) => arnOfRole(r.account, r.path, r.name) === arn);
  const addStatement = (doc: string | undefined, st: Record<string, unknown>): string => {
    const d = doc ? (JSON.parse(doc) as Doc) : { Version: '2012-10-17', Statement: [] };
    return JSON.stringify({ ...d, Statement: [...statementsOf(d), st] }, null, 2);
  };
  for (const f of fixes) {
    switch (f.kind) {
      case 'tag-resource': {
        const r = s.resources.find((x) => x.arn === f.arn);
        if (r) r.tags = [...r.tags.filter((t) => t.key !== f.key), { key: f.key, value: f.value }];
        break;
      }
      case 'condition-key':
      case 'condition-value': {
        const text = readDoc(s, f.policy);
        if (!text) break;
        const d = JSON.parse(text) as Doc;
        const st = statementsOf(d)[f.statement];
        const cond = st?.Condition as Record<string, Record<string, unknown>> | undefined;
        if (!cond) break;
        for (const [op, block] of Object.entries(cond))
          for (const key of Object.keys(block)) {
            if (f.kind === 'condition-key' && key.toLowerCase() === f.from.toLowerCase()) {
              block[f.to] = block[key];
              delete block[key];
            }
            if (
              f.kind === 'condition-value' &&
              op === f.operator &&
              key.toLowerCase() === f.key.toLowerCase()
            )
              block[key] = f.to;
          }
        writeDoc(s, f.policy, JSON.stringify(d, null, 2));
        break;
      }
      case 'trust-service': {
        const r = roleOf(f.role);
        if (r)
          r.trustPolicy = addStatement(r.trustPolicy, {
            Effect: 'Allow',
            Principal: { Service: f.service },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': f.account },
              ArnLike: { 'aws:SourceArn': f.sourceArnPattern },
            },
          });
        break;
      }
      case 'managed-policy-version': {
        const r = roleOf(f.role);
        if (!r) break;
        if (f.policy.kind === 'inline') {
          const name = f.policy.policy;
          r.inlinePolicies = r.inlinePolicies.filter((p) => p.name !== name);
        } else if (f.policy.kind === 'managed') {
          const arn = f.policy.arn;
          r.managedPolicies = r.managedPolicies.filter((a) => a !== arn);
        }
        if (!r.managedPolicies.includes(f.managed)) r.managedPolicies.push(f.managed);
        break;
      }
      case 'add-permission': {
        const r = roleOf(f.role);
        if (!r) break;
        const name = 'rolecall-readiness-fix';
        const existing = r.inlinePolicies.find((p) => p.name === name);
        const doc = addStatement(existing?.document, {
          Effect: 'Allow',
          Action: f.action,
          Resource: f.resource,
        });
        if (existing) existing.document = doc;
        else r.inlinePolicies.push({ name, document: doc });
        break;
      }
      case 'key-policy': {
        const r = s.resources.find((x) => x.arn === f.key);
        if (r)
          r.policy = addStatement(r.policy, {
            Effect: 'Allow',
            Principal: { AWS: f.principal },
            Action: f.action,
            Resource: '*',
            ...(f.viaService ? { Condition: { StringEquals: { 'kms:ViaService': f.viaService } } } : {}),
          });
        break;
      }
      case 'bucket-policy': {
        const r = s.resources.find((x) => x.arn === f.bucket);
        if (r)
          r.policy = addStatement(r.policy, {
            Effect: 'Allow',
            Principal: { AWS: f.principal },
            Action: f.action,
            Resource: f.resource,
          });
        break;
      }
      case 'boundary-statement': {
        const p = s.policies.find((x) => `arn:aws:iam::${x.account}:policy${x.path}${x.name}` === f.boundary);
        if (p)
          p.document = addStatement(p.document, { Effect: 'Allow', Action: f.action, Resource: f.resource });
        break;
      }
      case 'pass-role': {
        const m = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(f.principal);
        const u = m ? s.users.find((x) => x.account === m[1] && x.name === m[2]) : undefined;
        const statement = {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: f.role,
          Condition: { StringEquals: { 'iam:PassedToService': f.service } },
        };
        if (u) {
          const name = 'rolecall-pass-role-fix';
          const existing = u.inlinePolicies.find((p) => p.name === name);
          if (existing) existing.document = addStatement(existing.document, statement);
          else u.inlinePolicies.push({ name, document: addStatement(undefined, statement) });
        } else {
          const r = roleOf(f.principal);
          if (r)
            r.inlinePolicies.push({
              name: 'rolecall-pass-role-fix',
              document: addStatement(undefined, statement),
            });
        }
        break;
      }
    }
  }
  return s;
}

const CREATE_TARGETS = new Set([
  'new-network-interface',
  'new-security-group',
  'created-network-interface',
  'created-security-group',
]);

/** The fix for one denied call, from how it was denied. */
async function fixFor(
  t: EmrTarget,
  call: EmrCall,
  res: AuthzResult,
  backend: ReadinessBackend,
): Promise<{ fixes: EmrFix[]; blocker?: Blocker }> {
  const svc = EMR_SERVICES[t.kind];
  const setup = backend.setup;
  const ex = res.explanation;
  // Explicit denies and organization levels are named: the fix is where the policy lives.
  if (res.reason === 'ExplicitDeny') {
    for (const p of ex?.policies ?? [])
      for (const s of p.statements)
        if (s.effect === 'Deny' && s.applies) {
          const type =
            p.slot === 'scp' || p.slot === 'rcp' || p.slot === 'boundary' ? p.slot : 'explicit-deny';
          return {
            fixes: [],
            blocker: {
              type,
              policy: p.name ?? p.slot,
              ...(p.level !== undefined ? { level: p.level } : {}),
              statement: statementLabel(p, s),
            },
          };
        }
  }
  if (res.reason === 'ScpNoAllow' || res.reason === 'RcpNoAllow') {
    const slot = res.reason === 'ScpNoAllow' ? 'scp' : 'rcp';
    const levels = new Map<number, string[]>();
    for (const p of ex?.policies ?? [])
      if (p.slot === slot) levels.set(p.level ?? 0, [...(levels.get(p.level ?? 0) ?? []), p.name ?? slot]);
    for (const [level, names] of [...levels].sort((a, b) => a[0] - b[0])) {
      const allows = (ex?.policies ?? []).some(
        (p) =>
          p.slot === slot &&
          (p.level ?? 0) === level &&
          p.statements.some((s) => s.effect === 'Allow' && s.applies),
      );
      if (!allows) return { fixes: [], blocker: { type: slot, policy: names.join(', '), level } };
    }
    return { fixes: [], blocker: { type: slot, policy: slot } };
  }
  if (call.spec.by === 'service') {
    const n = nearest(res, ['resource']);
    if (n?.failed && /^aws:source(account|arn)$/i.test(n.failed.key)) {
      const ref = policyRefOf(n.policy.name, setup) ?? { kind: 'trust' as const, role: t.role };
      const to =
        n.failed.key.toLowerCase() === 'aws:sourceaccount'
          ? t.account
          : svc.sourceArnPattern(t.account, t.region);
      return {
        fixes: [
          {
            kind: 'condition-value',
            policy: ref,
            statement: n.statement.index,
            operator: n.failed.operator,
            key: n.failed.key,
            from: n.failed.values,
            to,
          },
        ],
      };
    }
    return {
      fixes: [
        {
          kind: 'trust-service',
          role: t.role,
          service: svc.principal,
          account: t.account,
          sourceArnPattern: svc.sourceArnPattern(t.account, t.region),
        },
      ],
    };
  }
  if (call.spec.by === 'submitter')
    return {
      fixes: [
        {
          kind: 'pass-role',
          principal: typeof call.principal === 'string' ? call.principal : call.principal.Service,
          role: t.role,
          service: svc.principal,
        },
      ],
    };
  if (res.reason === 'BoundaryNoAllow') {
    const role = setup.roles.find((r) => arnOfRole(r.account, r.path, r.name) === t.role);
    if (
      role?.permissionsBoundary &&
      setup.policies.some(
        (p) => `arn:aws:iam::${p.account}:policy${p.path}${p.name}` === role.permissionsBoundary,
      )
    )
      return {
        fixes: [
          {
            kind: 'boundary-statement',
            boundary: role.permissionsBoundary,
            action: call.action,
            resource: call.resource,
          },
        ],
      };
    // An AWS managed boundary cannot be edited: the boundary itself is named (change or remove it).
    return {
      fixes: [],
      blocker: { type: 'boundary', policy: role?.permissionsBoundary ?? 'permissions boundary' },
    };
  }
  const identityAllows = (ex?.policies ?? []).some(
    (p) => p.slot === 'identity' && p.statements.some((s) => s.effect === 'Allow' && s.applies),
  );
  if (res.reason === 'KeyPolicyRequired' || (identityAllows && call.action.startsWith('kms:')))
    return {
      fixes: [
        {
          kind: 'key-policy',
          key: call.resource,
          principal: t.role,
          action: call.action,
          ...(call.context['kms:ViaService'] ? { viaService: String(call.context['kms:ViaService']) } : {}),
        },
      ],
    };
  if (identityAllows && call.subject?.startsWith('arn:aws:s3:::'))
    return {
      fixes: [
        {
          kind: 'bucket-policy',
          bucket: call.subject,
          principal: t.role,
          action: call.action,
          resource: call.resource,
        },
      ],
    };
  const n = nearest(res, ['identity']);
  const failed = n?.failed;
  if (n && failed && /^aws:resourcetag\//i.test(failed.key)) {
    const tagKey = failed.key.slice('aws:ResourceTag/'.length);
    // A resource being created has no tags yet: the statement should test the tags of the request.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html#access_tags_control-requests
    if (CREATE_TARGETS.has(call.spec.on) && call.spec.on.startsWith('new-')) {
      const ref = policyRefOf(n.policy.name, setup);
      if (ref)
        return {
          fixes: [
            {
              kind: 'condition-key',
              policy: ref,
              statement: n.statement.index,
              from: failed.key,
              to: `aws:RequestTag/${tagKey}`,
            },
          ],
        };
    }
    if (call.subject && setup.resources.some((r) => r.arn === call.subject))
      return {
        fixes: [{ kind: 'tag-resource', arn: call.subject, key: tagKey, value: failed.values[0] ?? 'true' }],
      };
  }
  // A copy of an old version of an AWS managed policy: the current version may already have the action.
  const managed = await olderManagedCopy(t, call, backend);
  if (managed) return { fixes: [managed] };
  return { fixes: [{ kind: 'add-permission', role: t.role, action: call.action, resource: call.resource }] };
}

/** EMR-related managed policies whose older versions are copied into roles. */
const EMR_MANAGED = ['arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceEditorsRole'];

async function olderManagedCopy(
  t: EmrTarget,
  call: EmrCall,
  backend: ReadinessBackend,
): Promise<EmrFix | undefined> {
  if (!backend.managedPolicy) return undefined;
  const role = backend.setup.roles.find((r) => arnOfRole(r.account, r.path, r.name) === t.role);
  if (!role) return undefined;
  const same = (a: string, b: string) => {
    try {
      return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
    } catch {
      return false;
    }
  };
  const docs: { ref: PolicyRef; document: string }[] = [
    ...role.inlinePolicies.map((p) => ({
      ref: {
        kind: 'inline' as const,
        owner: 'role' as const,
        account: role.account,
        name: role.name,
        policy: p.name,
      },
      document: p.document,
    })),
    ...role.managedPolicies.flatMap((arn) => {
      const p = backend.setup.policies.find(
        (x) => `arn:aws:iam::${x.account}:policy${x.path}${x.name}` === arn,
      );
      return p ? [{ ref: { kind: 'managed' as const, arn }, document: p.document }] : [];
    }),
  ];
  for (const arn of EMR_MANAGED) {
    const m = await backend.managedPolicy(arn);
    if (!m) continue;
    const current = m.versions.find((v) => v.versionId === m.defaultVersionId);
    if (
      !current ||
      !new RegExp(`"${call.action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'i').test(current.document)
    )
      continue;
    for (const d of docs)
      for (const v of m.versions)
        if (v.versionId !== m.defaultVersionId && same(v.document, d.document))
          return {
            kind: 'managed-policy-version',
            role: t.role,
            policy: d.ref,
            managed: arn,
            versionId: v.versionId,
            current: m.defaultVersionId,
          };
  }
  return undefined;
}

export interface ReadinessOptions {
  /** Reasons a call cannot be decided, by the ARN it depends on (a value known only after apply). */
  unknown?: ReadonlyMap<string, string>;
}

/** Decides every call of the target; each denial carries its fix, proven by re-deciding. */
export async function checkReadiness(
  t: EmrTarget,
  backend: ReadinessBackend,
  o: ReadinessOptions = {},
): Promise<CallResult[]> {
  const out: CallResult[] = [];
  const forks = new Map<string, Promise<ReadinessBackend>>();
  for (const call of emrCalls(t)) {
    const depends = [t.role, call.subject, typeof call.principal === 'string' ? call.principal : undefined];
    const why =
      t.missing?.role ??
      call.undecidable ??
      depends.map((d) => (d ? o.unknown?.get(d) : undefined)).find((x) => x !== undefined);
    if (why) {
      out.push({ call, decision: 'Unknown', reason: `cannot decide: ${why}` });
      continue;
    }
    const request: AuthzRequest = {
      principal: call.principal,
      action: call.action,
      resource: call.resource,
      context: call.context,
    };
    const res = await backend.decide(request);
    if (res.decision === 'Allow') {
      out.push({ call, decision: 'Allow', reason: res.reason });
      continue;
    }
    const n = nearest(res, call.spec.by === 'service' ? ['resource'] : ['identity', 'resource']);
    const { fixes, blocker } = await fixFor(t, call, res, backend);
    const r: CallResult = {
      call,
      decision: res.decision,
      reason: res.reason,
      ...(n ? { statement: statementLabel(n.policy, n.statement) } : {}),
      ...(n?.failed
        ? {
            failedCondition: {
              operator: n.failed.operator,
              key: n.failed.key,
              values: n.failed.values,
              seen: n.failed.seen ?? null,
            },
          }
        : {}),
      ...(fixes.length ? { fixes } : {}),
      ...(blocker ? { blocker } : {}),
    };
    const prove = async (candidate: EmrFix[]) => {
      const key = JSON.stringify(candidate);
      let fork = forks.get(key);
      if (!fork) {
        fork = backend.fork(applyFixes(backend.setup, candidate));
        forks.set(key, fork);
      }
      return (await (await fork).decide(request)).decision === 'Allow';
    };
    if (fixes.length > 0) {
      r.proven = await prove(fixes);
      // A permission the role's policies lack is often one its customer managed boundary lacks too: the
      // smallest fix then adds it to both, proven together.
      const boundary = backend.setup.roles.find(
        (x) => arnOfRole(x.account, x.path, x.name) === t.role,
      )?.permissionsBoundary;
      const only = fixes[0];
      if (
        !r.proven &&
        fixes.length === 1 &&
        only?.kind === 'add-permission' &&
        boundary &&
        backend.setup.policies.some((p) => `arn:aws:iam::${p.account}:policy${p.path}${p.name}` === boundary)
      ) {
        const both: EmrFix[] = [
          only,
          { kind: 'boundary-statement', boundary, action: only.action, resource: only.resource },
        ];
        if (await prove(both)) {
          r.fixes = both;
          r.proven = true;
        }
      }
    }
    out.push(r);
  }
  return out;
}

/** The target's role ARN with the setup's path (for targets named by role name only). */
export function roleArnIn(setup: ReadinessSetup, account: string, name: string): string {
  const r = setup.roles.find((x) => x.account === account && x.name === name);
  return arnOfRole(account, r?.path ?? '/', name);
}
