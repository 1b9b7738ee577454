/** Opens a store and the control plane over it, with the real parser and engine. */
import type { AuthzEnv, AuthzRequest, AuthzResult } from '../eval/types.js';
import { openStore, storeLocation } from '../store/open.js';
import { createControlPlane, type ControlPlane } from './control-plane.js';
import { loadPolicyEngine, type PolicyEngine } from './engine.js';
import type { IamQuotas } from './quotas.js';
import { decideRequest } from './decide.js';
import { repairPrincipalReferences } from './principal-references.js';
import { Resolver, type PrepareOptions, type PreparedRequest } from './resolver.js';

export interface OpenedControlPlane extends ControlPlane {
  engine: PolicyEngine;
  resolver: Resolver;
  /**
   * Decides a request with the policies in the store: the principal's, the registered resource's policy
   * and tags, the organization's SCPs and RCPs (what `rolecall simulate` without --policy runs).
   */
  decide(
    request: AuthzRequest,
    env: AuthzEnv,
    options?: PrepareOptions,
  ): Promise<{ result: AuthzResult; prepared: PreparedRequest }>;
  close(): Promise<void>;
}

/** `location`: a SQLite path, a `postgres://` URL or `memory`; default `ROLECALL_STORE` or `.rolecall/rolecall.db`. */
export async function openControlPlane(
  location?: string,
  options: { quotas?: Partial<IamQuotas>; now?: () => number; noSecrets?: boolean } = {},
): Promise<OpenedControlPlane> {
  const engine = await loadPolicyEngine();
  const store = await openStore(storeLocation(location), { noSecrets: options.noSecrets === true });
  await repairPrincipalReferences(store);
  const cp = createControlPlane(store, {
    checkPolicy: engine.checkPolicy,
    ...(options.quotas ? { quotas: options.quotas } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const resolver = new Resolver(cp, engine.compile);
  return {
    ...cp,
    engine,
    resolver,
    decide: (request, env, prepareOptions) => decideRequest(resolver, engine, request, env, prepareOptions),
    close: async () => {
      resolver.dispose();
      await store.close();
    },
  };
}
