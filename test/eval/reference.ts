/**
 * A naive reference evaluator for property tests, written straight from AWS's pages with regular
 * expressions and plain loops over the raw JSON: no parsing into an AST, no indexing, no compilation, no
 * caching. Slow and obvious on purpose; the compiled engine must agree with it.
 * Flow: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 * Cross-account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 * Conditions: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * Variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import { RCP_SERVICES } from '../../src/knowledge/rcp-services.js';

export type Json = string | string[];
export interface RefStatement {
  Effect: 'Allow' | 'Deny';
  Action?: Json;
  NotAction?: Json;
  Resource?: Json;
  NotResource?: Json;
  Principal?: '*' | Record<string, Json>;
  NotPrincipal?: Record<string, Json>;
  Condition?: Record<string, Record<string, Json>>;
}
export interface RefPolicy {
  Version?: '2012-10-17' | '2008-10-17';
  Statement: RefStatement[];
}
export interface RefPolicies {
  identity: RefPolicy[];
  resource?: RefPolicy;
  boundary?: RefPolicy;
  session?: RefPolicy;
  scp?: RefPolicy[][];
  rcp?: RefPolicy[][];
}
export interface RefRequest {
  principal: string | { Service: string };
  action: string;
  resource: string;
  resourceAccount?: string;
  context: Record<string, string | string[]>;
}
export type RefDecision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** A policy or context value as strings (JSON numbers and booleans are written as text). */
const list = (v: Json | number | boolean | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

// ---- the principal -------------------------------------------------------------------------------

interface Who {
  kind: 'user' | 'role' | 'session' | 'federated' | 'root' | 'service' | 'other';
  arn: string;
  account: string;
  roleName: string;
  service: string;
  rolePath: string;
}

function who(p: RefRequest['principal']): Who {
  if (typeof p !== 'string')
    return { kind: 'service', arn: '', account: '', roleName: '', service: p.Service, rolePath: '' };
  const parts = p.split(':');
  const resource = parts.slice(5).join(':');
  const base = { arn: p, account: parts[4] ?? '', roleName: '', service: '', rolePath: '' };
  if (parts[2] === 'iam' && resource === 'root') return { ...base, kind: 'root' };
  if (parts[2] === 'iam' && resource.startsWith('user/')) return { ...base, kind: 'user' };
  if (parts[2] === 'iam' && resource.startsWith('role/')) {
    const segs = resource.split('/');
    return {
      ...base,
      kind: 'role',
      roleName: segs[segs.length - 1]!,
      rolePath: `/${segs.slice(1, -1).join('/')}${segs.length > 2 ? '/' : ''}`,
    };
  }
  if (parts[2] === 'sts' && resource.startsWith('assumed-role/'))
    return { ...base, kind: 'session', roleName: resource.split('/')[1]! };
  if (parts[2] === 'sts' && resource.startsWith('federated-user/')) return { ...base, kind: 'federated' };
  return { ...base, kind: 'other' };
}

function resourceAccountOf(req: RefRequest, w: Who): string {
  if (req.resourceAccount !== undefined) return req.resourceAccount;
  const fromArn = req.resource.split(':')[4];
  return fromArn ? fromArn : w.account;
}

// ---- the request context --------------------------------------------------------------------------

/** The values of a key (case-insensitive name), with the keys AWS always adds; [] when absent. */
function lookup(req: RefRequest, now: number, key: string): string[] {
  const k = Object.keys(req.context).find((c) => c.toLowerCase() === key.toLowerCase());
  if (k !== undefined) return list(req.context[k]);
  const w = who(req.principal);
  switch (key.toLowerCase()) {
    case 'aws:currenttime':
      return [new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z')];
    case 'aws:epochtime':
      return [String(Math.floor(now / 1000))];
    case 'aws:username':
      return w.kind === 'user' ? [w.arn.split('/').pop()!] : [];
    case 'aws:principalaccount':
      return w.kind === 'service' ? [] : [w.account];
    case 'aws:principalarn':
      return ['user', 'role', 'root'].includes(w.kind) ? [w.arn] : [];
    case 'aws:principaltype':
      return w.kind === 'user'
        ? ['User']
        : w.kind === 'session'
          ? ['AssumedRole']
          : w.kind === 'root'
            ? ['Account']
            : [];
    case 'aws:principalisawsservice':
      return [w.kind === 'service' ? 'true' : 'false'];
    case 'aws:resourceaccount':
      return [resourceAccountOf(req, w)];
    default:
      return [];
  }
}

// ---- patterns and variables -----------------------------------------------------------------------

/** A policy string after variable substitution: characters, each a wildcard or literal. */
type Chars = { c: string; wild: boolean }[];

/** Substitutes variables; undefined when one has no single value and no default (a null value). */
function substitute(text: string, req: RefRequest, now: number, variables: boolean): Chars | undefined {
  const out: Chars = [];
  const plain = (s: string, wild: boolean) => {
    for (const c of s) out.push({ c, wild: wild && (c === '*' || c === '?') });
  };
  if (!variables) {
    plain(text, true);
    return out;
  }
  let rest = text;
  while (rest.length > 0) {
    const m = /\$\{([^}]*)\}/.exec(rest);
    if (!m) {
      plain(rest, true);
      break;
    }
    plain(rest.slice(0, m.index), true);
    rest = rest.slice(m.index + m[0].length);
    const body = m[1]!.trim();
    if (body === '*' || body === '?' || body === '$') {
      plain(body, false);
      continue;
    }
    const withDefault = /^(.*?)\s*,\s*'(.*)'$/.exec(body);
    const key = withDefault ? withDefault[1]!.trim() : body;
    const values = lookup(req, now, key);
    if (values.length === 1) plain(values[0]!, false);
    else if (values.length === 0 && withDefault) plain(withDefault[2]!, false);
    else return undefined;
  }
  return out;
}

function regexOf(chars: Chars, flags = ''): RegExp {
  const body = chars
    .map(({ c, wild }) => (wild ? (c === '*' ? '.*' : '.') : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, `s${flags}`);
}

const textOf = (chars: Chars) => chars.map((x) => x.c).join('');

/** Splits at the first five colons; undefined when there are fewer. */
function sixParts<T>(items: T[], isColon: (t: T) => boolean): T[][] | undefined {
  const parts: T[][] = [[]];
  for (const it of items) {
    if (isColon(it) && parts.length < 6) parts.push([]);
    else parts[parts.length - 1]!.push(it);
  }
  return parts.length === 6 ? parts : undefined;
}

/** A Resource ARN with fewer than six fields: the missing ones are `*` (variables' colons do not count). */
function completed(pattern: string): string {
  if (!pattern.startsWith('arn:')) return pattern;
  const fields = pattern.replace(/\$\{[^}]*\}/g, '').split(':').length;
  return fields >= 3 && fields < 6 ? pattern + ':*'.repeat(6 - fields) : pattern;
}

/** The Resource element and ArnLike: each of the six ARN parts on its own; `*` alone is everything. */
function arnMatches(pattern: Chars, value: string): boolean {
  if (pattern.length === 1 && pattern[0]!.c === '*' && pattern[0]!.wild) return true;
  const p = sixParts(pattern, (x) => x.c === ':');
  if (!p) return regexOf(pattern).test(value);
  const v = sixParts([...value], (c) => c === ':');
  if (!v) return false;
  return p.every((part, i) => regexOf(part).test(v[i]!.join('')));
}

// ---- conditions ------------------------------------------------------------------------------------

function num(s: string): number | undefined {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s.trim()) ? Number(s) : undefined;
}

