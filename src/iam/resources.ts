/**
 * Registered resources: what a decision or an EMR readiness check needs to know about an S3 bucket, a KMS
 * key, a secret, a VPC, subnet or security group, an EMR cluster: its owner, its resource-based policy
 * and its tags. Keyed by ARN.
 */
import { RolecallError } from '../errors.js';
import { parseArn, type Arn } from '../policy/arn.js';
import type { StoreTx } from '../store/index.js';
import { validatePolicyText, type IamContext } from './context.js';
import { checkAccountId, checkTags, mergeTags, removeTags } from './names.js';
import { checkPrincipalsExist, iamInvalidPrincipal } from './principal-references.js';
import { limitExceeded } from './quotas.js';
import { repos } from './records.js';
import type { ResourceInfo, ResourceType, Tag } from './types.js';

export interface PutResourceInput {
  arn: string;
  /** Required for S3 buckets, whose ARN names no account; otherwise taken from the ARN. */
  account?: string;
  policy?: string;
  tags?: Tag[];
  attributes?: Record<string, string>;
}

/** The type of resource an ARN names, from its service and resource part. */
export function resourceTypeOf(arn: string): ResourceType {
  const a = parseArn(arn);
  if (!a) return 'other';
  const r = a.resource;
  if (a.service === 's3' && a.account === '' && !r.includes('/')) return 's3-bucket';
  if (a.service === 'kms' && r.startsWith('key/')) return 'kms-key';
  if (a.service === 'secretsmanager' && r.startsWith('secret:')) return 'secret';
  if (a.service === 'ec2' && r.startsWith('vpc/')) return 'vpc';
  if (a.service === 'ec2' && r.startsWith('subnet/')) return 'subnet';
  if (a.service === 'ec2' && r.startsWith('security-group/')) return 'security-group';
  if (a.service === 'elasticmapreduce' && r.startsWith('cluster/')) return 'emr-cluster';
  return 'other';
}

/** The ARN of an S3 object's bucket (as the bucket is registered); undefined when `arn` is no S3 object. */
export function s3ObjectBucket(arn: Arn): string | undefined {
  if (arn.service !== 's3' || arn.account !== '') return undefined;
  const slash = arn.resource.indexOf('/');
  return slash < 0 ? undefined : `arn:${arn.partition}:s3:::${arn.resource.slice(0, slash)}`;
}

/**
 * How each service words a resource policy naming an IAM user or role that does not exist (see
 * checkPrincipalsExist): S3 answers MalformedPolicy "Invalid principal in policy", KMS (whose key policy
 * principals "must exist and be visible to KMS") MalformedPolicyDocumentException.
 * https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 * https://repost.aws/knowledge-center/kms-policy-error-invalid-principals
 */
function invalidPrincipal(type: ResourceType): (value: string) => string {
  if (type === 's3-bucket') return () => 'Invalid principal in policy';
  if (type === 'kms-key') return () => 'Policy contains a statement with one or more invalid principals.';
  return iamInvalidPrincipal;
}

/** Only these carry a resource-based policy here (EC2 networking and EMR clusters have none). */
const TAKES_POLICY = new Set<ResourceType>(['s3-bucket', 'kms-key', 'secret', 'other']);

export class ResourceRegistry {
  constructor(readonly ctx: IamContext) {}

  /** Registers a resource or replaces what is known about it. */
  /** `deferPrincipals`: the caller runs `checkPrincipals` before committing (see RoleService's option). */
  async put(input: PutResourceInput, options: { deferPrincipals?: boolean } = {}): Promise<ResourceInfo> {
    const a = parseArn(input.arn);
    if (!a || a.service === '' || a.resource === '') {
      throw new RolecallError('InvalidInput', `ARN ${input.arn} is not valid.`);
    }
    const type = resourceTypeOf(input.arn);
    const account = input.account ?? a.account;
    if (account === '') {
      throw new RolecallError(
        'InvalidInput',
        `the owner account of \`${input.arn}\` is not in its ARN: give it with --account`,
      );
    }
    checkAccountId(account);
    if (input.account !== undefined && a.account !== '' && input.account !== a.account) {
      throw new RolecallError(
        'InvalidInput',
        `account \`${input.account}\` does not match the ARN \`${input.arn}\``,
      );
    }
    const tags = input.tags ?? [];
    checkTags(tags);
    if (tags.length > this.ctx.quotas.tagsPerEntity)
      throw limitExceeded('tagsPerEntity', this.ctx.quotas.tagsPerEntity);
    if (input.policy !== undefined) this.checkPolicy(input.arn, type, input.policy);
    const info: ResourceInfo = {
      arn: input.arn,
      type,
      account,
      region: a.region,
      ...(input.policy !== undefined ? { policy: input.policy } : {}),
      tags,
      attributes: input.attributes ?? {},
    };
    return await this.ctx.store.withTransaction(async (tx) => {
      if (input.policy !== undefined && !options.deferPrincipals)
        await checkPrincipalsExist(tx, input.policy, 'resource', invalidPrincipal(type));
      await repos.resource.put(tx, input.arn, info);
      return info;
    });
  }

