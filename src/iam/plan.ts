/**
 * `apply`: the changes that turn the current state into the declared one, shown as a plan and run in one
 * transaction (all or nothing). Scope: what the file declares, and in the accounts it names, what it does
 * not declare is deleted. Applying the same file twice changes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import { RolecallError } from '../errors.js';
import type { ControlPlane } from './control-plane.js';
import { entityKey } from './context.js';
import { isServiceLinked } from './entities.js';
import { policyArn } from './arns.js';
import {
  ROOT_PATH,
  accountTarget,
  readState,
  type DeclaredState,
  type IdentityState,
  type InstanceProfileState,
  type OrgPath,
  type RoleState,
  type UserState,
} from './state.js';
import type { IdentityKind, OrgPolicyType, Tag } from './types.js';

export interface Change {
  action: 'create' | 'update' | 'delete';
  kind: string;
  name: string;
  details: string[];
}

interface Step {
  change?: Change;
  run: () => Promise<void>;
}

export interface Plan {
  changes: Change[];
  /** Runs every step in one transaction. */
  apply(): Promise<void>;
}

function sameDocument(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === b) return true;
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return false;
  }
}

function sameTags(a: readonly Tag[], b: readonly Tag[]): boolean {
  const m = (t: readonly Tag[]) => new Map(t.map((x) => [x.key, x.value]));
  return isDeepStrictEqual(m(a), m(b));
}

function key(e: { account: string; name: string }): string {
  return entityKey(e.account, e.name);
}

export interface PlanOptions {
  /**
   * Whether the users and roles that trust and resource policies name must exist (as AWS requires when a
   * policy is saved; see checkPrincipalsExist). True for a state file, which declares its accounts whole;
   * an import passes false, since the setup it reads describes only part of accounts whose other users
   * and roles rolecall cannot see.
   */
  checkPrincipals?: boolean;
}

