/**
 * iam/'s entities to AWS wire shapes (`Role`, `Policy`, `PolicyVersion`, …) and wire parameters to domain
 * inputs (tags, entity ARNs). AWS's wire names live here and in the operation files only.
 */
import { RolecallError } from '../errors.js';
import type { ContextValue } from '../eval/types.js';
import type {
  AccessKeyInfo,
  AttachedPolicy,
  GroupInfo,
  InstanceProfileInfo,
  ManagedPolicyInfo,
  PolicyVersionInfo,
  RoleInfo,
  Tag,
  UserInfo,
} from '../iam/types.js';
import type { QueryParams } from './form.js';
import type { XmlValue } from './xml.js';

/**
 * Policy documents are returned URL-encoded per RFC 3986 (every character but the unreserved ones).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html
 */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function tagsXml(tags: readonly Tag[]): XmlValue {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

/** iam/ keeps ISO-8601 text; the wire renders a timestamp (AWS's form, no milliseconds). */
export function wireDate(iso: string): Date {
  return new Date(iso);
}

function boundaryXml(arn: string | undefined): XmlValue {
  return arn === undefined ? undefined : { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn };
}

/** The full Role shape (CreateRole, GetRole); `listed` drops what ListRoles does not return. */
export function roleXml(r: RoleInfo, listed = false): XmlValue {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.id,
    Arn: r.arn,
    CreateDate: wireDate(r.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(r.trustPolicy),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    // ListRoles omits the boundary, tags and last use (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html)
    PermissionsBoundary: listed ? undefined : boundaryXml(r.permissionsBoundary),
    Tags: listed || r.tags.length === 0 ? undefined : tagsXml(r.tags),
    // rolecall does not track last use: an empty RoleLastUsed, as AWS returns for a role never used
    RoleLastUsed: listed ? undefined : {},
  };
}

/** InstanceProfile; `listed` (ListInstanceProfiles…) drops the tags, as AWS's listings do. */
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_InstanceProfile.html
export function instanceProfileXml(p: InstanceProfileInfo, listed = false): XmlValue {
  return {
    Path: p.path,
    InstanceProfileName: p.name,
    InstanceProfileId: p.id,
    Arn: p.arn,
    CreateDate: wireDate(p.createDate),
    Roles: p.roles.map((r) => roleXml(r, true)),
    Tags: listed || p.tags.length === 0 ? undefined : tagsXml(p.tags),
  };
}

export function userXml(u: UserInfo, listed = false): XmlValue {
  return {
    Path: u.path,
    UserName: u.name,
    UserId: u.id,
    Arn: u.arn,
    CreateDate: wireDate(u.createDate),
    PermissionsBoundary: listed ? undefined : boundaryXml(u.permissionsBoundary),
    Tags: listed || u.tags.length === 0 ? undefined : tagsXml(u.tags),
  };
}

export function groupXml(g: GroupInfo): XmlValue {
  return { Path: g.path, GroupName: g.name, GroupId: g.id, Arn: g.arn, CreateDate: wireDate(g.createDate) };
}

export function policyXml(p: ManagedPolicyInfo, withTags = true): XmlValue {
  return {
    PolicyName: p.name,
    PolicyId: p.id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: p.boundaryUsageCount,
    IsAttachable: true,
    Description: p.description,
    CreateDate: wireDate(p.createDate),
    UpdateDate: wireDate(p.updateDate),
    Tags: withTags && p.tags.length > 0 ? tagsXml(p.tags) : undefined,
  };
}

export function policyVersionXml(v: PolicyVersionInfo, withDocument: boolean): XmlValue {
  return {
    Document: withDocument ? encodePolicyDocument(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.isDefault,
    CreateDate: wireDate(v.createDate),
  };
}

export function attachedXml(refs: readonly AttachedPolicy[]): XmlValue {
  return refs.map((a) => ({ PolicyName: a.name, PolicyArn: a.arn }));
}

/** AccessKey (with the secret, CreateAccessKey) or AccessKeyMetadata (ListAccessKeys). */
export function accessKeyXml(k: AccessKeyInfo & { secretAccessKey?: string }): XmlValue {
  return {
    UserName: k.userName,
    AccessKeyId: k.accessKeyId,
    Status: k.status,
    SecretAccessKey: k.secretAccessKey,
    CreateDate: wireDate(k.createDate),
  };
}

/** `Tags.member.N.Key` / `.Value`. */
export function readTags(params: QueryParams, name = 'Tags'): Tag[] {
  return params.structs(name, (m) => ({ key: m.required('Key'), value: m.string('Value') ?? '' }));
}

/** The context keys a request carrying tags adds (aws:RequestTag/key, aws:TagKeys). */
export function requestTagContext(tags: readonly Tag[]): Record<string, ContextValue> {
  if (tags.length === 0) return {};
  const ctx: Record<string, ContextValue> = { 'aws:TagKeys': tags.map((t) => t.key) };
  for (const t of tags) ctx[`aws:RequestTag/${t.key}`] = t.value;
  return ctx;
}

/** The context keys of an existing resource's tags (aws:ResourceTag/key and its IAM alias). */
export function resourceTagContext(tags: readonly Tag[]): Record<string, ContextValue> {
  const ctx: Record<string, ContextValue> = {};
  for (const t of tags) {
    ctx[`aws:ResourceTag/${t.key}`] = t.value;
    ctx[`iam:ResourceTag/${t.key}`] = t.value;
  }
  return ctx;
}

/** A policy ARN parameter must at least look like an ARN before anything is looked up. */
export function requirePolicyArn(params: QueryParams, name = 'PolicyArn'): string {
  const arn = params.required(name);
  if (!arn.startsWith('arn:') || arn.split(':').length < 6) {
    throw new RolecallError('InvalidInput', `ARN ${arn} is not valid.`);
  }
  return arn;
}
