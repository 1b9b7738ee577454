/**
 * What the service data and the global key list say of a condition key: whether it exists, its type,
 * and which actions can carry it. Key names are case-insensitive; `${TagKey}` and `<key>` in AWS's
 * key names stand for any text.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */
import { globalConditionKey, type ConditionKeyType } from '../../knowledge/global-condition-keys.js';
import {
  actionData,
  keyOwners,
  isKnownService,
  resourceType,
  serviceConditionKeys,
  type ActionData,
} from '../../knowledge/service-data.js';

const patternCache = new Map<string, RegExp>();

/** Whether key `name` is an instance of AWS's key `pattern` (`aws:ResourceTag/${TagKey}`). */
export function keyMatches(pattern: string, name: string): boolean {
  if (!/[$<]|\/tag-key$/i.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  let re = patternCache.get(pattern);
  if (!re) {
    // AWS writes the variable part as `${TagKey}`, `<key>` or, for some services, `/tag-key`.
    const src = pattern
      .replace(/\/tag-key$/i, '/${TagKey}')
      .split(/\$\{[^}]*\}|<[^>]*>/)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    re = new RegExp(`^${src}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(name);
}

export const prefixOf = (key: string): string => key.slice(0, Math.max(0, key.indexOf(':'))).toLowerCase();

/** Prefixes that are identity providers' claims (`accounts.google.com:aud`, `saml:sub`), not services. */
export function isProviderPrefix(prefix: string): boolean {
  return prefix.includes('.') || prefix === 'saml';
}

export type KeyLookup =
  | { kind: 'known'; type: ConditionKeyType | undefined }
  | { kind: 'unknown-global' }
  | { kind: 'unknown-service'; service: string }
  | { kind: 'unknown-key'; service: string }
  | { kind: 'not-judged' };

export function lookupKey(key: string): KeyLookup {
  const prefix = prefixOf(key);
  if (prefix === 'aws') {
    const g = globalConditionKey(key);
    return g ? { kind: 'known', type: g.type } : { kind: 'unknown-global' };
  }
  if (prefix === '' || isProviderPrefix(prefix)) return { kind: 'not-judged' };
  const keys = serviceConditionKeys(prefix);
  if (!keys) {
    // Some prefixes name keys kept with another service (`catalog:` keys are AWS Marketplace's).
    const owners = keyOwners(prefix);
    const hit = owners
      .flatMap((o) => Object.values(serviceConditionKeys(o) ?? {}))
      .find((k) => keyMatches(k.key, key));
    if (hit) return { kind: 'known', type: hit.type as ConditionKeyType };
    return isKnownService(prefix) || owners.length > 0
      ? { kind: 'not-judged' }
      : { kind: 'unknown-service', service: prefix };
  }
  const exact = keys[key.toLowerCase()];
  if (exact) return { kind: 'known', type: exact.type as ConditionKeyType };
  const hit = Object.values(keys).find((k) => keyMatches(k.key, key));
  return hit
    ? { kind: 'known', type: hit.type as ConditionKeyType }
    : { kind: 'unknown-key', service: prefix };
}

/** Every condition key an action can carry: its own and those of the resource types it acts on. */
export function actionKeys(service: string, action: ActionData): string[] {
  const out = [...action.conditionKeys];
  for (const rt of action.resourceTypes) {
    out.push(...rt.conditionKeys);
    out.push(...(resourceType(service, rt.name)?.conditionKeys ?? []));
  }
  return out;
}

/** Whether `service:action` can carry `key`; undefined when the action is not in the data. */
export function actionSupportsKey(service: string, action: string, key: string): boolean | undefined {
  const a = actionData(service, action);
  if (!a) return undefined;
  return actionKeys(service, a).some((k) => keyMatches(k, key));
}
