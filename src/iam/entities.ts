/**
 * What roles, users and groups share: their records as one union, the word AWS uses for each in messages,
 * lookup by reference, per-account and per-entity quotas, and renaming under the case-insensitive key.
 * Each kind's own operations live in roles.ts, users.ts and groups.ts.
 */
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { touchAccount } from './accounts.js';
import { entityKey, type IamContext, type Repo } from './context.js';
import { checkName, checkPath, checkTags, type NamedEntity } from './names.js';
import { limitExceeded, type IamQuotas } from './quotas.js';
import {
  repos,
  type GroupRecord,
  type InstanceProfileRecord,
  type RoleRecord,
  type UserRecord,
} from './records.js';
import type { IdentityKind, IdentityRef, Tag } from './types.js';

export type IdentityRecord = RoleRecord | UserRecord | GroupRecord;

export const KIND_WORD: Record<IdentityKind, string> = { role: 'role', user: 'user', group: 'group' };

const ENTITY_QUOTA: Record<IdentityKind, keyof IamQuotas> = {
  role: 'rolesPerAccount',
  user: 'usersPerAccount',
  group: 'groupsPerAccount',
};

export function noSuchEntity(kind: IdentityKind, name: string): RolecallError {
  return new RolecallError('NoSuchEntity', `The ${KIND_WORD[kind]} with name ${name} cannot be found.`);
}

/** Service-linked roles live under `/aws-service-role/<service>/`. */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
export function isServiceLinked(role: { path: string }): boolean {
  return role.path.startsWith('/aws-service-role/');
}

/**
 * A service-linked role is changed only by its service: IAM answers UnmodifiableEntity, naming the role (and,
 * for DeleteRole, the way it is deleted). Only its description can be edited.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html (UnmodifiableEntity)
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html
 */
export function requireModifiable(rec: IdentityRecord, kind: IdentityKind, deleting = false): void {
  if (kind !== 'role' || !isServiceLinked(rec)) return;
  const service = rec.path.split('/')[2] ?? '';
  throw new RolecallError(
    'UnmodifiableEntity',
    `Cannot perform the operation on the protected role '${rec.name}' - this role is only modifiable by AWS` +
      (deleting ? ` (${service}); delete it with DeleteServiceLinkedRole` : ''),
  );
}

export async function requireRole(tx: StoreTx, account: string, name: string): Promise<RoleRecord> {
  const rec = await repos.role.get(tx, entityKey(account, name));
  if (!rec) throw noSuchEntity('role', name);
  return rec;
}

export async function requireUser(tx: StoreTx, account: string, name: string): Promise<UserRecord> {
  const rec = await repos.user.get(tx, entityKey(account, name));
  if (!rec) throw noSuchEntity('user', name);
  return rec;
}

/**
 * The user a credential was issued to: the one with its unique id (by name first, then among the account's
 * users, since a user keeps its id when renamed); for a record stored before ids were recorded, the user of
 * that name if it existed when the credential was issued. Undefined once that user is gone: a new user of
 * the same name is another principal.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
export async function credentialUser(
  tx: StoreTx,
  account: string,
  name: string,
  id: string | undefined,
  issued: string,
): Promise<UserRecord | undefined> {
  const byName = await repos.user.get(tx, entityKey(account, name));
  if (id === undefined) return byName && byName.createDate <= issued ? byName : undefined;
  if (byName?.id === id) return byName;
  return (await repos.user.list(tx, `${account}/`)).find((u) => u.id === id);
}

export async function requireGroup(tx: StoreTx, account: string, name: string): Promise<GroupRecord> {
  const rec = await repos.group.get(tx, entityKey(account, name));
  if (!rec) throw noSuchEntity('group', name);
  return rec;
}

export async function requireIdentity(tx: StoreTx, ref: IdentityRef): Promise<IdentityRecord> {
  switch (ref.kind) {
    case 'role':
      return requireRole(tx, ref.account, ref.name);
    case 'user':
      return requireUser(tx, ref.account, ref.name);
    case 'group':
      return requireGroup(tx, ref.account, ref.name);
  }
}

export function putIdentity(tx: StoreTx, kind: IdentityKind, rec: IdentityRecord): Promise<void> {
  const key = entityKey(rec.account, rec.name);
  switch (kind) {
    case 'role':
      return repos.role.put(tx, key, rec as RoleRecord);
    case 'user':
      return repos.user.put(tx, key, rec as UserRecord);
    case 'group':
      return repos.group.put(tx, key, rec);
  }
}

/** Every identity of a kind, of `account` or of all accounts. */
export async function allOf(tx: StoreTx, kind: IdentityKind, account?: string): Promise<IdentityRecord[]> {
  const prefix = account !== undefined ? `${account}/` : undefined;
  if (kind === 'role') return repos.role.list(tx, prefix);
  if (kind === 'user') return repos.user.list(tx, prefix);
  return repos.group.list(tx, prefix);
}

