/**
 * Managed policies: customer managed ones with their versions (at most five, numbers never reused) and tags,
 * AWS managed ones read from the package, how many identities use each, and the resolution of an ARN to the
 * default version's document for attachment and evaluation.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html
 */
import { RolecallError } from '../errors.js';
import {
  awsManagedPolicyName,
  getAwsManagedPolicy,
  getAwsManagedPolicyInfo,
  isAwsManagedPolicyArn,
  listAwsManagedPolicyNames,
  type AwsManagedPolicy,
  type AwsManagedPolicyInfo,
} from '../knowledge/managed-policies.js';
import type { StoreTx } from '../store/index.js';
import { touchAccount } from './accounts.js';
import { parsePolicyArn, policyArn } from './arns.js';
import { entityKey, IamPart, validatePolicyText } from './context.js';
import { allOf, checkTagCount } from './entities.js';
import { awsManagedPolicyId, uniqueId } from './ids.js';
import {
  checkDescription,
  checkName,
  checkPath,
  checkTags,
  mergeTags,
  policySize,
  removeTags,
} from './names.js';
import { limitExceeded } from './quotas.js';
import { repos, type ManagedPolicyRecord } from './records.js';
import type { IdentityKind, ManagedPolicyInfo, PolicyVersionInfo, Tag } from './types.js';

export interface CreatePolicyInput {
  account: string;
  name: string;
  path?: string;
  document: string;
  description?: string;
  tags?: Tag[];
}

/** A managed policy as resolved for attachment or evaluation. */
export interface ManagedPolicyDocument {
  arn: string;
  name: string;
  versionId: string;
  document: string;
}

interface Uses {
  attached: number;
  boundary: number;
}

function policyNotFound(arn: string): RolecallError {
  return new RolecallError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
}

function noSuchVersion(arn: string, versionId: string): RolecallError {
  return new RolecallError(
    'NoSuchEntity',
    `Policy ${arn} version ${versionId} does not exist or is not attachable.`,
  );
}

async function requireAwsPolicy(arn: string): Promise<AwsManagedPolicy> {
  const p = await getAwsManagedPolicy(arn);
  if (!p) throw policyNotFound(arn);
  return p;
}

/** A customer managed policy by ARN; AWS managed policies cannot be modified. */
async function requirePolicy(tx: StoreTx, arn: string): Promise<ManagedPolicyRecord> {
  const target = parsePolicyArn(arn);
  if (target.aws) {
    throw new RolecallError('UnmodifiableEntity', `Cannot modify an AWS managed policy: ${arn}.`);
  }
  const rec = await repos.policy.get(tx, entityKey(target.account, target.name));
  if (!rec || rec.path !== target.path || rec.name !== target.name) throw policyNotFound(arn);
  return rec;
}

