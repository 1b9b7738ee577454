/**
 * The declarative state of a store, as `rolecall apply` reads it and `rolecall export` writes it: accounts,
 * the organization, customer managed policies, groups, roles, users and resources. Documents are kept as
 * text (verbatim); a document written in the file as an object becomes its 2-space JSON printing.
 */
import type { ControlPlane } from './control-plane.js';
import type { OrgPolicyType, Tag } from './types.js';

export interface AccountState {
  id: string;
  name: string;
  email?: string;
  tags: Tag[];
}

export interface OrgPolicyState {
  name: string;
  type: OrgPolicyType;
  description: string;
  document: string;
}

/** An OU by the names on its way from the root: `Workloads/Prod`; the root is ``. */
export type OrgPath = string;

export interface OrgState {
  managementAccount: string;
  /** Customer SCPs and RCPs (FullAWSAccess and RCPFullAWSAccess are AWS's and always exist). */
  policies: OrgPolicyState[];
  /** Every OU path, parents before children. */
  units: OrgPath[];
  /** Account id to the path of its parent. */
  accounts: Map<string, OrgPath>;
  /** Path (or `account:ID`) to the names of the SCPs / RCPs attached there; absent: leave as is. */
  scps: Map<string, string[]>;
  rcps: Map<string, string[]>;
}

export interface PolicyState {
  account: string;
  name: string;
  path: string;
  description?: string;
  document: string;
  tags: Tag[];
}

export interface IdentityState {
  account: string;
  name: string;
  path: string;
  inlinePolicies: { name: string; document: string }[];
  managedPolicies: string[];
}

export interface RoleState extends IdentityState {
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundary?: string;
  tags: Tag[];
}

export interface UserState extends IdentityState {
  permissionsBoundary?: string;
  groups: string[];
  tags: Tag[];
}

export interface InstanceProfileState {
  account: string;
  name: string;
  path: string;
  /** Names of the roles in it (AWS allows one). */
  roles: string[];
  tags: Tag[];
}

export interface ResourceState {
  arn: string;
  account: string;
  policy?: string;
  tags: Tag[];
  attributes: Record<string, string>;
}

export interface DeclaredState {
  accounts: AccountState[];
  organization?: OrgState;
  policies: PolicyState[];
  groups: IdentityState[];
  roles: RoleState[];
  users: UserState[];
  /** Absent: the state does not speak of instance profiles (an import), and apply leaves them as they are. */
  instanceProfiles?: InstanceProfileState[];
  resources: ResourceState[];
}

export const ROOT_PATH: OrgPath = '';

export function accountTarget(id: string): string {
  return `account:${id}`;
}

