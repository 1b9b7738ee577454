/**
 * The endpoint's view of the control plane for one account (the caller's), over `iam/`'s IamService: binds
 * the account, turns NoSuchEntity into `undefined` for the find* lookups, and assembles the listings AWS
 * returns in one call (ListPolicies' scopes, GetAccountAuthorizationDetails). Entities pass through as
 * iam/ returns them; wire-shapes.ts converts them.
 */
import { isRolecallError } from '../errors.js';
import type { IamService } from '../iam/identities.js';
import type { GroupInfo, IdentityKind } from '../iam/types.js';
import type { AccountDetails, IamControl } from './control.js';

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
  | 'getFederationToken'
>;

export function iamControl(svc: IamService, account: string): IamEntityControl {
  const ref = (kind: IdentityKind, name: string) => ({ kind, account, name });
  return {
    account,
    createRole: (input) => svc.createRole({ ...input, account }),
    getRole: (name) => svc.getRole(account, name),
    findRole: (name) => orUndefined(svc.getRole(account, name)),
    listRoles: (prefix) => svc.listRoles(account, prefix),
    updateRole: async (name, update) => {
      await svc.updateRole({ account, name, ...update });
    },
    deleteRole: (name) => svc.deleteRole(account, name),
    updateAssumeRolePolicy: async (name, doc) => {
      await svc.updateTrustPolicy(account, name, doc);
    },

    createUser: (input) => svc.createUser({ ...input, account }),
    getUser: (name) => svc.getUser(account, name),
    findUser: (name) => orUndefined(svc.getUser(account, name)),
    listUsers: (prefix) => svc.listUsers(account, prefix),
    deleteUser: (name) => svc.deleteUser(account, name),
    updateUser: async (name, update) => {
      await svc.updateUser({ account, name, ...update });
    },

    createGroup: (input) => svc.createGroup({ ...input, account }),
    getGroup: (name) => svc.getGroup(account, name),
    findGroup: async (name) => (await orUndefined(svc.getGroup(account, name)))?.group,
    listGroups: (prefix) => svc.listGroups(account, prefix),
    deleteGroup: (name) => svc.deleteGroup(account, name),
    updateGroup: async (name, update) => {
      await svc.updateGroup({ account, name, ...update });
    },
    addUserToGroup: (group, user) => svc.addUserToGroup(account, group, user),
    removeUserFromGroup: (group, user) => svc.removeUserFromGroup(account, group, user),
    listGroupsForUser: async (user) => {
      const u = await svc.getUser(account, user);
      const groups: GroupInfo[] = [];
      for (const g of u.groups) groups.push((await svc.getGroup(account, g)).group);
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

    createPolicy: (input) => svc.createPolicy({ ...input, account }),
    getPolicy: (arn) => svc.getPolicy(arn),
    listPolicies: async (filter) => {
      const options = {
        onlyAttached: filter.onlyAttached,
        ...(filter.pathPrefix !== undefined ? { pathPrefix: filter.pathPrefix } : {}),
      };
      const local = filter.scope === 'AWS' ? [] : await svc.listPolicies(account, options);
      // AWS managed policies (the package's ~1,400) only when the scope asks for them.
      // OnlyAttached counts both uses; PolicyUsageFilter narrows to one (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPolicies.html)
      const aws =
        filter.scope === 'Local'
          ? []
          : await svc.listAwsManagedPolicies(filter.pathPrefix, { inUse: filter.onlyAttached });
      let all = [...aws, ...local];
      if (filter.usage === 'PermissionsPolicy')
        all = all.filter((p) => !filter.onlyAttached || p.attachmentCount > 0);
      if (filter.usage === 'PermissionsBoundary') {
        all = all.filter((p) => !filter.onlyAttached || p.boundaryUsageCount > 0);
      }
      return all.sort((a, b) => (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0));
    },
    deletePolicy: (arn) => svc.deletePolicy(arn),
    createPolicyVersion: (arn, doc, setAsDefault) => svc.createPolicyVersion(arn, doc, setAsDefault),
    getPolicyVersion: (arn, versionId) => svc.getPolicyVersion(arn, versionId),
    listPolicyVersions: (arn) => svc.listPolicyVersions(arn),
    deletePolicyVersion: (arn, versionId) => svc.deletePolicyVersion(arn, versionId),
    setDefaultPolicyVersion: (arn, versionId) => svc.setDefaultPolicyVersion(arn, versionId),
    tagPolicy: (arn, tags) => svc.tagPolicy(arn, tags),
    untagPolicy: (arn, keys) => svc.untagPolicy(arn, keys),

    createAccessKey: (user) => svc.createAccessKey(account, user),
    listAccessKeys: (user) => svc.listAccessKeys(account, user),
    updateAccessKey: (_user, id, status) => svc.updateAccessKey(account, id, status),
    deleteAccessKey: (_user, id) => svc.deleteAccessKey(account, id),

    listEntitiesForPolicy: (arn, filter) => svc.managedPolicies.listEntitiesForPolicy(account, arn, filter),

    createInstanceProfile: (input) => svc.instanceProfiles.createInstanceProfile({ ...input, account }),
    getInstanceProfile: (name) => svc.instanceProfiles.getInstanceProfile(account, name),
    findInstanceProfile: (name) => orUndefined(svc.instanceProfiles.getInstanceProfile(account, name)),
    listInstanceProfiles: (prefix) => svc.instanceProfiles.listInstanceProfiles(account, prefix),
    listInstanceProfilesForRole: (role) => svc.instanceProfiles.listInstanceProfilesForRole(account, role),
    deleteInstanceProfile: (name) => svc.instanceProfiles.deleteInstanceProfile(account, name),
    addRoleToInstanceProfile: (profile, role) =>
      svc.instanceProfiles.addRoleToInstanceProfile(account, profile, role),
    removeRoleFromInstanceProfile: (profile, role) =>
      svc.instanceProfiles.removeRoleFromInstanceProfile(account, profile, role),
    tagInstanceProfile: (name, tags) => svc.instanceProfiles.tagInstanceProfile(account, name, tags),
    untagInstanceProfile: (name, keys) => svc.instanceProfiles.untagInstanceProfile(account, name, keys),

    createServiceLinkedRole: (input) => svc.serviceLinkedRoles.createServiceLinkedRole({ ...input, account }),
    deleteServiceLinkedRole: (role) => svc.serviceLinkedRoles.deleteServiceLinkedRole(account, role),
    serviceLinkedRoleDeletionStatus: (taskId) =>
      svc.serviceLinkedRoles.getServiceLinkedRoleDeletionStatus(account, taskId),

    accountSummary: () => svc.accounts.getAccountSummary(account),
    createAccountAlias: (alias) => svc.accounts.createAccountAlias(account, alias),
    deleteAccountAlias: (alias) => svc.accounts.deleteAccountAlias(account, alias),
    listAccountAliases: () => svc.accounts.listAccountAliases(account),
    accessKeyAccount: async (id) => {
      const c = await svc.findCredential(id);
      if (c === undefined) return undefined;
      return c.kind === 'user' ? c.key.account : c.session.account;
    },

    accountDetails: async (): Promise<AccountDetails> => {
      const inline = async (kind: IdentityKind, name: string) => svc.listInlinePolicies(ref(kind, name));
      const attached = (kind: IdentityKind, name: string) => svc.listAttachedPolicies(ref(kind, name));
      const users = await Promise.all(
        (await svc.listUsers(account)).map(async (u) => ({
          ...u,
          inline: await inline('user', u.name),
          attached: await attached('user', u.name),
        })),
      );
      const groups = await Promise.all(
        (await svc.listGroups(account)).map(async (g) => ({
          ...g,
          inline: await inline('group', g.name),
          attached: await attached('group', g.name),
        })),
      );
      const roles = await Promise.all(
        (await svc.listRoles(account)).map(async (r) => ({
          ...r,
          inline: await inline('role', r.name),
          attached: await attached('role', r.name),
          instanceProfiles: await svc.instanceProfiles.listInstanceProfilesForRole(account, r.name),
        })),
      );
      // Local policies, and the AWS managed policies in use (as AWS does with OnlyAttached semantics).
      const policyInfos = [
        ...(await svc.listPolicies(account)),
        ...(await svc.listAwsManagedPolicies('/', { inUse: true })),
      ];
      const policies = await Promise.all(
        policyInfos.map(async (p) => ({
          ...p,
          versions: await svc.listPolicyVersions(p.arn),
        })),
      );
      return { users, groups, roles, policies };
    },
  };
}
