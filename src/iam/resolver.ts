/**
 * The one way to decide against the store: turns a credential (the access key a request was signed with)
 * or, for simulation, a principal ARN, and a target resource into what the engine needs: the policy set
 * (identity, group, boundary, session, resource, SCP and RCP levels) and the context keys the store knows
 * (principal and resource tags, the session's own tags, source identity and issue time, organization ids
 * and paths, the resource's owner). A credential is resolved from ITS OWN session record, never from
 * another session with the same name; a session whose role or user was deleted (or re-created under the
 * same name: another unique id) gets no permissions.
 *
 * Caching: resolved principals and resources, and per principal each resource's assembled policy set and
 * context, are kept for the store's revision they were read at: dropped on every write committed by this
 * process (commit hook) and whenever the revision shows a write by another process (checked before every
 * decision, without a query: the memory store from its counter, SQLite from the WAL-index header read at
 * most once a millisecond while this process commits nothing, PostgreSQL from the revisions its LISTEN
 * connection hears, confirmed by a query less than a millisecond old; a write returns only once that
 * window has passed, see store/revision-window.ts). A warm decision is then one map lookup (a
 * principal's entry holds its first two pairs itself) and touches few objects of its own (at 10,000
 * roles each is a cache miss): the request it makes carries the principal parsed for the engine; a
 * managed policy version is one object for all the principals it is attached to; without explanations
 * the policy set is one object for every principal whose policies compile to the same documents
 * (decisionSetOf), whose names only explanations read; and a principal's pairs with the same resource
 * keys share one context. The objects of an S3 bucket without a record of their own share one resolution
 * and pair (see BucketObjects): a key never decided before, of a known bucket, is answered from the cache.
 * Every cache is bounded (`ResolverOptions.cacheSize`); a full pair cache forgets its oldest pair.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { RolecallError } from '../errors.js';
import { indexedContext, parsedPrincipal, withPrincipalInfo, type PrincipalInfo } from '../eval/index.js';
import type {
  AuthzRequest,
  CompiledPolicy,
  ContextValue,
  PolicySet,
  RequestPrincipal,
} from '../eval/types.js';
import { ACCOUNT_ID, parseArn } from '../policy/arn.js';
import type { PolicyKind } from '../policy/types.js';
import type { ControlPlane } from './control-plane.js';
import { assumedRoleArn, parsePolicyArn } from './identities.js';
import { s3ObjectBucket } from './resources.js';
import type {
  FederatedSessionInfo,
  IdentityRef,
  OrgLevel,
  ResourceInfo,
  RoleInfo,
  SessionInfo,
  Tag,
  UserInfo,
} from './types.js';
import { setOwn } from '../own-key.js';
import { overlayContext } from './context-overlay.js';

/** Compiles one policy document (text as stored) for the engine. */
export type PolicyCompiler = (text: string, options: { kind: PolicyKind; name: string }) => CompiledPolicy;

export type PrincipalKind =
  'user' | 'group' | 'role' | 'assumed-role' | 'federated-user' | 'root' | 'service';

export interface ResolvedPrincipal {
  kind: PrincipalKind;
  /** As given: the ARN, or the service principal name. */
  principal: RequestPrincipal;
  account?: string;
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  session?: CompiledPolicy[];
  /** The organization levels of the principal's account, root first (absent: outside any organization). */
  scp?: CompiledPolicy[][];
  serviceLinkedRole: boolean;
  /** Principal tags: the user's or role's, session tags taking precedence. */
  tags: Tag[];
  /** Context keys the store knows about the principal. */
  context: Record<string, ContextValue>;
  /** The access key id this principal was resolved from, when it was resolved from a credential. */
  credential?: string;
  /**
   * When the temporary credential it was resolved from expires (epoch milliseconds): decisions at or after
   * it allow nothing (decide.ts compares it with each decision's `now`, cached or not).
   */
  expiresAt?: number;
  /**
   * The credential's role (or user) was deleted or re-created under its name with another unique id: the
   * credential is allowed nothing, whatever any policy says.
   */
  revoked?: true;
}

export interface ResolvedResource {
  /**
   * The resource's ARN; `<bucket ARN>/*` for the one resolution shared by the objects of a bucket that have
   * no record of their own (see BucketObjects).
   */
  arn: string;
  account?: string;
  /** The resource-based policy: bucket, key or secret policy; a role's trust policy for `sts:AssumeRole*`. */
  policy?: CompiledPolicy;
  rcp?: CompiledPolicy[][];
  registered: boolean;
  tags: Tag[];
  context: Record<string, ContextValue>;
}

export interface PreparedRequest {
  /** The request with the store's context keys added (keys given by the caller win). */
  request: AuthzRequest;
  policySet: PolicySet;
  principal: ResolvedPrincipal;
  resource: ResolvedResource;
}

export interface PrepareOptions {
  /**
   * The access key id the request was signed with. The principal is then that credential's own record
   * (the request's `principal` is replaced by the credential's ARN); without it, `principal` is resolved
   * as an ARN (simulation, the decision API).
   */
  credential?: string;
  /**
   * Decide as if the resource's policy only delegated to the principal's account: the principal's
   * identity-based policies (within its boundary, session policies and SCPs) must allow the request. For
   * permissions AWS requires in the identity policy as well as in the resource's, such as
   * sts:SetSourceIdentity along a role chain (id_credentials_temp_control-access_monitor.html).
   */
  identityOnly?: true;
}

export interface ResolverOptions {
  /**
   * Compare the store's revision before using the cache, so writes by other processes are seen. On by
   * default; off where something else checks it before each decision (the endpoint's Freshness).
   */
  checkRevision?: boolean;
  /** Bounds of the caches (entries); defaults in DEFAULT_CACHE_SIZE. */
  cacheSize?: Partial<CacheSize>;
}

export interface CacheSize {
  /** Resolved principals (an ARN, a service or a credential each). */
  principals: number;
  /** Resolved resources; also bounds the S3 buckets' object records held (see BucketObjects). */
  resources: number;
  /**
   * Assembled policy sets and contexts, one per principal and resource decided together; when full, the
   * oldest is forgotten.
   */
  pairs: number;
  /** Compiled policy documents. */
  compiled: number;
}

export const DEFAULT_CACHE_SIZE: Readonly<CacheSize> = {
  principals: 20_000,
  resources: 20_000,
  pairs: 50_000,
  compiled: 10_000,
};

/** A map that forgets its oldest entry when full. */
class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(
    private readonly max: number,
    private readonly onEvict?: (value: V) => void,
  ) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.map.size >= this.max && !this.map.has(key)) this.evictOldest();
    this.map.set(key, value);
  }

  evictOldest(): void {
    const oldest = this.map.entries().next();
    if (oldest.done) return;
    this.map.delete(oldest.value[0]);
    this.onEvict?.(oldest.value[1]);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}