function date(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t) && t.length !== 4) return Number(t) * 1000;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(t)) return Date.parse(`${t}Z`);
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(t)) return Date.parse(t.length === 4 ? `${t}-01-01` : t);
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(t)) return Date.parse(t);
  return undefined;
}

function ipBits(s: string): { v6: boolean; bits: string } | undefined {
  const t = s.trim();
  if (/^\d+\.\d+\.\d+\.\d+$/.test(t)) {
    const o = t.split('.').map(Number);
    if (o.some((x) => x > 255)) return undefined;
    return { v6: false, bits: o.map((x) => x.toString(2).padStart(8, '0')).join('') };
  }
  if (!/^[0-9a-fA-F:]+$/.test(t)) return undefined;
  const [head, tail] = t.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = t.includes('::') ? [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl] : h;
  if (groups.length !== 8) return undefined;
  return { v6: true, bits: groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('') };
}

function inCidr(cidr: string, ip: string): boolean {
  const [net, len] = cidr.trim().split('/') as [string, string | undefined];
  const a = ipBits(net);
  const b = ipBits(ip);
  if (!a || !b || a.v6 !== b.v6) return false;
  const n = len === undefined ? a.bits.length : Number(len);
  return a.bits.slice(0, n) === b.bits.slice(0, n);
}