export async function planApply(
  cp: ControlPlane,
  desired: DeclaredState,
  options: PlanOptions = {},
): Promise<Plan> {
  const current = await readState(cp);
  const steps: Step[] = [];
  const later: Step[] = [];
  // Policies go last: identities being deleted may still use them as boundaries.
  const last: Step[] = [];
  const add = (list: Step[], change: Change | undefined, run: () => Promise<void>) =>
    list.push(change ? { change, run } : { run });

  const scope = new Set<string>([
    ...desired.accounts.map((a) => a.id),
    ...[...desired.roles, ...desired.users, ...desired.groups, ...desired.policies].map((e) => e.account),
    ...desired.resources.map((r) => r.account),
    ...(desired.instanceProfiles ?? []).map((p) => p.account),
  ]);

  // accounts
  const curAccounts = new Map(current.accounts.map((a) => [a.id, a]));
  for (const a of desired.accounts) {
    const c = curAccounts.get(a.id);
    if (!c) {
      add(steps, { action: 'create', kind: 'account', name: a.id, details: [] }, async () => {
        await cp.iam.createAccount({
          id: a.id,
          name: a.name,
          ...(a.email !== undefined ? { email: a.email } : {}),
          tags: a.tags,
        });
      });
    } else if (c.name !== a.name || c.email !== a.email || !sameTags(c.tags, a.tags)) {
      add(
        steps,
        { action: 'update', kind: 'account', name: a.id, details: ['name, email or tags'] },
        async () => {
          await cp.iam.updateAccount({
            id: a.id,
            name: a.name,
            ...(a.email !== undefined ? { email: a.email } : {}),
            tags: a.tags,
          });
        },
      );
    }
  }
  for (const id of scope) {
    if (!curAccounts.has(id) && !desired.accounts.some((a) => a.id === id)) {
      add(steps, { action: 'create', kind: 'account', name: id, details: [] }, async () => {
        await cp.iam.createAccount({ id });
      });
    }
  }

  // organization
  if (desired.organization) planOrganization(cp, current, desired, steps, later, add);

  // customer managed policies
  const curPolicies = new Map(current.policies.map((p) => [key(p), p]));
  const wantPolicies = new Map(desired.policies.map((p) => [key(p), p]));
  for (const p of desired.policies) {
    const c = curPolicies.get(key(p));
    const arn = policyArn(p.account, p.path, p.name);
    if (!c || c.path !== p.path) {
      if (c) addPolicyDelete(cp, last, policyArn(c.account, c.path, c.name));
      add(steps, { action: 'create', kind: 'policy', name: arn, details: [] }, async () => {
        await cp.iam.createPolicy({
          account: p.account,
          name: p.name,
          path: p.path,
          document: p.document,
          tags: p.tags,
          ...(p.description !== undefined ? { description: p.description } : {}),
        });
      });
      continue;
    }
    const details: string[] = [];
    if (!sameDocument(c.document, p.document)) details.push('new default version');
    if (!sameTags(c.tags, p.tags)) details.push('tags');
    if ((c.description ?? '') !== (p.description ?? ''))
      details.push('description (AWS cannot change it: left as is)');
    if (details.length === 0 || (details.length === 1 && details[0]!.startsWith('description'))) continue;
    add(steps, { action: 'update', kind: 'policy', name: arn, details }, async () => {
      if (!sameDocument(c.document, p.document)) {
        const versions = await cp.iam.listPolicyVersions(arn);
        if (versions.length >= cp.context.quotas.versionsPerPolicy) {
          const oldest = versions.filter((v) => !v.isDefault).pop();
          if (oldest) await cp.iam.deletePolicyVersion(arn, oldest.versionId);
        }
        await cp.iam.createPolicyVersion(arn, p.document, true);
      }
      if (!sameTags(c.tags, p.tags)) {
        await cp.iam.untagPolicy(
          arn,
          c.tags.map((t) => t.key),
        );
        if (p.tags.length) await cp.iam.tagPolicy(arn, p.tags);
      }
    });
  }
  for (const c of current.policies) {
    if (scope.has(c.account) && !wantPolicies.has(key(c)))
      addPolicyDelete(cp, last, policyArn(c.account, c.path, c.name));
  }

  // identities: groups before users (membership), all before deletions of policies
  planIdentities(cp, 'group', current.groups, desired.groups, scope, steps, later, add);
  const linked = (r: RoleState) => isServiceLinked(r);
  planIdentities(
    cp,
    'role',
    current.roles.filter((r) => !linked(r)),
    desired.roles.filter((r) => !linked(r)),
    scope,
    steps,
    later,
    add,
  );
  planServiceLinkedRoles(cp, current.roles.filter(linked), desired.roles.filter(linked), scope, later, add);
  planIdentities(cp, 'user', current.users, desired.users, scope, steps, later, add);

  // A role replaced (deleted and created again) leaves the profiles that keep it and joins them again once
  // it is re-created, also when the state does not speak of instance profiles (they stay as they are).
  const curRoles = new Map(current.roles.filter((r) => !linked(r)).map((r) => [key(r), r]));
  const replaced = new Map<string, string>();
  for (const r of desired.roles.filter((x) => !linked(x))) {
    const c = curRoles.get(key(r));
    if (c && (c.path !== r.path || c.name !== r.name)) replaced.set(key(r), r.name);
  }
  const curProfiles = current.instanceProfiles ?? [];
  planInstanceProfiles(cp, curProfiles, desired.instanceProfiles ?? curProfiles, {
    scope,
    replaced,
    steps,
    add,
  });

  // resources
  const curResources = new Map(current.resources.map((r) => [r.arn, r]));
  const wantResources = new Set(desired.resources.map((r) => r.arn));
  for (const r of desired.resources) {
    const c = curResources.get(r.arn);
    const same =
      c &&
      c.account === r.account &&
      sameDocument(c.policy, r.policy) &&
      sameTags(c.tags, r.tags) &&
      isDeepStrictEqual(c.attributes, r.attributes);
    if (same) continue;
    add(steps, { action: c ? 'update' : 'create', kind: 'resource', name: r.arn, details: [] }, async () => {
      await cp.resources.put(
        {
          arn: r.arn,
          account: r.account,
          tags: r.tags,
          attributes: r.attributes,
          ...(c && sameDocument(c.policy, r.policy) && c.policy !== undefined
            ? { policy: c.policy }
            : r.policy !== undefined
              ? { policy: r.policy }
              : {}),
        },
        { deferPrincipals: true },
      );
    });
  }
  for (const c of current.resources) {
    if (scope.has(c.account) && !wantResources.has(c.arn)) {
      add(later, { action: 'delete', kind: 'resource', name: c.arn, details: [] }, () =>
        cp.resources.delete(c.arn),
      );
    }
  }

  // A trust policy may name users and roles the same file creates, itself included, and a user the file
  // drops may still be named by a policy it keeps: the declared policies' principals are checked once every
  // change is made, before the transaction commits.
  const checks: Step[] =
    options.checkPrincipals === false
      ? []
      : [
          ...desired.roles.map((r) => ({ run: () => cp.iam.roles.checkTrustPrincipals(r.trustPolicy) })),
          ...desired.resources.flatMap((r) =>
            r.policy !== undefined
              ? [{ run: () => cp.resources.checkPrincipals(r.arn, r.policy ?? '') }]
              : [],
          ),
        ];
  const all = [...steps, ...later, ...last, ...checks];
  return {
    changes: all.flatMap((s) => (s.change ? [s.change] : [])),
    apply: () =>
      cp.store.withTransaction(async () => {
        for (const s of all) await s.run();
      }),
  };
}

