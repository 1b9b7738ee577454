/**
 * AWS Organizations, as far as decisions need it: the tree (root, OUs, accounts) and the SCPs and RCPs
 * attached at each level. FullAWSAccess and RCPFullAWSAccess are attached to every new root, OU and
 * account, as AWS does when the policy types are enabled.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { validatePolicyText, type IamContext } from './context.js';
import { orgIds } from './ids.js';
import { checkAccountId, policySize } from './names.js';
import { limitExceeded } from './quotas.js';
import {
  ORGANIZATION_KEY,
  repos,
  type OrganizationRecord,
  type OrgPolicyRecord,
  type OrgUnitRecord,
} from './records.js';
import type { OrganizationInfo, OrgLevel, OrgPolicyInfo, OrgPolicyType, OrgUnitInfo } from './types.js';

const FULL_ACCESS: Record<
  OrgPolicyType,
  { id: string; name: string; description: string; document: string }
> = {
  scp: {
    id: 'p-FullAWSAccess',
    name: 'FullAWSAccess',
    description: 'Allows access to every operation',
    document: JSON.stringify(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      null,
      4,
    ),
  },
  rcp: {
    id: 'p-RCPFullAWSAccess',
    name: 'RCPFullAWSAccess',
    description: 'Allows access to every operation',
    document: JSON.stringify(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] },
      null,
      4,
    ),
  },
};

const ORG_POLICY_NAME = /^[\s\S]{1,128}$/;

export class OrganizationService {
  constructor(readonly ctx: IamContext) {}

  private tx<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn);
  }

  private read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.ctx.store.withTransaction(fn, { readOnly: true });
  }

  /** Creates the organization with `managementAccountId` under its root. */
  async create(managementAccountId: string): Promise<OrganizationInfo> {
    checkAccountId(managementAccountId);
    return await this.tx(async (tx) => {
      if (await repos.organization.get(tx, ORGANIZATION_KEY)) {
        throw new RolecallError('EntityAlreadyExists', 'The account is already a member of an organization.');
      }
      const org: OrganizationRecord = {
        id: orgIds.organization(),
        rootId: orgIds.root(),
        managementAccountId,
      };
      await repos.organization.put(tx, ORGANIZATION_KEY, org);
      for (const type of ['scp', 'rcp'] as const) {
        const p = FULL_ACCESS[type];
        await repos.orgPolicy.put(tx, p.id, { ...p, type, awsManaged: true, targets: [org.rootId] });
      }
      await this.placeAccount(tx, org, managementAccountId, org.rootId);
      return info(org);
    });
  }

  async describe(): Promise<OrganizationInfo | undefined> {
    return await this.read(async (tx) => {
      const org = await repos.organization.get(tx, ORGANIZATION_KEY);
      return org ? info(org) : undefined;
    });
  }

  /** Deletes the organization once it holds no OU and no account but the management account. */
  async delete(): Promise<void> {
    return await this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      if ((await repos.orgUnit.list(tx)).length > 0) {
        throw new RolecallError('DeleteConflict', 'The organization still has organizational units.');
      }
      const members = (await repos.account.list(tx)).filter((a) => a.parentId !== undefined);
      if (members.some((a) => a.id !== org.managementAccountId)) {
        throw new RolecallError('DeleteConflict', 'The organization still has member accounts.');
      }
      for (const a of members) {
        delete a.parentId;
        await repos.account.put(tx, a.id, a);
      }
      for (const p of await repos.orgPolicy.list(tx)) await repos.orgPolicy.delete(tx, p.id);
      await repos.organization.delete(tx, ORGANIZATION_KEY);
    });
  }

  async createOrgUnit(parentId: string, name: string): Promise<OrgUnitInfo> {
    if (name.length < 1 || name.length > 128) {
      throw new RolecallError('InvalidInput', 'organizational unit names are 1 to 128 characters');
    }
    return await this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      await this.requireContainer(tx, org, parentId);
      const siblings = (await repos.orgUnit.list(tx)).filter((o) => o.parentId === parentId);
      if (siblings.some((o) => o.name === name)) {
        throw new RolecallError(
          'EntityAlreadyExists',
          `An OU with name ${name} already exists under ${parentId}.`,
        );
      }
      const ou: OrgUnitRecord = { id: orgIds.orgUnit(org.rootId), name, parentId };
      await repos.orgUnit.put(tx, ou.id, ou);
      await this.attachDefaults(tx, ou.id);
      return ouInfo(org, ou);
    });
  }

  async listOrgUnits(parentId?: string): Promise<OrgUnitInfo[]> {
    return await this.read(async (tx) => {
      const org = await this.requireOrg(tx);
      return (await repos.orgUnit.list(tx))
        .filter((o) => parentId === undefined || o.parentId === parentId)
        .map((o) => ouInfo(org, o));
    });
  }

  async deleteOrgUnit(id: string): Promise<void> {
    return await this.tx(async (tx) => {
      await this.requireOrg(tx);
      const ou = await repos.orgUnit.get(tx, id);
      if (!ou) throw new RolecallError('NoSuchEntity', `The organizational unit ${id} cannot be found.`);
      const children = (await repos.orgUnit.list(tx)).some((o) => o.parentId === id);
      const accounts = (await repos.account.list(tx)).some((a) => a.parentId === id);
      if (children || accounts) {
        throw new RolecallError('DeleteConflict', `The organizational unit ${id} is not empty.`);
      }
      await this.detachAll(tx, id);
      await repos.orgUnit.delete(tx, id);
    });
  }

  /** Puts an account under a root or OU (joining the organization if it was outside). */
  async moveAccount(accountId: string, parentId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      await this.requireContainer(tx, org, parentId);
      await this.placeAccount(tx, org, accountId, parentId);
    });
  }

  /** Takes an account out of the organization (not the management account). */
  async removeAccount(accountId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      if (accountId === org.managementAccountId) {
        throw new RolecallError('InvalidInput', 'the management account cannot leave its organization');
      }
      const a = await repos.account.get(tx, accountId);
      if (!a || a.parentId === undefined) {
        throw new RolecallError('NoSuchEntity', `Account ${accountId} is not in the organization.`);
      }
      delete a.parentId;
      await repos.account.put(tx, a.id, a);
      await this.detachAll(tx, accountId);
    });
  }

  createPolicy(input: {
    type: OrgPolicyType;
    name: string;
    document: string;
    description?: string;
  }): Promise<OrgPolicyInfo> {
    if (!ORG_POLICY_NAME.test(input.name))
      throw new RolecallError('InvalidInput', 'policy names are 1 to 128 characters');
    this.checkDocument(input.type, input.document);
    return this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      if ((await repos.orgPolicy.list(tx)).some((p) => p.name === input.name && p.type === input.type)) {
        throw new RolecallError('EntityAlreadyExists', `A policy with name ${input.name} already exists.`);
      }
      const rec: OrgPolicyRecord = {
        id: orgIds.policy(),
        name: input.name,
        type: input.type,
        description: input.description ?? '',
        document: input.document,
        awsManaged: false,
        targets: [],
      };
      await repos.orgPolicy.put(tx, rec.id, rec);
      return policyInfo(org, rec);
    });
  }

  updatePolicy(
    id: string,
    change: { document?: string; description?: string; name?: string },
  ): Promise<OrgPolicyInfo> {
    return this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      const rec = await this.requirePolicy(tx, id);
      if (rec.awsManaged)
        throw new RolecallError('UnmodifiableEntity', `Policy ${rec.name} is managed by AWS.`);
      if (change.document !== undefined) {
        this.checkDocument(rec.type, change.document);
        rec.document = change.document;
      }
      if (change.description !== undefined) rec.description = change.description;
      if (change.name !== undefined) rec.name = change.name;
      await repos.orgPolicy.put(tx, rec.id, rec);
      return policyInfo(org, rec);
    });
  }

  async deletePolicy(id: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, id);
      if (rec.awsManaged)
        throw new RolecallError('UnmodifiableEntity', `Policy ${rec.name} is managed by AWS.`);
      if (rec.targets.length > 0)
        throw new RolecallError('DeleteConflict', `Policy ${rec.name} is still attached.`);
      await repos.orgPolicy.delete(tx, id);
    });
  }

  async listPolicies(type?: OrgPolicyType): Promise<OrgPolicyInfo[]> {
    return await this.read(async (tx) => {
      const org = await this.requireOrg(tx);
      return (await repos.orgPolicy.list(tx))
        .filter((p) => type === undefined || p.type === type)
        .map((p) => policyInfo(org, p));
    });
  }

  /** A policy by id or by name. */
  async getPolicy(idOrName: string, type?: OrgPolicyType): Promise<OrgPolicyInfo> {
    return await this.read(async (tx) =>
      policyInfo(await this.requireOrg(tx), await this.findPolicy(tx, idOrName, type)),
    );
  }

  async attachPolicy(policyId: string, targetId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const org = await this.requireOrg(tx);
      await this.requireTarget(tx, org, targetId);
      const rec = await this.requirePolicy(tx, policyId);
      if (rec.targets.includes(targetId)) {
        throw new RolecallError(
          'EntityAlreadyExists',
          `Policy ${rec.name} is already attached to ${targetId}.`,
        );
      }
      const attachedHere = (await repos.orgPolicy.list(tx)).filter(
        (p) => p.type === rec.type && p.targets.includes(targetId),
      );
      if (attachedHere.length >= this.ctx.quotas.orgPoliciesPerTarget) {
        throw limitExceeded('orgPoliciesPerTarget', this.ctx.quotas.orgPoliciesPerTarget);
      }
      rec.targets.push(targetId);
      await repos.orgPolicy.put(tx, rec.id, rec);
    });
  }

  async detachPolicy(policyId: string, targetId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await this.requirePolicy(tx, policyId);
      if (!rec.targets.includes(targetId)) {
        throw new RolecallError('NoSuchEntity', `Policy ${rec.name} is not attached to ${targetId}.`);
      }
      rec.targets = rec.targets.filter((t) => t !== targetId);
      await repos.orgPolicy.put(tx, rec.id, rec);
    });
  }

  /**
   * The levels from the root down to the account, each with its SCPs and RCPs; undefined when the account
   * is outside the organization (or there is none).
   */
  async levels(accountId: string): Promise<OrgLevel[] | undefined> {
    return await this.read((tx) => this.levelsIn(tx, accountId));
  }

  async levelsIn(tx: StoreTx, accountId: string): Promise<OrgLevel[] | undefined> {
    const org = await repos.organization.get(tx, ORGANIZATION_KEY);
    if (!org) return undefined;
    const account = await repos.account.get(tx, accountId);
    if (account?.parentId === undefined) return undefined;
    const policies = await repos.orgPolicy.list(tx);
    const level = (id: string, kind: OrgLevel['kind'], name: string): OrgLevel => ({
      id,
      kind,
      name,
      scps: policies.filter((p) => p.type === 'scp' && p.targets.includes(id)).map((p) => policyInfo(org, p)),
      rcps: policies.filter((p) => p.type === 'rcp' && p.targets.includes(id)).map((p) => policyInfo(org, p)),
    });
    const out: OrgLevel[] = [level(account.id, 'account', account.name)];
    let parent = account.parentId;
    for (let guard = 0; parent !== org.rootId && guard < 10; guard++) {
      const ou = await repos.orgUnit.get(tx, parent);
      if (!ou) break;
      out.unshift(level(ou.id, 'ou', ou.name));
      parent = ou.parentId;
    }
    out.unshift(level(org.rootId, 'root', 'Root'));
    return out;
  }

  private checkDocument(type: OrgPolicyType, document: string): void {
    validatePolicyText(this.ctx, document, type);
    if (policySize(document) > this.ctx.quotas.orgPolicySize) {
      throw limitExceeded('orgPolicySize', this.ctx.quotas.orgPolicySize);
    }
  }

  private async placeAccount(
    tx: StoreTx,
    _org: OrganizationRecord,
    accountId: string,
    parentId: string,
  ): Promise<void> {
    checkAccountId(accountId);
    const a = (await repos.account.get(tx, accountId)) ?? { id: accountId, name: accountId, tags: [] };
    const joining = a.parentId === undefined;
    a.parentId = parentId;
    await repos.account.put(tx, a.id, a);
    if (joining) await this.attachDefaults(tx, accountId);
  }

  private async attachDefaults(tx: StoreTx, targetId: string): Promise<void> {
    for (const type of ['scp', 'rcp'] as const) {
      const p = await repos.orgPolicy.get(tx, FULL_ACCESS[type].id);
      if (p && !p.targets.includes(targetId)) {
        p.targets.push(targetId);
        await repos.orgPolicy.put(tx, p.id, p);
      }
    }
  }

  private async detachAll(tx: StoreTx, targetId: string): Promise<void> {
    for (const p of await repos.orgPolicy.list(tx)) {
      if (p.targets.includes(targetId)) {
        p.targets = p.targets.filter((t) => t !== targetId);
        await repos.orgPolicy.put(tx, p.id, p);
      }
    }
  }

  private async requireOrg(tx: StoreTx): Promise<OrganizationRecord> {
    const org = await repos.organization.get(tx, ORGANIZATION_KEY);
    if (!org)
      throw new RolecallError(
        'NoSuchEntity',
        'There is no organization; create one with `rolecall org create`.',
      );
    return org;
  }

  private async requireContainer(tx: StoreTx, org: OrganizationRecord, id: string): Promise<void> {
    if (id === org.rootId) return;
    if (!(await repos.orgUnit.get(tx, id))) {
      throw new RolecallError(
        'NoSuchEntity',
        `The parent ${id} is neither the root nor an organizational unit.`,
      );
    }
  }

  private async requireTarget(tx: StoreTx, org: OrganizationRecord, id: string): Promise<void> {
    if (id === org.rootId || (await repos.orgUnit.get(tx, id))) return;
    const a = await repos.account.get(tx, id);
    if (a?.parentId === undefined)
      throw new RolecallError('NoSuchEntity', `The target ${id} cannot be found.`);
  }

  private async requirePolicy(tx: StoreTx, id: string): Promise<OrgPolicyRecord> {
    const rec = await repos.orgPolicy.get(tx, id);
    if (!rec) throw new RolecallError('NoSuchEntity', `The policy ${id} cannot be found.`);
    return rec;
  }

  private async findPolicy(tx: StoreTx, idOrName: string, type?: OrgPolicyType): Promise<OrgPolicyRecord> {
    const byId = await repos.orgPolicy.get(tx, idOrName);
    if (byId) return byId;
    const byName = (await repos.orgPolicy.list(tx)).find(
      (p) => p.name === idOrName && (type === undefined || p.type === type),
    );
    if (!byName) throw new RolecallError('NoSuchEntity', `The policy ${idOrName} cannot be found.`);
    return byName;
  }
}

function info(org: OrganizationRecord): OrganizationInfo {
  return {
    id: org.id,
    arn: `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`,
    rootId: org.rootId,
    managementAccountId: org.managementAccountId,
  };
}

function ouInfo(org: OrganizationRecord, ou: OrgUnitRecord): OrgUnitInfo {
  return {
    id: ou.id,
    name: ou.name,
    parentId: ou.parentId,
    arn: `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${ou.id}`,
  };
}

function policyInfo(org: OrganizationRecord, p: OrgPolicyRecord): OrgPolicyInfo {
  const type = p.type === 'scp' ? 'service_control_policy' : 'resource_control_policy';
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    description: p.description,
    document: p.document,
    arn: p.awsManaged
      ? `arn:aws:organizations::aws:policy/${type}/${p.id}`
      : `arn:aws:organizations::${org.managementAccountId}:policy/${org.id}/${type}/${p.id}`,
    awsManaged: p.awsManaged,
    targets: p.targets,
  };
}
