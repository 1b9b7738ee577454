/**
 * IAM users: create, read, rename or move, and delete (once their keys, groups and policies are gone). Group
 * membership is groups.ts's; policies, boundary and tags entity-policies.ts's; keys credentials.ts's.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html
 */
import { RolecallError } from '../errors.js';
import { userArn } from './arns.js';
import { entityKey, IamPart } from './context.js';
import {
  checkEntityCount,
  checkNewEntity,
  checkTagCount,
  claimName,
  renameEntity,
  requireUser,
} from './entities.js';
import { uniqueId } from './ids.js';
import { boundaryArn } from './managed-policies.js';
import { checkName, checkPath } from './names.js';
import { replacePrincipalEverywhere } from './principal-references.js';
import { repos, type UserRecord } from './records.js';
import type { Tag, UserInfo } from './types.js';

export interface CreateUserInput {
  account: string;
  name: string;
  path?: string;
  permissionsBoundary?: string;
  tags?: Tag[];
}

export interface UpdateUserInput {
  account: string;
  name: string;
  newName?: string;
  newPath?: string;
}

export function userInfo(u: UserRecord): UserInfo {
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

export class UserService extends IamPart {
  async createUser(input: CreateUserInput): Promise<UserInfo> {
    const { path, tags } = checkNewEntity('userName', input);
    return this.tx(async (tx) => {
      const key = await claimName(
        tx,
        repos.user,
        input.account,
        input.name,
        `User with name ${input.name} already exists.`,
      );
      await checkEntityCount(this.ctx, tx, 'user', input.account);
      checkTagCount(this.ctx, tags);
      const boundary =
        input.permissionsBoundary !== undefined
          ? await boundaryArn(tx, input.permissionsBoundary, input.account)
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
    return await this.read(async (tx) => userInfo(await requireUser(tx, account, name)));
  }

  async listUsers(account: string, pathPrefix = '/'): Promise<UserInfo[]> {
    return await this.read(async (tx) =>
      (await repos.user.list(tx, `${account}/`)).filter((u) => u.path.startsWith(pathPrefix)).map(userInfo),
    );
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteUser.html (items to remove first)
  async deleteUser(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireUser(tx, account, name);
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
      await replacePrincipalEverywhere(tx, userArn(rec.account, rec.path, rec.name), rec.id);
    });
  }

  /** Renames or moves a user; its access keys, groups and policies follow. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateUser.html
  async updateUser(input: UpdateUserInput): Promise<UserInfo> {
    if (input.newName !== undefined) checkName('userName', input.newName);
    if (input.newPath !== undefined) checkPath(input.newPath, 'newPath');
    return await this.tx(async (tx) => {
      const rec = await requireUser(tx, input.account, input.name);
      const oldArn = userArn(rec.account, rec.path, rec.name);
      const oldName = await renameEntity(tx, repos.user, 'User', rec, input);
      const newArn = userArn(rec.account, rec.path, rec.name);
      if (newArn !== oldArn) await replacePrincipalEverywhere(tx, oldArn, newArn);
      for (const k of await repos.accessKey.list(tx)) {
        if (k.account === rec.account && k.userName === oldName) {
          k.userName = rec.name;
          await repos.accessKey.put(tx, k.accessKeyId, k);
        }
      }
      return userInfo(rec);
    });
  }
}