/**
 * A principal being resolved or resolved, with the policy sets assembled for it per resource. A principal
 * decides about few resources: the first two pairs are held in the entry itself (a warm decision then
 * reads one object where a map would add its own object and table), the others in a map.
 */
interface PrincipalEntry {
  promise: Promise<ResolvedPrincipal>;
  value: ResolvedPrincipal | undefined;
  /** How many pairs the entry holds. */
  pairCount: number;
  key0: string | undefined;
  pair0: Pair | undefined;
  key1: string | undefined;
  pair1: Pair | undefined;
  more: Map<string, Pair> | undefined;
}

function newPrincipalEntry(promise: Promise<ResolvedPrincipal>): PrincipalEntry {
  return {
    promise,
    value: undefined,
    pairCount: 0,
    key0: undefined,
    pair0: undefined,
    key1: undefined,
    pair1: undefined,
    more: undefined,
  };
}

function pairOf(entry: PrincipalEntry, key: string): Pair | undefined {
  if (entry.key0 === key) return entry.pair0;
  if (entry.key1 === key) return entry.pair1;
  return entry.more?.get(key);
}

/** Keeps `pair` under `key`; true when the entry did not hold the key before. */
function putPair(entry: PrincipalEntry, key: string, pair: Pair): boolean {
  if (entry.key0 === key) entry.pair0 = pair;
  else if (entry.key1 === key) entry.pair1 = pair;
  else if (entry.more?.has(key)) entry.more.set(key, pair);
  else {
    if (entry.key0 === undefined) {
      entry.key0 = key;
      entry.pair0 = pair;
    } else if (entry.key1 === undefined) {
      entry.key1 = key;
      entry.pair1 = pair;
    } else (entry.more ??= new Map()).set(key, pair);
    entry.pairCount++;
    return true;
  }
  return false;
}

/** Forgets the entry's pair under `key`, if it holds one. */
function dropPair(entry: PrincipalEntry, key: string): void {
  if (entry.key0 === key) {
    entry.key0 = undefined;
    entry.pair0 = undefined;
  } else if (entry.key1 === key) {
    entry.key1 = undefined;
    entry.pair1 = undefined;
  } else if (entry.more?.delete(key) !== true) return;
  entry.pairCount--;
}

interface ResourceEntry {
  promise: Promise<ResolvedResource>;
}

/** The most object records of one bucket the resolver holds: a bucket with more is resolved key by key. */
const BUCKET_OBJECTS_HELD = 1_000;

/**
 * What the objects of an S3 bucket resolve to, read once per bucket and revision in one read (the bucket's
 * record and its objects'): an object registered under its own ARN is resolved from its record, every other
 * object from the bucket's alone, so they all share one resolution and, per principal, one pair. Real
 * workloads decide about many object keys of few buckets, and register few objects, if any.
 */
interface BucketObjects {
  bucket: ResourceInfo | undefined;
  /** The records of the objects registered under their own ARN; undefined when there are too many to hold. */
  objects: Map<string, ResourceInfo> | undefined;
  /** The resolution of every object of the bucket without a record of its own. */
  shared: ResolvedResource;
  /** The key of the pairs made with `shared` (no request's pairKey starts with it). */
  pairKey: string;
}

interface BucketEntry {
  promise: Promise<BucketObjects>;
  value: BucketObjects | undefined;
  /** The records it holds, counted against `CacheSize.resources`. */
  weight: number;
}

/** An account's organization levels (absent: not restricted by any) and context keys. */
interface OrgPart {
  levels?: CompiledPolicy[][];
  context: Readonly<Record<string, ContextValue>>;
}

/**
 * What prepare returns for one principal and resource, before the caller's own context keys: one object
 * per pair, whose parts are shared where they are the same (the decision set by every principal whose
 * policies compile to the same documents, the context by the principal's pairs with equal resource keys).
 */
interface Pair {
  /** The policy set as resolved, each policy named for this principal's explanations. */
  policySet: PolicySet;
  /**
   * The same policies as their shared unnamed compiled forms, the same set for every pair with the same
   * compiled documents in every slot: what a decision without explanations evaluates (see decisionSetOf).
   */
  decisionSet: PolicySet;
  context: Readonly<Record<string, ContextValue>>;
  resourceAccount: string | undefined;
  /** `principal.principal`, kept here so that a warm decision does not read the principal's record. */
  principalArn: RequestPrincipal;
  /** The principal is refused nothing by itself at any time (not revoked, no expiry): see decisionSetOf. */
  live: boolean;
  principal: ResolvedPrincipal;
  /** The principal as the engine parses it, carried by every request made from the pair. */
  parsed: PrincipalInfo;
  resource: ResolvedResource;
}

/**
 * A prepared request made from a pair. It remembers its pair in a private field (a copy such as
 * `{ ...prepared, policySet }` is a plain object without it), so that decisionSetOf can tell that its
 * policy set and principal are still the pair's own.
 */
class PairRequest implements PreparedRequest {
  readonly #pair: Pair;
  constructor(
    public request: AuthzRequest,
    public policySet: PolicySet,
    public principal: ResolvedPrincipal,
    public resource: ResolvedResource,
    pair: Pair,
  ) {
    this.#pair = pair;
  }

  static decisionSet(p: PreparedRequest): PolicySet | undefined {
    if (!(p instanceof PairRequest)) return undefined;
    const pair = p.#pair;
    return pair.live && p.policySet === pair.policySet && p.principal === pair.principal
      ? pair.decisionSet
      : undefined;
  }
}

/**
 * The policy set to decide `prepared` with when no explanation is asked and its principal can be refused
 * nothing by itself (neither revoked nor expiring): the pair's shared decision set, which holds the same
 * compiled documents as `prepared.policySet` in every slot, without this principal's names. Undefined
 * for anything else (an explanation names each policy: it is decided with `prepared.policySet`; so is a
 * prepared request whose set or principal was replaced, or that the resolver did not make).
 */
export function decisionSetOf(prepared: PreparedRequest): PolicySet | undefined {
  return PairRequest.decisionSet(prepared);
}

// sts:TagSession and sts:SetSourceIdentity, asked together with AssumeRole, are granted by the trust policy too
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required)
const ASSUME_ROLE_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
]);

