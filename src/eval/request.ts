/**
 * A request prepared for one decision: the action split into service and name, the principal parsed,
 * and case-insensitive context lookup (context key names are case-insensitive:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
 * Preparing allocates nothing once the action and principal have been seen: both are cached (a request
 * made from the resolver's cache carries its principal already parsed, and skips that cache), and context
 * keys are looked up in place.
 */
import { RCP_SERVICES } from '../knowledge/rcp-services.js';
import { parseArn } from '../policy/arn.js';
import { setOwn } from '../own-key.js';
import { intern } from './intern.js';
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

/**
 * Entries per cache before it starts over. Above the resolver's principal bound (20,000): a store of
 * 10,000 roles decided in turn must not clear the parsed principals on every round.
 */
const CACHE_SIZE = 50_000;

/** Parsed principals are kept: the same few principals make most requests. */
const principalCache = new Map<string, PrincipalInfo>();
const servicePrincipalCache = new Map<string, PrincipalInfo>();

function remember<V>(cache: Map<string, V>, key: string, make: (k: string) => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    v = make(key);
    cache.set(key, v);
  }
  return v;
}

/** Made once, not per call: a function written inline in cachedPrincipal would be a new closure every decision. */
function servicePrincipal(service: string): PrincipalInfo {
  return { kind: 'service', service };
}

/** The last principal parsed: consecutive requests of one principal (a batch) look it up once. */
let lastPrincipal: string | undefined;
let lastPrincipalInfo: PrincipalInfo = { kind: 'other' };

/** Where a request made by `withPrincipalInfo` carries its principal parsed. */
const PRINCIPAL = Symbol('parsed principal');

/** The principal parsed, as the engine keeps it. */
export function parsedPrincipal(p: RequestPrincipal): PrincipalInfo {
  return typeof p === 'string'
    ? remember(principalCache, p, principalInfo)
    : remember(servicePrincipalCache, p.Service, servicePrincipal);
}

/**
 * `request` carrying `info`, its principal parsed (from `parsedPrincipal`), for requests made from a cache
 * of many principals (the resolver's): the engine then does not look the principal up in its own cache.
 * Used only while the request's principal is still the ARN it was parsed from.
 */
export function withPrincipalInfo<R extends AuthzRequest>(request: R, info: PrincipalInfo): R {
  (request as { [PRINCIPAL]?: PrincipalInfo })[PRINCIPAL] = info;
  return request;
}

function requestPrincipal(req: AuthzRequest): PrincipalInfo {
  const carried = (req as { [PRINCIPAL]?: PrincipalInfo })[PRINCIPAL];
  return carried !== undefined && carried.arn !== undefined && carried.arn === req.principal
    ? carried
    : cachedPrincipal(req.principal);
}

function cachedPrincipal(p: RequestPrincipal): PrincipalInfo {
  if (typeof p === 'string') {
    if (p !== lastPrincipal) {
      lastPrincipalInfo = remember(principalCache, p, principalInfo);
      lastPrincipal = p;
    }
    return lastPrincipalInfo;
  }
  return remember(servicePrincipalCache, p.Service, servicePrincipal);
}