/** The policy an ARN names, at its default version; NoSuchEntity when it does not exist. */
export async function resolveManagedPolicy(tx: StoreTx, arn: string): Promise<ManagedPolicyDocument> {
  const target = parsePolicyArn(arn);
  if (target.aws) {
    const p = await requireAwsPolicy(arn);
    const v = p.versions.find((x) => x.versionId === p.defaultVersionId) ?? p.versions[p.versions.length - 1];
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

/**
 * The policy an ARN names, for attaching to (or bounding) an identity of `account`: an AWS managed policy or
 * a customer managed policy of that same account; another account's policy is not attachable.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html (NoSuchEntity)
 */
export async function attachablePolicy(
  tx: StoreTx,
  arn: string,
  account: string,
): Promise<ManagedPolicyDocument> {
  const target = parsePolicyArn(arn);
  if (!target.aws && target.account !== account) throw policyNotFound(arn);
  return resolveManagedPolicy(tx, arn);
}

/**
 * AWS managed policies under `/aws-service-role/` are the permissions of service-linked roles only: IAM
 * answers PolicyNotAttachable for any other role, user or group, whether attached or set as a permissions
 * boundary (a service-linked role itself has no boundary).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html (PolicyNotAttachable)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html (PolicyNotAttachable)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPermissionsBoundary.html (PolicyNotAttachable)
 * https://docs.aws.amazon.com/emr/latest/ManagementGuide/using-service-linked-roles-cleanup.html
 */
export function checkNotServiceRolePolicy(arn: string, message: string): void {
  if (arn.startsWith('arn:aws:iam::aws:policy/aws-service-role/')) {
    throw new RolecallError('PolicyNotAttachable', message);
  }
}

/**
 * The canonical ARN of a policy to be used as a permissions boundary of an identity of `account`. CreateRole
 * and CreateUser take the same rule as the Put*PermissionsBoundary operations, whose error lists name
 * PolicyNotAttachable (the create operations' lists do not name an error for it).
 */
export async function boundaryArn(tx: StoreTx, arn: string, account: string): Promise<string> {
  const canonical = (await attachablePolicy(tx, arn, account)).arn;
  checkNotServiceRolePolicy(
    canonical,
    'Cannot set a Service Role Policy as the permissions boundary of a customer role or user.',
  );
  return canonical;
}

async function versionsOf(tx: StoreTx, arn: string): Promise<PolicyVersionInfo[]> {
  const target = parsePolicyArn(arn);
  if (target.aws) {
    const p = await requireAwsPolicy(arn);
    return p.versions.map((v) => ({ ...v, isDefault: v.versionId === p.defaultVersionId }));
  }
  const rec = await requirePolicy(tx, arn);
  return rec.versions.map((v) => ({ ...v, isDefault: v.versionId === rec.defaultVersionId }));
}

async function policyUses(tx: StoreTx, arn: string, account?: string): Promise<Uses> {
  let attached = 0;
  let boundary = 0;
  for (const kind of ['role', 'user', 'group'] as const) {
    for (const rec of await allOf(tx, kind, account)) {
      if (rec.attached.includes(arn)) attached++;
      if ('permissionsBoundary' in rec && rec.permissionsBoundary === arn) boundary++;
    }
  }
  return { attached, boundary };
}

/** Attachment and boundary counts of every policy used by the identities of `account` (all when absent). */
async function usageCounts(tx: StoreTx, account?: string): Promise<Map<string, Uses>> {
  const m = new Map<string, Uses>();
  const entry = (arn: string) => {
    let u = m.get(arn);
    if (!u) m.set(arn, (u = { attached: 0, boundary: 0 }));
    return u;
  };
  for (const kind of ['role', 'user', 'group'] as const) {
    for (const rec of await allOf(tx, kind, account)) {
      for (const a of rec.attached) entry(a).attached++;
      if ('permissionsBoundary' in rec && rec.permissionsBoundary !== undefined)
        entry(rec.permissionsBoundary).boundary++;
    }
  }
  return m;
}

async function policyInfo(
  tx: StoreTx,
  rec: ManagedPolicyRecord,
  counts?: Map<string, Uses>,
): Promise<ManagedPolicyInfo> {
  const arn = policyArn(rec.account, rec.path, rec.name);
  const uses = counts
    ? (counts.get(arn) ?? { attached: 0, boundary: 0 })
    : await policyUses(tx, arn, rec.account);
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

function awsPolicyInfo(p: AwsManagedPolicyInfo, uses: Uses): ManagedPolicyInfo {
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

export class ManagedPolicyService extends IamPart {
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
      await touchAccount(tx, input.account);
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
      checkTagCount(this.ctx, tags);
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
      return policyInfo(tx, rec);
    });
  }

  /** A customer managed or AWS managed policy by ARN. */
  async getPolicy(arn: string): Promise<ManagedPolicyInfo> {
    return await this.read(async (tx) => {
      const target = parsePolicyArn(arn);
      if (target.aws) {
        const p = await requireAwsPolicy(arn);
        return awsPolicyInfo(p, await policyUses(tx, p.arn));
      }
      return policyInfo(tx, await requirePolicy(tx, arn));
    });
  }

  /** Customer managed policies of an account (`scope: 'aws'` lists AWS managed ones instead). */
  listPolicies(
    account: string,
    options: { pathPrefix?: string; onlyAttached?: boolean } = {},
  ): Promise<ManagedPolicyInfo[]> {
    return this.read(async (tx) => {
      const out: ManagedPolicyInfo[] = [];
      const counts = await usageCounts(tx, account);
      for (const rec of await repos.policy.list(tx, `${account}/`)) {
        if (!rec.path.startsWith(options.pathPrefix ?? '/')) continue;
        const info = await policyInfo(tx, rec, counts);
        if (options.onlyAttached && info.attachmentCount === 0) continue;
        out.push(info);
      }
      return out;
    });
  }

  /**
   * Every AWS managed policy, by name (loads the package's data on first use); `inUse`: only those
   * attached to an identity or set as a boundary, found from the uses rather than by reading every policy.
   */
  async listAwsManagedPolicies(
    pathPrefix = '/',
    options: { inUse?: boolean } = {},
  ): Promise<ManagedPolicyInfo[]> {
    const out: ManagedPolicyInfo[] = [];
    const uses = await this.read((tx) => usageCounts(tx));
    const names = options.inUse
      ? [...uses.keys()].filter(isAwsManagedPolicyArn).sort((a, b) => {
          const [x, y] = [awsManagedPolicyName(a), awsManagedPolicyName(b)];
          return x < y ? -1 : x > y ? 1 : 0;
        })
      : await listAwsManagedPolicyNames();
    for (const name of names) {
      // The listing shows no documents: each version's is printed only when asked for.
      const p = await getAwsManagedPolicyInfo(name);
      if (!p || !p.path.startsWith(pathPrefix)) continue;
      out.push(awsPolicyInfo(p, uses.get(p.arn) ?? { attached: 0, boundary: 0 }));
    }
    return out;
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html
  async deletePolicy(arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requirePolicy(tx, arn);
      const canonical = policyArn(rec.account, rec.path, rec.name);
      const uses = await policyUses(tx, canonical);
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
      const rec = await requirePolicy(tx, arn);
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
      const versions = await versionsOf(tx, arn);
      const v = versions.find((x) => x.versionId === versionId);
      if (!v) throw noSuchVersion(arn, versionId);
      return v;
    });
  }

  /** Newest first, as AWS lists them. */
  async listPolicyVersions(arn: string): Promise<PolicyVersionInfo[]> {
    return await this.read(async (tx) => (await versionsOf(tx, arn)).reverse());
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html
  async deletePolicyVersion(arn: string, versionId: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requirePolicy(tx, arn);
      const i = rec.versions.findIndex((v) => v.versionId === versionId);
      if (i < 0) throw noSuchVersion(arn, versionId);
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
      const rec = await requirePolicy(tx, arn);
      if (!rec.versions.some((v) => v.versionId === versionId)) throw noSuchVersion(arn, versionId);
      rec.defaultVersionId = versionId;
      rec.updateDate = this.nowIso();
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  async tagPolicy(arn: string, tags: Tag[]): Promise<void> {
    checkTags(tags);
    return await this.tx(async (tx) => {
      const rec = await requirePolicy(tx, arn);
      const merged = mergeTags(rec.tags, tags);
      checkTagCount(this.ctx, merged);
      rec.tags = merged;
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  async untagPolicy(arn: string, keys: string[]): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requirePolicy(tx, arn);
      rec.tags = removeTags(rec.tags, keys);
      await repos.policy.put(tx, entityKey(rec.account, rec.name), rec);
    });
  }

  /** The default version's document of a managed policy (customer or AWS), for evaluation. */
  async managedPolicyDocument(arn: string): Promise<ManagedPolicyDocument> {
    return await this.read((tx) => resolveManagedPolicy(tx, arn));
  }

  /**
   * The roles, users and groups of `account` a policy is attached to (`PermissionsPolicy`) or bounds
   * (`PermissionsBoundary`), each once, ordered by kind and name; NoSuchEntity when the policy does not exist.
   */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListEntitiesForPolicy.html
  listEntitiesForPolicy(
    account: string,
    arn: string,
    options: { kinds?: readonly IdentityKind[]; pathPrefix?: string; usage?: 'attached' | 'boundary' } = {},
  ): Promise<{ kind: IdentityKind; name: string; id: string; path: string }[]> {
    return this.read(async (tx) => {
      const canonical = (await resolveManagedPolicy(tx, arn)).arn;
      const out: { kind: IdentityKind; name: string; id: string; path: string }[] = [];
      for (const kind of options.kinds ?? (['group', 'role', 'user'] as const)) {
        for (const rec of await allOf(tx, kind, account)) {
          if (!rec.path.startsWith(options.pathPrefix ?? '/')) continue;
          const attached = options.usage !== 'boundary' && rec.attached.includes(canonical);
          const bounds =
            options.usage !== 'attached' &&
            'permissionsBoundary' in rec &&
            rec.permissionsBoundary === canonical;
          if (attached || bounds) out.push({ kind, name: rec.name, id: rec.id, path: rec.path });
        }
      }
      return out;
    });
  }

  /** Identities a policy is attached to or bounds. */
  entitiesForPolicy(
    arn: string,
  ): Promise<{ kind: IdentityKind; account: string; name: string; boundary: boolean }[]> {
    return this.read(async (tx) => {
      const out: { kind: IdentityKind; account: string; name: string; boundary: boolean }[] = [];
      for (const kind of ['role', 'user', 'group'] as const) {
        for (const rec of await allOf(tx, kind)) {
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

  private checkManagedDocument(document: string): void {
    validatePolicyText(this.ctx, document, 'identity');
    if (policySize(document) > this.ctx.quotas.managedPolicySize) {
      throw limitExceeded('managedPolicySize', this.ctx.quotas.managedPolicySize);
    }
  }
}
