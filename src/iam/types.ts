/**
 * The control plane's data, as iam/ returns it. Names are rolecall's (camelCase); the AWS wire names
 * (`RoleName`, `AssumeRolePolicyDocument`) live only in api/. Dates are ISO-8601 strings, durations seconds.
 * Policy documents are returned verbatim as submitted.
 */

export interface Tag {
  key: string;
  value: string;
}

/** Identities that carry inline policies, attached managed policies and (users, roles) tags and a boundary. */
export type IdentityKind = 'user' | 'group' | 'role';

/** Which identity an operation is about. */
export interface IdentityRef {
  kind: IdentityKind;
  account: string;
  name: string;
}

export interface RoleInfo {
  account: string;
  name: string;
  path: string;
  /** `AROA…` */
  id: string;
  arn: string;
  createDate: string;
  /** The trust policy, verbatim. */
  trustPolicy: string;
  description?: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
  /** ARN of the managed policy used as permissions boundary. */
  permissionsBoundary?: string;
  tags: Tag[];
  /** Service-linked roles live under `/aws-service-role/` and are not restricted by SCPs. */
  serviceLinked: boolean;
}

export interface UserInfo {
  account: string;
  name: string;
  path: string;
  /** `AIDA…` */
  id: string;
  arn: string;
  createDate: string;
  permissionsBoundary?: string;
  tags: Tag[];
  /** Names of the groups the user belongs to. */
  groups: string[];
}

export interface GroupInfo {
  account: string;
  name: string;
  path: string;
  /** `AGPA…` */
  id: string;
  arn: string;
  createDate: string;
}

/** An EC2 instance profile: the container that hands one role to an instance (EMR's EC2 instance profile). */
export interface InstanceProfileInfo {
  account: string;
  name: string;
  path: string;
  /** `AIPA…` */
  id: string;
  arn: string;
  createDate: string;
  /** At most one (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). */
  roles: RoleInfo[];
  tags: Tag[];
}

export interface InlinePolicy {
  name: string;
  document: string;
}

export interface AttachedPolicy {
  name: string;
  arn: string;
}

export interface ManagedPolicyInfo {
  /** `aws` for AWS managed policies. */
  account: string;
  name: string;
  path: string;
  /** `ANPA…` (AWS managed policies: derived from the name, stable across runs). */
  id: string;
  arn: string;
  description?: string;
  defaultVersionId: string;
  /** Entities of this store the policy is attached to (for AWS managed ones: across every account). */
  attachmentCount: number;
  /** Entities using it as permissions boundary. */
  boundaryUsageCount: number;
  createDate: string;
  updateDate: string;
  tags: Tag[];
  awsManaged: boolean;
}

export interface PolicyVersionInfo {
  versionId: string;
  /** Verbatim as submitted (AWS managed: the package's document printed with 4-space indentation). */
  document: string;
  isDefault: boolean;
  createDate: string;
}

export interface AccessKeyInfo {
  /** `AKIA…` */
  accessKeyId: string;
  account: string;
  userName: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface AccessKeyWithSecret extends AccessKeyInfo {
  secretAccessKey: string;
}

/** Temporary credentials of an assumed-role session, as STS issued them. */
export interface SessionInfo {
  /** `ASIA…` */
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
  createDate: string;
  account: string;
  roleName: string;
  roleArn: string;
  /** `AROA…` of the role. */
  roleId: string;
  sessionName: string;
  /** `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` */
  assumedRoleArn: string;
  /** `AROA…:SESSION` */
  assumedRoleId: string;
  /** Inline session policy, verbatim. */
  sessionPolicy?: string;
  /** Managed session policy ARNs. */
  sessionPolicyArns: string[];
  /** Session tags (principal tags of the session). */
  tags: Tag[];
  transitiveTagKeys: string[];
  sourceIdentity?: string;
}

export interface NewSession {
  account: string;
  roleName: string;
  sessionName: string;
  /** Epoch milliseconds. */
  expiration: number;
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
  tags?: Tag[];
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
}

/** Temporary credentials STS GetSessionToken issued for an IAM user: the user's own permissions. */
export interface UserSessionInfo {
  /** `ASIA…` */
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
  createDate: string;
  account: string;
  userName: string;
}

/**
 * Temporary credentials STS GetFederationToken issued: a federated user session of an IAM user, whose
 * permissions are the user's intersected with the session policies.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
 */
export interface FederatedSessionInfo extends UserSessionInfo {
  /** The federated user's name (GetFederationToken's `Name`). */
  name: string;
  /** `arn:aws:sts::ACCT:federated-user/NAME` */
  arn: string;
  /** `ACCT:NAME` */
  federatedUserId: string;
  sessionPolicy?: string;
  sessionPolicyArns: string[];
  tags: Tag[];
}

export interface NewFederatedSession {
  account: string;
  userName: string;
  name: string;
  /** Epoch milliseconds. */
  expiration: number;
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
  tags?: Tag[];
}

/**
 * What an access key id stands for: a user's long-term key, a role session's, a user session's or a
 * federated user session's temporary one. A user's credentials belong to that user (its unique id), not to
 * whoever holds its name later.
 */
export type Credential =
  | { kind: 'user'; key: AccessKeyWithSecret; user: UserInfo }
  | { kind: 'session'; session: SessionInfo }
  | { kind: 'user-session'; session: UserSessionInfo; user: UserInfo }
  | { kind: 'federated'; session: FederatedSessionInfo; user: UserInfo };

export interface AccountInfo {
  id: string;
  name: string;
  email?: string;
  /** Organization parent (root or OU id) when the account is in the organization. */
  parentId?: string;
  tags: Tag[];
}

export interface OrganizationInfo {
  /** `o-…` */
  id: string;
  arn: string;
  /** `r-…` */
  rootId: string;
  managementAccountId: string;
}

export interface OrgUnitInfo {
  /** `ou-…` */
  id: string;
  name: string;
  parentId: string;
  arn: string;
}

export type OrgPolicyType = 'scp' | 'rcp';

export interface OrgPolicyInfo {
  /** `p-…` */
  id: string;
  name: string;
  type: OrgPolicyType;
  description: string;
  /** Verbatim. */
  document: string;
  arn: string;
  /** FullAWSAccess and RCPFullAWSAccess. */
  awsManaged: boolean;
  /** Root, OU or account ids it is attached to. */
  targets: string[];
}

/** One level of the organization on the way from the root to an account. */
export interface OrgLevel {
  /** Root id, OU id or account id. */
  id: string;
  kind: 'root' | 'ou' | 'account';
  name: string;
  scps: OrgPolicyInfo[];
  rcps: OrgPolicyInfo[];
}

export const RESOURCE_TYPES = [
  's3-bucket',
  'kms-key',
  'secret',
  'vpc',
  'subnet',
  'security-group',
  'emr-cluster',
  'other',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** A registered resource: what decisions and EMR readiness checks need about it. */
export interface ResourceInfo {
  arn: string;
  type: ResourceType;
  /** Owner; for S3 buckets (whose ARN has none) given when registering. */
  account: string;
  region: string;
  /** The resource-based policy (bucket policy, key policy, secret policy), verbatim. */
  policy?: string;
  tags: Tag[];
  /** Free-form facts: `vpcId` of a subnet, `releaseLabel` of a cluster, ... */
  attributes: Record<string, string>;
}