/** The instance profiles of `account` that hold the role `roleName` (names without regard to case). */
export async function profilesOfRole(
  tx: StoreTx,
  account: string,
  roleName: string,
): Promise<InstanceProfileRecord[]> {
  const lower = roleName.toLowerCase();
  return (await repos.instanceProfile.list(tx, `${account}/`)).filter((p) =>
    p.roles.some((r) => r.toLowerCase() === lower),
  );
}

export async function checkEntityCount(
  ctx: IamContext,
  tx: StoreTx,
  kind: IdentityKind,
  account: string,
): Promise<void> {
  const quota = ENTITY_QUOTA[kind];
  const table = kind === 'role' ? 'role' : kind === 'user' ? 'user' : 'group';
  if ((await tx.list(table, `${account}/`)).length >= ctx.quotas[quota]) {
    throw limitExceeded(quota, ctx.quotas[quota]);
  }
}

/**
 * What every Create* of a named entity checks before it opens a transaction: AWS's name, path and tag
 * rules. Returns the path and tags with their defaults.
 */
export function checkNewEntity(
  kind: NamedEntity,
  input: { name: string; path?: string; tags?: Tag[] },
): { path: string; tags: Tag[] } {
  checkName(kind, input.name);
  const path = input.path ?? '/';
  checkPath(path);
  const tags = input.tags ?? [];
  checkTags(tags);
  return { path, tags };
}

/**
 * The key a new entity of `account` is stored under, after registering the account if it is new; the name
 * taken by another entity of the account (regardless of case) is EntityAlreadyExists, worded `taken`.
 */
export async function claimName<T>(
  tx: StoreTx,
  repo: Repo<T>,
  account: string,
  name: string,
  taken: string,
): Promise<string> {
  await touchAccount(tx, account);
  const key = entityKey(account, name);
  if (await repo.get(tx, key)) throw new RolecallError('EntityAlreadyExists', taken);
  return key;
}

export function checkTagCount(ctx: IamContext, tags: readonly Tag[]): void {
  if (tags.length > ctx.quotas.tagsPerEntity) throw limitExceeded('tagsPerEntity', ctx.quotas.tagsPerEntity);
}

/**
 * Renames and/or moves a user or group record under its (account, name) key; names are unique without
 * regard to case. Returns the old name so callers can update what refers to it.
 */
export async function renameEntity<T extends { account: string; name: string; path: string }>(
  tx: StoreTx,
  repo: Repo<T>,
  label: 'User' | 'Group',
  rec: T,
  input: { newName?: string; newPath?: string },
): Promise<string> {
  const oldName = rec.name;
  if (input.newName !== undefined && input.newName.toLowerCase() !== oldName.toLowerCase()) {
    if (await repo.get(tx, entityKey(rec.account, input.newName))) {
      throw new RolecallError('EntityAlreadyExists', `${label} with name ${input.newName} already exists.`);
    }
  }
  if (input.newName !== undefined) rec.name = input.newName;
  if (input.newPath !== undefined) rec.path = input.newPath;
  await repo.delete(tx, entityKey(rec.account, oldName));
  await repo.put(tx, entityKey(rec.account, rec.name), rec);
  return oldName;
}
