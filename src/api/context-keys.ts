/**
 * The condition keys a set of policies reads, for GetContextKeysFor*Policy: every key under every condition
 * operator of every statement, de-duplicated case-insensitively (key names are case-insensitive), sorted.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html
 */
import type { CompiledPolicy } from '../eval/types.js';
import type { PolicyEngine } from '../iam/index.js';

export function contextKeysOf(
  engine: Pick<PolicyEngine, 'conditionKeys'>,
  policies: readonly CompiledPolicy[],
): string[] {
  const keys = new Map<string, string>();
  for (const p of policies) {
    for (const key of engine.conditionKeys(p))
      if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
  }
  return [...keys.values()].sort((a, b) => a.localeCompare(b));
}
