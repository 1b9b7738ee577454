/**
 * IAM roles: create, read, update (description, session duration, trust policy) and delete. Their
 * policies, boundary and tags are entity-policies.ts's; their sessions sessions.ts's.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 */
import { RolecallError } from '../errors.js';
import { touchAccount } from './accounts.js';
import { roleArn } from './arns.js';
import { entityKey, IamPart, validatePolicyText } from './context.js';
import {
  checkEntityCount,
  checkTagCount,
  isServiceLinked,
  profilesOfRole,
  requireModifiable,
  requireRole,
} from './entities.js';
import { uniqueId } from './ids.js';
import { boundaryArn } from './managed-policies.js';
import {
  checkDescription,
  checkMaxSessionDuration,
  checkName,
  checkPath,
  checkTags,
  policySize,
} from './names.js';
import { limitExceeded } from './quotas.js';
import {
  checkPrincipalsExist,
  iamInvalidPrincipal,
  replacePrincipalEverywhere,
} from './principal-references.js';
import { repos, type RoleRecord } from './records.js';
import type { RoleInfo, Tag } from './types.js';

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

/**
 * `deferPrincipals`: the caller (an `apply` that creates the users and roles a trust policy names in the same
 * transaction, in any order) checks the principals itself with `checkTrustPrincipals` before committing.
 */
export interface TrustPolicyOptions {
  deferPrincipals?: boolean;
}

export interface UpdateRoleInput {
  account: string;
  name: string;
  description?: string;
  maxSessionDuration?: number;
}

export function roleInfo(r: RoleRecord): RoleInfo {
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
    serviceLinked: isServiceLinked(r),
  };
}

export class RoleService extends IamPart {
  async createRole(input: CreateRoleInput, options: TrustPolicyOptions = {}): Promise<RoleInfo> {
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
      await touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      if (await repos.role.get(tx, key)) {
        throw new RolecallError('EntityAlreadyExists', `Role with name ${input.name} already exists.`);
      }
      if (!options.deferPrincipals)
        await checkPrincipalsExist(tx, input.trustPolicy, 'trust', iamInvalidPrincipal);
      await checkEntityCount(this.ctx, tx, 'role', input.account);
      checkTagCount(this.ctx, tags);
      const boundary =
        input.permissionsBoundary !== undefined
          ? await boundaryArn(tx, input.permissionsBoundary, input.account)
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
    return await this.read(async (tx) => roleInfo(await requireRole(tx, account, name)));
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
      const rec = await requireRole(tx, input.account, input.name);
      // A service-linked role's description is the one thing callers may edit.
      if (input.maxSessionDuration !== undefined) requireModifiable(rec, 'role');
      if (input.description !== undefined) rec.description = input.description;
      if (input.maxSessionDuration !== undefined) rec.maxSessionDuration = input.maxSessionDuration;
      await repos.role.put(tx, entityKey(rec.account, rec.name), rec);
      return roleInfo(rec);
    });
  }

  async updateTrustPolicy(
    account: string,
    name: string,
    trustPolicy: string,
    options: TrustPolicyOptions = {},
  ): Promise<RoleInfo> {
    this.checkTrustPolicy(trustPolicy);
    return this.tx(async (tx) => {
      const rec = await requireRole(tx, account, name);
      requireModifiable(rec, 'role');
      if (!options.deferPrincipals) await checkPrincipalsExist(tx, trustPolicy, 'trust', iamInvalidPrincipal);
      rec.trustPolicy = trustPolicy;
      await repos.role.put(tx, entityKey(rec.account, rec.name), rec);
      return roleInfo(rec);
    });
  }

  /**
   * AWS refuses to delete a role that still has inline or attached policies or is in an instance profile;
   * a service-linked role is deleted only through DeleteServiceLinkedRole.
   */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html
  async deleteRole(account: string, name: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireRole(tx, account, name);
      requireModifiable(rec, 'role', true);
      if ((await profilesOfRole(tx, account, rec.name)).length > 0) {
        throw new RolecallError(
          'DeleteConflict',
          'Cannot delete entity, must remove roles from instance profile first.',
        );
      }
      if (rec.inline.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      }
      if (rec.attached.length > 0) {
        throw new RolecallError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      }
      await repos.role.delete(tx, entityKey(account, name));
      await replacePrincipalEverywhere(tx, roleArn(rec.account, rec.path, rec.name), rec.id);
    });
  }

  /** The check `deferPrincipals` skipped, on a trust policy against the store as it is now. */
  async checkTrustPrincipals(trustPolicy: string): Promise<void> {
    return await this.read((tx) => checkPrincipalsExist(tx, trustPolicy, 'trust', iamInvalidPrincipal));
  }

  private checkTrustPolicy(text: string): void {
    validatePolicyText(this.ctx, text, 'trust');
    const size = policySize(text);
    if (size > this.ctx.quotas.trustPolicySize)
      throw limitExceeded('trustPolicySize', this.ctx.quotas.trustPolicySize);
  }
}
