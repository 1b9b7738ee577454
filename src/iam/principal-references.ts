/**
 * A policy whose Principal names an IAM user or role names THAT principal, not whoever holds its name
 * later: AWS keeps the principal's unique id behind the ARN. When the user or role is deleted, the policies
 * that name it show its unique id in place of the ARN (and so trust no new principal of the same name);
 * when a user is renamed or moved, they show its new ARN. Role trust policies and the resource-based
 * policies of registered resources are rewritten in the same transaction as the deletion or rename.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
 */
import { parsePolicy } from '../policy/index.js';
import type { PolicyKind } from '../policy/types.js';
import type { StoreTx } from '../store/index.js';
import { entityKey } from './context.js';
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

/**
 * The policy with every `AWS` entry of its Principal and NotPrincipal elements that is exactly `from`
 * replaced by `to`; the rest of the text is kept as it was written.
 */
export function replacePrincipal(text: string, kind: PolicyKind, from: string, to: string): string {
  const name = from.slice(from.lastIndexOf('/') + 1);
  if (!text.includes(name)) return text;
  const document = parsePolicy(text, { kind }).document;
  if (!document) return text;
  const spans: number[] = [];
  for (const st of document.statements) {
    for (const block of [st.principal, st.notPrincipal]) {
      for (const e of block?.entries ?? []) {
        if (e.type !== 'AWS') continue;
        for (const v of e.values) {
          if (v.value === from && text.charCodeAt(v.pos.offset) === 34) spans.push(v.pos.offset);
        }
      }
    }
  }
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
