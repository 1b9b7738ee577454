/**
 * One copy of each string a compiled policy keeps. Policies repeat the same action names, condition keys,
 * operators and patterns (the EMR managed policies and the roles built from them share most of theirs), so
 * compiled policies share one copy of each; and the parser's strings are slices of the whole policy text,
 * which a compiled policy holding them would keep alive. Bounded: when full it starts over (the compiled
 * policies keep the copies they have; later ones share again from then on).
 */
const INTERN_BOUND = 32_768;
const table = new Map<string, string>();

export function intern(s: string): string {
  const hit = table.get(s);
  if (hit !== undefined) return hit;
  if (table.size >= INTERN_BOUND) table.clear();
  // A copy that is its own string, not a slice of the text it was read from.
  const own = JSON.parse(JSON.stringify(s)) as string;
  table.set(own, own);
  return own;
}

/** A list with each of its strings interned. */
export function internAll(xs: readonly string[]): string[] {
  const out = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = intern(xs[i]!);
  return out;
}
