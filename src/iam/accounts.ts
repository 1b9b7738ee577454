/**
 * AWS accounts as rolecall knows them: id, name, e-mail, tags and organization membership. Identities and
 * policies belong to one; an account first named by one of them is registered on the fly.
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { IamPart } from './context.js';
import { checkAccountId, checkTags } from './names.js';
import type { IamQuotas } from './quotas.js';
import { repos, type AccountRecord } from './records.js';
import type { AccountInfo, Tag } from './types.js';

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccountAlias.html (AccountAlias pattern)
const ACCOUNT_ALIAS = /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

function checkAccountAlias(alias: string): void {
  if (!ACCOUNT_ALIAS.test(alias)) {
    throw new RolecallError(
      'ValidationError',
      `1 validation error detected: Value '${alias}' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`,
    );
  }
}

/** The entries of GetAccountSummary's SummaryMap rolecall can answer, counts of the account and quotas. */
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
export const ACCOUNT_SUMMARY_KEYS = [
  'Users',
  'UsersQuota',
  'Groups',
  'GroupsQuota',
  'Roles',
  'RolesQuota',
  'Policies',
  'PoliciesQuota',
  'InstanceProfiles',
  'InstanceProfilesQuota',
  'PolicyVersionsInUse',
  'PolicyVersionsInUseQuota',
  'VersionsPerPolicyQuota',
  'PolicySizeQuota',
  'UserPolicySizeQuota',
  'GroupPolicySizeQuota',
  'AssumeRolePolicySizeQuota',
  'GroupsPerUserQuota',
  'AttachedPoliciesPerUserQuota',
  'AttachedPoliciesPerGroupQuota',
  'AttachedPoliciesPerRoleQuota',
  'AccessKeysPerUserQuota',
  'MFADevices',
  'MFADevicesInUse',
  'AccountMFAEnabled',
  'AccountAccessKeysPresent',
  'AccountSigningCertificatesPresent',
  'ServerCertificates',
  'Providers',
  'GlobalEndpointTokenVersion',
] as const;
export type AccountSummaryKey = (typeof ACCOUNT_SUMMARY_KEYS)[number];
export type AccountSummary = Record<AccountSummaryKey, number>;

/** Quota entries of the summary, from the store's quotas (so `ROLECALL_QUOTAS` shows). */
const SUMMARY_QUOTAS = {
  UsersQuota: 'usersPerAccount',
  GroupsQuota: 'groupsPerAccount',
  RolesQuota: 'rolesPerAccount',
  PoliciesQuota: 'customerManagedPoliciesPerAccount',
  InstanceProfilesQuota: 'instanceProfilesPerAccount',
  VersionsPerPolicyQuota: 'versionsPerPolicy',
  PolicySizeQuota: 'managedPolicySize',
  UserPolicySizeQuota: 'userInlinePolicySize',
  GroupPolicySizeQuota: 'groupInlinePolicySize',
  AssumeRolePolicySizeQuota: 'trustPolicySize',
  GroupsPerUserQuota: 'groupsPerUser',
  AttachedPoliciesPerUserQuota: 'managedPoliciesPerUser',
  AttachedPoliciesPerGroupQuota: 'managedPoliciesPerGroup',
  AttachedPoliciesPerRoleQuota: 'managedPoliciesPerRole',
  AccessKeysPerUserQuota: 'accessKeysPerUser',
} as const satisfies Partial<Record<AccountSummaryKey, keyof IamQuotas>>;

export interface CreateAccountInput {
  id: string;
  name?: string;
  email?: string;
  tags?: Tag[];
}

export interface UpdateAccountInput {
  id: string;
  name?: string;
  email?: string;
  tags?: Tag[];
}

function accountInfo(a: AccountRecord): AccountInfo {
  return {
    id: a.id,
    name: a.name,
    ...(a.email !== undefined ? { email: a.email } : {}),
    ...(a.parentId !== undefined ? { parentId: a.parentId } : {}),
    tags: a.tags,
  };
}

async function requireAccount(tx: StoreTx, id: string): Promise<AccountRecord> {
  const rec = await repos.account.get(tx, id);
  if (!rec) throw new RolecallError('NoSuchEntity', `The account with id ${id} cannot be found.`);
  return rec;
}

/** Identities are created in an account; an account first used this way is registered on the fly. */
export async function touchAccount(tx: StoreTx, id: string): Promise<void> {
  checkAccountId(id);
  if (!(await repos.account.get(tx, id))) await repos.account.put(tx, id, { id, name: id, tags: [] });
}