const VARIABLE_OPERATORS = /^(String|Bool|Arn)/;

/** Whether one context value matches one policy value under the operator's positive form. */
function matchOne(positive: string, cv: string, pv: Chars): boolean {
  const text = textOf(pv);
  switch (positive) {
    case 'StringEquals':
    case 'BinaryEquals':
      return cv === text;
    case 'StringEqualsIgnoreCase':
    case 'Bool':
      return cv.toLowerCase() === text.toLowerCase();
    case 'StringLike':
      return regexOf(pv).test(cv);
    case 'ArnEquals':
    case 'ArnLike':
      return arnMatches(pv, cv);
    case 'IpAddress':
      return inCidr(text, cv);
    default: {
      const isDate = positive.startsWith('Date');
      const a = isDate ? date(cv) : num(cv);
      const b = isDate ? date(text) : num(text);
      if (a === undefined || b === undefined) return false;
      const rel = positive.replace(/^(Date|Numeric)/, '');
      return rel === 'Equals'
        ? a === b
        : rel === 'LessThan'
          ? a < b
          : rel === 'LessThanEquals'
            ? a <= b
            : rel === 'GreaterThan'
              ? a > b
              : a >= b;
    }
  }
}

function conditionHolds(
  operator: string,
  key: string,
  policyValues: string[],
  req: RefRequest,
  now: number,
  variables: boolean,
): boolean {
  let op = operator;
  let qualifier = '';
  if (op.includes(':')) [qualifier, op] = op.split(':') as [string, string];
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const seen = lookup(req, now, key);
  if (op === 'Null') return policyValues.some((v) => (v.toLowerCase() === 'true') === (seen.length === 0));
  if (seen.length === 0) {
    if (ifExists || qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return op.includes('Not');
  }
  const negated = op.includes('Not');
  const positive = op === 'NotIpAddress' ? 'IpAddress' : op.replace('Not', '');
  // A variable with no value makes its policy value null: it equals and is like nothing.
  const pvs = policyValues
    .map((v) => substitute(v, req, now, variables && VARIABLE_OPERATORS.test(op)))
    .filter((v): v is Chars => v !== undefined);
  const any = (cv: string) => pvs.some((pv) => matchOne(positive, cv, pv));
  if (qualifier === 'ForAllValues') return seen.every((cv) => (negated ? !any(cv) : any(cv)));
  if (qualifier === 'ForAnyValue') return seen.some((cv) => (negated ? !any(cv) : any(cv)));
  return negated ? !seen.some(any) : seen.some(any);
}

// ---- statements ---------------------------------------------------------------------------------------

/** How a statement names the principal: 0 not at all, 1 its account, 2 a role or service, 3 itself. */
function principalLevel(st: RefStatement, w: Who, hasBoundary: boolean, userId?: string): number {
  if (st.NotPrincipal) {
    // Deny + NotPrincipal denies every principal with a permissions boundary (access_policies_boundaries).
    if (st.Effect === 'Deny' && hasBoundary) return 2;
    const aws = list(st.NotPrincipal.AWS);
    const services = list(st.NotPrincipal.Service);
    const accountListed = aws.includes(w.account) || aws.includes(`arn:aws:iam::${w.account}:root`);
    let excluded: boolean;
    if (aws.includes('*')) excluded = true;
    else if (w.kind === 'service') excluded = services.includes(w.service);
    else if (w.kind === 'session')
      excluded =
        aws.includes(w.arn) &&
        aws.some((a) => a.startsWith(`arn:aws:iam::${w.account}:role/`) && a.endsWith(`/${w.roleName}`)) &&
        accountListed;
    else if (w.kind === 'root') excluded = accountListed;
    else excluded = aws.includes(w.arn) && accountListed;
    return excluded ? 0 : 2;
  }
  if (!st.Principal) return 2;
  if (st.Principal === '*') return 3;
  let best = 0;
  for (const v of list(st.Principal.Service))
    if (w.kind === 'service' && v.toLowerCase() === w.service.toLowerCase()) best = Math.max(best, 2);
  for (const v of list(st.Principal.AWS)) {
    if (v === '*') best = 3;
    else if (w.kind === 'service') continue;
    // A unique id names the user (AIDA…) or the role and its sessions (AROA…, aws:userid AROA…:session).
    else if (/^AIDA[A-Z0-9]{17}$/.test(v) && w.kind === 'user' && userId === v) best = 3;
    else if (
      /^AROA[A-Z0-9]{17}$/.test(v) &&
      ((w.kind === 'role' && userId === v) || (w.kind === 'session' && userId?.startsWith(`${v}:`) === true))
    )
      best = Math.max(best, 2);
    else if (v === w.account || v === `arn:aws:iam::${w.account}:root`) best = Math.max(best, 1);
    else if (v === w.arn && (w.kind === 'user' || w.kind === 'session' || w.kind === 'federated')) best = 3;
    else if (v === w.arn && w.kind === 'role') best = Math.max(best, 2);
    else if (
      w.kind === 'session' &&
      v.startsWith(`arn:aws:iam::${w.account}:role/`) &&
      v.split('/').pop() === w.roleName
    )
      best = Math.max(best, 2);
  }
  return best;
}

function statementLevel(
  policy: RefPolicy,
  st: RefStatement,
  req: RefRequest,
  now: number,
  hasBoundary: boolean,
): number {
  const variables = policy.Version === '2012-10-17';
  const actionIn = (ps: string[]) =>
    ps.some((a) =>
      new RegExp(
        `^${a
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        'i',
      ).test(req.action),
    );
  if (st.Action !== undefined ? !actionIn(list(st.Action)) : actionIn(list(st.NotAction))) return 0;
  // A Resource entry with a null variable matches no resource (so it excludes none under NotResource).
  const resourceIn = (ps: string[]) =>
    ps.some((r) => {
      const chars = substitute(completed(r), req, now, variables);
      return chars !== undefined && arnMatches(chars, req.resource);
    });
  if (st.Resource !== undefined && !resourceIn(list(st.Resource))) return 0;
  if (st.NotResource !== undefined && resourceIn(list(st.NotResource))) return 0;
  const level = principalLevel(st, who(req.principal), hasBoundary, lookup(req, now, 'aws:userid')[0]);
  if (level === 0) return 0;
  for (const [op, keys] of Object.entries(st.Condition ?? {}))
    for (const [key, values] of Object.entries(keys))
      if (!conditionHolds(op, key, list(values), req, now, variables)) return 0;
  return level;
}

interface Scan {
  deny: boolean;
  allow: boolean;
  /** The strongest principal level among applying Allow statements. */
  level: number;
}

function scanPolicies(ps: RefPolicy[], req: RefRequest, now: number, hasBoundary: boolean): Scan {
  const out: Scan = { deny: false, allow: false, level: 0 };
  for (const p of ps)
    for (const st of p.Statement) {
      const l = statementLevel(p, st, req, now, hasBoundary);
      if (l === 0) continue;
      if (st.Effect === 'Deny') out.deny = true;
      else {
        out.allow = true;
        out.level = Math.max(out.level, l);
      }
    }
  return out;
}

const ASSUME =
  /^sts:(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext)$/i;

export function referenceDecision(p: RefPolicies, req: RefRequest, now: number): RefDecision {
  const w = who(req.principal);
  const hasBoundary = p.boundary !== undefined;
  const service = req.action.split(':')[0]!.toLowerCase();
  const assume = ASSUME.test(req.action);
  const serviceLinked = w.kind === 'role' && w.rolePath.startsWith('/aws-service-role/');
  // SCPs: not for service principals or service-linked roles. RCPs: only their services; not for
  // service-linked roles, a service assuming its service-linked role, or kms:RetireGrant.
  const scpLevels = p.scp && w.kind !== 'service' && !serviceLinked ? p.scp : [];
  const rcpLevels =
    p.rcp &&
    RCP_SERVICES.has(service) &&
    !serviceLinked &&
    req.action.toLowerCase() !== 'kms:retiregrant' &&
    !(assume && req.resource.includes(':role/aws-service-role/'))
      ? p.rcp
      : [];

  const identity = scanPolicies(p.identity, req, now, hasBoundary);
  const resource = scanPolicies(p.resource ? [p.resource] : [], req, now, hasBoundary);
  const boundary = p.boundary ? scanPolicies([p.boundary], req, now, hasBoundary) : undefined;
  const session = p.session ? scanPolicies([p.session], req, now, hasBoundary) : undefined;
  const scps = scpLevels.map((l) => scanPolicies(l, req, now, hasBoundary));
  const rcps = rcpLevels.map((l) => scanPolicies(l, req, now, hasBoundary));

  const all = [
    identity,
    resource,
    ...(boundary ? [boundary] : []),
    ...(session ? [session] : []),
    ...scps,
    ...rcps,
  ];
  if (all.some((s) => s.deny)) return 'ExplicitDeny';
  if (rcps.some((s) => !s.allow)) return 'ImplicitDeny';
  if (scps.some((s) => !s.allow)) return 'ImplicitDeny';

  // The root user has full access (as if an identity policy allowed everything) and cannot assume roles.
  if (w.kind === 'root' && assume) return 'ImplicitDeny';
  if (w.kind === 'root') identity.allow = true;
  const same = w.kind === 'service' || w.account === '' || w.account === resourceAccountOf(req, w);
  const grant = resource.allow ? resource.level : 0;
  const kmsKey = service === 'kms' && req.resource.includes(':key/');
  if (kmsKey || assume) {
    // Of a key of another account, only the cryptographic operations and a few others can be called.
    const external =
      /^kms:(decrypt|derivesharedsecret|encrypt|generatedatakey(pair)?(withoutplaintext)?|generatemac|reencrypt(from|to)|sign|verify|verifymac|creategrant|describekey|getkeyrotationstatus|getpublickey|listgrants|retiregrant|revokegrant)$/i;
    if (kmsKey && !same && !external.test(req.action)) return 'ImplicitDeny';
    // The key policy or the trust policy must allow; naming only the account delegates to identity policies.
    if (!p.resource) return 'ImplicitDeny';
    const ok = same ? grant >= 2 || (grant === 1 && identity.allow) : grant > 0 && identity.allow;
    if (!ok) return 'ImplicitDeny';
  } else if (same) {
    if (!identity.allow && grant < 2) return 'ImplicitDeny';
  } else if (!identity.allow || grant === 0) return 'ImplicitDeny';

  // Boundary and session policy: capped, unless a same-account resource policy grants to the requester itself.
  const exempt = same && grant === 3;
  if (boundary && !boundary.allow && !exempt) return 'ImplicitDeny';
  if (session && !session.allow && !exempt) return 'ImplicitDeny';
  return 'Allow';
}
