/** The shapes iam/ stores. Internal: callers see the *Info types of types.ts. */
import { Repo } from './context.js';
import type { InlinePolicy, OrgPolicyType, ResourceInfo, Tag } from './types.js';

export interface AccountRecord {
  id: string;
  name: string;
  email?: string;
  parentId?: string;
  tags: Tag[];
}

export interface RoleRecord {
  account: string;
  name: string;
  path: string;
  id: string;
  createDate: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundary?: string;
  tags: Tag[];
  inline: InlinePolicy[];
  attached: string[];
}

export interface UserRecord {
  account: string;
  name: string;
  path: string;
  id: string;
  createDate: string;
  permissionsBoundary?: string;
  tags: Tag[];
  groups: string[];
  inline: InlinePolicy[];
  attached: string[];
}

export interface GroupRecord {
  account: string;
  name: string;
  path: string;
  id: string;
  createDate: string;
  inline: InlinePolicy[];
  attached: string[];
}

export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createDate: string;
}

export interface ManagedPolicyRecord {
  account: string;
  name: string;
  path: string;
  id: string;
  description?: string;
  createDate: string;
  updateDate: string;
  defaultVersionId: string;
  /** Oldest first. */
  versions: PolicyVersionRecord[];
  /** Version numbers only grow: a deleted `v3` is never reused. */
  nextVersion: number;
  tags: Tag[];
}

export interface AccessKeyRecord {
  accessKeyId: string;
  account: string;
  userName: string;
  /** The user's unique id (absent in keys stored before ids were recorded). */
  userId?: string;
  /** Sealed with the store's secret box. */
  secret: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface SessionRecord {
  accessKeyId: string;
  secret: string;
  token: string;
  expiration: number;
  createDate: string;
  account: string;
  roleName: string;
  roleId: string;
  rolePath: string;
  sessionName: string;
  sessionPolicy?: string;
  sessionPolicyArns: string[];
  tags: Tag[];
  transitiveTagKeys: string[];
  sourceIdentity?: string;
  /** Set for a GetSessionToken or federated user session of this IAM user; the role fields are then empty. */
  userName?: string;
  /** The user's unique id (absent in sessions stored before ids were recorded). */
  userId?: string;
  /** Set for a GetFederationToken session: the federated user's name. */
  federatedName?: string;
}

export interface InstanceProfileRecord {
  account: string;
  name: string;
  path: string;
  /** `AIPA…` */
  id: string;
  createDate: string;
  /** Names of the roles in it (AWS allows one). */
  roles: string[];
  tags: Tag[];
}

/** An account alias, keyed by the alias: aliases are unique across all accounts. */
export interface AccountAliasRecord {
  alias: string;
  account: string;
}

/** A service-linked role deletion, as GetServiceLinkedRoleDeletionStatus reports it. */
export interface DeletionTaskRecord {
  id: string;
  account: string;
  roleArn: string;
  status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED' | 'NOT_STARTED';
  createDate: string;
}

export interface OrganizationRecord {
  id: string;
  rootId: string;
  managementAccountId: string;
}

export interface OrgUnitRecord {
  id: string;
  name: string;
  parentId: string;
}

export interface OrgPolicyRecord {
  id: string;
  name: string;
  type: OrgPolicyType;
  description: string;
  document: string;
  awsManaged: boolean;
  targets: string[];
}

export const repos = {
  account: new Repo<AccountRecord>('account'),
  role: new Repo<RoleRecord>('role'),
  user: new Repo<UserRecord>('user'),
  group: new Repo<GroupRecord>('group'),
  policy: new Repo<ManagedPolicyRecord>('managed-policy'),
  accessKey: new Repo<AccessKeyRecord>('access-key'),
  session: new Repo<SessionRecord>('session'),
  organization: new Repo<OrganizationRecord>('organization'),
  orgUnit: new Repo<OrgUnitRecord>('org-unit'),
  orgPolicy: new Repo<OrgPolicyRecord>('org-policy'),
  resource: new Repo<ResourceInfo>('resource'),
  instanceProfile: new Repo<InstanceProfileRecord>('instance-profile'),
  accountAlias: new Repo<AccountAliasRecord>('account-alias'),
  deletionTask: new Repo<DeletionTaskRecord>('deletion-task'),
};

export const ORGANIZATION_KEY = 'organization';
