/**
 * AWS's IAM and STS quotas, as defaults; every one can be overridden (constructor option or the
 * `ROLECALL_QUOTAS` environment variable holding JSON such as `{"managedPoliciesPerRole": 20}`).
 * Values: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
import { RolecallError } from '../errors.js';

export interface IamQuotas {
  rolesPerAccount: number;
  usersPerAccount: number;
  groupsPerAccount: number;
  customerManagedPoliciesPerAccount: number;
  managedPoliciesPerRole: number;
  managedPoliciesPerUser: number;
  managedPoliciesPerGroup: number;
  groupsPerUser: number;
  accessKeysPerUser: number;
  versionsPerPolicy: number;
  tagsPerEntity: number;
  /** Non-whitespace characters of one customer managed policy. */
  managedPolicySize: number;
  /** Aggregate non-whitespace characters of the inline policies of one role / user / group. */
  roleInlinePolicySize: number;
  userInlinePolicySize: number;
  groupInlinePolicySize: number;
  /** Non-whitespace characters of a role trust policy. */
  trustPolicySize: number;
  instanceProfilesPerAccount: number;
  rolesPerInstanceProfile: number;
  /** Organizations: characters of an SCP / RCP, policies attached per target. */
  orgPolicySize: number;
  orgPoliciesPerTarget: number;
}

export const AWS_QUOTAS: Readonly<IamQuotas> = {
  rolesPerAccount: 1000,
  usersPerAccount: 5000,
  groupsPerAccount: 300,
  customerManagedPoliciesPerAccount: 1500,
  managedPoliciesPerRole: 10,
  managedPoliciesPerUser: 10,
  managedPoliciesPerGroup: 10,
  groupsPerUser: 10,
  accessKeysPerUser: 2,
  versionsPerPolicy: 5,
  tagsPerEntity: 50,
  managedPolicySize: 6144,
  roleInlinePolicySize: 10240,
  userInlinePolicySize: 2048,
  groupInlinePolicySize: 5120,
  trustPolicySize: 2048,
  instanceProfilesPerAccount: 1000,
  rolesPerInstanceProfile: 1,
  // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
  orgPolicySize: 5120,
  orgPoliciesPerTarget: 5,
};

/** Names of the quotas in AWS's LimitExceeded messages (`Cannot exceed quota for PolicyVersionsPerPolicy: 5`). */
export const AWS_QUOTA_NAMES: Partial<Record<keyof IamQuotas, string>> = {
  rolesPerAccount: 'RolesPerAccount',
  usersPerAccount: 'UsersPerAccount',
  groupsPerAccount: 'GroupsPerAccount',
  customerManagedPoliciesPerAccount: 'PoliciesPerAccount',
  managedPoliciesPerRole: 'PoliciesPerRole',
  managedPoliciesPerUser: 'PoliciesPerUser',
  managedPoliciesPerGroup: 'PoliciesPerGroup',
  groupsPerUser: 'GroupsPerUser',
  accessKeysPerUser: 'AccessKeysPerUser',
  versionsPerPolicy: 'PolicyVersionsPerPolicy',
  managedPolicySize: 'PolicySize',
  roleInlinePolicySize: 'RolePolicySize',
  userInlinePolicySize: 'UserPolicySize',
  groupInlinePolicySize: 'GroupPolicySize',
  trustPolicySize: 'ACLSizePerRole',
  instanceProfilesPerAccount: 'InstanceProfilesPerAccount',
  rolesPerInstanceProfile: 'InstanceSessionsPerInstanceProfile',
};

export function limitExceeded(quota: keyof IamQuotas, value: number): RolecallError {
  if (quota === 'tagsPerEntity') {
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html (LimitExceeded on too many tags)
    return new RolecallError(
      'LimitExceeded',
      `The number of tags has reached the maximum limit of ${value}.`,
    );
  }
  return new RolecallError(
    'LimitExceeded',
    `Cannot exceed quota for ${AWS_QUOTA_NAMES[quota] ?? quota}: ${value}`,
  );
}

/** AWS's defaults, overridden by `ROLECALL_QUOTAS` and then by `overrides`. */
export function resolveQuotas(
  overrides: Partial<IamQuotas> = {},
  env: NodeJS.ProcessEnv = process.env,
): IamQuotas {
  const quotas: IamQuotas = { ...AWS_QUOTAS };
  const apply = (from: Record<string, unknown>, origin: string) => {
    for (const [k, v] of Object.entries(from)) {
      if (!(k in AWS_QUOTAS)) throw new RolecallError('UsageError', `unknown quota \`${k}\` in ${origin}`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new RolecallError('UsageError', `quota \`${k}\` in ${origin} must be a non-negative integer`);
      }
      quotas[k as keyof IamQuotas] = v;
    }
  };
  const text = env.ROLECALL_QUOTAS;
  if (text !== undefined && text !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RolecallError('UsageError', 'ROLECALL_QUOTAS is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RolecallError('UsageError', 'ROLECALL_QUOTAS must be a JSON object');
    }
    apply(parsed as Record<string, unknown>, 'ROLECALL_QUOTAS');
  }
  apply(overrides, 'the quota options');
  return quotas;
}