export class Resolver {
  private readonly size: CacheSize;
  private readonly principals: BoundedMap<string, PrincipalEntry>;
  private readonly resources: BoundedMap<string, ResourceEntry>;
  /** Per S3 bucket ARN, its objects; at most `size.resources` records held in all. */
  private readonly buckets: BoundedMap<string, BucketEntry>;
  private bucketWeight = 0;
  /** The bucket of the last decision about an object answered from its bucket's objects, for this revision. */
  private lastBucket: { bucket: string; objects: BucketObjects } | undefined;
  /** The pair key of each bucket's shared resolution (see BucketObjects). */
  private sharedPairKeys = new WeakMap<ResolvedResource, string>();
  private readonly compiled: BoundedMap<string, CompiledPolicy>;
  /** Managed policy versions as attached, by kind and name (ARN and version), with their text. */
  private readonly managedUses: BoundedMap<string, { text: string; use: CompiledPolicy }>;
  /** Organization levels per policy type and account. */
  private readonly orgs: BoundedMap<string, Promise<OrgPart>>;
  /** Per compiled document, its unnamed use (see shared); emptied with the other caches. */
  private sharedPolicies = new Map<object, { policy: CompiledPolicy; id: number }>();
  /** Decision sets by the numbers of their policies per slot (see decisionSet). */
  private decisionSets = new Map<string, PolicySet>();
  /** Per principal, its pairs' contexts by the resource's keys (see pairContext). */
  private contexts = new WeakMap<ResolvedPrincipal, Map<string, Readonly<Record<string, ContextValue>>>>();
  /**
   * Every pair kept, oldest first from `pairNext` on: the principal entry holding it and its key, in a ring
   * of at most `size.pairs` slots, so that a full cache forgets its oldest pair (and nothing else). A slot
   * may name an entry the principals' map has since evicted: dropping its pair then changes nothing.
   */
  private pairEntries: PrincipalEntry[] = [];
  private pairKeys: string[] = [];
  private pairNext = 0;
  /** Bumped by every invalidation: what was read before one is never cached after it. */
  private generation = 0;
  private revision: number | undefined;
  private readonly off: () => void;

  constructor(
    readonly cp: ControlPlane,
    private readonly compile: PolicyCompiler,
    private readonly options: ResolverOptions = {},
  ) {
    this.size = { ...DEFAULT_CACHE_SIZE, ...options.cacheSize };
    this.principals = new BoundedMap(this.size.principals);
    this.resources = new BoundedMap(this.size.resources);
    this.buckets = new BoundedMap(this.size.resources, (evicted) => {
      this.bucketWeight -= evicted.weight;
    });
    this.compiled = new BoundedMap(this.size.compiled);
    this.managedUses = new BoundedMap(this.size.compiled);
    this.orgs = new BoundedMap(this.size.resources);
    this.off = cp.store.onCommit(() => this.invalidate());
  }

  /** Drops every cached set; called on each committed write, and available to other invalidation sources. */
  invalidate(): void {
    this.generation++;
    this.principals.clear();
    this.resources.clear();
    this.buckets.clear();
    this.bucketWeight = 0;
    this.lastBucket = undefined;
    this.sharedPairKeys = new WeakMap();
    this.orgs.clear();
    this.sharedPolicies = new Map();
    this.decisionSets = new Map();
    this.contexts = new WeakMap();
    this.pairEntries = [];
    this.pairKeys = [];
    this.pairNext = 0;
  }

  /** How many entries each cache holds. */
  cacheSizes(): CacheSize {
    let pairs = 0;
    for (const e of this.principals.values()) pairs += e.pairCount;
    return {
      principals: this.principals.size,
      resources: this.resources.size,
      pairs,
      compiled: this.compiled.size,
    };
  }

  /** Stops listening to the store. */
  dispose(): void {
    this.off();
  }

  /** The request with the store's context and the policy set to evaluate it with. */
  async prepare(request: AuthzRequest, options: PrepareOptions = {}): Promise<PreparedRequest> {
    const hit = this.prepareCached(request, options);
    if (hit !== undefined) return hit;
    await this.checkRevision();
    const generation = this.generation;
    const principal =
      options.credential !== undefined
        ? await this.credentialPrincipal(options.credential)
        : await this.principal(request.principal);
    if (options.credential !== undefined && request.principal !== principal.principal) {
      throw new RolecallError(
        'InvalidInput',
        `credential \`${options.credential}\` is not \`${typeof request.principal === 'string' ? request.principal : request.principal.Service}\``,
      );
    }
    const resource = await this.resource(request.resource, request.action, request.resourceAccount);
    const pair = this.assemble(request, principal, resource, options);
    if (!options.identityOnly && generation === this.generation) this.keep(request, options, pair);
    return finish(request, pair);
  }

  /**
   * The prepared request from the cache, without reading the store beyond its revision, when everything
   * it needs is cached for the current revision; undefined otherwise (then `prepare` resolves it).
   */
  prepareCached(request: AuthzRequest, options: PrepareOptions = {}): PreparedRequest | undefined {
    if (options.identityOnly) return undefined;
    if (!this.freshNow()) return undefined;
    const entry = this.principals.get(principalKey(request.principal, options.credential));
    if (entry === undefined) return undefined;
    const pair = this.sharedObjectPair(entry, request) ?? pairOf(entry, pairKey(request));
    // Keyed by the principal itself, a pair is the request principal's; a credential's must also be the
    // principal the request names (prepare refuses it otherwise).
    if (pair === undefined) return undefined;
    if (options.credential !== undefined && !samePrincipal(pair.principalArn, request.principal))
      return undefined;
    return finish(request, pair);
  }

  /**
   * The principal's pair for an S3 object without a record of its own, when its bucket's objects are known
   * for this revision: the pair of the bucket's shared resolution (see BucketObjects).
   */
  private sharedObjectPair(entry: PrincipalEntry, request: AuthzRequest): Pair | undefined {
    if (request.resourceAccount !== undefined) return undefined;
    const text = request.resource;
    const last = this.lastBucket;
    let known: BucketObjects | undefined;
    // The bucket of the last such decision, without cutting the bucket's ARN out of the object's.
    if (last !== undefined && text.charCodeAt(last.bucket.length) === 47 && text.startsWith(last.bucket))
      known = last.objects;
    else {
      const bucket = objectBucketArn(text);
      if (bucket === undefined) return undefined;
      known = this.buckets.get(bucket)?.value;
      if (known !== undefined) this.lastBucket = { bucket, objects: known };
    }
    if (known?.objects === undefined || (known.objects.size > 0 && known.objects.has(text))) return undefined;
    if (isAssumeAction(request.action)) return undefined;
    return pairOf(entry, known.pairKey);
  }

