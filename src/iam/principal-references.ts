/**
 * A policy whose Principal names an IAM user or role names THAT principal, not whoever holds its name
 * later: AWS keeps the principal's unique id behind the ARN. When the user or role is deleted, the policies
 * that name it show its unique id in place of the ARN (and so trust no new principal of the same name);
 * when a user is renamed or moved, they show its new ARN. Role trust policies and the resource-based
 * policies of registered resources are rewritten in the same transaction as the deletion or rename.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
 */
import { RolecallError } from '../errors.js';
import { parseArn } from '../policy/arn.js';
import { parsePolicy } from '../policy/index.js';
import type { Located, PolicyDocument, PolicyKind } from '../policy/types.js';
import type { Store, StoreTx } from '../store/index.js';
import { roleArn, userArn } from './arns.js';
import { entityKey, isoDate } from './context.js';
import { uniqueId } from './ids.js';
import { repos } from './records.js';

/** Where a JSON string literal starting at `start` (its opening quote) ends, past its closing quote. */
function literalEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
  }
  return text.length;
}

/** Every `AWS` value of the policy's Principal and NotPrincipal elements, with its place. */
function awsPrincipals(document: PolicyDocument): Located[] {
  const out: Located[] = [];
  for (const st of document.statements) {
    for (const block of [st.principal, st.notPrincipal]) {
      for (const e of block?.entries ?? []) if (e.type === 'AWS') out.push(...e.values);
    }
  }
  return out;
}

/**
 * The policy with every `AWS` entry of its Principal and NotPrincipal elements that is exactly `from`
 * replaced by `to`; the rest of the text is kept as it was written.
 */
export function replacePrincipal(text: string, kind: PolicyKind, from: string, to: string): string {
  const name = from.slice(from.lastIndexOf('/') + 1);
  if (!text.includes(name)) return text;
  const document = parsePolicy(text, { kind }).document;
  if (!document) return text;
  const spans = awsPrincipals(document)
    .filter((v) => v.value === from && text.charCodeAt(v.pos.offset) === 34)
    .map((v) => v.pos.offset);
  if (spans.length === 0) return text;
  let out = text;
  for (const start of spans.sort((a, b) => b - a)) {
    out = out.slice(0, start) + JSON.stringify(to) + out.slice(literalEnd(out, start));
  }
  return out;
}

/** Rewrites `from` to `to` in every role's trust policy and every registered resource's policy. */
export async function replacePrincipalEverywhere(tx: StoreTx, from: string, to: string): Promise<void> {
  for (const role of await repos.role.list(tx)) {
    const trustPolicy = replacePrincipal(role.trustPolicy, 'trust', from, to);
    if (trustPolicy !== role.trustPolicy) {
      await repos.role.put(tx, entityKey(role.account, role.name), { ...role, trustPolicy });
    }
  }
  for (const resource of await repos.resource.list(tx)) {
    if (resource.policy === undefined) continue;
    const policy = replacePrincipal(resource.policy, 'resource', from, to);
    if (policy !== resource.policy) await repos.resource.put(tx, resource.arn, { ...resource, policy });
  }
}

/** Whether `arn` names, exactly (path and case included), an IAM user or role that exists now. */
async function principalExists(tx: StoreTx, account: string, kind: 'user' | 'role', arn: string) {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  if (kind === 'role') {
    const r = await repos.role.get(tx, entityKey(account, name));
    return r !== undefined && roleArn(r.account, r.path, r.name) === arn;
  }
  const u = await repos.user.get(tx, entityKey(account, name));
  return u !== undefined && userArn(u.account, u.path, u.name) === arn;
}

/**
 * The IAM user and role ARNs of a policy's Principal and NotPrincipal that name no user or role of an
 * account the store knows (see checkPrincipalsExist for what is not checked).
 */