type Add = (list: Step[], change: Change | undefined, run: () => Promise<void>) => void;

function addPolicyDelete(cp: ControlPlane, later: Step[], arn: string): void {
  later.push({
    change: { action: 'delete', kind: 'policy', name: arn, details: [] },
    run: async () => {
      for (const v of await cp.iam.listPolicyVersions(arn))
        if (!v.isDefault) await cp.iam.deletePolicyVersion(arn, v.versionId);
      await cp.iam.deletePolicy(arn);
    },
  });
}

function planIdentities(
  cp: ControlPlane,
  kind: IdentityKind,
  current: IdentityState[],
  desired: IdentityState[],
  scope: Set<string>,
  steps: Step[],
  later: Step[],
  add: Add,
): void {
  const cur = new Map(current.map((e) => [key(e), e]));
  const want = new Set(desired.map(key));
  const clear = async (e: IdentityState) => {
    // Read afresh: earlier steps of the same apply (a group deleted first) may have changed the entity.
    const ref = { kind, account: e.account, name: e.name };
    for (const p of await cp.iam.listInlinePolicies(ref)) await cp.iam.deleteInlinePolicy(ref, p.name);
    for (const a of await cp.iam.listAttachedPolicies(ref)) await cp.iam.detachPolicy(ref, a.arn);
    if (kind === 'user') {
      for (const g of (await cp.iam.getUser(e.account, e.name)).groups) {
        await cp.iam.removeUserFromGroup(e.account, g, e.name);
      }
      for (const k of await cp.iam.listAccessKeys(e.account, e.name))
        await cp.iam.deleteAccessKey(e.account, k.accessKeyId);
    }
    if (kind === 'group') {
      const { users } = await cp.iam.getGroup(e.account, e.name);
      for (const u of users) await cp.iam.removeUserFromGroup(e.account, e.name, u.name);
    }
  };
  const remove = async (e: IdentityState) => {
    await clear(e);
    if (kind === 'role') await cp.iam.deleteRole(e.account, e.name);
    else if (kind === 'user') await cp.iam.deleteUser(e.account, e.name);
    else await cp.iam.deleteGroup(e.account, e.name);
  };
  const create = async (e: IdentityState) => {
    if (kind === 'role') {
      const r = e as RoleState;
      await cp.iam.createRole(
        {
          account: r.account,
          name: r.name,
          path: r.path,
          trustPolicy: r.trustPolicy,
          maxSessionDuration: r.maxSessionDuration,
          tags: r.tags,
          ...(r.description !== undefined ? { description: r.description } : {}),
        },
        { deferPrincipals: true },
      );
    } else if (kind === 'user') {
      const u = e as UserState;
      await cp.iam.createUser({ account: u.account, name: u.name, path: u.path, tags: u.tags });
    } else await cp.iam.createGroup({ account: e.account, name: e.name, path: e.path });
  };

  for (const e of desired) {
    let c = cur.get(key(e));
    const details: string[] = [];
    const ref = { kind, account: e.account, name: e.name };
    const ops: (() => Promise<void>)[] = [];
    let action: Change['action'] = 'update';
    if (!c || c.path !== e.path || c.name !== e.name) {
      if (c) {
        const old = c;
        ops.push(() => remove(old));
        details.push(`replace (path or name case changes)`);
      }
      action = 'create';
      ops.push(() => create(e));
      c = { account: e.account, name: e.name, path: e.path, inlinePolicies: [], managedPolicies: [] };
      if (kind === 'role')
        Object.assign(c, {
          tags: (e as RoleState).tags,
          trustPolicy: (e as RoleState).trustPolicy,
          maxSessionDuration: (e as RoleState).maxSessionDuration,
          description: (e as RoleState).description,
        });
      if (kind === 'user') Object.assign(c, { tags: (e as UserState).tags, groups: [] });
    }
    const base = c;
    if (kind === 'role') {
      const r = e as RoleState;
      const cr = base as RoleState;
      if (!sameDocument(cr.trustPolicy, r.trustPolicy)) {
        details.push('trust policy');
        ops.push(() =>
          cp.iam
            .updateTrustPolicy(r.account, r.name, r.trustPolicy, { deferPrincipals: true })
            .then(() => undefined),
        );
      }
      if (
        (cr.description ?? '') !== (r.description ?? '') ||
        cr.maxSessionDuration !== r.maxSessionDuration
      ) {
        details.push('description or max session duration');
        ops.push(() =>
          cp.iam
            .updateRole({
              account: r.account,
              name: r.name,
              maxSessionDuration: r.maxSessionDuration,
              description: r.description ?? '',
            })
            .then(() => undefined),
        );
      }
    }
    if (kind !== 'group') {
      const want = e as RoleState | UserState;
      const have = base as RoleState | UserState;
      if (!sameTags(have.tags, want.tags)) {
        details.push('tags');
        ops.push(async () => {
          const drop = have.tags.filter((t) => !want.tags.some((w) => w.key === t.key)).map((t) => t.key);
          if (drop.length) await cp.iam.untagIdentity(ref, drop);
          if (want.tags.length) await cp.iam.tagIdentity(ref, want.tags);
        });
      }
      if (have.permissionsBoundary !== want.permissionsBoundary) {
        details.push('permissions boundary');
        later.unshift({ run: () => cp.iam.setPermissionsBoundary(ref, want.permissionsBoundary) });
      }
    }
    for (const p of e.inlinePolicies) {
      const had = base.inlinePolicies.find((x) => x.name === p.name);
      if (!had || !sameDocument(had.document, p.document)) {
        details.push(`inline policy ${p.name}`);
        ops.push(() => cp.iam.putInlinePolicy(ref, p.name, p.document));
      }
    }
    for (const p of base.inlinePolicies) {
      if (!e.inlinePolicies.some((x) => x.name === p.name)) {
        details.push(`remove inline policy ${p.name}`);
        ops.push(() => cp.iam.deleteInlinePolicy(ref, p.name));
      }
    }
    const attach = e.managedPolicies.filter((a) => !base.managedPolicies.includes(a));
    const detach = base.managedPolicies.filter((a) => !e.managedPolicies.includes(a));
    for (const a of attach) details.push(`attach ${a}`);
    for (const a of detach) details.push(`detach ${a}`);
    // Attachments run after every policy is created; detachments before policies are deleted.
    if (attach.length)
      later.unshift({
        run: async () => {
          for (const a of attach) await cp.iam.attachPolicy(ref, a);
        },
      });
    if (detach.length)
      ops.push(async () => {
        for (const a of detach) await cp.iam.detachPolicy(ref, a);
      });
    if (kind === 'user') {
      const u = e as UserState;
      const have = (base as UserState).groups.map((g) => g.toLowerCase());
      const want = u.groups.map((g) => g.toLowerCase());
      for (const g of u.groups.filter((x) => !have.includes(x.toLowerCase()))) {
        details.push(`join ${g}`);
        later.unshift({ run: () => cp.iam.addUserToGroup(u.account, g, u.name) });
      }
      for (const g of (base as UserState).groups.filter((x) => !want.includes(x.toLowerCase()))) {
        details.push(`leave ${g}`);
        ops.push(() => cp.iam.removeUserFromGroup(u.account, g, u.name));
      }
    }
    if (action === 'create' || details.length > 0) {
      add(steps, { action, kind, name: `${e.account}:${e.path}${e.name}`, details }, async () => {
        for (const op of ops) await op();
      });
    }
  }
  for (const c of current) {
    if (scope.has(c.account) && !want.has(key(c))) {
      add(later, { action: 'delete', kind, name: `${c.account}:${c.path}${c.name}`, details: [] }, () =>
        remove(c),
      );
    }
  }
}

