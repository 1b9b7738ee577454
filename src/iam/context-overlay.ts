/**
 * One context over another: the caller's keys over what the server or the store knows. Context key names
 * are compared case-insensitively, as AWS compares them, so a key given in any case replaces the one
 * under it. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
 */
import type { ContextValue } from '../eval/types.js';
import { assignOwn, setOwn } from '../own-key.js';

/** Each key of a context followed by its lower case, computed once per context (the ones under are shared). */
const lowerKeys = new WeakMap<object, string[]>();

function lowerKeysOf(context: Readonly<Record<string, ContextValue>>): string[] {
  let known = lowerKeys.get(context);
  if (known === undefined) {
    known = Object.keys(context).flatMap((k) => [k, k.toLowerCase()]);
    lowerKeys.set(context, known);
  }
  return known;
}

/** `under`'s keys that `over` does not give, then `over`'s, which win; `under` itself when `over` gives none. */
export function overlayContext(
  under: Readonly<Record<string, ContextValue>>,
  over: Readonly<Record<string, ContextValue>> | undefined,
): Readonly<Record<string, ContextValue>> {
  if (over === undefined) return under;
  const keys = Object.keys(over);
  if (keys.length === 0) return under;
  const lower = keys.length === 1 ? undefined : new Set(keys.map((k) => k.toLowerCase()));
  const one = keys.length === 1 ? keys[0]!.toLowerCase() : undefined;
  const known = lowerKeysOf(under);
  const merged: Record<string, ContextValue> = {};
  for (let i = 0; i < known.length; i += 2) {
    const lk = known[i + 1]!;
    if (lower === undefined ? lk !== one : !lower.has(lk)) setOwn(merged, known[i]!, under[known[i]!]!);
  }
  return assignOwn(merged, over);
}
