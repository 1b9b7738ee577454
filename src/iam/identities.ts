/**
 * IAM identities and policies: accounts, roles, users, groups, inline policies, customer managed policies
 * with versions, attachments, tags, access keys and STS sessions. Every public method is one transaction.
 * Errors are RolecallErrors with AWS's codes and, where AWS clients read them, AWS's wording.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html
 */
import { RolecallError } from '../errors.js';
import {
  getAwsManagedPolicy,
  listAwsManagedPolicyNames,
  type AwsManagedPolicy,
} from '../knowledge/managed-policies.js';
import { parseArn } from '../policy/arn.js';
import type { StoreTx } from '../store/index.js';
import { entityKey, isoDate, validatePolicyText, type IamContext, type Repo } from './context.js';
import { accessKeyId, awsManagedPolicyId, secretAccessKey, sessionToken, uniqueId } from './ids.js';
import {
  checkAccountId,
  checkDescription,
  checkMaxSessionDuration,
  checkName,
  checkPath,
  checkTags,
  mergeTags,
  policySize,
  removeTags,
} from './names.js';
import { limitExceeded, type IamQuotas } from './quotas.js';
import {
  repos,
  type AccessKeyRecord,
  type AccountRecord,
  type GroupRecord,
  type ManagedPolicyRecord,
  type RoleRecord,
  type SessionRecord,
  type UserRecord,
} from './records.js';
import type {
  AccessKeyInfo,
  AccessKeyWithSecret,
  AccountInfo,
  AttachedPolicy,
  Credential,
  GroupInfo,
  IdentityKind,
  IdentityRef,
  InlinePolicy,
  ManagedPolicyInfo,
  NewSession,
  PolicyVersionInfo,
  RoleInfo,
  SessionInfo,
  UserSessionInfo,
  Tag,
  UserInfo,
} from './types.js';

type IdentityRecord = RoleRecord | UserRecord | GroupRecord;

const KIND_WORD: Record<IdentityKind, string> = { role: 'role', user: 'user', group: 'group' };
const MANAGED_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'managedPoliciesPerRole',
  user: 'managedPoliciesPerUser',
  group: 'managedPoliciesPerGroup',
};
const INLINE_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'roleInlinePolicySize',
  user: 'userInlinePolicySize',
  group: 'groupInlinePolicySize',
};
const ENTITY_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'rolesPerAccount',
  user: 'usersPerAccount',
  group: 'groupsPerAccount',
};

