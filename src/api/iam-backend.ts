/**
 * The endpoint's backend over the control plane, its resolver and the engine: credentials for SigV4, the
 * authorization of every call (the caller's identity, boundary, session and organization policies, and the
 * resource's policy, as AWS evaluates them), the decision API, simulation and STS's own rules.
 */
import { decidePrepared, decideRequest, type PrepareOptions } from '../iam/index.js';
import type { AuthzRequest, AuthzResult, ContextValue } from '../eval/types.js';
import type { ApiBackend, ApiControlPlane, CallEnvironment, StoredCredential } from './backend.js';
import type { IamControl } from './control.js';
import type { CallAuthorization, Caller } from './operation.js';
import { Freshness, TtlCache } from './freshness.js';
import { iamControl } from './iam-control.js';
import { iamOperations } from './iam-operations.js';
import { simulation } from './simulation.js';
import { stsControl } from './sts-control.js';
import { stsOperations } from './sts-operations.js';
import { overlayContext } from '../iam/context-overlay.js';

/** Request keys every AWS call carries (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html) */
function requestContext(env: CallEnvironment): Record<string, ContextValue> {
  return {
    'aws:SourceIp': env.sourceIp,
    'aws:SecureTransport': false,
    'aws:RequestedRegion': env.region,
    'aws:ViaAWSService': false,
  };
}

const NO_OPTIONS: PrepareOptions = Object.freeze({});
const ALLOWED: AuthzResult = Object.freeze({ decision: 'Allow', reason: 'Allowed' });

/** A remembered allow of a context-free call: who (the access key, outside) asks what, from where. */
interface Allow {
  action: string;
  resource: string;
  sourceIp: string;
  region: string;
  identityOnly: boolean;
  at: number;
}

/**
 * Allows of context-free calls per access key, each for `ttlMs`; a lookup compares the call's members in
 * place (no key is built per request). Bounded: `perKey` allows per key (the oldest goes), and past
 * `maxKeys` keys it starts over.
 */
export class AllowCache {
  private readonly byKey = new Map<string, Allow[]>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = 10_000,
    private readonly perKey = 64,
  ) {}

  private find(allows: Allow[], call: CallAuthorization, env: CallEnvironment): number {
    const identityOnly = call.identityOnly === true;
    for (let i = 0; i < allows.length; i++) {
      const a = allows[i]!;
      if (
        a.resource === call.resource &&
        a.action === call.action &&
        a.sourceIp === env.sourceIp &&
        a.region === env.region &&
        a.identityOnly === identityOnly
      )
        return i;
    }
    return -1;
  }

  has(accessKeyId: string, call: CallAuthorization, env: CallEnvironment): boolean {
    const allows = this.byKey.get(accessKeyId);
    if (allows === undefined) return false;
    const i = this.find(allows, call, env);
    if (i < 0) return false;
    if (env.now - allows[i]!.at > this.ttlMs) {
      allows.splice(i, 1);
      return false;
    }
    return true;
  }

  add(accessKeyId: string, call: CallAuthorization, env: CallEnvironment): void {
    let allows = this.byKey.get(accessKeyId);
    if (allows === undefined) {
      if (this.byKey.size >= this.maxKeys) this.byKey.clear();
      allows = [];
      this.byKey.set(accessKeyId, allows);
    }
    const i = this.find(allows, call, env);
    if (i >= 0) {
      allows[i]!.at = env.now;
      return;
    }
    if (allows.length >= this.perKey) allows.shift();
    allows.push({
      action: call.action,
      resource: call.resource,
      sourceIp: env.sourceIp,
      region: env.region,
      identityOnly: call.identityOnly === true,
      at: env.now,
    });
  }

  clear(): void {
    this.byKey.clear();
  }
}

/**
 * The request keys every call carries, as a frozen object shared by the requests of one environment
 * (the last one asked for is kept: a client's requests come from one address and region).
 */
class RequestContexts {
  private last:
    { sourceIp: string; region: string; context: Readonly<Record<string, ContextValue>> } | undefined;
  of(env: CallEnvironment): Readonly<Record<string, ContextValue>> {
    const last = this.last;
    if (last !== undefined && last.sourceIp === env.sourceIp && last.region === env.region)
      return last.context;
    const context = Object.freeze(requestContext(env));
    this.last = { sourceIp: env.sourceIp, region: env.region, context };
    return context;
  }
}

/** `r` with the request keys of its environment (`base`) under the keys it gives (in any case). */
function withContext(r: AuthzRequest, base: Readonly<Record<string, ContextValue>>): AuthzRequest {
  return { ...r, context: overlayContext(base, r.context) };
}

/**
 * `freshness` drops the backend's and the resolver's caches on writes (this process's and, through the
 * store revision, other processes'); give the resolver `checkRevision: false` so it does not read the
 * revision on every decision itself.
 */
