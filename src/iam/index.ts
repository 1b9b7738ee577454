/**
 * The IAM control plane: AWS IAM, STS-session and Organizations operations over the store, with AWS's
 * names, quotas and error codes, and the resolver turning a principal into the policy set the engine needs.
 *
 * ```ts
 * const store = await openStore();                 // store/
 * const cp = createControlPlane(store, { checkPolicy });
 * await cp.iam.createRole({ account, name, trustPolicy });
 * ```
 */
export * from './types.js';
export { createControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export {
  IamService,
  roleArn,
  userArn,
  groupArn,
  policyArn,
  assumedRoleArn,
  parsePolicyArn,
} from './identities.js';
export type {
  CreateAccountInput,
  CreateGroupInput,
  CreatePolicyInput,
  CreateRoleInput,
  CreateUserInput,
  ManagedPolicyDocument,
  PolicyArnTarget,
  UpdateRoleInput,
} from './identities.js';
export { OrganizationService } from './organization.js';
export { ResourceRegistry, resourceTypeOf, type PutResourceInput } from './resources.js';
export { AWS_QUOTAS, resolveQuotas, type IamQuotas } from './quotas.js';
export type { IamContext, PolicyChecker } from './context.js';
export {
  Resolver,
  type PolicyCompiler,
  type PreparedRequest,
  type PrincipalKind,
  type ResolvedPrincipal,
  type ResolvedResource,
  type ResolverOptions,
} from './resolver.js';
export { loadPolicyEngine, type PolicyEngine } from './engine.js';
export { openControlPlane, type OpenedControlPlane } from './open.js';
export { readState, type DeclaredState } from './state.js';
export { parseStateFile, stateToFile, formatStateFile } from './state-file.js';
export { planApply, type Change, type Plan } from './plan.js';
