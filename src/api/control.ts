/**
 * The control-plane operations the endpoint calls, in domain terms (no AWS wire names): what
 * iam-operations.ts and sts-operations.ts need, implemented over the `iam/` service by iam-backend.ts.
 * Entities are iam/'s own types (types.ts); only wire-shapes.ts turns them into AWS's shapes.
 */
import type { AccountSummary } from '../iam/accounts.js';
import type { CreateGroupInput as IamCreateGroupInput } from '../iam/groups.js';
import type { CreateInstanceProfileInput as IamCreateInstanceProfileInput } from '../iam/instance-profiles.js';
import type { CreatePolicyInput as IamCreatePolicyInput } from '../iam/managed-policies.js';
import type { CreateRoleInput as IamCreateRoleInput } from '../iam/roles.js';
import type {
  AccessKeyInfo,
  AccessKeyWithSecret,
  AttachedPolicy,
  GroupInfo,
  IdentityKind,
  InlinePolicy,
  InstanceProfileInfo,
  ManagedPolicyInfo,
  PolicyVersionInfo,
  RoleInfo,
  Tag,
  UserInfo,
} from '../iam/types.js';
import type { CreateUserInput as IamCreateUserInput } from '../iam/users.js';
/** Inputs of the create operations: iam/'s own, in the endpoint's account. */
export type CreateRoleInput = Omit<IamCreateRoleInput, 'account'>;
export type CreateUserInput = Omit<IamCreateUserInput, 'account'>;
export type CreateGroupInput = Omit<IamCreateGroupInput, 'account'>;
export type CreatePolicyInput = Omit<IamCreatePolicyInput, 'account'>;
export type CreateInstanceProfileInput = Omit<IamCreateInstanceProfileInput, 'account'>;

/** ListEntitiesForPolicy's filters in domain terms. */
export interface EntitiesForPolicyFilter {
  kinds?: IdentityKind[];
  pathPrefix?: string;
  usage?: 'attached' | 'boundary';
}

export interface PolicyEntity {
  kind: IdentityKind;
  name: string;
  id: string;
  path: string;
}

export interface ListPoliciesFilter {
  scope: 'All' | 'AWS' | 'Local';
  onlyAttached: boolean;
  pathPrefix?: string;
  usage?: 'PermissionsPolicy' | 'PermissionsBoundary';
}

export interface AssumeRoleInput {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  /** Inline session policy JSON. */
  policy?: string;
  policyArns: string[];
  tags: Tag[];
  transitiveTagKeys: string[];
  externalId?: string;
  sourceIdentity?: string;
}

export interface FederationTokenInput {
  /** The federated user's name (2-32 characters). */
  name: string;
  durationSeconds?: number;
  policy?: string;
  policyArns: string[];
  tags: Tag[];
}

export interface FederationTokenResult {
  credentials: IssuedCredentials;
  /** `ACCOUNT:NAME` */
  federatedUserId: string;
  /** `arn:aws:sts::ACCOUNT:federated-user/NAME` */
  arn: string;
  packedPolicySize?: number;
}

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface AssumedRoleResult {
  credentials: IssuedCredentials;
  assumedRoleId: string;
  arn: string;
  /** Percentage of the packed policy size limit used by session policies and tags. */
  packedPolicySize?: number;
  sourceIdentity?: string;
}

export interface SimulationInput {
  /** Identity policies (JSON text) to simulate, in addition to the principal's own when simulating a principal. */
  policyInputs: string[];
  boundaryInputs: string[];
  actions: string[];
  resources: string[];
  resourcePolicy?: string;
  resourceOwner?: string;
  callerArn?: string;
  context: { key: string; type: string; values: string[] }[];
}

export interface MatchedStatementView {
  sourcePolicyId: string;
  sourcePolicyType: string;
  start: { line: number; column: number };
  end: { line: number; column: number };
}

export interface SimulationResultView {
  action: string;
  resource: string;
  decision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  matchedStatements: MatchedStatementView[];
  missingContextValues: string[];
  organizationsAllowed?: boolean;
  boundaryAllowed?: boolean;
}

/** What an identity carries, for GetAccountAuthorizationDetails. */
export interface EntityPolicies {
  inline: InlinePolicy[];
  attached: AttachedPolicy[];
}

export interface AccountDetails {
  users: (UserInfo & EntityPolicies)[];
  groups: (GroupInfo & EntityPolicies)[];
  roles: (RoleInfo & EntityPolicies & { instanceProfiles: InstanceProfileInfo[] })[];
  policies: (ManagedPolicyInfo & { versions: PolicyVersionInfo[] })[];
}

/** The control plane as the endpoint sees it. Failures are RolecallErrors with AWS codes. */
export interface IamControl {
  readonly account: string;

  createRole(input: CreateRoleInput): Promise<RoleInfo>;
  getRole(name: string): Promise<RoleInfo>;
  findRole(name: string): Promise<RoleInfo | undefined>;
  listRoles(pathPrefix?: string): Promise<RoleInfo[]>;
  updateRole(name: string, update: { description?: string; maxSessionDuration?: number }): Promise<void>;
  deleteRole(name: string): Promise<void>;
  updateAssumeRolePolicy(name: string, document: string): Promise<void>;

  createUser(input: CreateUserInput): Promise<UserInfo>;
  getUser(name: string): Promise<UserInfo>;
  findUser(name: string): Promise<UserInfo | undefined>;
  listUsers(pathPrefix?: string): Promise<UserInfo[]>;
  deleteUser(name: string): Promise<void>;
  updateUser(name: string, update: { newName?: string; newPath?: string }): Promise<void>;

