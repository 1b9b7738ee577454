/**
 * A request prepared once per decision: the action split into service and name, the principal parsed,
 * and case-insensitive context lookup (context key names are case-insensitive:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
 */
import { parseArn } from '../policy/arn.js';
import { arnColons } from '../policy/wildcard.js';
import type { AuthzEnv, AuthzRequest, ContextValue, RequestPrincipal } from './types.js';

export type PrincipalKind = 'user' | 'role' | 'session' | 'root' | 'federated' | 'service' | 'other';

export interface PrincipalInfo {
  kind: PrincipalKind;
  /** The principal as an ARN (absent for service principals). */
  arn?: string;
  account?: string;
  partition?: string;
  /** For service principals, the service name (`elasticmapreduce.amazonaws.com`). */
  service?: string;
  /** For roles and role sessions: the role's name (the last path segment). */
  roleName?: string;
  /** For users: the user name. */
  userName?: string;
  /** For roles: the role path, to recognise service-linked roles (`/aws-service-role/`). */
  path?: string;
}

const principalCache = new Map<string, PrincipalInfo>();
const PRINCIPAL_CACHE_SIZE = 10_000;

/** Parsed principals are kept: the same few principals make most requests. */
function cachedPrincipal(p: RequestPrincipal): PrincipalInfo {
  if (typeof p !== 'string') return { kind: 'service', service: p.Service };
  let info = principalCache.get(p);
  if (!info) {
    if (principalCache.size >= PRINCIPAL_CACHE_SIZE) principalCache.clear();
    info = principalInfo(p);
    principalCache.set(p, info);
  }
  return info;
}

export function principalInfo(p: RequestPrincipal): PrincipalInfo {
  if (typeof p !== 'string') return { kind: 'service', service: p.Service };
  const arn = parseArn(p);
  if (!arn) return /^\d{12}$/.test(p) ? { kind: 'root', account: p } : { kind: 'other', arn: p };
  const base = { arn: p, account: arn.account, partition: arn.partition };
  const r = arn.resource;
  if (arn.service === 'iam') {
    if (r === 'root') return { kind: 'root', ...base };
    const slash = r.indexOf('/');
    const type = slash < 0 ? r : r.slice(0, slash);
    const last = r.slice(r.lastIndexOf('/') + 1);
    const path = slash < 0 ? '/' : r.slice(slash, r.lastIndexOf('/') + 1);
    if (type === 'user') return { kind: 'user', ...base, userName: last, path };
    if (type === 'role') return { kind: 'role', ...base, roleName: last, path };
  }
  if (arn.service === 'sts') {
    const parts = r.split('/');
    if (parts[0] === 'assumed-role' && parts.length >= 3)
      return { kind: 'session', ...base, roleName: parts[1]! };
    if (parts[0] === 'federated-user') return { kind: 'federated', ...base };
  }
  return { kind: 'other', ...base };
}

/** Values of one context key, as strings. */
export type Values = readonly string[];

export class PreparedRequest {
  readonly action: string;
  readonly actionLower: string;
  readonly service: string;
  readonly resource: string;
  readonly principal: PrincipalInfo;
  private readonly explicitResourceAccount: string | undefined;
  private colons: readonly number[] | undefined | null = null;
  private readonly ctx: Readonly<Record<string, ContextValue>> | undefined;
  private readonly now: number;
  private cache: Map<string, Values | undefined> | undefined;

  constructor(req: AuthzRequest, env: AuthzEnv, principal: PrincipalInfo = cachedPrincipal(req.principal)) {
    this.action = req.action;
    this.actionLower = req.action.toLowerCase();
    const colon = this.actionLower.indexOf(':');
    this.service = colon < 0 ? this.actionLower : this.actionLower.slice(0, colon);
    this.resource = req.resource;
    this.principal = principal;
    this.ctx = req.context;
    this.now = env.now;
    this.explicitResourceAccount = req.resourceAccount;
  }

  /** Offsets of the first five colons of the resource ARN (undefined when it is not ARN-shaped), found once. */
  get resourceColons(): readonly number[] | undefined {
    if (this.colons === null) this.colons = arnColons(this.resource);
    return this.colons;
  }

  /** The resource's account: as given, else from its ARN, else the principal's (scenario-format.md). */
  get resourceAccount(): string | undefined {
    if (this.explicitResourceAccount !== undefined) return this.explicitResourceAccount;
    const c = this.resourceColons;
    const r = this.resource;
    return c && c[0] === 3 && r.startsWith('arn') && c[4]! > c[3]! + 1
      ? r.slice(c[3]! + 1, c[4])
      : this.principal.account;
  }

  /** The values of a context key (lower-cased name), or undefined when the request does not carry it. */
  get(keyLower: string): Values | undefined {
    let cache = this.cache;
    if (!cache) {
      // Key names are folded once per request, on the first lookup.
      cache = this.cache = new Map();
      const ctx = this.ctx;
      if (ctx) for (const k in ctx) cache.set(k.toLowerCase(), toValues(ctx[k]!));
    }
    if (cache.has(keyLower)) return cache.get(keyLower);
    const v = this.derived(keyLower);
    cache.set(keyLower, v);
    return v;
  }

  /** Keys AWS always puts in the request context, derived from the principal and the clock when not given. */
  private derived(keyLower: string): Values | undefined {
    const p = this.principal;
    switch (keyLower) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime
      case 'aws:currenttime':
        return [new Date(this.now).toISOString().replace(/\.\d{3}Z$/, 'Z')];
      case 'aws:epochtime':
        return [String(Math.floor(this.now / 1000))];
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
      case 'aws:principalaccount':
        return p.account ? [p.account] : undefined;
      case 'aws:principalarn':
        if (p.kind === 'user' || p.kind === 'role' || p.kind === 'root' || p.kind === 'federated')
          return p.arn ? [p.arn] : undefined;
        // A session's aws:PrincipalArn is its role's ARN; the session ARN does not carry the role path,
        // so only a role without a path can be derived; otherwise the key must come with the request.
        return undefined;
      case 'aws:username':
        return p.kind === 'user' && p.userName ? [p.userName] : undefined;
      case 'aws:principaltype':
        return p.kind === 'user'
          ? ['User']
          : p.kind === 'session'
            ? ['AssumedRole']
            : p.kind === 'root'
              ? ['Account']
              : p.kind === 'federated'
                ? ['FederatedUser']
                : undefined;
      case 'aws:principalservicename':
        return p.kind === 'service' && p.service ? [p.service] : undefined;
      default:
        return undefined;
    }
  }
}

function toValues(v: ContextValue): Values {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  return v.map(String);
}
