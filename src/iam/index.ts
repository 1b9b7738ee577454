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
export { IamService } from './identities.js';
export { AccountService, type CreateAccountInput, type UpdateAccountInput } from './accounts.js';
export { RoleService, type CreateRoleInput, type UpdateRoleInput } from './roles.js';
export { UserService, type CreateUserInput, type UpdateUserInput } from './users.js';
export { GroupService, type CreateGroupInput, type UpdateGroupInput } from './groups.js';
export { EntityPolicyService } from './entity-policies.js';
export {
  ManagedPolicyService,
  type CreatePolicyInput,
  type ManagedPolicyDocument,
} from './managed-policies.js';
export { CredentialService } from './credentials.js';
export { credentialExpired, SessionService } from './sessions.js';
export { repairPrincipalReferences } from './principal-references.js';
export {
  roleArn,
  userArn,
  groupArn,
  policyArn,
  assumedRoleArn,
  parsePolicyArn,
  type PolicyArnTarget,
} from './arns.js';
export { OrganizationService } from './organization.js';
export { ResourceRegistry, resourceTypeOf, type PutResourceInput } from './resources.js';
export { AWS_QUOTAS, resolveQuotas, type IamQuotas } from './quotas.js';
export type { IamContext, PolicyChecker } from './context.js';
export {
  Resolver,
  type PolicyCompiler,
  type PreparedRequest,
  type PrepareOptions,
  type PrincipalKind,
  type ResolvedPrincipal,
  type ResolvedResource,
  type ResolverOptions,
} from './resolver.js';
export { decidePrepared, decideRequest } from './decide.js';
export { loadPolicyEngine, type PolicyEngine } from './engine.js';
export { openControlPlane, type OpenedControlPlane } from './open.js';
export { readState, type DeclaredState } from './state.js';
export { parseStateFile, stateToFile, formatStateFile } from './state-file.js';
export { planApply, type Change, type Plan } from './plan.js';
export {
  whoCan,
  canWhat,
  escalationEdges,
  type AccessControlPlane,
  type AccessQueryOptions,
  type EffectivePermission,
  type WhoCanEntry,
} from './access-queries.js';