/** Reads the whole current state in one read transaction. */
export async function readState(cp: ControlPlane): Promise<DeclaredState> {
  return cp.store.withTransaction(
    async () => {
      const accounts = await cp.iam.listAccounts();
      const state: DeclaredState = {
        accounts: accounts.map((a) => ({
          id: a.id,
          name: a.name,
          ...(a.email !== undefined ? { email: a.email } : {}),
          tags: a.tags,
        })),
        policies: [],
        groups: [],
        roles: [],
        users: [],
        instanceProfiles: [],
        resources: [],
      };
      for (const a of accounts) {
        for (const p of await cp.iam.listPolicies(a.id)) {
          const v = await cp.iam.getPolicyVersion(p.arn, p.defaultVersionId);
          state.policies.push({
            account: a.id,
            name: p.name,
            path: p.path,
            ...(p.description !== undefined ? { description: p.description } : {}),
            document: v.document,
            tags: p.tags,
          });
        }
        for (const g of await cp.iam.listGroups(a.id)) {
          const ref = { kind: 'group' as const, account: a.id, name: g.name };
          state.groups.push({
            account: a.id,
            name: g.name,
            path: g.path,
            inlinePolicies: await cp.iam.listInlinePolicies(ref),
            managedPolicies: (await cp.iam.listAttachedPolicies(ref)).map((x) => x.arn),
          });
        }
        for (const r of await cp.iam.listRoles(a.id)) {
          const ref = { kind: 'role' as const, account: a.id, name: r.name };
          state.roles.push({
            account: a.id,
            name: r.name,
            path: r.path,
            trustPolicy: r.trustPolicy,
            ...(r.description !== undefined ? { description: r.description } : {}),
            maxSessionDuration: r.maxSessionDuration,
            ...(r.permissionsBoundary !== undefined ? { permissionsBoundary: r.permissionsBoundary } : {}),
            tags: r.tags,
            inlinePolicies: await cp.iam.listInlinePolicies(ref),
            managedPolicies: (await cp.iam.listAttachedPolicies(ref)).map((x) => x.arn),
          });
        }
        for (const u of await cp.iam.listUsers(a.id)) {
          const ref = { kind: 'user' as const, account: a.id, name: u.name };
          state.users.push({
            account: a.id,
            name: u.name,
            path: u.path,
            ...(u.permissionsBoundary !== undefined ? { permissionsBoundary: u.permissionsBoundary } : {}),
            groups: u.groups,
            tags: u.tags,
            inlinePolicies: await cp.iam.listInlinePolicies(ref),
            managedPolicies: (await cp.iam.listAttachedPolicies(ref)).map((x) => x.arn),
          });
        }
      }
      for (const a of accounts) {
        for (const p of await cp.iam.instanceProfiles.listInstanceProfiles(a.id)) {
          state.instanceProfiles?.push({
            account: a.id,
            name: p.name,
            path: p.path,
            roles: p.roles.map((r) => r.name),
            tags: p.tags,
          });
        }
      }
      for (const r of await cp.resources.list()) {
        state.resources.push({
          arn: r.arn,
          account: r.account,
          ...(r.policy !== undefined ? { policy: r.policy } : {}),
          tags: r.tags,
          attributes: r.attributes,
        });
      }
      const org = await cp.org.describe();
      if (org) {
        const ous = await cp.org.listOrgUnits();
        const pathOf = new Map<string, OrgPath>([[org.rootId, ROOT_PATH]]);
        const units: OrgPath[] = [];
        const walk = (parentId: string) => {
          for (const ou of ous
            .filter((o) => o.parentId === parentId)
            .sort((x, y) => x.name.localeCompare(y.name))) {
            const parentPath = pathOf.get(parentId) ?? ROOT_PATH;
            const p = parentPath === ROOT_PATH ? ou.name : `${parentPath}/${ou.name}`;
            pathOf.set(ou.id, p);
            units.push(p);
            walk(ou.id);
          }
        };
        walk(org.rootId);
        const policies = await cp.org.listPolicies();
        const orgState: OrgState = {
          managementAccount: org.managementAccountId,
          policies: policies
            .filter((p) => !p.awsManaged)
            .map((p) => ({ name: p.name, type: p.type, description: p.description, document: p.document })),
          units,
          accounts: new Map(),
          scps: new Map(),
          rcps: new Map(),
        };
        for (const a of accounts) {
          if (a.parentId !== undefined) orgState.accounts.set(a.id, pathOf.get(a.parentId) ?? ROOT_PATH);
        }
        const targetKey = (id: string) => pathOf.get(id) ?? accountTarget(id);
        for (const key of [ROOT_PATH, ...units, ...[...orgState.accounts.keys()].map(accountTarget)]) {
          orgState.scps.set(key, []);
          orgState.rcps.set(key, []);
        }
        for (const p of policies) {
          for (const t of p.targets) {
            const list = (p.type === 'scp' ? orgState.scps : orgState.rcps).get(targetKey(t));
            list?.push(p.name);
          }
        }
        for (const m of [orgState.scps, orgState.rcps]) for (const l of m.values()) l.sort();
        state.organization = orgState;
      }
      return state;
    },
    { readOnly: true },
  );
}
