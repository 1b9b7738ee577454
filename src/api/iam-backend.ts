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
  const allowed = new TtlCache<string, true>(1000);
  freshness.add(() => allowed.clear());

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
  /** The key of a context-free call's cached allow: who asks what, from where, in which region. */
  const allowKey = (caller: Caller, call: CallAuthorization, env: CallEnvironment): string =>
    `${caller.accessKeyId}\0${call.action}\0${call.resource}\0${env.sourceIp}\0${env.region}\0${call.identityOnly === true}`;
  /** Decides one call with the engine; `key` (when not empty) remembers an allow. */
  const decideCall = async (
    caller: Caller,
    call: CallAuthorization,
    env: CallEnvironment,
    explain: boolean,
    key: string,
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
    if (key !== '' && result.decision === 'Allow') allowed.set(key, true, env.now);
    return result;
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
      const key = cacheable ? allowKey(caller, call, env) : '';
      if (cacheable && allowed.get(key, env.now)) return ALLOWED;
      return decideCall(caller, call, env, explain, key);
    },
    decide: (request, env, explain, options) =>
      decide(
        request,
        env,
        explain,
        options?.credential !== undefined ? { credential: options.credential } : {},
      ),
    decideAll(requests, env, explain, credentialOf = []) {
      // Once per batch: the request keys every call carries, under the keys each request gives.
      const base = Object.freeze(requestContext(env));
      const authzEnv = { now: env.now, explain };
      const results = new Array<AuthzResult>(requests.length);
      const withContext = (i: number): AuthzRequest => {
        const r = requests[i]!;
        let given = false;
        for (const _ in r.context) {
          given = true;
          break;
        }
        return { ...r, context: given ? { ...base, ...r.context } : base };
      };
      const options = (i: number): PrepareOptions => {
        const credential = credentialOf[i];
        return credential !== undefined ? { credential } : NO_OPTIONS;
      };
      const decideRest = async (start: number, stale?: Promise<void>): Promise<AuthzResult[]> => {
        if (stale !== undefined) await stale;
        for (let i = start; i < requests.length; i++) {
          const request = withContext(i);
          const prepared =
            cp.resolver.prepareCached(request, options(i)) ??
            (await cp.resolver.prepare(request, options(i)));
          results[i] = decidePrepared(cp.engine, prepared, authzEnv);
        }
        return results;
      };
      const stale = freshness.check();
      if (stale !== undefined) return decideRest(0, stale);
      // Warm: every request is in the resolver's cache, nothing waits.
      for (let i = 0; i < requests.length; i++) {
        const prepared = cp.resolver.prepareCached(withContext(i), options(i));
        if (prepared === undefined) return decideRest(i);
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