export function createBackend(cp: ApiControlPlane, freshness = new Freshness(cp.store)): ApiBackend {
  const sealer = cp.store.secrets;
  const credentials = new TtlCache<string, StoredCredential | undefined>(5000);
  freshness.add(() => credentials.clear());
  freshness.add(() => cp.resolver.invalidate());
  // Allows of context-free calls (the decision API's caller check) for a second: IAM is eventually
  // consistent too, and every write drops them at once.
  const allowed = new AllowCache(1000);
  freshness.add(() => allowed.clear());
  const contexts = new RequestContexts();

  /** `credential`: the access key the call was signed with; the caller is that credential's own record. */
  const decide = async (
    request: AuthzRequest,
    env: CallEnvironment,
    explain: boolean,
    options: PrepareOptions = {},
  ): Promise<AuthzResult> => {
    const stale = freshness.check();
    if (stale !== undefined) await stale;
    const { result } = await decideRequest(
      cp.resolver,
      cp.engine,
      { ...request, context: { ...requestContext(env), ...request.context } },
      { now: env.now, explain },
      options,
    );
    return result;
  };

  const lookupCredential = async (accessKeyId: string): Promise<StoredCredential | undefined> => {
    const cred = await cp.iam.findCredential(accessKeyId);
    if (cred === undefined) return undefined;
    if (cred.kind === 'user') {
      return {
        accessKeyId,
        secretAccessKey: cred.key.secretAccessKey,
        active: cred.key.status === 'Active',
        caller: {
          arn: cred.user.arn,
          userId: cred.user.id,
          account: cred.user.account,
          accessKeyId,
          temporary: false,
        },
      };
    }
    // The three kinds of temporary credentials differ only in who the caller is.
    const temporary = (
      session: { secretAccessKey: string; sessionToken: string; expiration: number },
      caller: Omit<StoredCredential['caller'], 'accessKeyId' | 'temporary'>,
    ): StoredCredential => ({
      accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiresAt: session.expiration,
      active: true,
      caller: { ...caller, accessKeyId, temporary: true },
    });
    if (cred.kind === 'user-session')
      return temporary(cred.session, {
        arn: cred.user.arn,
        userId: cred.user.id,
        account: cred.user.account,
        fromSessionToken: true,
      });
    if (cred.kind === 'federated')
      return temporary(cred.session, {
        arn: cred.session.arn,
        userId: cred.session.federatedUserId,
        account: cred.session.account,
        federated: true,
      });
    const s = cred.session;
    return temporary(s, {
      arn: s.assumedRoleArn,
      userId: s.assumedRoleId,
      account: s.account,
      ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
    });
  };

  /** The credential of an access key, from the cache (without waiting) or the store. */
  const credential = (
    accessKeyId: string,
  ): StoredCredential | undefined | Promise<StoredCredential | undefined> => {
    const hit = credentials.get(accessKeyId);
    if (hit !== undefined) return hit;
    return lookupCredential(accessKeyId).then((found) => {
      credentials.set(accessKeyId, found);
      return found;
    });
  };
  /** Decides one call with the engine; `cacheable`: an allow is remembered. */
  const decideCall = async (
    caller: Caller,
    call: CallAuthorization,
    env: CallEnvironment,
    explain: boolean,
    cacheable: boolean,
  ): Promise<AuthzResult> => {
    const result = await decide(
      {
        principal: caller.arn,
        action: call.action,
        resource: call.resource,
        ...(call.context !== undefined ? { context: call.context } : {}),
      },
      env,
      explain,
      { credential: caller.accessKeyId, ...(call.identityOnly ? { identityOnly: true } : {}) },
    );
    if (cacheable && result.decision === 'Allow') allowed.add(caller.accessKeyId, call, env);
    return result;
  };

  /** decideAll from request `start` on, resolving what the cache does not hold (after `stale`, if given). */
  const decideRest = async (
    requests: readonly AuthzRequest[],
    env: CallEnvironment,
    explain: boolean,
    credentialOf: readonly (string | undefined)[],
    start: number,
    results: AuthzResult[],
    stale?: Promise<void>,
  ): Promise<AuthzResult[]> => {
    if (stale !== undefined) await stale;
    const base = contexts.of(env);
    const authzEnv = { now: env.now, explain };
    for (let i = start; i < requests.length; i++) {
      const request = withContext(requests[i]!, base);
      const credential = credentialOf[i];
      const options = credential !== undefined ? { credential } : NO_OPTIONS;
      const prepared =
        cp.resolver.prepareCached(request, options) ?? (await cp.resolver.prepare(request, options));
      results[i] = decidePrepared(cp.engine, prepared, authzEnv);
    }
    return results;
  };

  const controls = new Map<string, IamControl>();
  const controlFor = (account: string): IamControl => {
    let c = controls.get(account);
    if (c === undefined) {
      c = { ...iamControl(cp.iam, account), ...simulation(cp, account), ...stsControl(cp) };
      controls.set(account, c);
    }
    return c;
  };

  return {
    sealer,
    access: cp,
    findCredential(accessKeyId) {
      const stale = freshness.check();
      if (stale !== undefined) return stale.then(() => credential(accessKeyId));
      return credential(accessKeyId);
    },
    authorizeCall(caller, call, env, explain) {
      const cacheable = !explain && (call.context === undefined || Object.keys(call.context).length === 0);
      if (cacheable && allowed.has(caller.accessKeyId, call, env)) return ALLOWED;
      return decideCall(caller, call, env, explain, cacheable);
    },
    decide: (request, env, explain, options) =>
      decide(
        request,
        env,
        explain,
        options?.credential !== undefined ? { credential: options.credential } : {},
      ),
    decideAll(requests, env, explain, credentialOf = []) {
      const stale = freshness.check();
      if (stale !== undefined) return decideRest(requests, env, explain, credentialOf, 0, [], stale);
      // Once per batch: the request keys every call carries, under the keys each request gives.
      const base = contexts.of(env);
      const authzEnv = { now: env.now, explain };
      const results = new Array<AuthzResult>(requests.length);
      // Warm: every request is in the resolver's cache, nothing waits.
      for (let i = 0; i < requests.length; i++) {
        const credential = credentialOf[i];
        const prepared = cp.resolver.prepareCached(
          withContext(requests[i]!, base),
          credential !== undefined ? { credential } : NO_OPTIONS,
        );
        if (prepared === undefined) return decideRest(requests, env, explain, credentialOf, i, results);
        results[i] = decidePrepared(cp.engine, prepared, authzEnv);
      }
      return results;
    },
    operations: (account) => [
      ...iamOperations(controlFor(account)),
      ...stsOperations(controlFor(account), sealer),
    ],
  };
}
