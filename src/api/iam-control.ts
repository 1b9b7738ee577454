/**
 * The endpoint's view of the control plane for one account (the caller's), over `iam/`'s IamService:
 * converts rolecall's records (ISO dates, `trustPolicy`, identity refs) to the views the wire shapes read.
 */
import { isRolecallError } from '../errors.js';
import type { IamService } from '../iam/identities.js';
import type {
  GroupInfo,
  IdentityKind,
  ManagedPolicyInfo,
  PolicyVersionInfo,
  RoleInfo,
  UserInfo,
} from '../iam/types.js';
import type {
  AccountDetails,
  GroupView,
  IamControl,
  ManagedPolicyView,
  PolicyVersionView,
  RoleView,
  UserView,
} from './control.js';

export function roleView(r: RoleInfo): RoleView {
  return {
    path: r.path,
    name: r.name,
    id: r.id,
    arn: r.arn,
    createDate: new Date(r.createDate),
    assumeRolePolicyDocument: r.trustPolicy,
    maxSessionDuration: r.maxSessionDuration,
    tags: r.tags,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.permissionsBoundary !== undefined ? { permissionsBoundaryArn: r.permissionsBoundary } : {}),
  };
}

export function userView(u: UserInfo): UserView {
  return {
    path: u.path,
    name: u.name,
    id: u.id,
    arn: u.arn,
    createDate: new Date(u.createDate),
    tags: u.tags,
    ...(u.permissionsBoundary !== undefined ? { permissionsBoundaryArn: u.permissionsBoundary } : {}),
  };
}

function groupView(g: GroupInfo): GroupView {
  return { path: g.path, name: g.name, id: g.id, arn: g.arn, createDate: new Date(g.createDate) };
}

function policyView(p: ManagedPolicyInfo): ManagedPolicyView {
  return {
    name: p.name,
    id: p.id,
    arn: p.arn,
    path: p.path,
    defaultVersionId: p.defaultVersionId,
    attachmentCount: p.attachmentCount,
    permissionsBoundaryUsageCount: p.boundaryUsageCount,
    isAttachable: true,
    createDate: new Date(p.createDate),
    updateDate: new Date(p.updateDate),
    tags: p.tags,
    awsManaged: p.awsManaged,
    ...(p.description !== undefined ? { description: p.description } : {}),
  };
}

function versionView(v: PolicyVersionInfo): PolicyVersionView {
  return {
    versionId: v.versionId,
    isDefaultVersion: v.isDefault,
    createDate: new Date(v.createDate),
    document: v.document,
  };
}

/** Undefined for NoSuchEntity, the error otherwise. */
async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isRolecallError(e) && e.code === 'NoSuchEntity') return undefined;
    throw e;
  }
}

/**
 * The IAM part of IamControl for one account. Simulation, context keys and STS need the engine and are
 * added by the backend (iam-backend.ts).
 */
export type IamEntityControl = Omit<
  IamControl,
  | 'simulatePrincipal'
  | 'simulateCustom'
  | 'contextKeysForPrincipal'
  | 'contextKeysForCustom'
  | 'assumeRole'
  | 'getSessionToken'
>;