export function roleArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:role${path}${name}`;
}
export function userArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:user${path}${name}`;
}
export function groupArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:group${path}${name}`;
}
export function policyArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:policy${path}${name}`;
}
export function assumedRoleArn(account: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

function noSuchEntity(kind: IdentityKind, name: string): RolecallError {
  return new RolecallError('NoSuchEntity', `The ${KIND_WORD[kind]} with name ${name} cannot be found.`);
}

function policyNotFound(arn: string): RolecallError {
  return new RolecallError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
}

/** Where a managed policy ARN points: an AWS managed policy or a customer managed one of an account. */
export type PolicyArnTarget =
  { aws: true; arn: string } | { aws: false; account: string; name: string; path: string };

export function parsePolicyArn(arn: string): PolicyArnTarget {
  const a = parseArn(arn);
  if (!a || a.service !== 'iam' || !a.resource.startsWith('policy/')) {
    throw new RolecallError('InvalidInput', `ARN ${arn} is not valid.`);
  }
  if (a.account === 'aws') return { aws: true, arn };
  const rest = a.resource.slice('policy'.length);
  const cut = rest.lastIndexOf('/');
  return { aws: false, account: a.account, name: rest.slice(cut + 1), path: rest.slice(0, cut + 1) };
}

function roleInfo(r: RoleRecord): RoleInfo {
  return {
    account: r.account,
    name: r.name,
    path: r.path,
    id: r.id,
    arn: roleArn(r.account, r.path, r.name),
    createDate: r.createDate,
    trustPolicy: r.trustPolicy,
    ...(r.description !== undefined ? { description: r.description } : {}),
    maxSessionDuration: r.maxSessionDuration,
    ...(r.permissionsBoundary !== undefined ? { permissionsBoundary: r.permissionsBoundary } : {}),
    tags: r.tags,
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html (path /aws-service-role/)
    serviceLinked: r.path.startsWith('/aws-service-role/'),
  };
}

function userInfo(u: UserRecord): UserInfo {
  return {
    account: u.account,
    name: u.name,
    path: u.path,
    id: u.id,
    arn: userArn(u.account, u.path, u.name),
    createDate: u.createDate,
    ...(u.permissionsBoundary !== undefined ? { permissionsBoundary: u.permissionsBoundary } : {}),
    tags: u.tags,
    groups: u.groups,
  };
}

function groupInfo(g: GroupRecord): GroupInfo {
  return {
    account: g.account,
    name: g.name,
    path: g.path,
    id: g.id,
    arn: groupArn(g.account, g.path, g.name),
    createDate: g.createDate,
  };
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

function accessKeyInfo(k: AccessKeyRecord): AccessKeyInfo {
  return {
    accessKeyId: k.accessKeyId,
    account: k.account,
    userName: k.userName,
    status: k.status,
    createDate: k.createDate,
  };
}

export interface CreateRoleInput {
  account: string;
  name: string;
  path?: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration?: number;
  permissionsBoundary?: string;
  tags?: Tag[];
}

export interface UpdateRoleInput {
  account: string;
  name: string;
  description?: string;
  maxSessionDuration?: number;
}

export interface CreateUserInput {
  account: string;
  name: string;
  path?: string;
  permissionsBoundary?: string;
  tags?: Tag[];
}

export interface CreateGroupInput {
  account: string;
  name: string;
  path?: string;
}

export interface CreatePolicyInput {
  account: string;
  name: string;
  path?: string;
  document: string;
  description?: string;
  tags?: Tag[];
}

export interface CreateAccountInput {
  id: string;
  name?: string;
  email?: string;
  tags?: Tag[];
}

/** A managed policy as resolved for attachment or evaluation. */
export interface ManagedPolicyDocument {
  arn: string;
  name: string;
  versionId: string;
  document: string;
}

export class IamService {
  constructor(readonly ctx: IamContext) {}

  private tx<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn);
  }

  private read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn, { readOnly: true });
  }

  private nowIso(): string {
    return isoDate(this.ctx.now());
  }

  // ---------------------------------------------------------------- accounts

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

  async updateAccount(input: {
    id: string;
    name?: string;
    email?: string;
    tags?: Tag[];
  }): Promise<AccountInfo> {
    if (input.tags) checkTags(input.tags);
    return this.tx(async (tx) => {
      const rec = await this.requireAccount(tx, input.id);
      if (input.name !== undefined) rec.name = input.name;
      if (input.email !== undefined) rec.email = input.email;
      if (input.tags !== undefined) rec.tags = input.tags;
      await repos.account.put(tx, rec.id, rec);
      return accountInfo(rec);
    });
  }

  async getAccount(id: string): Promise<AccountInfo> {
    return await this.read(async (tx) => accountInfo(await this.requireAccount(tx, id)));
  }

  async listAccounts(): Promise<AccountInfo[]> {
    return await this.read(async (tx) => (await repos.account.list(tx)).map(accountInfo));
  }

  /** Deleting an account that still holds identities or policies is a DeleteConflict. */
  async deleteAccount(id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireAccount(tx, id);
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

  private async requireAccount(tx: StoreTx, id: string): Promise<AccountRecord> {
    const rec = await repos.account.get(tx, id);
    if (!rec) throw new RolecallError('NoSuchEntity', `The account with id ${id} cannot be found.`);
    return rec;
  }

  /** Identities are created in an account; an account first used this way is registered on the fly. */
  private async touchAccount(tx: StoreTx, id: string): Promise<void> {
    checkAccountId(id);
    if (!(await repos.account.get(tx, id))) await repos.account.put(tx, id, { id, name: id, tags: [] });
  }

  // ---------------------------------------------------------------- roles

  async createRole(input: CreateRoleInput): Promise<RoleInfo> {
    checkName('roleName', input.name);
    const path = input.path ?? '/';
    checkPath(path);
    if (input.description !== undefined) checkDescription(input.description);
    const maxSessionDuration = input.maxSessionDuration ?? 3600;
    checkMaxSessionDuration(maxSessionDuration);
    const tags = input.tags ?? [];
    checkTags(tags);
    this.checkTrustPolicy(input.trustPolicy);
    return this.tx(async (tx) => {
      await this.touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      if (await repos.role.get(tx, key)) {
        throw new RolecallError('EntityAlreadyExists', `Role with name ${input.name} already exists.`);
      }
      await this.checkEntityCount(tx, 'role', input.account);
      this.checkTagCount(tags);
      const boundary =
        input.permissionsBoundary !== undefined
          ? await this.boundaryArn(tx, input.permissionsBoundary)
          : undefined;
      const rec: RoleRecord = {
        account: input.account,
        name: input.name,
        path,
        id: uniqueId('AROA'),
        createDate: this.nowIso(),
        trustPolicy: input.trustPolicy,
        ...(input.description !== undefined ? { description: input.description } : {}),
        maxSessionDuration,
        ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
        tags,
        inline: [],
        attached: [],
      };
      await repos.role.put(tx, key, rec);
      return roleInfo(rec);
    });
  }

  async getRole(account: string, name: string): Promise<RoleInfo> {
    return await this.read(async (tx) => roleInfo(await this.requireRole(tx, account, name)));
  }

  /** Roles of an account, ordered by name; `pathPrefix` as AWS's ListRoles. */
  async listRoles(account: string, pathPrefix = '/'): Promise<RoleInfo[]> {
    return await this.read(async (tx) =>
      (await repos.role.list(tx, `${account}/`)).filter((r) => r.path.startsWith(pathPrefix)).map(roleInfo),
    );
  }

  async updateRole(input: UpdateRoleInput): Promise<RoleInfo> {
    if (input.description !== undefined) checkDescription(input.description);
    if (input.maxSessionDuration !== undefined) checkMaxSessionDuration(input.maxSessionDuration);
    return this.tx(async (tx) => {
      const rec = await this.requireRole(tx, input.account, input.name);
      if (input.description !== undefined) rec.description = input.description;
      if (input.maxSessionDuration !== undefined) rec.maxSessionDuration = input.maxSessionDuration;
      await repos.role.put(tx, entityKey(rec.account, rec.name), rec);
      return roleInfo(rec);
    });
  }

  async updateTrustPolicy(account: string, name: string, trustPolicy: string): Promise<RoleInfo> {
    this.checkTrustPolicy(trustPolicy);
    return this.tx(async (tx) => {
      const rec = await this.requireRole(tx, account, name);
      rec.trustPolicy = trustPolicy;
      await repos.role.put(tx, entityKey(rec.account, rec.name), rec);
      return roleInfo(rec);
    });
  }

  /** AWS refuses to delete a role that still has inline or attached policies. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
  async deleteRole(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireRole(tx, account, name);
      if (rec.inline.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      }
      if (rec.attached.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      }
      await repos.role.delete(tx, entityKey(account, name));
    });
  }

  private checkTrustPolicy(text: string): void {
    validatePolicyText(this.ctx, text, 'trust');
    const size = policySize(text);
    if (size > this.ctx.quotas.trustPolicySize)
      throw limitExceeded('trustPolicySize', this.ctx.quotas.trustPolicySize);
  }

  private async requireRole(tx: StoreTx, account: string, name: string): Promise<RoleRecord> {
    const rec = await repos.role.get(tx, entityKey(account, name));
    if (!rec) throw noSuchEntity('role', name);
    return rec;
  }

  // ---------------------------------------------------------------- users

  async createUser(input: CreateUserInput): Promise<UserInfo> {
    checkName('userName', input.name);
    const path = input.path ?? '/';
    checkPath(path);
    const tags = input.tags ?? [];
    checkTags(tags);
    return this.tx(async (tx) => {
      await this.touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      if (await repos.user.get(tx, key)) {
        throw new RolecallError('EntityAlreadyExists', `User with name ${input.name} already exists.`);
      }
      await this.checkEntityCount(tx, 'user', input.account);
      this.checkTagCount(tags);
      const boundary =
        input.permissionsBoundary !== undefined
          ? await this.boundaryArn(tx, input.permissionsBoundary)
          : undefined;
      const rec: UserRecord = {
        account: input.account,
        name: input.name,
        path,
        id: uniqueId('AIDA'),
        createDate: this.nowIso(),
        ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
        tags,
        groups: [],
        inline: [],
        attached: [],
      };
      await repos.user.put(tx, key, rec);
      return userInfo(rec);
    });
  }

  async getUser(account: string, name: string): Promise<UserInfo> {
    return await this.read(async (tx) => userInfo(await this.requireUser(tx, account, name)));
  }

  async listUsers(account: string, pathPrefix = '/'): Promise<UserInfo[]> {
    return await this.read(async (tx) =>
      (await repos.user.list(tx, `${account}/`)).filter((u) => u.path.startsWith(pathPrefix)).map(userInfo),
    );
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html (items to remove first)
  async deleteUser(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireUser(tx, account, name);
      const keys = (await repos.accessKey.list(tx)).filter(
        (k) => k.account === account && k.userName === rec.name,
      );
      if (keys.length > 0)
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      if (rec.groups.length > 0) {
        throw new RolecallError(
          'DeleteConflict',
          'Cannot delete entity, must remove user from all groups first.',
        );
      }
      if (rec.inline.length > 0)
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (rec.attached.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      }
      await repos.user.delete(tx, entityKey(account, name));
    });
  }

  /** Renames or moves a user; its access keys, groups and policies follow. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateUser.html
  async updateUser(input: {
    account: string;
    name: string;
    newName?: string;
    newPath?: string;
  }): Promise<UserInfo> {
    if (input.newName !== undefined) checkName('userName', input.newName);
    if (input.newPath !== undefined) checkPath(input.newPath, 'newPath');
    return await this.tx(async (tx) => {
      const rec = await this.requireUser(tx, input.account, input.name);
      const oldName = await renameEntity(tx, repos.user, 'User', rec, input);
      for (const k of await repos.accessKey.list(tx)) {
        if (k.account === rec.account && k.userName === oldName) {
          k.userName = rec.name;
          await repos.accessKey.put(tx, k.accessKeyId, k);
        }
      }
      return userInfo(rec);
    });
  }

  private async requireUser(tx: StoreTx, account: string, name: string): Promise<UserRecord> {
    const rec = await repos.user.get(tx, entityKey(account, name));
    if (!rec) throw noSuchEntity('user', name);
    return rec;
  }

  // ---------------------------------------------------------------- groups

  async createGroup(input: CreateGroupInput): Promise<GroupInfo> {
    checkName('groupName', input.name);
    const path = input.path ?? '/';
    checkPath(path);
    return this.tx(async (tx) => {
      await this.touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      if (await repos.group.get(tx, key)) {
        throw new RolecallError('EntityAlreadyExists', `Group with name ${input.name} already exists.`);
      }
      await this.checkEntityCount(tx, 'group', input.account);
      const rec: GroupRecord = {
        account: input.account,
        name: input.name,
        path,
        id: uniqueId('AGPA'),
        createDate: this.nowIso(),
        inline: [],
        attached: [],
      };
      await repos.group.put(tx, key, rec);
      return groupInfo(rec);
    });
  }

  async getGroup(account: string, name: string): Promise<{ group: GroupInfo; users: UserInfo[] }> {
    return await this.read(async (tx) => {
      const g = await this.requireGroup(tx, account, name);
      const users = (await repos.user.list(tx, `${account}/`)).filter((u) =>
        u.groups.some((n) => n.toLowerCase() === g.name.toLowerCase()),
      );
      return { group: groupInfo(g), users: users.map(userInfo) };
    });
  }

  async listGroups(account: string, pathPrefix = '/'): Promise<GroupInfo[]> {
    return await this.read(async (tx) =>
      (await repos.group.list(tx, `${account}/`)).filter((g) => g.path.startsWith(pathPrefix)).map(groupInfo),
    );
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteGroup.html
  async deleteGroup(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const g = await this.requireGroup(tx, account, name);
      const members = (await repos.user.list(tx, `${account}/`)).filter((u) =>
        u.groups.some((n) => n.toLowerCase() === g.name.toLowerCase()),
      );
      if (members.length > 0) {
        throw new RolecallError(
          'DeleteConflict',
          'Cannot delete entity, must remove users from group first.',
        );
      }
      if (g.inline.length > 0)
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (g.attached.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      }
      await repos.group.delete(tx, entityKey(account, name));
    });
  }

  async addUserToGroup(account: string, groupName: string, userName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const g = await this.requireGroup(tx, account, groupName);
      const u = await this.requireUser(tx, account, userName);
      if (u.groups.some((n) => n.toLowerCase() === g.name.toLowerCase())) return;
      if (u.groups.length >= this.ctx.quotas.groupsPerUser) {
        throw limitExceeded('groupsPerUser', this.ctx.quotas.groupsPerUser);
      }
      u.groups.push(g.name);
      await repos.user.put(tx, entityKey(account, u.name), u);
    });
  }

  async removeUserFromGroup(account: string, groupName: string, userName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const g = await this.requireGroup(tx, account, groupName);
      const u = await this.requireUser(tx, account, userName);
      const before = u.groups.length;
      u.groups = u.groups.filter((n) => n.toLowerCase() !== g.name.toLowerCase());
      if (u.groups.length === before) {
        throw new RolecallError(
          'NoSuchEntity',
          `The user with name ${userName} is not in group ${groupName}.`,
        );
      }
      await repos.user.put(tx, entityKey(account, u.name), u);
    });
  }

  /** Renames or moves a group; its members follow. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateGroup.html
  async updateGroup(input: {
    account: string;
    name: string;
    newName?: string;
    newPath?: string;
  }): Promise<GroupInfo> {
    if (input.newName !== undefined) checkName('groupName', input.newName);
    if (input.newPath !== undefined) checkPath(input.newPath, 'newPath');
    return await this.tx(async (tx) => {
      const rec = await this.requireGroup(tx, input.account, input.name);
      const oldName = await renameEntity(tx, repos.group, 'Group', rec, input);
      for (const u of await repos.user.list(tx, `${rec.account}/`)) {
        const i = u.groups.findIndex((g) => g.toLowerCase() === oldName.toLowerCase());
        if (i >= 0) {
          u.groups[i] = rec.name;
          await repos.user.put(tx, entityKey(u.account, u.name), u);
        }
      }
      return groupInfo(rec);
    });
  }

  private async requireGroup(tx: StoreTx, account: string, name: string): Promise<GroupRecord> {
    const rec = await repos.group.get(tx, entityKey(account, name));
    if (!rec) throw noSuchEntity('group', name);
    return rec;
  }

  // ---------------------------------------------------------------- identities in general

  private async requireIdentity(tx: StoreTx, ref: IdentityRef): Promise<IdentityRecord> {
    switch (ref.kind) {
      case 'role':
        return this.requireRole(tx, ref.account, ref.name);
      case 'user':
        return this.requireUser(tx, ref.account, ref.name);
      case 'group':
        return this.requireGroup(tx, ref.account, ref.name);
    }
  }

  private putIdentity(tx: StoreTx, kind: IdentityKind, rec: IdentityRecord): Promise<void> {
    const key = entityKey(rec.account, rec.name);
    switch (kind) {
      case 'role':
        return repos.role.put(tx, key, rec as RoleRecord);
      case 'user':
        return repos.user.put(tx, key, rec as UserRecord);
      case 'group':
        return repos.group.put(tx, key, rec);
    }
  }

  private async checkEntityCount(tx: StoreTx, kind: IdentityKind, account: string): Promise<void> {
    const quota = ENTITY_QUOTA[kind];
    const table = kind === 'role' ? 'role' : kind === 'user' ? 'user' : 'group';
    if ((await tx.list(table, `${account}/`)).length >= this.ctx.quotas[quota]) {
      throw limitExceeded(quota, this.ctx.quotas[quota]);
    }
  }

  private checkTagCount(tags: readonly Tag[]): void {
    if (tags.length > this.ctx.quotas.tagsPerEntity)
      throw limitExceeded('tagsPerEntity', this.ctx.quotas.tagsPerEntity);
  }

  /** Adds or replaces an inline policy; the aggregate size of an identity's inline policies has a quota. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
  async putInlinePolicy(ref: IdentityRef, policyName: string, document: string): Promise<void> {
    checkName('policyName', policyName);
    validatePolicyText(this.ctx, document, 'identity');
    return this.tx(async (tx) => {
      const rec = await this.requireIdentity(tx, ref);
      const rest = rec.inline.filter((p) => p.name !== policyName);
      const total = rest.reduce((n, p) => n + policySize(p.document), 0) + policySize(document);
      const quota = INLINE_QUOTA[ref.kind];
      if (total > this.ctx.quotas[quota]) {
        throw new RolecallError(
          'LimitExceeded',
          `Maximum policy size of ${this.ctx.quotas[quota]} bytes exceeded for ${KIND_WORD[ref.kind]} ${rec.name}`,
        );
      }
      const i = rec.inline.findIndex((p) => p.name === policyName);
      if (i >= 0) rec.inline[i] = { name: policyName, document };
      else rec.inline.push({ name: policyName, document });
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  async getInlinePolicy(ref: IdentityRef, policyName: string): Promise<InlinePolicy> {
    return await this.read(async (tx) => {
      const rec = await this.requireIdentity(tx, ref);
      const p = rec.inline.find((x) => x.name === policyName);
      if (!p) {
        throw new RolecallError(
          'NoSuchEntity',
          `The ${KIND_WORD[ref.kind]} policy with name ${policyName} cannot be found.`,
        );
      }
      return p;
    });
  }

  async listInlinePolicies(ref: IdentityRef): Promise<InlinePolicy[]> {
    return await this.read(async (tx) => (await this.requireIdentity(tx, ref)).inline);
  }

  async deleteInlinePolicy(ref: IdentityRef, policyName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireIdentity(tx, ref);
      const i = rec.inline.findIndex((x) => x.name === policyName);
      if (i < 0) {
        throw new RolecallError(
          'NoSuchEntity',
          `The ${KIND_WORD[ref.kind]} policy with name ${policyName} cannot be found.`,
        );
      }
      rec.inline.splice(i, 1);
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
  async attachPolicy(ref: IdentityRef, arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireIdentity(tx, ref);
      const canonical = (await this.resolveManagedPolicy(tx, arn)).arn;
      if (rec.attached.includes(canonical)) return;
      const quota = MANAGED_QUOTA[ref.kind];
      if (rec.attached.length >= this.ctx.quotas[quota]) throw limitExceeded(quota, this.ctx.quotas[quota]);
      rec.attached.push(canonical);
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  async detachPolicy(ref: IdentityRef, arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requireIdentity(tx, ref);
      const i = rec.attached.indexOf(arn);
      if (i < 0) throw new RolecallError('NoSuchEntity', `Policy ${arn} was not found.`);
      rec.attached.splice(i, 1);
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  async listAttachedPolicies(ref: IdentityRef): Promise<AttachedPolicy[]> {
    return await this.read(async (tx) =>
      (await this.requireIdentity(tx, ref)).attached.map((arn) => ({
        arn,
        name: arn.slice(arn.lastIndexOf('/') + 1),
      })),
    );
  }

  /** Sets (or with `undefined` removes) the permissions boundary of a role or user. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html
  async setPermissionsBoundary(ref: IdentityRef, arn: string | undefined): Promise<void> {
    if (ref.kind === 'group')
      throw new RolecallError('InvalidInput', 'groups cannot have a permissions boundary');
    return await this.tx(async (tx) => {
      const rec = (await this.requireIdentity(tx, ref)) as RoleRecord | UserRecord;
      if (arn === undefined) delete rec.permissionsBoundary;
      else rec.permissionsBoundary = await this.boundaryArn(tx, arn);
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  private async boundaryArn(tx: StoreTx, arn: string): Promise<string> {
    return (await this.resolveManagedPolicy(tx, arn)).arn;
  }

  /** Adds or replaces tags of a role or user; IAM tag keys are case-insensitive. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html
  async tagIdentity(ref: IdentityRef, tags: Tag[]): Promise<void> {
    checkTags(tags);
    if (ref.kind === 'group') throw new RolecallError('InvalidInput', 'groups cannot be tagged');
    return await this.tx(async (tx) => {
      const rec = (await this.requireIdentity(tx, ref)) as RoleRecord | UserRecord;
      const merged = mergeTags(rec.tags, tags);
      this.checkTagCount(merged);
      rec.tags = merged;
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  async untagIdentity(ref: IdentityRef, keys: string[]): Promise<void> {
    if (ref.kind === 'group') throw new RolecallError('InvalidInput', 'groups cannot be tagged');
    return await this.tx(async (tx) => {
      const rec = (await this.requireIdentity(tx, ref)) as RoleRecord | UserRecord;
      rec.tags = removeTags(rec.tags, keys);
      await this.putIdentity(tx, ref.kind, rec);
    });
  }

  // ---------------------------------------------------------------- managed policies

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
  async createPolicy(input: CreatePolicyInput): Promise<ManagedPolicyInfo> {
    checkName('policyName', input.name);
    const path = input.path ?? '/';
    checkPath(path);
    if (input.description !== undefined) checkDescription(input.description);
    const tags = input.tags ?? [];
    checkTags(tags);
    this.checkManagedDocument(input.document);
    return this.tx(async (tx) => {
      await this.touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      if (await repos.policy.get(tx, key)) {
        throw new RolecallError(
          'EntityAlreadyExists',
          `A policy called ${input.name} already exists. Duplicate names are not allowed.`,
        );
      }
      if (
        (await repos.policy.list(tx, `${input.account}/`)).length >=
        this.ctx.quotas.customerManagedPoliciesPerAccount
      ) {
        throw limitExceeded(
          'customerManagedPoliciesPerAccount',
          this.ctx.quotas.customerManagedPoliciesPerAccount,
        );
      }
      this.checkTagCount(tags);
      const now = this.nowIso();
      const rec: ManagedPolicyRecord = {
        account: input.account,
        name: input.name,
        path,
        id: uniqueId('ANPA'),
        ...(input.description !== undefined ? { description: input.description } : {}),
        createDate: now,
        updateDate: now,
        defaultVersionId: 'v1',
        versions: [{ versionId: 'v1', document: input.document, createDate: now }],
        nextVersion: 2,
        tags,
      };
      await repos.policy.put(tx, key, rec);
      return this.policyInfo(tx, rec);
    });
  }

  /** A customer managed or AWS managed policy by ARN. */
  async getPolicy(arn: string): Promise<ManagedPolicyInfo> {
    return await this.read(async (tx) => {
      const target = parsePolicyArn(arn);
      if (target.aws) return this.awsPolicyInfo(tx, await this.requireAwsPolicy(arn));
      return this.policyInfo(tx, await this.requirePolicy(tx, arn));
    });
  }

  /** Customer managed policies of an account (`scope: 'aws'` lists AWS managed ones instead). */
  listPolicies(
    account: string,
    options: { pathPrefix?: string; onlyAttached?: boolean } = {},
  ): Promise<ManagedPolicyInfo[]> {
    return this.read(async (tx) => {
      const out: ManagedPolicyInfo[] = [];
      const counts = await this.usageCounts(tx, account);
      for (const rec of await repos.policy.list(tx, `${account}/`)) {
        if (!rec.path.startsWith(options.pathPrefix ?? '/')) continue;
        const info = await this.policyInfo(tx, rec, counts);
        if (options.onlyAttached && info.attachmentCount === 0) continue;
        out.push(info);
      }
      return out;
    });
  }

  /** Every AWS managed policy (loads the package's data on first use). */
  async listAwsManagedPolicies(pathPrefix = '/'): Promise<ManagedPolicyInfo[]> {
    const names = await listAwsManagedPolicyNames();
    const out: ManagedPolicyInfo[] = [];
    const uses = await this.read(async (tx) => {
      const m = new Map<string, { attached: number; boundary: number }>();
      for (const kind of ['role', 'user', 'group'] as const) {
        for (const rec of await this.allOf(tx, kind)) {
          for (const a of rec.attached) {
            const u = m.get(a) ?? { attached: 0, boundary: 0 };
            u.attached++;
            m.set(a, u);
          }
          if ('permissionsBoundary' in rec && rec.permissionsBoundary !== undefined) {
            const u = m.get(rec.permissionsBoundary) ?? { attached: 0, boundary: 0 };
            u.boundary++;
            m.set(rec.permissionsBoundary, u);
          }
        }
      }
      return m;
    });
    for (const name of names) {
      const p = await getAwsManagedPolicy(name);
      if (!p || !p.path.startsWith(pathPrefix)) continue;
      const u = uses.get(p.arn) ?? { attached: 0, boundary: 0 };
      out.push({
        account: 'aws',
        name: p.name,
        path: p.path,
        id: awsManagedPolicyId(p.arn),
        arn: p.arn,
        defaultVersionId: p.defaultVersionId,
        attachmentCount: u.attached,
        boundaryUsageCount: u.boundary,
        createDate: p.createDate,
        updateDate: p.updateDate,
        tags: [],
        awsManaged: true,
      });
    }
    return out;
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html
  async deletePolicy(arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      const canonical = policyArn(rec.account, rec.path, rec.name);
      const uses = await this.policyUses(tx, canonical);
      if (uses.attached > 0)
        throw new RolecallError('DeleteConflict', 'Cannot delete a policy attached to entities.');
      if (uses.boundary > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete a policy used as a permissions boundary.');
      }
      if (rec.versions.length > 1) {
        throw new RolecallError(
          'DeleteConflict',
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      }
      await repos.policy.delete(tx, entityKey(rec.account, rec.name));
    });
  }

  /** At most five versions; creating the sixth is LimitExceeded even under concurrent writers. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html
  async createPolicyVersion(arn: string, document: string, setAsDefault = false): Promise<PolicyVersionInfo> {
    this.checkManagedDocument(document);
    return this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      if (rec.versions.length >= this.ctx.quotas.versionsPerPolicy) {
        throw limitExceeded('versionsPerPolicy', this.ctx.quotas.versionsPerPolicy);
      }
      const now = this.nowIso();
      const version = { versionId: `v${rec.nextVersion}`, document, createDate: now };
      rec.versions.push(version);
      rec.nextVersion++;
      if (setAsDefault) rec.defaultVersionId = version.versionId;
      rec.updateDate = now;
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
      return { ...version, isDefault: setAsDefault };
    });
  }

  async getPolicyVersion(arn: string, versionId: string): Promise<PolicyVersionInfo> {
    return await this.read(async (tx) => {
      const versions = await this.versionsOf(tx, arn);
      const v = versions.find((x) => x.versionId === versionId);
      if (!v)
        throw new RolecallError(
          'NoSuchEntity',
          `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
        );
      return v;
    });
  }

  /** Newest first, as AWS lists them. */
  async listPolicyVersions(arn: string): Promise<PolicyVersionInfo[]> {
    return await this.read(async (tx) => (await this.versionsOf(tx, arn)).reverse());
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html
  async deletePolicyVersion(arn: string, versionId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      const i = rec.versions.findIndex((v) => v.versionId === versionId);
      if (i < 0)
        throw new RolecallError(
          'NoSuchEntity',
          `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
        );
      if (rec.defaultVersionId === versionId) {
        throw new RolecallError('DeleteConflict', 'Cannot delete the default version of a policy.');
      }
      rec.versions.splice(i, 1);
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetDefaultPolicyVersion.html
  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      if (!rec.versions.some((v) => v.versionId === versionId)) {
        throw new RolecallError(
          'NoSuchEntity',
          `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
        );
      }
      rec.defaultVersionId = versionId;
      rec.updateDate = this.nowIso();
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  async tagPolicy(arn: string, tags: Tag[]): Promise<void> {
    checkTags(tags);
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      const merged = mergeTags(rec.tags, tags);
      this.checkTagCount(merged);
      rec.tags = merged;
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  async untagPolicy(arn: string, keys: string[]): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, arn);
      rec.tags = removeTags(rec.tags, keys);
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  /** The default version's document of a managed policy (customer or AWS), for evaluation. */
  async managedPolicyDocument(arn: string): Promise<ManagedPolicyDocument> {
    return await this.read((tx) => this.resolveManagedPolicy(tx, arn));
  }

  /** Identities a policy is attached to or bounds. */
  entitiesForPolicy(
    arn: string,
  ): Promise<{ kind: IdentityKind; account: string; name: string; boundary: boolean }[]> {
    return this.read(async (tx) => {
      const out: { kind: IdentityKind; account: string; name: string; boundary: boolean }[] = [];
      for (const kind of ['role', 'user', 'group'] as const) {
        for (const rec of await this.allOf(tx, kind)) {
          if (rec.attached.includes(arn))
            out.push({ kind, account: rec.account, name: rec.name, boundary: false });
          if ('permissionsBoundary' in rec && rec.permissionsBoundary === arn) {
            out.push({ kind, account: rec.account, name: rec.name, boundary: true });
          }
        }
      }
      return out;
    });
  }

  private async allOf(tx: StoreTx, kind: IdentityKind, account?: string): Promise<IdentityRecord[]> {
    const prefix = account !== undefined ? `${account}/` : undefined;
    if (kind === 'role') return repos.role.list(tx, prefix);
    if (kind === 'user') return repos.user.list(tx, prefix);
    return repos.group.list(tx, prefix);
  }

  private checkManagedDocument(document: string): void {
    validatePolicyText(this.ctx, document, 'identity');
    if (policySize(document) > this.ctx.quotas.managedPolicySize) {
      throw limitExceeded('managedPolicySize', this.ctx.quotas.managedPolicySize);
    }
  }

  private async requirePolicy(tx: StoreTx, arn: string): Promise<ManagedPolicyRecord> {
    const target = parsePolicyArn(arn);
    if (target.aws) {
      throw new RolecallError('UnmodifiableEntity', `Cannot modify an AWS managed policy: ${arn}.`);
    }
    const rec = await repos.policy.get(tx, entityKey(target.account, target.name));
    if (!rec || rec.path !== target.path || rec.name !== target.name) throw policyNotFound(arn);
    return rec;
  }

  private async requireAwsPolicy(arn: string): Promise<AwsManagedPolicy> {
    const p = await getAwsManagedPolicy(arn);
    if (!p) throw policyNotFound(arn);
    return p;
  }

  private async versionsOf(tx: StoreTx, arn: string): Promise<PolicyVersionInfo[]> {
    const target = parsePolicyArn(arn);
    if (target.aws) {
      const p = await this.requireAwsPolicy(arn);
      return p.versions.map((v) => ({ ...v, isDefault: v.versionId === p.defaultVersionId }));
    }
    const rec = await this.requirePolicy(tx, arn);
    return rec.versions.map((v) => ({ ...v, isDefault: v.versionId === rec.defaultVersionId }));
  }

  /** The policy an ARN names, at its default version; NoSuchEntity when it does not exist. */
  private async resolveManagedPolicy(tx: StoreTx, arn: string): Promise<ManagedPolicyDocument> {
    const target = parsePolicyArn(arn);
    if (target.aws) {
      const p = await this.requireAwsPolicy(arn);
      const v =
        p.versions.find((x) => x.versionId === p.defaultVersionId) ?? p.versions[p.versions.length - 1];
      if (!v) throw policyNotFound(arn);
      return { arn: p.arn, name: p.name, versionId: v.versionId, document: v.document };
    }
    const rec = await repos.policy.get(tx, entityKey(target.account, target.name));
    if (!rec || rec.path !== target.path || rec.name !== target.name) throw policyNotFound(arn);
    const v = rec.versions.find((x) => x.versionId === rec.defaultVersionId);
    if (!v) throw new RolecallError('ServiceFailure', `policy ${arn} has no default version`);
    return {
      arn: policyArn(rec.account, rec.path, rec.name),
      name: rec.name,
      versionId: v.versionId,
      document: v.document,
    };
  }

  private async policyUses(
    tx: StoreTx,
    arn: string,
    account?: string,
  ): Promise<{ attached: number; boundary: number }> {
    let attached = 0;
    let boundary = 0;
    for (const kind of ['role', 'user', 'group'] as const) {
      for (const rec of await this.allOf(tx, kind, account)) {
        if (rec.attached.includes(arn)) attached++;
        if ('permissionsBoundary' in rec && rec.permissionsBoundary === arn) boundary++;
      }
    }
    return { attached, boundary };
  }

  /** Attachment and boundary counts of every policy used by the identities of `account` (all when absent). */
  private async usageCounts(
    tx: StoreTx,
    account?: string,
  ): Promise<Map<string, { attached: number; boundary: number }>> {
    const m = new Map<string, { attached: number; boundary: number }>();
    const entry = (arn: string) => {
      let u = m.get(arn);
      if (!u) m.set(arn, (u = { attached: 0, boundary: 0 }));
      return u;
    };
    for (const kind of ['role', 'user', 'group'] as const) {
      for (const rec of await this.allOf(tx, kind, account)) {
        for (const a of rec.attached) entry(a).attached++;
        if ('permissionsBoundary' in rec && rec.permissionsBoundary !== undefined)
          entry(rec.permissionsBoundary).boundary++;
      }
    }
    return m;
  }

  private async policyInfo(
    tx: StoreTx,
    rec: ManagedPolicyRecord,
    counts?: Map<string, { attached: number; boundary: number }>,
  ): Promise<ManagedPolicyInfo> {
    const arn = policyArn(rec.account, rec.path, rec.name);
    const uses = counts
      ? (counts.get(arn) ?? { attached: 0, boundary: 0 })
      : await this.policyUses(tx, arn, rec.account);
    return {
      account: rec.account,
      name: rec.name,
      path: rec.path,
      id: rec.id,
      arn,
      ...(rec.description !== undefined ? { description: rec.description } : {}),
      defaultVersionId: rec.defaultVersionId,
      attachmentCount: uses.attached,
      boundaryUsageCount: uses.boundary,
      createDate: rec.createDate,
      updateDate: rec.updateDate,
      tags: rec.tags,
      awsManaged: false,
    };
  }

  private async awsPolicyInfo(tx: StoreTx, p: AwsManagedPolicy): Promise<ManagedPolicyInfo> {
    const uses = await this.policyUses(tx, p.arn);
    return {
      account: 'aws',
      name: p.name,
      path: p.path,
      id: awsManagedPolicyId(p.arn),
      arn: p.arn,
      defaultVersionId: p.defaultVersionId,
      attachmentCount: uses.attached,
      boundaryUsageCount: uses.boundary,
      createDate: p.createDate,
      updateDate: p.updateDate,
      tags: [],
      awsManaged: true,
    };
  }

  // ---------------------------------------------------------------- access keys

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html
  async createAccessKey(account: string, userName: string): Promise<AccessKeyWithSecret> {
    return await this.tx(async (tx) => {
      const user = await this.requireUser(tx, account, userName);
      const existing = (await repos.accessKey.list(tx)).filter(
        (k) => k.account === account && k.userName === user.name,
      );
      if (existing.length >= this.ctx.quotas.accessKeysPerUser) {
        throw limitExceeded('accessKeysPerUser', this.ctx.quotas.accessKeysPerUser);
      }
      const secret = secretAccessKey();
      const rec: AccessKeyRecord = {
        accessKeyId: accessKeyId('AKIA'),
        account,
        userName: user.name,
        secret: this.ctx.store.secrets.encrypt(secret),
        status: 'Active',
        createDate: this.nowIso(),
      };
      await repos.accessKey.put(tx, rec.accessKeyId, rec);
      return { ...accessKeyInfo(rec), secretAccessKey: secret };
    });
  }

  async listAccessKeys(account: string, userName: string): Promise<AccessKeyInfo[]> {
    return await this.read(async (tx) => {
      const user = await this.requireUser(tx, account, userName);
      return (await repos.accessKey.list(tx))
        .filter((k) => k.account === account && k.userName === user.name)
        .map(accessKeyInfo);
    });
  }

  async updateAccessKey(account: string, id: string, status: 'Active' | 'Inactive'): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await repos.accessKey.get(tx, id);
      if (!rec || rec.account !== account) {
        throw new RolecallError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
      }
      rec.status = status;
      await repos.accessKey.put(tx, id, rec);
    });
  }

  async deleteAccessKey(account: string, id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await repos.accessKey.get(tx, id);
      if (!rec || rec.account !== account) {
        throw new RolecallError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`);
      }
      await repos.accessKey.delete(tx, id);
    });
  }

  // ---------------------------------------------------------------- STS sessions

  /**
   * Stores a session STS issued for a role and returns its credentials. STS's own rules (duration bounds,
   * packed policy size, trust evaluation) are the caller's; this checks the role exists and stores secrets
   * sealed.
   */
  async createSession(input: NewSession): Promise<SessionInfo> {
    return await this.tx(async (tx) => {
      const role = await this.requireRole(tx, input.account, input.roleName);
      const secret = secretAccessKey();
      const token = sessionToken();
      const rec: SessionRecord = {
        accessKeyId: accessKeyId('ASIA'),
        secret: this.ctx.store.secrets.encrypt(secret),
        token: this.ctx.store.secrets.encrypt(token),
        expiration: input.expiration,
        createDate: this.nowIso(),
        account: role.account,
        roleName: role.name,
        roleId: role.id,
        rolePath: role.path,
        sessionName: input.sessionName,
        ...(input.sessionPolicy !== undefined ? { sessionPolicy: input.sessionPolicy } : {}),
        sessionPolicyArns: input.sessionPolicyArns ?? [],
        tags: input.tags ?? [],
        transitiveTagKeys: input.transitiveTagKeys ?? [],
        ...(input.sourceIdentity !== undefined ? { sourceIdentity: input.sourceIdentity } : {}),
      };
      await repos.session.put(tx, rec.accessKeyId, rec);
      return this.sessionInfo(rec);
    });
  }

  /**
   * Stores a GetSessionToken session of an IAM user (STS's duration rules are the caller's) and returns its
   * credentials; the session carries the user's own permissions.
   */
  async createUserSession(account: string, userName: string, expiration: number): Promise<UserSessionInfo> {
    return await this.tx(async (tx) => {
      const user = await this.requireUser(tx, account, userName);
      const secret = secretAccessKey();
      const token = sessionToken();
      const rec: SessionRecord = {
        accessKeyId: accessKeyId('ASIA'),
        secret: this.ctx.store.secrets.encrypt(secret),
        token: this.ctx.store.secrets.encrypt(token),
        expiration,
        createDate: this.nowIso(),
        account: user.account,
        roleName: '',
        roleId: '',
        rolePath: '',
        sessionName: '',
        sessionPolicyArns: [],
        tags: [],
        transitiveTagKeys: [],
        userName: user.name,
      };
      await repos.session.put(tx, rec.accessKeyId, rec);
      return {
        accessKeyId: rec.accessKeyId,
        secretAccessKey: secret,
        sessionToken: token,
        expiration,
        createDate: rec.createDate,
        account: rec.account,
        userName: user.name,
      };
    });
  }

  /** A user's access key or a session's temporary key, with its secret; undefined when unknown. */
  async findCredential(id: string): Promise<Credential | undefined> {
    return await this.read(async (tx) => {
      if (id.startsWith('ASIA')) {
        const s = await repos.session.get(tx, id);
        if (s?.userName !== undefined) {
          const user = await repos.user.get(tx, entityKey(s.account, s.userName));
          if (!user) return undefined;
          return {
            kind: 'user-session',
            session: {
              accessKeyId: s.accessKeyId,
              secretAccessKey: this.ctx.store.secrets.decrypt(s.secret),
              sessionToken: this.ctx.store.secrets.decrypt(s.token),
              expiration: s.expiration,
              createDate: s.createDate,
              account: s.account,
              userName: user.name,
            },
            user: userInfo(user),
          };
        }
        return s ? { kind: 'session', session: this.sessionInfo(s) } : undefined;
      }
      const k = await repos.accessKey.get(tx, id);
      if (!k) return undefined;
      const user = await repos.user.get(tx, entityKey(k.account, k.userName));
      if (!user) return undefined;
      return {
        kind: 'user',
        key: { ...accessKeyInfo(k), secretAccessKey: this.ctx.store.secrets.decrypt(k.secret) },
        user: userInfo(user),
      };
    });
  }

  /** Live sessions of a role session name, newest first (the resolver reads their session policies). */
  async findSessions(
    account: string,
    roleName: string,
    sessionName: string,
    now: number,
  ): Promise<SessionInfo[]> {
    return await this.read(async (tx) =>
      (await repos.session.list(tx))
        .filter(
          (s) =>
            s.account === account &&
            s.roleName.toLowerCase() === roleName.toLowerCase() &&
            s.sessionName === sessionName &&
            s.expiration > now,
        )
        .sort((a, b) => b.createDate.localeCompare(a.createDate))
        .map((s) => this.sessionInfo(s)),
    );
  }

  async deleteSession(id: string): Promise<boolean> {
    return await this.tx((tx) => repos.session.delete(tx, id));
  }

  /** Removes sessions expired at `now`; returns how many. */
  async purgeExpiredSessions(now: number): Promise<number> {
    return await this.tx(async (tx) => {
      let n = 0;
      for (const s of await repos.session.list(tx)) {
        if (s.expiration <= now) {
          await repos.session.delete(tx, s.accessKeyId);
          n++;
        }
      }
      return n;
    });
  }

  private sessionInfo(s: SessionRecord): SessionInfo {
    return {
      accessKeyId: s.accessKeyId,
      secretAccessKey: this.ctx.store.secrets.decrypt(s.secret),
      sessionToken: this.ctx.store.secrets.decrypt(s.token),
      expiration: s.expiration,
      createDate: s.createDate,
      account: s.account,
      roleName: s.roleName,
      roleArn: roleArn(s.account, s.rolePath, s.roleName),
      roleId: s.roleId,
      sessionName: s.sessionName,
      assumedRoleArn: assumedRoleArn(s.account, s.roleName, s.sessionName),
      assumedRoleId: `${s.roleId}:${s.sessionName}`,
      ...(s.sessionPolicy !== undefined ? { sessionPolicy: s.sessionPolicy } : {}),
      sessionPolicyArns: s.sessionPolicyArns,
      tags: s.tags,
      transitiveTagKeys: s.transitiveTagKeys,
      ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
    };
  }
}

/**
 * Renames and/or moves a user or group record under its (account, name) key; names are unique without
 * regard to case. Returns the old name so callers can update what refers to it.
 */
async function renameEntity<T extends { account: string; name: string; path: string }>(
  tx: StoreTx,
  repo: Repo<T>,
  label: 'User' | 'Group',
  rec: T,
  input: { newName?: string; newPath?: string },
): Promise<string> {
  const oldName = rec.name;
  if (input.newName !== undefined && input.newName.toLowerCase() !== oldName.toLowerCase()) {
    if (await repo.get(tx, entityKey(rec.account, input.newName))) {
      throw new RolecallError('EntityAlreadyExists', `${label} with name ${input.newName} already exists.`);
    }
  }
  if (input.newName !== undefined) rec.name = input.newName;
  if (input.newPath !== undefined) rec.path = input.newPath;
  await repo.delete(tx, entityKey(rec.account, oldName));
  await repo.put(tx, entityKey(rec.account, rec.name), rec);
  return oldName;
}