/**
 * Instance profiles: created (with their roles) once the roles exist; a role leaves its profile, and a
 * profile the file drops is emptied and deleted, before any role is deleted (a role in a profile cannot be).
 * A role the apply replaces (`replaced`: its key to its declared name) leaves the profiles that keep it
 * first and is added back once it is created again.
 */
function planInstanceProfiles(
  cp: ControlPlane,
  current: InstanceProfileState[],
  desired: InstanceProfileState[],
  plan: { scope: Set<string>; replaced: Map<string, string>; steps: Step[]; add: Add },
): void {
  const { scope, replaced, steps, add } = plan;
  const ips = cp.iam.instanceProfiles;
  const cur = new Map(current.map((p) => [key(p), p]));
  const lower = (names: string[]) => names.map((n) => n.toLowerCase());
  const empty = async (p: InstanceProfileState) => {
    for (const role of p.roles) await ips.removeRoleFromInstanceProfile(p.account, p.name, role);
  };
  const early: Step[] = [];
  for (const p of desired) {
    const c = cur.get(key(p));
    const name = `${p.account}:${p.path}${p.name}`;
    if (!c || c.path !== p.path || c.name !== p.name) {
      if (c) {
        early.push({
          run: async () => {
            await empty(c);
            await ips.deleteInstanceProfile(c.account, c.name);
          },
        });
      }
      add(steps, { action: 'create', kind: 'instance profile', name, details: [] }, async () => {
        await ips.createInstanceProfile({ account: p.account, name: p.name, path: p.path, tags: p.tags });
        for (const role of p.roles) await ips.addRoleToInstanceProfile(p.account, p.name, role);
      });
      continue;
    }
    const leave = c.roles.filter((r) => !lower(p.roles).includes(r.toLowerCase()));
    const join = p.roles.filter((r) => !lower(c.roles).includes(r.toLowerCase()));
    const rehold = c.roles.filter(
      (r) => lower(p.roles).includes(r.toLowerCase()) && replaced.has(key({ account: p.account, name: r })),
    );
    const details = [
      ...leave.map((r) => `remove role ${r}`),
      ...join.map((r) => `add role ${r}`),
      ...rehold.map((r) => `remove and add again role ${r} (replaced)`),
      ...(sameTags(c.tags, p.tags) ? [] : ['tags']),
    ];
    if (details.length === 0) continue;
    for (const r of [...leave, ...rehold])
      early.push({ run: () => ips.removeRoleFromInstanceProfile(p.account, p.name, r) });
    const again = rehold.map((r) => replaced.get(key({ account: p.account, name: r }))!);
    add(steps, { action: 'update', kind: 'instance profile', name, details }, async () => {
      for (const r of [...join, ...again]) await ips.addRoleToInstanceProfile(p.account, p.name, r);
      if (!sameTags(c.tags, p.tags)) {
        const drop = c.tags.filter((t) => !p.tags.some((w) => w.key === t.key)).map((t) => t.key);
        if (drop.length) await ips.untagInstanceProfile(p.account, p.name, drop);
        if (p.tags.length) await ips.tagInstanceProfile(p.account, p.name, p.tags);
      }
    });
  }
  const want = new Set(desired.map(key));
  for (const c of current) {
    if (!scope.has(c.account) || want.has(key(c))) continue;
    early.push({
      change: {
        action: 'delete',
        kind: 'instance profile',
        name: `${c.account}:${c.path}${c.name}`,
        details: [],
      },
      run: async () => {
        await empty(c);
        await ips.deleteInstanceProfile(c.account, c.name);
      },
    });
  }
  // Before everything else of the apply: roles it replaces or deletes must have left their profiles.
  steps.unshift(...early);
}

