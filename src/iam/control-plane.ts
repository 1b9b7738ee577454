/** Wires the control plane over one store: identities, organization, resources and the resolver. */
import type { Store } from '../store/index.js';
import type { IamContext, PolicyChecker } from './context.js';
import { IamService } from './identities.js';
import { OrganizationService } from './organization.js';
import { resolveQuotas, type IamQuotas } from './quotas.js';
import { ResourceRegistry } from './resources.js';

export interface ControlPlaneOptions {
  /** Overrides of AWS's default quotas (after `ROLECALL_QUOTAS`). */
  quotas?: Partial<IamQuotas>;
  checkPolicy: PolicyChecker;
  /** Epoch milliseconds; defaults to the system clock. */
  now?: () => number;
}

export interface ControlPlane {
  readonly store: Store;
  readonly context: IamContext;
  readonly iam: IamService;
  readonly org: OrganizationService;
  readonly resources: ResourceRegistry;
}

export function createControlPlane(store: Store, options: ControlPlaneOptions): ControlPlane {
  const context: IamContext = {
    store,
    quotas: resolveQuotas(options.quotas),
    checkPolicy: options.checkPolicy,
    now: options.now ?? (() => Date.now()),
  };
  return {
    store,
    context,
    iam: new IamService(context),
    org: new OrganizationService(context),
    resources: new ResourceRegistry(context),
  };
}
