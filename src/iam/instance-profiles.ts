/**
 * EC2 instance profiles: the container through which an EC2 instance (an EMR cluster node) gets a role.
 * One role per profile; a role still in a profile cannot be deleted (roles.ts asks `profilesOfRole`).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { entityKey, IamPart } from './context.js';
import { checkNewEntity, checkTagCount, claimName, profilesOfRole, requireRole } from './entities.js';
import { uniqueId } from './ids.js';
import { checkTags, mergeTags, removeTags } from './names.js';
import { limitExceeded } from './quotas.js';
import { repos, type InstanceProfileRecord } from './records.js';
import { roleInfo } from './roles.js';
import type { InstanceProfileInfo, RoleInfo, Tag } from './types.js';

export interface CreateInstanceProfileInput {
  account: string;
  name: string;
  path?: string;
  tags?: Tag[];
}

export function instanceProfileArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:instance-profile${path}${name}`;
}

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetInstanceProfile.html (NoSuchEntity)
function noSuchProfile(name: string): RolecallError {
  return new RolecallError('NoSuchEntity', `Instance Profile ${name} cannot be found.`);
}

async function requireProfile(tx: StoreTx, account: string, name: string): Promise<InstanceProfileRecord> {
  const rec = await repos.instanceProfile.get(tx, entityKey(account, name));
  if (!rec) throw noSuchProfile(name);
  return rec;
}

async function profileInfo(tx: StoreTx, p: InstanceProfileRecord): Promise<InstanceProfileInfo> {
  const roles: RoleInfo[] = [];
  for (const name of p.roles) {
    const role = await repos.role.get(tx, entityKey(p.account, name));
    if (role) roles.push(roleInfo(role));
  }
  return {
    account: p.account,
    name: p.name,
    path: p.path,
    id: p.id,
    arn: instanceProfileArn(p.account, p.path, p.name),
    createDate: p.createDate,
    roles,
    tags: p.tags,
  };
}

export class InstanceProfileService extends IamPart {
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
  async createInstanceProfile(input: CreateInstanceProfileInput): Promise<InstanceProfileInfo> {
    const { path, tags } = checkNewEntity('instanceProfileName', input);
    return this.tx(async (tx) => {
      const key = await claimName(
        tx,
        repos.instanceProfile,
        input.account,
        input.name,
        `Instance Profile ${input.name} already exists.`,
      );
      const count = (await repos.instanceProfile.list(tx, `${input.account}/`)).length;
      if (count >= this.ctx.quotas.instanceProfilesPerAccount) {
        throw limitExceeded('instanceProfilesPerAccount', this.ctx.quotas.instanceProfilesPerAccount);
      }
      checkTagCount(this.ctx, tags);
      const rec: InstanceProfileRecord = {
        account: input.account,
        name: input.name,
        path,
        id: uniqueId('AIPA'),
        createDate: this.nowIso(),
        roles: [],
        tags,
      };
      await repos.instanceProfile.put(tx, key, rec);
      return profileInfo(tx, rec);
    });
  }

  async getInstanceProfile(account: string, name: string): Promise<InstanceProfileInfo> {
    return await this.read(async (tx) => profileInfo(tx, await requireProfile(tx, account, name)));
  }

  /** Profiles of an account, ordered by name; `pathPrefix` as AWS's ListInstanceProfiles. */
  async listInstanceProfiles(account: string, pathPrefix = '/'): Promise<InstanceProfileInfo[]> {
    return await this.read(async (tx) => {
      const out: InstanceProfileInfo[] = [];
      for (const p of await repos.instanceProfile.list(tx, `${account}/`)) {
        if (p.path.startsWith(pathPrefix)) out.push(await profileInfo(tx, p));
      }
      return out;
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfilesForRole.html
  async listInstanceProfilesForRole(account: string, roleName: string): Promise<InstanceProfileInfo[]> {
    return await this.read(async (tx) => {
      const role = await requireRole(tx, account, roleName);
      const out: InstanceProfileInfo[] = [];
      for (const p of await profilesOfRole(tx, account, role.name)) out.push(await profileInfo(tx, p));
      return out;
    });
  }

  /** A profile still holding a role is a DeleteConflict. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html
  async deleteInstanceProfile(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireProfile(tx, account, name);
      if (rec.roles.length > 0) {
        throw new RolecallError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
        );
      }
      await repos.instanceProfile.delete(tx, entityKey(account, name));
    });
  }

  /** One role per profile: a second one is LimitExceeded, the same one again too (AWS counts it). */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html
  async addRoleToInstanceProfile(account: string, profileName: string, roleName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireProfile(tx, account, profileName);
      const role = await requireRole(tx, account, roleName);
      if (rec.roles.length >= this.ctx.quotas.rolesPerInstanceProfile) {
        throw limitExceeded('rolesPerInstanceProfile', this.ctx.quotas.rolesPerInstanceProfile);
      }
      rec.roles.push(role.name);
      await repos.instanceProfile.put(tx, entityKey(account, rec.name), rec);
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_RemoveRoleFromInstanceProfile.html
  async removeRoleFromInstanceProfile(account: string, profileName: string, roleName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireProfile(tx, account, profileName);
      const role = await requireRole(tx, account, roleName);
      const i = rec.roles.findIndex((r) => r.toLowerCase() === role.name.toLowerCase());
      if (i < 0) {
        throw new RolecallError(
          'NoSuchEntity',
          `The role with name ${roleName} cannot be found in instance profile ${profileName}.`,
        );
      }
      rec.roles.splice(i, 1);
      await repos.instanceProfile.put(tx, entityKey(account, rec.name), rec);
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagInstanceProfile.html
  async tagInstanceProfile(account: string, name: string, tags: Tag[]): Promise<void> {
    checkTags(tags);
    return await this.tx(async (tx) => {
      const rec = await requireProfile(tx, account, name);
      const merged = mergeTags(rec.tags, tags);
      checkTagCount(this.ctx, merged);
      rec.tags = merged;
      await repos.instanceProfile.put(tx, entityKey(account, rec.name), rec);
    });
  }

  async untagInstanceProfile(account: string, name: string, keys: string[]): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireProfile(tx, account, name);
      rec.tags = removeTags(rec.tags, keys);
      await repos.instanceProfile.put(tx, entityKey(account, rec.name), rec);
    });
  }
}