  /** Whether the cache is for the store's current revision, read without waiting; false when unknown. */
  private freshNow(): boolean {
    if (this.options.checkRevision === false) return true;
    const rev = this.cp.store.revisionNow?.();
    if (rev === undefined) return false;
    if (rev !== this.revision) {
      this.invalidate();
      this.revision = rev;
      return false;
    }
    return true;
  }

  private keep(request: AuthzRequest, options: PrepareOptions, pair: Pair): void {
    const entry = this.principals.get(principalKey(request.principal, options.credential));
    if (entry === undefined || entry.value !== pair.principal || this.size.pairs < 1) return;
    const key = this.sharedPairKeys.get(pair.resource) ?? pairKey(request);
    if (!putPair(entry, key, pair)) return;
    if (this.pairKeys.length < this.size.pairs) {
      this.pairEntries.push(entry);
      this.pairKeys.push(key);
      return;
    }
    // Full: the oldest pair makes room; the principals, resources and compiled policies stay.
    const oldest = this.pairNext;
    dropPair(this.pairEntries[oldest]!, this.pairKeys[oldest]!);
    this.pairEntries[oldest] = entry;
    this.pairKeys[oldest] = key;
    this.pairNext = (oldest + 1) % this.size.pairs;
  }

  /** The policy set and context of a principal and resource, before the caller's context keys. */
  private assemble(
    request: AuthzRequest,
    principal: ResolvedPrincipal,
    resource: ResolvedResource,
    options: PrepareOptions,
  ): Pair {
    const resourcePolicy =
      options.identityOnly && principal.account !== undefined
        ? this.delegation(principal.account, isAssumeAction(request.action))
        : resource.policy;
    const policySet: PolicySet = {
      identity: principal.identity,
      ...(resourcePolicy ? { resource: resourcePolicy } : {}),
      ...(principal.boundary ? { boundary: principal.boundary } : {}),
      ...(principal.session ? { session: principal.session } : {}),
      ...(principal.scp ? { scp: principal.scp } : {}),
      ...(resource.rcp ? { rcp: resource.rcp } : {}),
      ...(principal.serviceLinkedRole ? { serviceLinkedRole: true } : {}),
    };
    // An AWS managed policy belongs to no account: reading it is not a cross-account request.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies
    const awsOwned = resource.account === undefined && isAwsManagedPolicyArn(request.resource);
    const resourceAccount =
      request.resourceAccount ?? resource.account ?? (awsOwned ? principal.account : undefined);
    return {
      policySet,
      decisionSet: this.decisionSet(policySet),
      context: this.pairContext(principal, resource, awsOwned),
      resourceAccount,
      principalArn: principal.principal,
      live: principal.revoked === undefined && principal.expiresAt === undefined,
      principal,
      parsed: parsedPrincipal(principal.principal),
      resource,
    };
  }

  /**
   * The principal's context keys with the resource's (which win), one frozen object for all the pairs of
   * the principal whose resource keys are the same (the objects of a bucket, say): the text of the
   * resource's keys is the key, so only equal contexts are shared.
   */
  private pairContext(
    principal: ResolvedPrincipal,
    resource: ResolvedResource,
    awsOwned: boolean,
  ): Readonly<Record<string, ContextValue>> {
    const owned = awsOwned && principal.account !== undefined;
    const key = `${owned ? 'aws-owned' : ''}\u0000${JSON.stringify(Object.entries(resource.context))}`;
    let known = this.contexts.get(principal);
    const hit = known?.get(key);
    if (hit !== undefined) return hit;
    const context: Record<string, ContextValue> = { ...principal.context, ...resource.context };
    if (owned) context['aws:ResourceAccount'] = principal.account!;
    const made = indexedContext(context);
    if (known === undefined) {
      known = new Map<string, Readonly<Record<string, ContextValue>>>();
      this.contexts.set(principal, known);
    }
    known.set(key, made);
    return made;
  }

  /**
   * The policy set that decides as `set` does without explanations: each policy replaced by its document's
   * shared unnamed compiled form, and the set itself shared by every set of the same forms in the same
   * slots (10,000 roles with the same inline text and managed policies read one set). Names are the only
   * thing left out: the engine reads a policy's name for explanations alone.
   */
  private decisionSet(set: PolicySet): PolicySet {
    const ids = (ps: readonly CompiledPolicy[] | undefined) =>
      ps === undefined ? '-' : ps.map((p) => this.shared(p).id).join(',');
    // Each level bracketed: no levels and one level without policies (which allows nothing) differ.
    const levels = (ls: readonly (readonly CompiledPolicy[])[] | undefined) =>
      ls === undefined ? '-' : ls.map((l) => `[${ids(l)}]`).join('');
    const one = (p: CompiledPolicy | undefined) => (p === undefined ? '-' : String(this.shared(p).id));
    const key = [
      ids(set.identity),
      one(set.resource),
      one(set.boundary),
      ids(set.session),
      levels(set.scp),
      levels(set.rcp),
      set.serviceLinkedRole === true ? 'slr' : '-',
    ].join('|');
    const hit = this.decisionSets.get(key);
    if (hit !== undefined) return hit;
    const bare = (ps: readonly CompiledPolicy[]) => ps.map((p) => this.shared(p).policy);
    const made: PolicySet = {
      identity: bare(set.identity),
      ...(set.resource ? { resource: this.shared(set.resource).policy } : {}),
      ...(set.boundary ? { boundary: this.shared(set.boundary).policy } : {}),
      ...(set.session ? { session: bare(set.session) } : {}),
      ...(set.scp ? { scp: set.scp.map(bare) } : {}),
      ...(set.rcp ? { rcp: set.rcp.map(bare) } : {}),
      ...(set.serviceLinkedRole === true ? { serviceLinkedRole: true } : {}),
    };
    this.decisionSets.set(key, made);
    return made;
  }

  /**
   * The unnamed use of a policy's compiled document, one per document (the `_compiled` the engine
   * evaluates), and its number in decision-set keys. A policy whose document is not an object (a
   * compiler of another kind) is its own.
   */
  private shared(p: CompiledPolicy): { policy: CompiledPolicy; id: number } {
    const doc = typeof p._compiled === 'object' && p._compiled !== null ? p._compiled : p;
    let known = this.sharedPolicies.get(doc);
    if (known === undefined) {
      known = {
        policy: { name: undefined, kind: p.kind, _compiled: p._compiled },
        id: this.sharedPolicies.size,
      };
      this.sharedPolicies.set(doc, known);
    }
    return known;
  }