async function missingPrincipals(
  tx: StoreTx,
  text: string,
  kind: PolicyKind,
): Promise<{ value: Located; type: 'user' | 'role' }[]> {
  if (!text.includes(':user/') && !text.includes(':role/')) return [];
  const document = parsePolicy(text, { kind }).document;
  if (!document) return [];
  const out: { value: Located; type: 'user' | 'role' }[] = [];
  for (const v of awsPrincipals(document)) {
    const arn = parseArn(v.value);
    if (!arn || arn.service !== 'iam' || /[*?]/.test(v.value)) continue;
    const type = arn.resource.startsWith('user/')
      ? 'user'
      : arn.resource.startsWith('role/')
        ? 'role'
        : undefined;
    if (type === undefined || !(await repos.account.get(tx, arn.account))) continue;
    if (!(await principalExists(tx, arn.account, type, v.value))) out.push({ value: v, type });
  }
  return out;
}

/**
 * Refuses a policy whose Principal or NotPrincipal names, by ARN, an IAM user or role that does not exist in
 * an account the store knows: AWS binds the ARN to the principal's unique id when the policy is saved, so the
 * principal must exist then, and a role cannot name itself in the trust policy it is created with. An ARN is
 * case sensitive, so `role/myrole` does not name `MyRole`, and the path is part of it. What rolecall cannot
 * check passes: accounts it does not know (AWS also refuses accounts that do not exist, but only AWS knows
 * them), account principals (`123456789012`, `:root`), `*`, role and federated user sessions (their session
 * names are free) and unique ids. `invalid` words the error for the policy's service.
 * https://repost.aws/knowledge-center/iam-trust-policy-error
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
 */
export async function checkPrincipalsExist(
  tx: StoreTx,
  text: string,
  kind: PolicyKind,
  invalid: (value: string) => string,
): Promise<void> {
  const v = (await missingPrincipals(tx, text, kind))[0]?.value;
  if (v === undefined) return;
  throw new RolecallError('MalformedPolicyDocument', invalid(v.value), {
    line: v.pos.line,
    column: v.pos.column,
    path: v.pos.path,
  });
}

/** IAM's wording (CreateRole, UpdateAssumeRolePolicy), as its console and SDKs show it. */
export const iamInvalidPrincipal = (value: string): string => `Invalid principal in policy: "AWS":"${value}"`;

const REPAIRED = 'principal-references';

/**
 * Stores written before policies were bound to unique ids may still name, by ARN, users and roles deleted
 * since, and such an ARN would match the next principal created under that name. Once per store (marked in
 * `store-meta`), every IAM user or role ARN in a trust or resource policy that names no principal of an
 * account the store knows is replaced by an id of the right kind that no principal has: where AWS shows the
 * deleted principal's unique id, which such a store never kept. A store opened for the first time by this
 * version is marked after the same pass (it has nothing to repair unless it was written by an older one).
 * Returns how many references were replaced.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
 */
export async function repairPrincipalReferences(store: Store, now = Date.now()): Promise<number> {
  const done = await store.withTransaction((tx) => tx.get('store-meta', REPAIRED), { readOnly: true });
  if (done !== undefined) return 0;
  return await store.withTransaction(async (tx) => {
    if ((await tx.get('store-meta', REPAIRED)) !== undefined) return 0;
    const replacement = new Map<string, string>();
    const repair = async (text: string, kind: PolicyKind): Promise<string> => {
      let out = text;
      for (const { value, type } of await missingPrincipals(tx, text, kind)) {
        let id = replacement.get(value.value);
        if (id === undefined) {
          id = uniqueId(type === 'user' ? 'AIDA' : 'AROA');
          replacement.set(value.value, id);
        }
        out = replacePrincipal(out, kind, value.value, id);
      }
      return out;
    };
    let changed = 0;
    for (const role of await repos.role.list(tx)) {
      const trustPolicy = await repair(role.trustPolicy, 'trust');
      if (trustPolicy === role.trustPolicy) continue;
      changed++;
      await repos.role.put(tx, entityKey(role.account, role.name), { ...role, trustPolicy });
    }
    for (const resource of await repos.resource.list(tx)) {
      if (resource.policy === undefined) continue;
      const policy = await repair(resource.policy, 'resource');
      if (policy === resource.policy) continue;
      changed++;
      await repos.resource.put(tx, resource.arn, { ...resource, policy });
    }
    await tx.put('store-meta', REPAIRED, { version: 1, at: isoDate(now), replaced: replacement.size });
    return changed;
  });
}
