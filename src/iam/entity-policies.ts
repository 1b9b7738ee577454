/**
 * What is attached to a role, user or group: inline policies (with the aggregate size quota), managed policy
 * attachments, the permissions boundary of roles and users, and their tags.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { IamPart, validatePolicyText } from './context.js';
import {
  checkTagCount,
  KIND_WORD,
  putIdentity,
  requireIdentity,
  requireModifiable,
  type IdentityRecord,
} from './entities.js';
import { attachablePolicy, boundaryArn, checkNotServiceRolePolicy } from './managed-policies.js';
import { checkName, checkTags, mergeTags, policySize, removeTags } from './names.js';
import { limitExceeded, type IamQuotas } from './quotas.js';
import type { RoleRecord, UserRecord } from './records.js';
import type { AttachedPolicy, IdentityKind, IdentityRef, InlinePolicy, Tag } from './types.js';

const MANAGED_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'managedPoliciesPerRole',
  user: 'managedPoliciesPerUser',
  group: 'managedPoliciesPerGroup',
};
const INLINE_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'roleInlinePolicySize',
  user: 'userInlinePolicySize',
  group: 'groupInlinePolicySize',
};

function noSuchInlinePolicy(kind: IdentityKind, policyName: string): RolecallError {
  return new RolecallError(
    'NoSuchEntity',
    `The ${KIND_WORD[kind]} policy with name ${policyName} cannot be found.`,
  );
}

/** The identity, which must not be a service-linked role (its policies are its service's). */
async function requireChangeable(tx: StoreTx, ref: IdentityRef): Promise<IdentityRecord> {
  const rec = await requireIdentity(tx, ref);
  requireModifiable(rec, ref.kind);
  return rec;
}

export class EntityPolicyService extends IamPart {
  /** Adds or replaces an inline policy; the aggregate size of an identity's inline policies has a quota. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
  async putInlinePolicy(ref: IdentityRef, policyName: string, document: string): Promise<void> {
    checkName('policyName', policyName);
    validatePolicyText(this.ctx, document, 'identity');
    return this.tx(async (tx) => {
      const rec = await requireChangeable(tx, ref);
      const rest = rec.inline.filter((p) => p.name !== policyName);
      const total = rest.reduce((n, p) => n + policySize(p.document), 0) + policySize(document);
      const quota = INLINE_QUOTA[ref.kind];
      if (total > this.ctx.quotas[quota]) {
        throw new RolecallError(
          'LimitExceeded',
          `Maximum policy size of ${this.ctx.quotas[quota]} bytes exceeded for ${KIND_WORD[ref.kind]} ${rec.name}`,
        );
      }
      const i = rec.inline.findIndex((p) => p.name === policyName);
      if (i >= 0) rec.inline[i] = { name: policyName, document };
      else rec.inline.push({ name: policyName, document });
      await putIdentity(tx, ref.kind, rec);
    });
  }

  async getInlinePolicy(ref: IdentityRef, policyName: string): Promise<InlinePolicy> {
    return await this.read(async (tx) => {
      const rec = await requireIdentity(tx, ref);
      const p = rec.inline.find((x) => x.name === policyName);
      if (!p) throw noSuchInlinePolicy(ref.kind, policyName);
      return p;
    });
  }

  async listInlinePolicies(ref: IdentityRef): Promise<InlinePolicy[]> {
    return await this.read(async (tx) => (await requireIdentity(tx, ref)).inline);
  }

  async deleteInlinePolicy(ref: IdentityRef, policyName: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireChangeable(tx, ref);
      const i = rec.inline.findIndex((x) => x.name === policyName);
      if (i < 0) throw noSuchInlinePolicy(ref.kind, policyName);
      rec.inline.splice(i, 1);
      await putIdentity(tx, ref.kind, rec);
    });
  }

  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html
  async attachPolicy(ref: IdentityRef, arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireChangeable(tx, ref);
      const canonical = (await attachablePolicy(tx, arn, ref.account)).arn;
      checkNotServiceRolePolicy(canonical, 'Cannot attach a Service Role Policy to a Customer Role.');
      if (rec.attached.includes(canonical)) return;
      const quota = MANAGED_QUOTA[ref.kind];
      if (rec.attached.length >= this.ctx.quotas[quota]) throw limitExceeded(quota, this.ctx.quotas[quota]);
      rec.attached.push(canonical);
      await putIdentity(tx, ref.kind, rec);
    });
  }

  async detachPolicy(ref: IdentityRef, arn: string): Promise<void> {
    return await this.tx(async (tx) => {
      const rec = await requireChangeable(tx, ref);
      const i = rec.attached.indexOf(arn);
      if (i < 0) throw new RolecallError('NoSuchEntity', `Policy ${arn} was not found.`);
      rec.attached.splice(i, 1);
      await putIdentity(tx, ref.kind, rec);
    });
  }

  async listAttachedPolicies(ref: IdentityRef): Promise<AttachedPolicy[]> {
    return await this.read(async (tx) =>
      (await requireIdentity(tx, ref)).attached.map((arn) => ({
        arn,
        name: arn.slice(arn.lastIndexOf('/') + 1),
      })),
    );
  }

  /** Sets (or with `undefined` removes) the permissions boundary of a role or user. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html
  async setPermissionsBoundary(ref: IdentityRef, arn: string | undefined): Promise<void> {
    if (ref.kind === 'group')
      throw new RolecallError('InvalidInput', 'groups cannot have a permissions boundary');
    return await this.tx(async (tx) => {
      const rec = (await requireChangeable(tx, ref)) as RoleRecord | UserRecord;
      if (arn === undefined) delete rec.permissionsBoundary;
      else rec.permissionsBoundary = await boundaryArn(tx, arn, ref.account);
      await putIdentity(tx, ref.kind, rec);
    });
  }

  /** Adds or replaces tags of a role or user; IAM tag keys are case-insensitive. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html
  async tagIdentity(ref: IdentityRef, tags: Tag[]): Promise<void> {
    checkTags(tags);
    if (ref.kind === 'group') throw new RolecallError('InvalidInput', 'groups cannot be tagged');
    return await this.tx(async (tx) => {
      const rec = (await requireIdentity(tx, ref)) as RoleRecord | UserRecord;
      const merged = mergeTags(rec.tags, tags);
      checkTagCount(this.ctx, merged);
      rec.tags = merged;
      await putIdentity(tx, ref.kind, rec);
    });
  }

  async untagIdentity(ref: IdentityRef, keys: string[]): Promise<void> {
    if (ref.kind === 'group') throw new RolecallError('InvalidInput', 'groups cannot be tagged');
    return await this.tx(async (tx) => {
      const rec = (await requireIdentity(tx, ref)) as RoleRecord | UserRecord;
      rec.tags = removeTags(rec.tags, keys);
      await putIdentity(tx, ref.kind, rec);
    });
  }
}
