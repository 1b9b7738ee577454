/**
 * IAM groups and their members: create, read (with members), rename or move, delete once empty, and adding
 * or removing users. Group policies are entity-policies.ts's.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html
 */
import { RolecallError } from '../errors.js';
import { groupArn } from './arns.js';
import { entityKey, IamPart } from './context.js';
import {
  checkEntityCount,
  checkNewEntity,
  claimName,
  renameEntity,
  requireGroup,
  requireUser,
} from './entities.js';
import { uniqueId } from './ids.js';
import { checkName, checkPath } from './names.js';
import { limitExceeded } from './quotas.js';
import { repos, type GroupRecord } from './records.js';
import type { GroupInfo, UserInfo } from './types.js';
import { userInfo } from './users.js';

export interface CreateGroupInput {
  account: string;
  name: string;
  path?: string;
}

export interface UpdateGroupInput {
  account: string;
  name: string;
  newName?: string;
  newPath?: string;
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

export class GroupService extends IamPart {
  async createGroup(input: CreateGroupInput): Promise<GroupInfo> {
    const { path } = checkNewEntity('groupName', input);
    return this.tx(async (tx) => {
      const key = await claimName(
        tx,
        repos.group,
        input.account,
        input.name,
        `Group with name ${input.name} already exists.`,
      );
      await checkEntityCount(this.ctx, tx, 'group', input.account);
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
      const g = await requireGroup(tx, account, name);
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
      const g = await requireGroup(tx, account, name);
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
      const g = await requireGroup(tx, account, groupName);
      const u = await requireUser(tx, account, userName);
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
      const g = await requireGroup(tx, account, groupName);
      const u = await requireUser(tx, account, userName);
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
  async updateGroup(input: UpdateGroupInput): Promise<GroupInfo> {
    if (input.newName !== undefined) checkName('groupName', input.newName);
    if (input.newPath !== undefined) checkPath(input.newPath, 'newPath');
    return await this.tx(async (tx) => {
      const rec = await requireGroup(tx, input.account, input.name);
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
}