/**
 * Service-linked roles are their service's: a file or an import that describes one has it written whole
 * (after the policies it uses exist), and one the file drops is deleted as DeleteServiceLinkedRole does.
 */
function planServiceLinkedRoles(
  cp: ControlPlane,
  current: RoleState[],
  desired: RoleState[],
  scope: Set<string>,
  later: Step[],
  add: Add,
): void {
  const cur = new Map(current.map((r) => [key(r), r]));
  for (const r of desired) {
    const c = cur.get(key(r));
    if (c && isDeepStrictEqual(normalRole(c), normalRole(r))) continue;
    add(
      later,
      {
        action: c ? 'update' : 'create',
        kind: 'service-linked role',
        name: `${r.account}:${r.path}${r.name}`,
        details: [],
      },
      () => cp.iam.serviceLinkedRoles.putServiceLinkedRole(r),
    );
  }
  const want = new Set(desired.map(key));
  for (const c of current) {
    if (scope.has(c.account) && !want.has(key(c))) {
      add(
        later,
        {
          action: 'delete',
          kind: 'service-linked role',
          name: `${c.account}:${c.path}${c.name}`,
          details: [],
        },
        async () => {
          await cp.iam.serviceLinkedRoles.deleteServiceLinkedRole(c.account, c.name);
        },
      );
    }
  }
}