  /** Undefined when the resource is not registered. */
  async find(arn: string): Promise<ResourceInfo | undefined> {
    return await this.ctx.store.withTransaction((tx) => repos.resource.get(tx, arn), { readOnly: true });
  }

  /**
   * An S3 bucket's record (undefined when it is not registered) and the records of its objects (the ARNs
   * `<bucket ARN>/...`), at most `limit` of them (the first in key order), read in one transaction.
   */
  async bucketObjects(
    bucketArn: string,
    limit: number,
  ): Promise<{ bucket: ResourceInfo | undefined; objects: ResourceInfo[] }> {
    return await this.ctx.store.withTransaction(
      async (tx) => ({
        bucket: await repos.resource.get(tx, bucketArn),
        objects: await repos.resource.list(tx, `${bucketArn}/`, limit),
      }),
      { readOnly: true },
    );
  }

  async get(arn: string): Promise<ResourceInfo> {
    return await this.ctx.store.withTransaction((tx) => this.require(tx, arn), { readOnly: true });
  }

  async list(filter: { account?: string; type?: ResourceType } = {}): Promise<ResourceInfo[]> {
    return await this.ctx.store.withTransaction(
      async (tx) =>
        (await repos.resource.list(tx)).filter(
          (r) =>
            (filter.account === undefined || r.account === filter.account) &&
            (filter.type === undefined || r.type === filter.type),
        ),
      { readOnly: true },
    );
  }

  /** The check `deferPrincipals` skipped, on the policy of the resource `arn` against the store as it is now. */
  async checkPrincipals(arn: string, policy: string): Promise<void> {
    return await this.ctx.store.withTransaction(
      (tx) => checkPrincipalsExist(tx, policy, 'resource', invalidPrincipal(resourceTypeOf(arn))),
      { readOnly: true },
    );
  }

  async delete(arn: string): Promise<void> {
    return await this.ctx.store.withTransaction(async (tx) => {
      await this.require(tx, arn);
      await repos.resource.delete(tx, arn);
    });
  }

  /** Service tags are case-sensitive (unlike IAM's). */
  // https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (tag keys and values are case sensitive)
  async tag(arn: string, tags: Tag[]): Promise<ResourceInfo> {
    checkTags(tags);
    return await this.update(arn, (r) => {
      const merged = mergeTags(r.tags, tags, false);
      if (merged.length > this.ctx.quotas.tagsPerEntity)
        throw limitExceeded('tagsPerEntity', this.ctx.quotas.tagsPerEntity);
      r.tags = merged;
    });
  }

  async untag(arn: string, keys: string[]): Promise<ResourceInfo> {
    return await this.update(arn, (r) => {
      r.tags = removeTags(r.tags, keys, false);
    });
  }

  async setPolicy(arn: string, policy: string | undefined): Promise<ResourceInfo> {
    return await this.ctx.store.withTransaction(async (tx) => {
      const r = await this.require(tx, arn);
      if (policy === undefined) delete r.policy;
      else {
        this.checkPolicy(arn, r.type, policy);
        await checkPrincipalsExist(tx, policy, 'resource', invalidPrincipal(r.type));
        r.policy = policy;
      }
      await repos.resource.put(tx, arn, r);
      return r;
    });
  }

  private checkPolicy(arn: string, type: ResourceType, policy: string): void {
    if (!TAKES_POLICY.has(type)) {
      throw new RolecallError('InvalidInput', `a ${type} has no resource-based policy`);
    }
    // S3 has bucket policies only: a bucket's policy governs its objects (the resolver reads it for them).
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
    const a = parseArn(arn);
    if (a !== undefined && s3ObjectBucket(a) !== undefined) {
      throw new RolecallError(
        'InvalidInput',
        `an S3 object (\`${arn}\`) has no resource-based policy: its bucket's policy governs it`,
      );
    }
    validatePolicyText(this.ctx, policy, 'resource');
  }

  private update(arn: string, change: (r: ResourceInfo) => void): Promise<ResourceInfo> {
    return this.ctx.store.withTransaction(async (tx) => {
      const r = await this.require(tx, arn);
      change(r);
      await repos.resource.put(tx, arn, r);
      return r;
    });
  }

  private async require(tx: StoreTx, arn: string): Promise<ResourceInfo> {
    const r = await repos.resource.get(tx, arn);
    if (!r) throw new RolecallError('NoSuchEntity', `The resource ${arn} is not registered.`);
    return r;
  }
}