export function principalInfo(p: RequestPrincipal): PrincipalInfo {
  if (typeof p !== 'string') return { kind: 'service', service: p.Service };
  const arn = parseArn(p);
  if (!arn) return /^\d{12}$/.test(p) ? { kind: 'root', account: p } : { kind: 'other', arn: p };
  // The account, partition and path are the same text for many principals: one copy of each, which every
  // decision of those principals reads (a store of 10,000 roles then reads a few shared strings, not one
  // copy per role). Each kind is one literal with every field: V8 then keeps them all inside the object,
  // where a spread of common fields would leave the last ones in a second object read by every decision.
  const account = intern(arn.account);
  const partition = intern(arn.partition);
  const r = arn.resource;
  if (arn.service === 'iam') {
    if (r === 'root') return { kind: 'root', arn: p, account, partition };
    const slash = r.indexOf('/');
    const type = slash < 0 ? r : r.slice(0, slash);
    const last = r.slice(r.lastIndexOf('/') + 1);
    const path = slash < 0 ? '/' : intern(r.slice(slash, r.lastIndexOf('/') + 1));
    if (type === 'user') return { kind: 'user', arn: p, account, partition, userName: last, path };
    if (type === 'role') return { kind: 'role', arn: p, account, partition, roleName: last, path };
  }
  if (arn.service === 'sts') {
    const parts = r.split('/');
    if (parts[0] === 'assumed-role' && parts.length >= 3)
      return { kind: 'session', arn: p, account, partition, roleName: parts[1]! };
    if (parts[0] === 'federated-user') return { kind: 'federated', arn: p, account, partition };
  }
  return { kind: 'other', arn: p, account, partition };
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

interface ActionInfo {
  lower: string;
  service: string;
  assume: boolean;
  rcpService: boolean;
}
const actionCache = new Map<string, ActionInfo>();
function actionInfo(action: string): ActionInfo {
  const lower = action.toLowerCase();
  const colon = lower.indexOf(':');
  const service = colon < 0 ? lower : lower.slice(0, colon);
  return { lower, service, assume: ASSUME_ACTIONS.has(lower), rcpService: RCP_SERVICES.has(service) };
}

/** Number of values a context value holds (an array may hold none: then the key counts as absent). */
export function valueCount(v: ContextValue): number {
  return typeof v === 'object' ? v.length : 1;
}

/** The i-th value of a context value, as a string. */
export function valueAt(v: ContextValue, i: number): string {
  const x = typeof v === 'object' ? v[i]! : v;
  return typeof x === 'string' ? x : String(x);
}

/**
 * The context keys an explained decision found missing, in the order first asked for: a list (few keys,
 * no set to make per decision) that becomes the explanation's `missingContextKeys`. Undefined where the
 * keys asked for are not missing for the request (statements about other actions).
 */
export type MissingKeys = string[] | undefined;

export function addMissing(missing: MissingKeys, key: string): void {
  if (missing !== undefined && !missing.includes(key)) missing.push(key);
}

/** Whether `a` equals `lower` (already lower-case) without regard to ASCII case, without allocating. */
export function equalsLower(a: string, lower: string): boolean {
  const n = a.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = a.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    else if (c > 127) return a.toLowerCase() === lower;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** aws:CurrentTime of the last `now` seen, so a steady clock does not format a date per decision. */
let lastNow = Number.NaN;
let lastCurrentTime = '';
let lastEpochTime = '';
function clockValues(now: number): void {
  if (now === lastNow) return;
  lastNow = now;
  lastCurrentTime = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  lastEpochTime = String(Math.floor(now / 1000));
}

/**
 * Lower-cased indexes of frozen contexts: a frozen context (the resolver's cached ones) cannot change, so
 * its index is built on first use and kept with it; others are scanned on every lookup. An index maps each
 * lower-cased key to the key as written (the first in order wins, as the scan finds it), so contexts with
 * the same keys share one index: 10,000 roles' contexts, which differ in values only, then hold one index
 * between them instead of one each, and a lookup touches nothing of the context's own but the context.
 */
const contextIndexes = new WeakMap<object, ContextIndex>();
type ContextIndex = ReadonlyMap<string, string>;
/** Indexes by their keys in order (joined), shared by the contexts with those keys. */
const indexesByKeys = new Map<string, ContextIndex>();
/** Where a context made by `indexedContext` carries its index: no lookup in `contextIndexes` for it. */
const INDEX = Symbol('context index');

function indexOfKeys(keys: readonly string[]): ContextIndex {
  const id = keys.join('\u0000');
  let index = indexesByKeys.get(id);
  if (index === undefined) {
    const m = new Map<string, string>();
    for (const k of keys) {
      const lower = k.toLowerCase();
      if (!m.has(lower)) m.set(lower, k);
    }
    if (indexesByKeys.size >= CACHE_SIZE) indexesByKeys.clear();
    indexesByKeys.set(id, (index = m));
  }
  return index;
}

function contextIndex(ctx: Readonly<Record<string, ContextValue>>): ContextIndex | null {
  const carried = (ctx as { [INDEX]?: ContextIndex })[INDEX];
  if (carried !== undefined) return carried;
  if (!Object.isFrozen(ctx)) return null;
  let index = contextIndexes.get(ctx);
  if (index === undefined) contextIndexes.set(ctx, (index = indexOfKeys(Object.keys(ctx))));
  return index;
}

/**
 * A frozen copy of `ctx` (the same keys in the same order) carrying its index (not enumerable: copies, key
 * listings and JSON do not see it), for a context decided many times: the resolver's cached ones.
 */
export function indexedContext(ctx: Record<string, ContextValue>): Readonly<Record<string, ContextValue>> {
  const keys = Object.keys(ctx);
  const out = new IndexedContext(indexOfKeys(keys));
  for (const k of keys) setOwn(out, k, ctx[k]!);
  return Object.freeze(out);
}

/**
 * A plain object (its prototype is Object.prototype) made by a constructor, so that V8 gives it room for
 * its keys inside the object itself: a context copied by spreading keeps only its first few keys there
 * and the others in a second object that every lookup of them also reads. The index comes first.
 */
const IndexedContext = function (this: Record<string | symbol, unknown>, index: ContextIndex) {
  Object.defineProperty(this, INDEX, { value: index });
} as unknown as new (index: ContextIndex) => Record<string, ContextValue>;
IndexedContext.prototype = Object.prototype;

export class PreparedRequest {
  action = '';
  actionLower = '';
  service = '';
  /** The action assumes a role (sts:AssumeRole*, sts:TagSession...): the trust policy decides. */
  isAssume = false;
  /** The action's service is one that resource control policies govern. */
  rcpService = false;
  resource = '';
  principal: PrincipalInfo = { kind: 'other' };
  /** The principal has a permissions boundary (NotPrincipal in a Deny then excludes nobody). */
  hasBoundary = false;
  private explicitResourceAccount: string | undefined = undefined;
  private colons: readonly number[] | undefined | null = null;
  private colonsBuffer: number[] = [0, 0, 0, 0, 0];
  private ctx: Readonly<Record<string, ContextValue>> | undefined = undefined;
  /** The frozen context's keys lower-cased (null: the context is not frozen, keys are scanned). */
  private ctxIndex: ContextIndex | null | undefined = undefined;
  private now = 0;

  constructor(req?: AuthzRequest, env?: AuthzEnv) {
    if (req && env) this.reset(req, env);
  }

  /** Prepares this instance for another request (the hot path reuses one instance). */
  reset(req: AuthzRequest, env: AuthzEnv): this {
    this.action = req.action;
    const a = remember(actionCache, req.action, actionInfo);
    this.actionLower = a.lower;
    this.service = a.service;
    this.isAssume = a.assume;
    this.rcpService = a.rcpService;
    this.resource = req.resource;
    this.principal = requestPrincipal(req);
    this.ctx = req.context;
    this.ctxIndex = undefined;
    this.now = env.now;
    this.explicitResourceAccount = req.resourceAccount;
    this.colons = null;
    return this;
  }

  /** Offsets of the first five colons of the resource ARN (undefined when it is not ARN-shaped), found once. */
  get resourceColons(): readonly number[] | undefined {
    if (this.colons === null) {
      const r = this.resource;
      const out = this.colonsBuffer;
      let from = 0;
      let ok = true;
      for (let i = 0; i < 5; i++) {
        const c = r.indexOf(':', from);
        if (c < 0) {
          ok = false;
          break;
        }
        out[i] = c;
        from = c + 1;
      }
      this.colons = ok ? out : undefined;
    }
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

  /** Whether the resource belongs to `account`: the same answer as `resourceAccount`, without copying. */
  isResourceAccount(account: string | undefined): boolean {
    if (account === undefined) return false;
    if (this.explicitResourceAccount !== undefined) return this.explicitResourceAccount === account;
    const c = this.resourceColons;
    const r = this.resource;
    if (c && c[0] === 3 && r.startsWith('arn') && c[4]! > c[3]! + 1) {
      return c[4]! - c[3]! - 1 === account.length && r.startsWith(account, c[3]! + 1);
    }
    return this.principal.account === account;
  }

  /**
   * The value of a context key (lower-cased name) as the request carries it, or a value AWS always puts
   * in the request context derived from the principal, the resource and the clock; undefined when absent.
   */
  get(keyLower: string): ContextValue | undefined {
    const ctx = this.ctx;
    if (ctx !== undefined) {
      let index = this.ctxIndex;
      if (index === undefined) index = this.ctxIndex = contextIndex(ctx);
      if (index !== null) {
        const key = index.get(keyLower);
        if (key !== undefined) return ctx[key];
      } else for (const k in ctx) if (equalsLower(k, keyLower)) return ctx[k];
    }
    return this.derived(keyLower);
  }

  /** Keys AWS always puts in the request context, derived when the request does not give them. */
  private derived(keyLower: string): string | undefined {
    const p = this.principal;
    switch (keyLower) {
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime
      case 'aws:currenttime':
        clockValues(this.now);
        return lastCurrentTime;
      case 'aws:epochtime':
        clockValues(this.now);
        return lastEpochTime;
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
      case 'aws:principalaccount':
        return p.account;
      case 'aws:principalarn':
        if (p.kind === 'user' || p.kind === 'role' || p.kind === 'root' || p.kind === 'federated')
          return p.arn;
        // A session's aws:PrincipalArn is its role's ARN, whose path the session ARN does not carry: it
        // must come with the request.
        return undefined;
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
      case 'aws:username':
        return p.kind === 'user' ? p.userName : undefined;
      case 'aws:userid':
        return p.kind === 'root' ? p.account : undefined;
      case 'aws:principaltype':
        return p.kind === 'user'
          ? 'User'
          : p.kind === 'session'
            ? 'AssumedRole'
            : p.kind === 'root'
              ? 'Account'
              : p.kind === 'federated'
                ? 'FederatedUser'
                : undefined;
      // Present in every signed request: true for AWS service principals, false otherwise.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
      case 'aws:principalisawsservice':
        return p.kind === 'service' ? 'true' : 'false';
      case 'aws:principalservicename':
        return p.kind === 'service' ? p.service : undefined;
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount
      case 'aws:resourceaccount':
        return this.resourceAccount;
      default:
        return undefined;
    }
  }
}
