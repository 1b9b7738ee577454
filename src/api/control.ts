/**
 * The control-plane operations the endpoint calls, in domain terms (no AWS wire names): what
 * iam-operations.ts and sts-operations.ts need, implemented over the `iam/` service by iam-backend.ts.
 */
export interface Tag {
  key: string;
  value: string;
}

/** Entities that carry inline policies, attached managed policies and (users, roles) tags and a boundary. */
export type EntityKind = 'role' | 'user' | 'group';

export interface RoleView {
  path: string;
  name: string;
  id: string;
  arn: string;
  createDate: Date;
  /** The trust policy as submitted. */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundaryArn?: string;
  tags: Tag[];
  lastUsed?: { date: Date; region: string };
}

export interface UserView {
  path: string;
  name: string;
  id: string;
  arn: string;
  createDate: Date;
  permissionsBoundaryArn?: string;
  tags: Tag[];
}

export interface GroupView {
  path: string;
  name: string;
  id: string;
  arn: string;
  createDate: Date;
}

export interface ManagedPolicyView {
  name: string;
  id: string;
  arn: string;
  path: string;
  defaultVersionId: string;
  attachmentCount: number;
  permissionsBoundaryUsageCount: number;
  isAttachable: boolean;
  description?: string;
  createDate: Date;
  updateDate: Date;
  tags: Tag[];
  /** AWS managed (`arn:aws:iam::aws:policy/…`). */
  awsManaged: boolean;
}

export interface PolicyVersionView {
  versionId: string;
  isDefaultVersion: boolean;
  createDate: Date;
  document: string;
}

export interface AccessKeyView {
  userName: string;
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  /** Only when just created. */
  secretAccessKey?: string;
}

export interface InlinePolicyView {
  name: string;
  document: string;
}

export interface AttachedPolicyRef {
  name: string;
  arn: string;
}

export interface CreateRoleInput {
  name: string;
  path?: string;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration?: number;
  permissionsBoundaryArn?: string;
  tags: Tag[];
}

export interface CreatePolicyInput {
  name: string;
  path?: string;
  document: string;
  description?: string;
  tags: Tag[];
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

export interface AccountDetails {
  users: (UserView & { inline: InlinePolicyView[]; attached: AttachedPolicyRef[]; groups: string[] })[];
  groups: (GroupView & { inline: InlinePolicyView[]; attached: AttachedPolicyRef[] })[];
  roles: (RoleView & { inline: InlinePolicyView[]; attached: AttachedPolicyRef[] })[];
  policies: (ManagedPolicyView & { versions: PolicyVersionView[] })[];
}

/** The control plane as the endpoint sees it. Failures are RolecallErrors with AWS codes. */
export interface IamControl {
  readonly account: string;

  createRole(input: CreateRoleInput): Promise<RoleView>;
  getRole(name: string): Promise<RoleView>;
  findRole(name: string): Promise<RoleView | undefined>;
  listRoles(pathPrefix?: string): Promise<RoleView[]>;
  updateRole(name: string, update: { description?: string; maxSessionDuration?: number }): Promise<void>;
  deleteRole(name: string): Promise<void>;
  updateAssumeRolePolicy(name: string, document: string): Promise<void>;

  createUser(input: {
    name: string;
    path?: string;
    permissionsBoundaryArn?: string;
    tags: Tag[];
  }): Promise<UserView>;
  getUser(name: string): Promise<UserView>;
  findUser(name: string): Promise<UserView | undefined>;
  listUsers(pathPrefix?: string): Promise<UserView[]>;
  deleteUser(name: string): Promise<void>;
  updateUser(name: string, update: { newName?: string; newPath?: string }): Promise<void>;

  createGroup(input: { name: string; path?: string }): Promise<GroupView>;
  getGroup(name: string): Promise<{ group: GroupView; users: UserView[] }>;
  findGroup(name: string): Promise<GroupView | undefined>;
  listGroups(pathPrefix?: string): Promise<GroupView[]>;
  deleteGroup(name: string): Promise<void>;
  updateGroup(name: string, update: { newName?: string; newPath?: string }): Promise<void>;
  addUserToGroup(group: string, user: string): Promise<void>;
  removeUserFromGroup(group: string, user: string): Promise<void>;
  listGroupsForUser(user: string): Promise<GroupView[]>;

  tag(kind: 'role' | 'user', name: string, tags: Tag[]): Promise<void>;
  untag(kind: 'role' | 'user', name: string, keys: string[]): Promise<void>;
  listTags(kind: 'role' | 'user', name: string): Promise<Tag[]>;
  putBoundary(kind: 'role' | 'user', name: string, policyArn: string): Promise<void>;
  deleteBoundary(kind: 'role' | 'user', name: string): Promise<void>;

  putInlinePolicy(kind: EntityKind, entity: string, policyName: string, document: string): Promise<void>;
  getInlinePolicy(kind: EntityKind, entity: string, policyName: string): Promise<InlinePolicyView>;
  listInlinePolicies(kind: EntityKind, entity: string): Promise<string[]>;
  deleteInlinePolicy(kind: EntityKind, entity: string, policyName: string): Promise<void>;

  attachPolicy(kind: EntityKind, entity: string, policyArn: string): Promise<void>;
  detachPolicy(kind: EntityKind, entity: string, policyArn: string): Promise<void>;
  listAttachedPolicies(kind: EntityKind, entity: string, pathPrefix?: string): Promise<AttachedPolicyRef[]>;

  createPolicy(input: CreatePolicyInput): Promise<ManagedPolicyView>;
  getPolicy(arn: string): Promise<ManagedPolicyView>;
  listPolicies(filter: ListPoliciesFilter): Promise<ManagedPolicyView[]>;
  deletePolicy(arn: string): Promise<void>;
  createPolicyVersion(arn: string, document: string, setAsDefault: boolean): Promise<PolicyVersionView>;
  getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersionView>;
  listPolicyVersions(arn: string): Promise<PolicyVersionView[]>;
  deletePolicyVersion(arn: string, versionId: string): Promise<void>;
  setDefaultPolicyVersion(arn: string, versionId: string): Promise<void>;
  tagPolicy(arn: string, tags: Tag[]): Promise<void>;
  untagPolicy(arn: string, keys: string[]): Promise<void>;

  createAccessKey(user: string): Promise<AccessKeyView>;
  listAccessKeys(user: string): Promise<AccessKeyView[]>;
  updateAccessKey(user: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
  deleteAccessKey(user: string, accessKeyId: string): Promise<void>;

  accountDetails(): Promise<AccountDetails>;

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
}