/** A role's state with its documents parsed and its lists in one order, to compare two states. */
function normalRole(r: RoleState): unknown {
  const parse = (t: string) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  };
  return {
    ...r,
    trustPolicy: parse(r.trustPolicy),
    description: r.description ?? '',
    inlinePolicies: [...r.inlinePolicies]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({ name: p.name, document: parse(p.document) })),
    managedPolicies: [...r.managedPolicies].sort(),
    tags: [...r.tags].sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

function planOrganization(
  cp: ControlPlane,
  current: DeclaredState,
  desired: DeclaredState,
  steps: Step[],
  later: Step[],
  add: Add,
): void {
  const want = desired.organization!;
  const have = current.organization;
  if (have && have.managementAccount !== want.managementAccount) {
    throw new RolecallError(
      'InvalidInput',
      `the organization's management account is ${have.managementAccount}; it cannot become ${want.managementAccount}`,
    );
  }
  const ids = async () => {
    const org = await cp.org.describe();
    if (!org) throw new RolecallError('ServiceFailure', 'the organization disappeared during apply');
    const ous = await cp.org.listOrgUnits();
    const byPath = new Map<OrgPath, string>([[ROOT_PATH, org.rootId]]);
    const walk = (parentId: string, parentPath: OrgPath) => {
      for (const ou of ous.filter((o) => o.parentId === parentId)) {
        const p = parentPath === ROOT_PATH ? ou.name : `${parentPath}/${ou.name}`;
        byPath.set(p, ou.id);
        walk(ou.id, p);
      }
    };
    walk(org.rootId, ROOT_PATH);
    const target = (k: string) => (k.startsWith('account:') ? k.slice('account:'.length) : byPath.get(k));
    return { org, byPath, target };
  };
  if (!have) {
    add(
      steps,
      { action: 'create', kind: 'organization', name: `management ${want.managementAccount}`, details: [] },
      async () => {
        await cp.org.create(want.managementAccount);
      },
    );
  }
  const curUnits = new Set(have?.units ?? []);
  for (const u of want.units) {
    if (curUnits.has(u)) continue;
    add(steps, { action: 'create', kind: 'ou', name: u, details: [] }, async () => {
      const { byPath } = await ids();
      const parent = u.includes('/') ? u.slice(0, u.lastIndexOf('/')) : ROOT_PATH;
      await cp.org.createOrgUnit(byPath.get(parent)!, u.slice(u.lastIndexOf('/') + 1));
    });
  }
  const curPolicies = new Map((have?.policies ?? []).map((p) => [`${p.type}:${p.name}`, p]));
  for (const p of want.policies) {
    const c = curPolicies.get(`${p.type}:${p.name}`);
    if (!c) {
      add(steps, { action: 'create', kind: p.type, name: p.name, details: [] }, async () => {
        await cp.org.createPolicy(p);
      });
    } else if (!sameDocument(c.document, p.document) || c.description !== p.description) {
      add(
        steps,
        { action: 'update', kind: p.type, name: p.name, details: ['document or description'] },
        async () => {
          const id = (await cp.org.getPolicy(p.name, p.type)).id;
          await cp.org.updatePolicy(id, { document: p.document, description: p.description });
        },
      );
    }
  }
  for (const [account, path] of want.accounts) {
    if (have?.accounts.get(account) === path) continue;
    if (account === want.managementAccount && !have && path === ROOT_PATH) continue;
    add(
      steps,
      { action: 'update', kind: 'account', name: account, details: [`move to ${path || 'root'}`] },
      async () => {
        const { byPath } = await ids();
        await cp.org.moveAccount(account, byPath.get(path)!);
      },
    );
  }
  // Attachments: declared lists are exact; absent lists keep what is there (or the defaults for new nodes).
  const targets = [ROOT_PATH, ...want.units, ...[...want.accounts.keys()].map(accountTarget)];
  for (const type of ['scp', 'rcp'] as const satisfies readonly OrgPolicyType[]) {
    const wantMap = type === 'scp' ? want.scps : want.rcps;
    const haveMap = type === 'scp' ? have?.scps : have?.rcps;
    const fallback = type === 'scp' ? ['FullAWSAccess'] : ['RCPFullAWSAccess'];
    for (const t of targets) {
      const w = wantMap.get(t);
      if (w === undefined) continue;
      const h = haveMap?.get(t) ?? fallback;
      const attach = w.filter((n) => !h.includes(n));
      const detach = h.filter((n) => !w.includes(n));
      if (!attach.length && !detach.length) continue;
      add(
        steps,
        {
          action: 'update',
          kind: `${type} attachments`,
          name: t || 'root',
          details: [...attach.map((n) => `attach ${n}`), ...detach.map((n) => `detach ${n}`)],
        },
        async () => {
          const { target } = await ids();
          const id = target(t)!;
          for (const n of attach) await cp.org.attachPolicy((await cp.org.getPolicy(n, type)).id, id);
          for (const n of detach) await cp.org.detachPolicy((await cp.org.getPolicy(n, type)).id, id);
        },
      );
    }
  }
  for (const [account] of have?.accounts ?? []) {
    if (!want.accounts.has(account)) {
      add(
        later,
        { action: 'update', kind: 'account', name: account, details: ['leave the organization'] },
        () => cp.org.removeAccount(account),
      );
    }
  }
  const gone = (have?.units ?? [])
    .filter((u) => !want.units.includes(u))
    .sort((a, b) => b.split('/').length - a.split('/').length);
  for (const u of gone) {
    add(later, { action: 'delete', kind: 'ou', name: u, details: [] }, async () => {
      const { byPath } = await ids();
      await cp.org.deleteOrgUnit(byPath.get(u)!);
    });
  }
  for (const p of have?.policies ?? []) {
    if (want.policies.some((x) => x.name === p.name && x.type === p.type)) continue;
    add(later, { action: 'delete', kind: p.type, name: p.name, details: [] }, async () => {
      const info = await cp.org.getPolicy(p.name, p.type);
      for (const t of info.targets) await cp.org.detachPolicy(info.id, t);
      await cp.org.deletePolicy(info.id);
    });
  }
}