export class AccountService extends IamPart {
  async createAccount(input: CreateAccountInput): Promise<AccountInfo> {
    checkAccountId(input.id);
    checkTags(input.tags ?? []);
    return this.tx(async (tx) => {
      if (await repos.account.get(tx, input.id)) {
        throw new RolecallError('EntityAlreadyExists', `Account with id ${input.id} already exists.`);
      }
      const rec: AccountRecord = {
        id: input.id,
        name: input.name ?? input.id,
        ...(input.email !== undefined ? { email: input.email } : {}),
        tags: input.tags ?? [],
      };
      await repos.account.put(tx, input.id, rec);
      return accountInfo(rec);
    });
  }

  async updateAccount(input: UpdateAccountInput): Promise<AccountInfo> {
    if (input.tags) checkTags(input.tags);
    return this.tx(async (tx) => {
      const rec = await requireAccount(tx, input.id);
      if (input.name !== undefined) rec.name = input.name;
      if (input.email !== undefined) rec.email = input.email;
      if (input.tags !== undefined) rec.tags = input.tags;
      await repos.account.put(tx, rec.id, rec);
      return accountInfo(rec);
    });
  }

  async getAccount(id: string): Promise<AccountInfo> {
    return await this.read(async (tx) => accountInfo(await requireAccount(tx, id)));
  }

  async listAccounts(): Promise<AccountInfo[]> {
    return await this.read(async (tx) => (await repos.account.list(tx)).map(accountInfo));
  }

  /** Deleting an account that still holds identities or policies is a DeleteConflict. */
  async deleteAccount(id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireAccount(tx, id);
      for (const table of ['role', 'user', 'group', 'managed-policy'] as const) {
        if ((await tx.list(table, `${id}/`)).length > 0) {
          throw new RolecallError(
            'DeleteConflict',
            `Cannot delete account ${id}: it still has ${table.replace('-', ' ')}s.`,
          );
        }
      }
      if (rec.parentId !== undefined) {
        throw new RolecallError(
          'DeleteConflict',
          `Cannot delete account ${id}: remove it from the organization first.`,
        );
      }
      await repos.account.delete(tx, id);
    });
  }

  /**
   * An account has at most one alias, unique across all accounts: creating another replaces it; a name
   * already taken (by this account or another) is EntityAlreadyExists.
   */
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/account-alias.html
  async createAccountAlias(account: string, alias: string): Promise<void> {
    checkAccountAlias(alias);
    return await this.tx(async (tx) => {
      await touchAccount(tx, account);
      if (await repos.accountAlias.get(tx, alias)) {
        throw new RolecallError('EntityAlreadyExists', `The account alias ${alias} already exists.`);
      }
      for (const a of await repos.accountAlias.list(tx)) {
        if (a.account === account) await repos.accountAlias.delete(tx, a.alias);
      }
      await repos.accountAlias.put(tx, alias, { alias, account });
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteAccountAlias.html
  async deleteAccountAlias(account: string, alias: string): Promise<void> {
    checkAccountAlias(alias);
    return await this.tx(async (tx) => {
      const rec = await repos.accountAlias.get(tx, alias);
      if (!rec || rec.account !== account) {
        throw new RolecallError('NoSuchEntity', `The account alias ${alias} cannot be found.`);
      }
      await repos.accountAlias.delete(tx, alias);
    });
  }

  async listAccountAliases(account: string): Promise<string[]> {
    return await this.read(async (tx) =>
      (await repos.accountAlias.list(tx)).filter((a) => a.account === account).map((a) => a.alias),
    );
  }

  /** Counts of the account's IAM entities and its quotas; rolecall has no MFA devices or certificates. */
  async getAccountSummary(account: string): Promise<AccountSummary> {
    return await this.read(async (tx) => {
      const count = async (table: 'user' | 'group' | 'role' | 'instance-profile') =>
        (await tx.list(table, `${account}/`)).length;
      const policies = await repos.policy.list(tx, `${account}/`);
      const quotas = Object.fromEntries(
        Object.entries(SUMMARY_QUOTAS).map(([k, q]) => [k, this.ctx.quotas[q]]),
      ) as Record<keyof typeof SUMMARY_QUOTAS, number>;
      return {
        ...quotas,
        Users: await count('user'),
        Groups: await count('group'),
        Roles: await count('role'),
        Policies: policies.length,
        InstanceProfiles: await count('instance-profile'),
        PolicyVersionsInUse: policies.reduce((n, p) => n + p.versions.length, 0),
        // AWS's default: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
        PolicyVersionsInUseQuota: 10000,
        MFADevices: 0,
        MFADevicesInUse: 0,
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: 0,
        AccountSigningCertificatesPresent: 0,
        ServerCertificates: 0,
        Providers: 0,
        GlobalEndpointTokenVersion: 1,
      };
    });
  }
}