  createGroup(input: CreateGroupInput): Promise<GroupInfo>;
  getGroup(name: string): Promise<{ group: GroupInfo; users: UserInfo[] }>;
  findGroup(name: string): Promise<GroupInfo | undefined>;
  listGroups(pathPrefix?: string): Promise<GroupInfo[]>;
  deleteGroup(name: string): Promise<void>;
  updateGroup(name: string, update: { newName?: string; newPath?: string }): Promise<void>;
  addUserToGroup(group: string, user: string): Promise<void>;
  removeUserFromGroup(group: string, user: string): Promise<void>;
  listGroupsForUser(user: string): Promise<GroupInfo[]>;

  tag(kind: 'role' | 'user', name: string, tags: Tag[]): Promise<void>;
  untag(kind: 'role' | 'user', name: string, keys: string[]): Promise<void>;
  listTags(kind: 'role' | 'user', name: string): Promise<Tag[]>;
  putBoundary(kind: 'role' | 'user', name: string, policyArn: string): Promise<void>;
  deleteBoundary(kind: 'role' | 'user', name: string): Promise<void>;

  putInlinePolicy(kind: IdentityKind, entity: string, policyName: string, document: string): Promise<void>;
  getInlinePolicy(kind: IdentityKind, entity: string, policyName: string): Promise<InlinePolicy>;
  listInlinePolicies(kind: IdentityKind, entity: string): Promise<string[]>;
  deleteInlinePolicy(kind: IdentityKind, entity: string, policyName: string): Promise<void>;

  attachPolicy(kind: IdentityKind, entity: string, policyArn: string): Promise<void>;
  detachPolicy(kind: IdentityKind, entity: string, policyArn: string): Promise<void>;
  listAttachedPolicies(kind: IdentityKind, entity: string, pathPrefix?: string): Promise<AttachedPolicy[]>;

  createPolicy(input: CreatePolicyInput): Promise<ManagedPolicyInfo>;
  getPolicy(arn: string): Promise<ManagedPolicyInfo>;
  listPolicies(filter: ListPoliciesFilter): Promise<ManagedPolicyInfo[]>;
  deletePolicy(arn: string): Promise<void>;
  createPolicyVersion(arn: string, document: string, setAsDefault: boolean): Promise<PolicyVersionInfo>;
  getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersionInfo>;
  listPolicyVersions(arn: string): Promise<PolicyVersionInfo[]>;
  deletePolicyVersion(arn: string, versionId: string): Promise<void>;
  setDefaultPolicyVersion(arn: string, versionId: string): Promise<void>;
  tagPolicy(arn: string, tags: Tag[]): Promise<void>;
  untagPolicy(arn: string, keys: string[]): Promise<void>;

  createAccessKey(user: string): Promise<AccessKeyWithSecret>;
  listAccessKeys(user: string): Promise<AccessKeyInfo[]>;
  updateAccessKey(user: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(user: string, accessKeyId: string): Promise<void>;

  accountDetails(): Promise<AccountDetails>;
  listEntitiesForPolicy(arn: string, filter: EntitiesForPolicyFilter): Promise<PolicyEntity[]>;

  createInstanceProfile(input: CreateInstanceProfileInput): Promise<InstanceProfileInfo>;
  getInstanceProfile(name: string): Promise<InstanceProfileInfo>;
  findInstanceProfile(name: string): Promise<InstanceProfileInfo | undefined>;
  listInstanceProfiles(pathPrefix?: string): Promise<InstanceProfileInfo[]>;
  listInstanceProfilesForRole(role: string): Promise<InstanceProfileInfo[]>;
  deleteInstanceProfile(name: string): Promise<void>;
  addRoleToInstanceProfile(profile: string, role: string): Promise<void>;
  removeRoleFromInstanceProfile(profile: string, role: string): Promise<void>;
  tagInstanceProfile(name: string, tags: Tag[]): Promise<void>;
  untagInstanceProfile(name: string, keys: string[]): Promise<void>;

  createServiceLinkedRole(input: {
    service: string;
    description?: string;
    customSuffix?: string;
  }): Promise<RoleInfo>;
  /** Returns the deletion task id. */
  deleteServiceLinkedRole(role: string): Promise<string>;
  serviceLinkedRoleDeletionStatus(taskId: string): Promise<{ status: string }>;

  accountSummary(): Promise<AccountSummary>;
  createAccountAlias(alias: string): Promise<void>;
  deleteAccountAlias(alias: string): Promise<void>;
  listAccountAliases(): Promise<string[]>;
  /** The account an access key id (long-term or temporary) belongs to; undefined when unknown. */
  accessKeyAccount(accessKeyId: string): Promise<string | undefined>;

  simulatePrincipal(
    principalArn: string,
    input: SimulationInput,
    now: number,
  ): Promise<SimulationResultView[]>;
  simulateCustom(input: SimulationInput, now: number): Promise<SimulationResultView[]>;
  contextKeysForPrincipal(principalArn: string, extraPolicies: string[]): Promise<string[]>;
  contextKeysForCustom(policies: string[]): Promise<string[]>;

  assumeRole(
    caller: { arn: string; accessKeyId: string },
    input: AssumeRoleInput,
    now: number,
  ): Promise<AssumedRoleResult>;
  getSessionToken(
    caller: { arn: string; accessKeyId: string },
    durationSeconds: number | undefined,
    now: number,
  ): Promise<IssuedCredentials>;
  getFederationToken(
    caller: { arn: string; accessKeyId: string },
    input: FederationTokenInput,
    now: number,
  ): Promise<FederationTokenResult>;
}