  /** A resource policy that only delegates to the account's identity-based policies. */
  private delegation(account: string, trust: boolean): CompiledPolicy {
    const statement = { Effect: 'Allow', Principal: { AWS: account }, Action: '*' };
    return this.policy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [trust ? statement : { ...statement, Resource: '*' }],
      }),
      trust ? 'trust' : 'resource',
      'the identity-based policy must allow',
    );
  }

  /** The principal of a credential (an access key id), from its own record. */
  credentialPrincipal(accessKeyId: string): Promise<ResolvedPrincipal> {
    return this.principalEntry(principalKey('', accessKeyId), () => this.resolveCredential(accessKeyId));
  }

  principal(p: RequestPrincipal): Promise<ResolvedPrincipal> {
    return this.principalEntry(principalKey(p, undefined), () => this.resolvePrincipal(p));
  }

  private principalEntry(key: string, resolve: () => Promise<ResolvedPrincipal>): Promise<ResolvedPrincipal> {
    const hit = this.principals.get(key);
    if (hit !== undefined) return hit.promise;
    const entry = newPrincipalEntry(resolve());
    this.principals.set(key, entry);
    entry.promise.then(
      (value) => {
        entry.value = value;
      },
      () => {
        if (this.principals.get(key) === entry) this.principals.delete(key);
      },
    );
    return entry.promise;
  }

  resource(arn: string, action: string, resourceAccount?: string): Promise<ResolvedResource> {
    const assume = isAssumeAction(action);
    const bucket = !assume && resourceAccount === undefined ? objectBucketArn(arn) : undefined;
    if (bucket !== undefined) return this.objectResource(arn, bucket);
    return this.resourceEntry(arn, assume, resourceAccount);
  }

  /** An S3 object (`arn`, of `bucket`): the bucket's shared resolution unless it has a record of its own. */
  private async objectResource(arn: string, bucket: string): Promise<ResolvedResource> {
    const known = await this.bucketObjects(bucket);
    if (known.objects !== undefined && !known.objects.has(arn)) return known.shared;
    return this.resourceEntry(arn, false, undefined);
  }

  private resourceEntry(
    arn: string,
    assume: boolean,
    resourceAccount: string | undefined,
  ): Promise<ResolvedResource> {
    const key = `${assume ? 'trust' : 'res'}|${resourceAccount ?? ''}|${arn}`;
    const hit = this.resources.get(key);
    if (hit !== undefined) return hit.promise;
    const entry: ResourceEntry = { promise: this.resolveResource(arn, assume, resourceAccount) };
    this.resources.set(key, entry);
    entry.promise.catch(() => {
      if (this.resources.get(key) === entry) this.resources.delete(key);
    });
    return entry.promise;
  }

  /** A bucket's objects, read once per revision (see BucketObjects). */
  private bucketObjects(bucket: string): Promise<BucketObjects> {
    const hit = this.buckets.get(bucket);
    if (hit !== undefined) return hit.promise;
    const entry: BucketEntry = { promise: this.readBucketObjects(bucket), value: undefined, weight: 0 };
    this.buckets.set(bucket, entry);
    entry.promise.then(
      (value) => {
        // Read before an invalidation: not kept.
        if (this.buckets.get(bucket) !== entry) return;
        entry.value = value;
        entry.weight = 1 + (value.objects?.size ?? 0);
        this.bucketWeight += entry.weight;
        while (this.bucketWeight > this.size.resources && this.buckets.size > 1) this.buckets.evictOldest();
      },
      () => {
        if (this.buckets.get(bucket) === entry) this.buckets.delete(bucket);
      },
    );
    return entry.promise;
  }

  private async readBucketObjects(bucket: string): Promise<BucketObjects> {
    const read = await this.cp.resources.bucketObjects(bucket, BUCKET_OBJECTS_HELD + 1);
    const shared = await this.resolved(`${bucket}/*`, {
      policy: read.bucket,
      owner: read.bucket?.account,
      tags: [],
      registered: read.bucket !== undefined,
    });
    const pairKey = `\u0000objects|${bucket}`;
    this.sharedPairKeys.set(shared, pairKey);
    return {
      bucket: read.bucket,
      objects:
        read.objects.length > BUCKET_OBJECTS_HELD ? undefined : new Map(read.objects.map((r) => [r.arn, r])),
      shared,
      pairKey,
    };
  }

  private async checkRevision(): Promise<void> {
    if (this.options.checkRevision === false) return;
    // The revision the warm path compares with: a query only when the store cannot answer without one.
    const rev = this.cp.store.revisionNow?.() ?? (await this.cp.store.revision());
    if (rev !== this.revision) {
      this.invalidate();
      this.revision = rev;
    }
  }

  /**
   * A document compiled once per kind and text: the roles that share a policy text (the same inline
   * policy on many roles, a managed policy) share its compiled statements and what they keep per action;
   * each use carries its own name for explanations.
   */
  private policy(text: string, kind: PolicyKind, name: string): CompiledPolicy {
    const key = `${kind}\u0000${text}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = this.compile(text, { kind, name });
      this.compiled.set(key, c);
    }
    return c.name === name ? c : { name, kind: c.kind, _compiled: c._compiled };
  }

  /**
   * A managed policy's version, one object for every principal it is attached to (a use named by the
   * policy's ARN and version is the same for all of them): the principals of a large store then share it
   * instead of each reading its own copy on every decision.
   */
  private async managed(arn: string, kind: PolicyKind): Promise<CompiledPolicy> {
    const doc = await this.cp.iam.managedPolicyDocument(arn);
    const name = `${doc.arn} (${doc.versionId})`;
    const key = `${kind}\u0000${name}`;
    // A policy deleted and created again under its name starts over at v1 with another text.
    const known = this.managedUses.get(key);
    if (known !== undefined && known.text === doc.document) return known.use;
    const use = this.policy(doc.document, kind, name);
    this.managedUses.set(key, { text: doc.document, use });
    return use;
  }

  /**
   * An account's organization levels and context keys, read once per account (the principals and
   * resources of an account share them, and so share one copy of their strings and arrays).
   */
  private orgLevels(account: string, slot: 'scps' | 'rcps'): Promise<OrgPart> {
    const key = `${slot}|${account}`;
    const hit = this.orgs.get(key);
    if (hit !== undefined) return hit;
    const promise = this.readOrgLevels(account, slot);
    this.orgs.set(key, promise);
    promise.catch(() => {
      if (this.orgs.get(key) === promise) this.orgs.delete(key);
    });
    return promise;
  }

  private async readOrgLevels(account: string, slot: 'scps' | 'rcps'): Promise<OrgPart> {
    const org = await this.cp.org.describe();
    if (!org) return { context: {} };
    const levels: OrgLevel[] | undefined = await this.cp.org.levels(account);
    if (!levels) return { context: {} };
    const path = `${org.id}/${levels
      .filter((l) => l.kind !== 'account')
      .map((l) => l.id)
      .join('/')}/`;
    const prefix = slot === 'scps' ? 'aws:Principal' : 'aws:Resource';
    const context: Record<string, ContextValue> = {
      [`${prefix}OrgID`]: org.id,
      [`${prefix}OrgPaths`]: [path],
    };
    // SCPs do not restrict the management account, RCPs do not restrict its resources.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
    if (account === org.managementAccountId) return { context };
    return {
      levels: levels.map((l) =>
        l[slot].map((p) => this.policy(p.document, slot === 'scps' ? 'scp' : 'rcp', p.name)),
      ),
      context,
    };
  }

  private async resolvePrincipal(p: RequestPrincipal): Promise<ResolvedPrincipal> {
    if (typeof p !== 'string') {
      return {
        kind: 'service',
        principal: p,
        identity: [],
        serviceLinkedRole: false,
        tags: [],
        context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': p.Service },
      };
    }
    const arn = parseArn(p);
    if (!arn || !ACCOUNT_ID.test(arn.account)) {
      throw new RolecallError('InvalidInput', `ARN ${p} is not valid.`);
    }
    const account = arn.account;
    const r = arn.resource;
    if (arn.service === 'iam' && r === 'root') {
      const org = await this.orgLevels(account, 'scps');
      return {
        principal: p,
        account,
        ...(org.levels ? { scp: org.levels } : {}),
        kind: 'root',
        identity: [],
        serviceLinkedRole: false,
        tags: [],
        context: {
          ...org.context,
          'aws:PrincipalArn': p,
          'aws:PrincipalAccount': account,
          'aws:PrincipalType': 'Account',
          'aws:userid': account,
        },
      };
    }
    if (arn.service === 'iam' && r.startsWith('user/')) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      const user = await this.cp.iam.getUser(account, name);
      if (user.arn !== p)
        throw new RolecallError('NoSuchEntity', `The user with name ${name} cannot be found.`);
      return this.userPrincipal(user);
    }
    if (arn.service === 'iam' && r.startsWith('group/')) {
      // Not a principal of requests, but IAM's simulator accepts a group: its inline and attached policies.
      // https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
      const name = r.slice(r.lastIndexOf('/') + 1);
      const { group } = await this.cp.iam.getGroup(account, name);
      if (group.arn !== p)
        throw new RolecallError('NoSuchEntity', `The group with name ${name} cannot be found.`);
      const org = await this.orgLevels(account, 'scps');
      return {
        principal: p,
        account,
        ...(org.levels ? { scp: org.levels } : {}),
        kind: 'group',
        identity: await this.identityPolicies({ kind: 'group', account, name: group.name }, `group ${name}`),
        serviceLinkedRole: false,
        tags: [],
        context: { ...org.context, 'aws:PrincipalAccount': account },
      };
    }
    if (arn.service === 'iam' && r.startsWith('role/')) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      const role = await this.cp.iam.getRole(account, name);
      if (role.arn !== p)
        throw new RolecallError('NoSuchEntity', `The role with name ${name} cannot be found.`);
      return this.rolePrincipal(role);
    }
    if (arn.service === 'sts' && r.startsWith('assumed-role/')) {
      const [, name, session] = r.split('/');
      if (name === undefined || session === undefined || name === '' || session === '') {
        throw new RolecallError('InvalidInput', `ARN ${p} is not valid.`);
      }
      // A session ARN without its credential names no session record: it is decided as a session of the
      // role with no session policies or tags (what a session assumed without them would have). To decide
      // with a session's own policies, tags and issue time, resolve its credential (prepare's `credential`).
      return this.rolePrincipal(await this.cp.iam.getRole(account, name), { sessionName: session });
    }
    throw new RolecallError(
      'InvalidInput',
      `ARN ${p} is not a user, role, assumed-role session or account root.`,
    );
  }

  /**
   * The principal of a credential, from its own record: a user's access key, a GetSessionToken session of a
   * user, or a role session with its session policies, tags, source identity and issue time.
   */
  private async resolveCredential(accessKeyId: string): Promise<ResolvedPrincipal> {
    const cred = await this.cp.iam.findCredential(accessKeyId);
    if (cred === undefined) {
      throw new RolecallError(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    switch (cred.kind) {
      case 'user':
        return { ...(await this.userPrincipal(cred.user)), credential: accessKeyId };
      case 'user-session':
        return {
          ...(await this.userPrincipal(cred.user, { issued: cred.session.createDate })),
          credential: accessKeyId,
          expiresAt: cred.session.expiration,
        };
      case 'federated':
        return {
          ...(await this.federatedPrincipal(cred.user, cred.session)),
          credential: accessKeyId,
          expiresAt: cred.session.expiration,
        };
      case 'session': {
        const s = cred.session;
        const role = await this.cp.iam.getRole(s.account, s.roleName).catch(() => undefined);
        // A session outlives neither its role nor a role re-created under its name (another unique id).
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
        if (role?.id !== s.roleId) return this.revoked(s.assumedRoleArn, s.account, accessKeyId);
        return {
          ...(await this.rolePrincipal(role, { record: s })),
          credential: accessKeyId,
          expiresAt: s.expiration,
        };
      }
    }
  }

  /** A credential whose principal no longer exists: it is allowed nothing. */
  private async revoked(arn: string, account: string, credential: string): Promise<ResolvedPrincipal> {
    const org = await this.orgLevels(account, 'scps');
    return {
      kind: 'assumed-role',
      principal: arn,
      account,
      identity: [],
      serviceLinkedRole: false,
      tags: [],
      context: { ...org.context, 'aws:PrincipalAccount': account, 'aws:PrincipalType': 'AssumedRole' },
      credential,
      revoked: true,
    };
  }

  /** An identity's inline and attached policies; a policy of another account is never the identity's. */
  private async identityPolicies(ref: IdentityRef, label: string): Promise<CompiledPolicy[]> {
    const out: CompiledPolicy[] = [];
    for (const ip of await this.cp.iam.listInlinePolicies(ref)) {
      out.push(this.policy(ip.document, 'identity', `${label} inline ${ip.name}`));
    }
    for (const a of await this.cp.iam.listAttachedPolicies(ref)) {
      if (!this.attachable(a.arn, ref.account)) continue;
      out.push(await this.managed(a.arn, 'identity'));
    }
    return out;
  }

  /** AWS managed policies and the account's own customer managed policies are attachable, nothing else. */
  private attachable(arn: string, account: string): boolean {
    const target = parsePolicyArn(arn);
    return target.aws || target.account === account;
  }

  private async boundaryOf(arn: string | undefined, account: string): Promise<CompiledPolicy | undefined> {
    if (arn === undefined || !this.attachable(arn, account)) return undefined;
    return this.managed(arn, 'boundary');
  }

  private async userPrincipal(user: UserInfo, session: { issued?: string } = {}): Promise<ResolvedPrincipal> {
    const account = user.account;
    const org = await this.orgLevels(account, 'scps');
    const identity = await this.identityPolicies({ kind: 'user', account, name: user.name }, user.arn);
    // A user's groups' inline and attached policies apply to the user.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html
    for (const g of user.groups) {
      identity.push(...(await this.identityPolicies({ kind: 'group', account, name: g }, `group ${g}`)));
    }
    const boundary = await this.boundaryOf(user.permissionsBoundary, account);
    return {
      principal: user.arn,
      account,
      ...(org.levels ? { scp: org.levels } : {}),
      kind: 'user',
      identity,
      ...(boundary ? { boundary } : {}),
      serviceLinkedRole: false,
      tags: user.tags,
      context: {
        ...org.context,
        ...tagContext('aws:PrincipalTag/', user.tags),
        'aws:PrincipalArn': user.arn,
        'aws:PrincipalAccount': account,
        'aws:PrincipalType': 'User',
        'aws:username': user.name,
        'aws:userid': user.id,
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime
        ...(session.issued !== undefined ? { 'aws:TokenIssueTime': session.issued } : {}),
      },
    };
  }

  /**
   * A federated user session: the user's identity-based policies intersected with the session policies
   * passed; with none, no identity-based permission at all (only a resource-based policy naming the session
   * grants). The user's boundary and its account's SCPs still apply; session tags override the user's.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
   */
  private async federatedPrincipal(user: UserInfo, s: FederatedSessionInfo): Promise<ResolvedPrincipal> {
    const base = await this.userPrincipal(user, { issued: s.createDate });
    const account = user.account;
    const list: CompiledPolicy[] = [];
    if (s.sessionPolicy !== undefined) {
      list.push(this.policy(s.sessionPolicy, 'session', `${s.arn} session policy`));
    }
    for (const a of s.sessionPolicyArns) {
      if (this.attachable(a, account)) list.push(await this.managed(a, 'session'));
    }
    const keys = new Set(s.tags.map((t) => t.key.toLowerCase()));
    const tags = [...user.tags.filter((t) => !keys.has(t.key.toLowerCase())), ...s.tags];
    const context: Record<string, ContextValue> = {};
    for (const [k, v] of Object.entries(base.context)) {
      if (!/^aws:(PrincipalTag\/|username$)/i.test(k)) setOwn(context, k, v);
    }
    return {
      ...base,
      kind: 'federated-user',
      principal: s.arn,
      identity: list.length > 0 ? base.identity : [],
      ...(list.length > 0 ? { session: list } : {}),
      tags,
      context: {
        ...context,
        ...tagContext('aws:PrincipalTag/', tags),
        'aws:PrincipalArn': s.arn,
        'aws:PrincipalType': 'FederatedUser',
        'aws:userid': s.federatedUserId,
      },
    };
  }

  /**
   * A role, or a session of it: `record` is the session's own record (its policies, tags, source identity
   * and issue time); `sessionName` alone is a session decided with the role's policies only.
   */
  private async rolePrincipal(
    role: RoleInfo,
    session: { record?: SessionInfo; sessionName?: string } = {},
  ): Promise<ResolvedPrincipal> {
    const account = role.account;
    const org = await this.orgLevels(account, 'scps');
    const identity = await this.identityPolicies({ kind: 'role', account, name: role.name }, role.arn);
    const live = session.record;
    const sessionName = live?.sessionName ?? session.sessionName;
    let tags = role.tags;
    let policies: CompiledPolicy[] | undefined;
    const context: Record<string, ContextValue> = {
      ...org.context,
      // For a role session aws:PrincipalArn is the role's ARN, not the session's.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
      'aws:PrincipalArn': role.arn,
      'aws:PrincipalAccount': account,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': sessionName !== undefined ? `${role.id}:${sessionName}` : role.id,
    };
    if (live !== undefined) {
      const list: CompiledPolicy[] = [];
      if (live.sessionPolicy !== undefined) {
        list.push(this.policy(live.sessionPolicy, 'session', `${live.assumedRoleArn} session policy`));
      }
      for (const a of live.sessionPolicyArns) {
        // Managed session policies are the role's account's or AWS's (API_AssumeRole.html, PolicyArns).
        if (!this.attachable(a, account)) continue;
        list.push(await this.managed(a, 'session'));
      }
      if (list.length > 0) policies = list;
      // Session tags override the role's tags with the same key.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-tag-conflict
      const keys = new Set(live.tags.map((t) => t.key.toLowerCase()));
      tags = [...role.tags.filter((t) => !keys.has(t.key.toLowerCase())), ...live.tags];
      if (live.sourceIdentity !== undefined) context['aws:SourceIdentity'] = live.sourceIdentity;
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime
      context['aws:TokenIssueTime'] = live.createDate;
    }
    Object.assign(context, tagContext('aws:PrincipalTag/', tags));
    const boundary = await this.boundaryOf(role.permissionsBoundary, account);
    return {
      principal: sessionName !== undefined ? assumedRoleArn(account, role.name, sessionName) : role.arn,
      account,
      ...(org.levels ? { scp: org.levels } : {}),
      kind: sessionName !== undefined ? 'assumed-role' : 'role',
      identity,
      ...(boundary ? { boundary } : {}),
      ...(policies ? { session: policies } : {}),
      serviceLinkedRole: role.serviceLinked,
      tags,
      context,
    };
  }

  private async resolveResource(
    text: string,
    assume: boolean,
    resourceAccount?: string,
  ): Promise<ResolvedResource> {
    const arn = parseArn(text);
    // `aws` in an AWS managed policy's ARN is no account (see prepare).
    const fromArn = arn && arn.account !== '' && arn.account !== 'aws' ? arn.account : undefined;
    if (assume && arn?.service === 'iam' && arn.resource.startsWith('role/')) {
      const name = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
      const role = await this.cp.iam.getRole(arn.account, name).catch(() => undefined);
      const org = await this.orgLevels(arn.account, 'rcps');
      // A role that does not exist has no trust policy to allow anyone: the engine denies, as AWS does.
      if (role === undefined) {
        return {
          arn: text,
          account: arn.account,
          ...(org.levels ? { rcp: org.levels } : {}),
          registered: false,
          tags: [],
          context: { ...org.context, 'aws:ResourceAccount': arn.account },
        };
      }
      return {
        arn: text,
        account: arn.account,
        policy: this.policy(role.trustPolicy, 'trust', `${role.arn} trust policy`),
        ...(org.levels ? { rcp: org.levels } : {}),
        registered: true,
        tags: role.tags,
        context: {
          ...org.context,
          ...tagContext('aws:ResourceTag/', role.tags),
          'aws:ResourceAccount': arn.account,
        },
      };
    }
    const bucket = arn !== undefined ? s3ObjectBucket(arn) : undefined;
    if (bucket !== undefined) {
      const known = await this.bucketObjects(bucket);
      // The objects held are those listed under the bucket's ARN: an ARN written otherwise is looked up.
      const own =
        known.objects !== undefined && text.startsWith(`${bucket}/`)
          ? known.objects.get(text)
          : await this.cp.resources.find(text);
      // An object is governed by its bucket's policy, registered or not (S3 has no object policy), and
      // owned as its own record says, else by the bucket's account; its own tags are its aws:ResourceTag,
      // the bucket's are not.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
      return this.resolved(text, {
        policy: known.bucket,
        owner: own?.account ?? known.bucket?.account ?? resourceAccount,
        tags: own?.tags ?? [],
        registered: own !== undefined || known.bucket !== undefined,
      });
    }
    const registered = text === '*' ? undefined : await this.cp.resources.find(text);
    let tags: Tag[] = registered?.tags ?? [];
    // IAM users and roles are resources too: their tags are the resource's tags.
    if (!registered && arn?.service === 'iam' && ACCOUNT_ID.test(arn.account)) {
      const name = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
      if (arn.resource.startsWith('role/'))
        tags = (await this.cp.iam.getRole(arn.account, name).catch(() => undefined))?.tags ?? [];
      if (arn.resource.startsWith('user/'))
        tags = (await this.cp.iam.getUser(arn.account, name).catch(() => undefined))?.tags ?? [];
    }
    return this.resolved(text, {
      policy: registered,
      owner: registered?.account ?? resourceAccount ?? fromArn,
      tags,
      registered: registered !== undefined,
    });
  }

  /**
   * The resource `text`: its resource-based policy is `parts.policy`'s, the record that governs it (its own,
   * or its bucket's for an S3 object), `tags` are its aws:ResourceTag keys, `owner` its account.
   */
  private async resolved(
    text: string,
    parts: { policy: ResourceInfo | undefined; owner: string | undefined; tags: Tag[]; registered: boolean },
  ): Promise<ResolvedResource> {
    const { policy, owner, tags } = parts;
    const org = owner !== undefined ? await this.orgLevels(owner, 'rcps') : { context: {} };
    return {
      arn: text,
      ...(owner !== undefined ? { account: owner } : {}),
      ...(policy?.policy !== undefined
        ? { policy: this.policy(policy.policy, 'resource', `${policy.arn} resource policy`) }
        : {}),
      ...(org.levels ? { rcp: org.levels } : {}),
      registered: parts.registered,
      tags,
      context: {
        ...org.context,
        ...tagContext('aws:ResourceTag/', tags),
        ...(owner !== undefined ? { 'aws:ResourceAccount': owner } : {}),
      },
    };
  }
}

/**
 * The bucket's ARN of an S3 object's ARN written as its bucket's ARN, `/` and the key (the ARNs a bucket's
 * objects are listed under), without parsing it; undefined for anything else.
 */
function objectBucketArn(text: string): string | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const end = text.indexOf(':', 4);
  if (end < 0 || !text.startsWith(':s3:::', end)) return undefined;
  const slash = text.indexOf('/', end + 6);
  return slash > end + 6 ? text.slice(0, slash) : undefined;
}

/** Whether an action is one of ASSUME_ROLE_ACTIONS, without lower-casing every other action. */
function isAssumeAction(action: string): boolean {
  // `sts:` in any case (`| 32` lower-cases an ASCII letter), compared by character codes: this runs on every
  // warm decision.
  return (
    action.charCodeAt(3) === 58 &&
    (action.charCodeAt(0) | 32) === 115 &&
    (action.charCodeAt(1) | 32) === 116 &&
    (action.charCodeAt(2) | 32) === 115 &&
    ASSUME_ROLE_ACTIONS.has(action.toLowerCase())
  );
}

function samePrincipal(a: RequestPrincipal, b: RequestPrincipal): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.Service === b.Service;
}

/** A principal's cache key: its ARN as it is; a credential, a service or an ARN-like text starting with NUL under NUL. */
function principalKey(p: RequestPrincipal, credential: string | undefined): string {
  if (credential !== undefined) return `\u0000credential:${credential}`;
  if (typeof p !== 'string') return `\u0000service:${p.Service}`;
  return p.startsWith('\u0000') ? `\u0000text:${p}` : p;
}

/** A resource as the pairs of a principal are keyed: its ARN, and what else changes its resolution. */
function pairKey(request: AuthzRequest): string {
  const arn = request.resource;
  const assume = isAssumeAction(request.action);
  if (!assume && request.resourceAccount === undefined && !arn.startsWith('\u0000')) return arn;
  return `\u0000${assume ? 'trust' : 'res'}|${request.resourceAccount ?? ''}|${arn}`;
}

/** The prepared request: the pair's context with the caller's keys, which win. */
function finish(request: AuthzRequest, pair: Pair): PreparedRequest {
  // Keys the caller gave win over what the store knows.
  const context = overlayContext(pair.context, request.context);
  const out: AuthzRequest = withPrincipalInfo(
    { principal: pair.principalArn, action: request.action, resource: request.resource, context },
    pair.parsed,
  );
  if (pair.resourceAccount !== undefined) out.resourceAccount = pair.resourceAccount;
  return new PairRequest(out, pair.policySet, pair.principal, pair.resource, pair);
}

function isAwsManagedPolicyArn(text: string): boolean {
  const arn = parseArn(text);
  return arn?.service === 'iam' && arn.account === 'aws' && arn.resource.startsWith('policy/');
}

function tagContext(prefix: string, tags: readonly Tag[]): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  for (const t of tags) out[prefix + t.key] = sharedValue(t.value);
  return out;
}

/**
 * One copy of each tag value in contexts: many principals carry the same values (a team, an
 * environment), and a policy variable or condition on them reads the value on every decision. Bounded:
 * when full it starts over (contexts keep the copies they have).
 */
const tagValues = new Map<string, string>();

function sharedValue(v: string): string {
  const hit = tagValues.get(v);
  if (hit !== undefined) return hit;
  if (tagValues.size >= 10_000) tagValues.clear();
  tagValues.set(v, v);
  return v;
}
