/**
 * IamService: the IAM operations over the store in one object. Each concern lives in its own file and class
 * (accounts, roles, users, groups, entity policies, managed policies, access keys, sessions, instance
 * profiles, service-linked roles); this only assembles them over one context. The methods bound here are the
 * parts' methods as they were before the split, so existing callers stay unchanged; new code takes the part
 * it needs (`iam.instanceProfiles`, `iam.accounts`, ...), and what was added since is reached only that way.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html
 */
import { AccountService } from './accounts.js';
import { RoleService } from './roles.js';
import { UserService } from './users.js';
import { GroupService } from './groups.js';
import { EntityPolicyService } from './entity-policies.js';
import { ManagedPolicyService } from './managed-policies.js';
import { CredentialService } from './credentials.js';
import { SessionService } from './sessions.js';
import { InstanceProfileService } from './instance-profiles.js';
import { ServiceLinkedRoleService } from './service-linked-roles.js';
import { IamPart } from './context.js';

export {
  roleArn,
  userArn,
  groupArn,
  policyArn,
  assumedRoleArn,
  parsePolicyArn,
  type PolicyArnTarget,
} from './arns.js';
export type { CreateAccountInput, UpdateAccountInput } from './accounts.js';
export type { CreateRoleInput, UpdateRoleInput } from './roles.js';
export type { CreateUserInput, UpdateUserInput } from './users.js';
export type { CreateGroupInput, UpdateGroupInput } from './groups.js';
export type { CreatePolicyInput, ManagedPolicyDocument } from './managed-policies.js';
export type { CreateInstanceProfileInput } from './instance-profiles.js';

export class IamService extends IamPart {
  readonly accounts = new AccountService(this.ctx);
  readonly roles = new RoleService(this.ctx);
  readonly users = new UserService(this.ctx);
  readonly groups = new GroupService(this.ctx);
  readonly entityPolicies = new EntityPolicyService(this.ctx);
  readonly managedPolicies = new ManagedPolicyService(this.ctx);
  readonly credentials = new CredentialService(this.ctx);
  readonly sessions = new SessionService(this.ctx);
  readonly instanceProfiles = new InstanceProfileService(this.ctx);
  readonly serviceLinkedRoles = new ServiceLinkedRoleService(this.ctx);

  // accounts.ts
  readonly createAccount = this.accounts.createAccount.bind(this.accounts);
  readonly updateAccount = this.accounts.updateAccount.bind(this.accounts);
  readonly getAccount = this.accounts.getAccount.bind(this.accounts);
  readonly listAccounts = this.accounts.listAccounts.bind(this.accounts);
  readonly deleteAccount = this.accounts.deleteAccount.bind(this.accounts);

  // roles.ts
  readonly createRole = this.roles.createRole.bind(this.roles);
  readonly getRole = this.roles.getRole.bind(this.roles);
  readonly listRoles = this.roles.listRoles.bind(this.roles);
  readonly updateRole = this.roles.updateRole.bind(this.roles);
  readonly updateTrustPolicy = this.roles.updateTrustPolicy.bind(this.roles);
  readonly deleteRole = this.roles.deleteRole.bind(this.roles);

  // users.ts
  readonly createUser = this.users.createUser.bind(this.users);
  readonly getUser = this.users.getUser.bind(this.users);
  readonly listUsers = this.users.listUsers.bind(this.users);
  readonly deleteUser = this.users.deleteUser.bind(this.users);
  readonly updateUser = this.users.updateUser.bind(this.users);

  // groups.ts
  readonly createGroup = this.groups.createGroup.bind(this.groups);
  readonly getGroup = this.groups.getGroup.bind(this.groups);
  readonly listGroups = this.groups.listGroups.bind(this.groups);
  readonly deleteGroup = this.groups.deleteGroup.bind(this.groups);
  readonly addUserToGroup = this.groups.addUserToGroup.bind(this.groups);
  readonly removeUserFromGroup = this.groups.removeUserFromGroup.bind(this.groups);
  readonly updateGroup = this.groups.updateGroup.bind(this.groups);

  // entity-policies.ts
  readonly putInlinePolicy = this.entityPolicies.putInlinePolicy.bind(this.entityPolicies);
  readonly getInlinePolicy = this.entityPolicies.getInlinePolicy.bind(this.entityPolicies);
  readonly listInlinePolicies = this.entityPolicies.listInlinePolicies.bind(this.entityPolicies);
  readonly deleteInlinePolicy = this.entityPolicies.deleteInlinePolicy.bind(this.entityPolicies);
  readonly attachPolicy = this.entityPolicies.attachPolicy.bind(this.entityPolicies);
  readonly detachPolicy = this.entityPolicies.detachPolicy.bind(this.entityPolicies);
  readonly listAttachedPolicies = this.entityPolicies.listAttachedPolicies.bind(this.entityPolicies);
  readonly setPermissionsBoundary = this.entityPolicies.setPermissionsBoundary.bind(this.entityPolicies);
  readonly tagIdentity = this.entityPolicies.tagIdentity.bind(this.entityPolicies);
  readonly untagIdentity = this.entityPolicies.untagIdentity.bind(this.entityPolicies);

  // managed-policies.ts
  readonly createPolicy = this.managedPolicies.createPolicy.bind(this.managedPolicies);
  readonly getPolicy = this.managedPolicies.getPolicy.bind(this.managedPolicies);
  readonly listPolicies = this.managedPolicies.listPolicies.bind(this.managedPolicies);
  readonly listAwsManagedPolicies = this.managedPolicies.listAwsManagedPolicies.bind(this.managedPolicies);
  readonly deletePolicy = this.managedPolicies.deletePolicy.bind(this.managedPolicies);
  readonly createPolicyVersion = this.managedPolicies.createPolicyVersion.bind(this.managedPolicies);
  readonly getPolicyVersion = this.managedPolicies.getPolicyVersion.bind(this.managedPolicies);
  readonly listPolicyVersions = this.managedPolicies.listPolicyVersions.bind(this.managedPolicies);
  readonly deletePolicyVersion = this.managedPolicies.deletePolicyVersion.bind(this.managedPolicies);
  readonly setDefaultPolicyVersion = this.managedPolicies.setDefaultPolicyVersion.bind(this.managedPolicies);
  readonly tagPolicy = this.managedPolicies.tagPolicy.bind(this.managedPolicies);
  readonly untagPolicy = this.managedPolicies.untagPolicy.bind(this.managedPolicies);
  readonly managedPolicyDocument = this.managedPolicies.managedPolicyDocument.bind(this.managedPolicies);
  readonly entitiesForPolicy = this.managedPolicies.entitiesForPolicy.bind(this.managedPolicies);

  // credentials.ts
  readonly createAccessKey = this.credentials.createAccessKey.bind(this.credentials);
  readonly listAccessKeys = this.credentials.listAccessKeys.bind(this.credentials);
  readonly updateAccessKey = this.credentials.updateAccessKey.bind(this.credentials);
  readonly deleteAccessKey = this.credentials.deleteAccessKey.bind(this.credentials);
  readonly findCredential = this.credentials.findCredential.bind(this.credentials);

  // sessions.ts
  readonly createSession = this.sessions.createSession.bind(this.sessions);
  readonly createUserSession = this.sessions.createUserSession.bind(this.sessions);
  readonly createFederatedSession = this.sessions.createFederatedSession.bind(this.sessions);
  readonly deleteSession = this.sessions.deleteSession.bind(this.sessions);
  readonly purgeExpiredSessions = this.sessions.purgeExpiredSessions.bind(this.sessions);
}