export function iamControl(svc: IamService, account: string): IamEntityControl {
  const ref = (kind: IdentityKind, name: string) => ({ kind, account, name });
  return {
    account,
    createRole: async (input) =>
      roleView(
        await svc.createRole({
          account,
          name: input.name,
          trustPolicy: input.assumeRolePolicyDocument,
          tags: input.tags,
          ...(input.path !== undefined ? { path: input.path } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.maxSessionDuration !== undefined ? { maxSessionDuration: input.maxSessionDuration } : {}),
          ...(input.permissionsBoundaryArn !== undefined
            ? { permissionsBoundary: input.permissionsBoundaryArn }
            : {}),
        }),
      ),
    getRole: async (name) => roleView(await svc.getRole(account, name)),
    findRole: async (name) => {
      const r = await orUndefined(svc.getRole(account, name));
      return r && roleView(r);
    },
    listRoles: async (prefix) => (await svc.listRoles(account, prefix)).map(roleView),
    updateRole: async (name, update) => {
      await svc.updateRole({ account, name, ...update });
    },
    deleteRole: (name) => svc.deleteRole(account, name),
    updateAssumeRolePolicy: async (name, doc) => {
      await svc.updateTrustPolicy(account, name, doc);
    },

    createUser: async (input) =>
      userView(
        await svc.createUser({
          account,
          name: input.name,
          tags: input.tags,
          ...(input.path !== undefined ? { path: input.path } : {}),
          ...(input.permissionsBoundaryArn !== undefined
            ? { permissionsBoundary: input.permissionsBoundaryArn }
            : {}),
        }),
      ),
    getUser: async (name) => userView(await svc.getUser(account, name)),
    findUser: async (name) => {
      const u = await orUndefined(svc.getUser(account, name));
      return u && userView(u);
    },
    listUsers: async (prefix) => (await svc.listUsers(account, prefix)).map(userView),
    deleteUser: (name) => svc.deleteUser(account, name),
    updateUser: async (name, update) => {
      await svc.updateUser({ account, name, ...update });
    },

    createGroup: async (input) =>
      groupView(
        await svc.createGroup({
          account,
          name: input.name,
          ...(input.path !== undefined ? { path: input.path } : {}),
        }),
      ),
    getGroup: async (name) => {
      const { group, users } = await svc.getGroup(account, name);
      return { group: groupView(group), users: users.map(userView) };
    },
    findGroup: async (name) => {
      const g = await orUndefined(svc.getGroup(account, name));
      return g && groupView(g.group);
    },
    listGroups: async (prefix) => (await svc.listGroups(account, prefix)).map(groupView),
    deleteGroup: (name) => svc.deleteGroup(account, name),
    updateGroup: async (name, update) => {
      await svc.updateGroup({ account, name, ...update });
    },
    addUserToGroup: (group, user) => svc.addUserToGroup(account, group, user),
    removeUserFromGroup: (group, user) => svc.removeUserFromGroup(account, group, user),
    listGroupsForUser: async (user) => {
      const u = await svc.getUser(account, user);
      const groups: GroupView[] = [];
      for (const g of u.groups) groups.push(groupView((await svc.getGroup(account, g)).group));
      return groups;
    },

    tag: (kind, name, tags) => svc.tagIdentity(ref(kind, name), tags),
    untag: (kind, name, keys) => svc.untagIdentity(ref(kind, name), keys),
    listTags: async (kind, name) =>
      kind === 'role' ? (await svc.getRole(account, name)).tags : (await svc.getUser(account, name)).tags,
    putBoundary: (kind, name, arn) => svc.setPermissionsBoundary(ref(kind, name), arn),
    deleteBoundary: (kind, name) => svc.setPermissionsBoundary(ref(kind, name), undefined),

    putInlinePolicy: (kind, entity, policyName, doc) =>
      svc.putInlinePolicy(ref(kind, entity), policyName, doc),
    getInlinePolicy: (kind, entity, policyName) => svc.getInlinePolicy(ref(kind, entity), policyName),
    listInlinePolicies: async (kind, entity) =>
      (await svc.listInlinePolicies(ref(kind, entity))).map((p) => p.name).sort(),
    deleteInlinePolicy: (kind, entity, policyName) => svc.deleteInlinePolicy(ref(kind, entity), policyName),

    attachPolicy: (kind, entity, arn) => svc.attachPolicy(ref(kind, entity), arn),
    detachPolicy: (kind, entity, arn) => svc.detachPolicy(ref(kind, entity), arn),
    listAttachedPolicies: async (kind, entity, pathPrefix) => {
      const all = await svc.listAttachedPolicies(ref(kind, entity));
      if (pathPrefix === undefined) return all;
      // The path is the part of the ARN between `policy` and the name.
      return all.filter((a) => (/:policy(\/.*\/|\/)[^/]+$/.exec(a.arn)?.[1] ?? '/').startsWith(pathPrefix));
    },

    createPolicy: async (input) =>
      policyView(
        await svc.createPolicy({
          account,
          name: input.name,
          document: input.document,
          tags: input.tags,
          ...(input.path !== undefined ? { path: input.path } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
        }),
      ),
    getPolicy: async (arn) => policyView(await svc.getPolicy(arn)),
    listPolicies: async (filter) => {
      const options = {
        onlyAttached: filter.onlyAttached,
        ...(filter.pathPrefix !== undefined ? { pathPrefix: filter.pathPrefix } : {}),
      };
      const local = filter.scope === 'AWS' ? [] : await svc.listPolicies(account, options);
      // AWS managed policies (the package's ~1,400) only when the scope asks for them.
      let aws = filter.scope === 'Local' ? [] : await svc.listAwsManagedPolicies(filter.pathPrefix);
      // OnlyAttached counts both uses; PolicyUsageFilter narrows to one (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPolicies.html)
      if (filter.onlyAttached) aws = aws.filter((p) => p.attachmentCount + p.boundaryUsageCount > 0);
      let all = [...aws, ...local].map(policyView);
      if (filter.usage === 'PermissionsPolicy')
        all = all.filter((p) => !filter.onlyAttached || p.attachmentCount > 0);
      if (filter.usage === 'PermissionsBoundary') {
        all = all.filter((p) => !filter.onlyAttached || p.permissionsBoundaryUsageCount > 0);
      }
      return all.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    },
    deletePolicy: (arn) => svc.deletePolicy(arn),
    createPolicyVersion: async (arn, doc, setAsDefault) =>
      versionView(await svc.createPolicyVersion(arn, doc, setAsDefault)),
    getPolicyVersion: async (arn, versionId) => versionView(await svc.getPolicyVersion(arn, versionId)),
    listPolicyVersions: async (arn) => (await svc.listPolicyVersions(arn)).map(versionView),
    deletePolicyVersion: (arn, versionId) => svc.deletePolicyVersion(arn, versionId),
    setDefaultPolicyVersion: (arn, versionId) => svc.setDefaultPolicyVersion(arn, versionId),
    tagPolicy: (arn, tags) => svc.tagPolicy(arn, tags),
    untagPolicy: (arn, keys) => svc.untagPolicy(arn, keys),

    createAccessKey: async (user) => {
      const k = await svc.createAccessKey(account, user);
      return {
        userName: k.userName,
        accessKeyId: k.accessKeyId,
        status: k.status,
        createDate: new Date(k.createDate),
        secretAccessKey: k.secretAccessKey,
      };
    },
    listAccessKeys: async (user) =>
      (await svc.listAccessKeys(account, user)).map((k) => ({
        userName: k.userName,
        accessKeyId: k.accessKeyId,
        status: k.status,
        createDate: new Date(k.createDate),
      })),
    updateAccessKey: (_user, id, status) => svc.updateAccessKey(account, id, status),
    deleteAccessKey: (_user, id) => svc.deleteAccessKey(account, id),

    accountDetails: async (): Promise<AccountDetails> => {
      const inline = async (kind: IdentityKind, name: string) =>
        (await svc.listInlinePolicies(ref(kind, name))).map((p) => ({ name: p.name, document: p.document }));
      const attached = (kind: IdentityKind, name: string) => svc.listAttachedPolicies(ref(kind, name));
      const users = await Promise.all(
        (await svc.listUsers(account)).map(async (u) => ({
          ...userView(u),
          inline: await inline('user', u.name),
          attached: await attached('user', u.name),
          groups: u.groups,
        })),
      );
      const groups = await Promise.all(
        (await svc.listGroups(account)).map(async (g) => ({
          ...groupView(g),
          inline: await inline('group', g.name),
          attached: await attached('group', g.name),
        })),
      );
      const roles = await Promise.all(
        (await svc.listRoles(account)).map(async (r) => ({
          ...roleView(r),
          inline: await inline('role', r.name),
          attached: await attached('role', r.name),
        })),
      );
      // Local policies, and the AWS managed policies in use (as AWS does with OnlyAttached semantics).
      const policyInfos = [
        ...(await svc.listPolicies(account)),
        ...(await svc.listAwsManagedPolicies()).filter((p) => p.attachmentCount + p.boundaryUsageCount > 0),
      ];
      const policies = await Promise.all(
        policyInfos.map(async (p) => ({
          ...policyView(p),
          versions: (await svc.listPolicyVersions(p.arn)).map(versionView),
        })),
      );
      return { users, groups, roles, policies };
    },
  };
}
