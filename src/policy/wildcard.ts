/**
 * `*` and `?` wildcard matching as IAM uses it in Action, Resource and the String/Arn "Like" operators.
 * `*` matches any run of characters (including none), `?` exactly one character.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */

export type Matcher = (value: string) => boolean;

/** A pattern token: literal text, or a wildcard. */
export type GlobToken = { kind: 'text'; text: string } | { kind: 'star' } | { kind: 'one' };

export function tokenizeGlob(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  let text = '';
  for (const ch of pattern) {
    if (ch === '*' || ch === '?') {
      if (text) out.push({ kind: 'text', text });
      text = '';
      out.push(ch === '*' ? { kind: 'star' } : { kind: 'one' });
    } else text += ch;
  }
  if (text) out.push({ kind: 'text', text });
  return out;
}

/**
 * Glob match of `value` against `pattern` where both are already in the wanted case. Greedy with
 * backtracking to the last star only, so it runs in O(|pattern| * |value|) at worst and never explodes.
 */
export function globMatch(pattern: string, value: string): boolean {
  return globMatchRange(pattern, 0, pattern.length, value, 0, value.length);
}

/**
 * The same match over `pattern[ps, pe)` and `value[vs, ve)`, without copying either: ARN parts are
 * matched in place.
 */
export function globMatchRange(
  pattern: string,
  ps: number,
  pe: number,
  value: string,
  vs: number,
  ve: number,
): boolean {
  let p = ps;
  let v = vs;
  let starP = -1;
  let starV = 0;
  while (v < ve) {
    if (p < pe) {
      const pc = pattern.charCodeAt(p);
      if (pc === 42 /* * */) {
        starP = p++;
        starV = v;
        continue;
      }
      const vc = value.charCodeAt(v);
      // U+E000 / U+E001 stand for a literal `*` / `?` (from `${*}`, `${?}` or a policy variable's value).
      if (pc === 63 /* ? */ || pc === vc || (pc === 0xe000 && vc === 42) || (pc === 0xe001 && vc === 63)) {
        p++;
        v++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    v = ++starV;
  }
  while (p < pe && pattern.charCodeAt(p) === 42) p++;
  return p === pe;
}

/** Compiles a pattern into the cheapest matcher: exact, any, prefix, suffix, or general glob. */
export function compileGlob(pattern: string, ignoreCase = false): Matcher {
  const pat = ignoreCase ? pattern.toLowerCase() : pattern;
  if (/[\uE000\uE001]/.test(pat)) {
    return ignoreCase ? (v) => globMatch(pat, v.toLowerCase()) : (v) => globMatch(pat, v);
  }
  const hasQ = pat.includes('?');
  const firstStar = pat.indexOf('*');
  if (!hasQ && firstStar < 0) {
    return ignoreCase ? (v) => v.length === pat.length && v.toLowerCase() === pat : (v) => v === pat;
  }
  if (pat === '*') return () => true;
  if (!hasQ && firstStar === pat.length - 1 && pat.indexOf('*') === pat.lastIndexOf('*')) {
    const prefix = pat.slice(0, -1);
    return ignoreCase ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  if (!hasQ && firstStar === 0 && pat.lastIndexOf('*') === 0) {
    const suffix = pat.slice(1);
    return ignoreCase ? (v) => v.toLowerCase().endsWith(suffix) : (v) => v.endsWith(suffix);
  }
  return ignoreCase ? (v) => globMatch(pat, v.toLowerCase()) : (v) => globMatch(pat, v);
}

/** Splits an ARN-like string into its first five colon-separated parts and the rest. */
export function splitArnParts(text: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const next = text.indexOf(':', start);
    if (next < 0) return undefined;
    parts.push(text.slice(start, next));
    start = next + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * ARN matching as ArnLike and the Resource element do it: each of the six colon-delimited parts is
 * matched on its own (case-sensitive), so a wildcard does not run across a part boundary; the resource
 * part may contain further colons. A pattern that is not ARN-shaped is matched as a whole string.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
export function compileArnGlob(pattern: string): Matcher {
  const m = compileArnPartsGlob(pattern);
  // Matching is synchronous: one buffer per matcher holds the value's colon offsets, so a match
  // allocates nothing.
  const buffer = [0, 0, 0, 0, 0];
  return (value) => m(value, arnColons(value, buffer));
}

/**
 * Offsets of the first five colons of an ARN-shaped value (undefined when it has fewer), written into
 * `into` when given.
 */
export function arnColons(value: string, into: number[] = []): readonly number[] | undefined {
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const c = value.indexOf(':', from);
    if (c < 0) return undefined;
    into[i] = c;
    from = c + 1;
  }
  return into;
}

/** The same match, given the value and its `arnColons` (undefined when not ARN-shaped). */
export type PartsMatcher = (value: string, colons: readonly number[] | undefined) => boolean;

/** How one ARN part of a pattern is tested. */
const EXACT = 0;
const PREFIX = 1;
const GLOB = 2;

function partKind(part: string): number {
  const star = part.indexOf('*');
  if (part.includes('?') || /[\uE000\uE001]/.test(part) || (star >= 0 && star !== part.length - 1))
    return GLOB;
  return star < 0 ? EXACT : PREFIX;
}

/** Parts in the order that rejects soonest: service, resource, account, region, partition, prefix. */
const PART_ORDER = [2, 5, 4, 3, 1, 0] as const;

const ANY_ARN: PartsMatcher = () => true;

export function compileArnPartsGlob(pattern: string): PartsMatcher {
  if (pattern === '*') return ANY_ARN;
  const parts = splitArnParts(pattern);
  if (!parts) {
    const whole = compileGlob(pattern);
    return (value) => whole(value);
  }
  // One flat plan per pattern, three entries per checked part: its index, its text (without the final
  // `*` of a prefix) and how it is tested. A part that is only `*` matches anything and is not checked.
  const plan: (number | string)[] = [];
  for (const i of PART_ORDER) {
    const part = parts[i]!;
    if (part === '*') continue;
    const kind = partKind(part);
    plan.push(i, kind === PREFIX ? part.slice(0, -1) : part, kind);
  }
  return (v, c) => {
    if (c === undefined) return false;
    for (let k = 0; k < plan.length; k += 3) {
      const i = plan[k] as number;
      const text = plan[k + 1] as string;
      const kind = plan[k + 2] as number;
      const start = i === 0 ? 0 : c[i - 1]! + 1;
      const end = i === 5 ? v.length : c[i]!;
      const ok =
        kind === EXACT
          ? end - start === text.length && v.startsWith(text, start)
          : kind === PREFIX
            ? end - start >= text.length && v.startsWith(text, start)
            : globMatchRange(text, 0, text.length, v, start, end);
      if (!ok) return false;
    }
    return true;
  };
}

/** The pattern's colon offsets while `matchArnPattern` runs (matching is synchronous: one buffer). */
const patternColons: number[] = [0, 0, 0, 0, 0];

/**
 * ARN matching of a pattern kept as text (a Resource entry, an ArnLike value, either with its policy
 * variables resolved at decision time): the same part-by-part rules as `compileArnPartsGlob`, in the same
 * order, without compiling anything, so a policy holds no matcher and a decision creates no closures.
 */
export function matchArnPattern(
  pattern: string,
  value: string,
  colons: readonly number[] | undefined,
): boolean {
  if (pattern === '*') return true;
  // A pattern with fewer than five colons is not ARN-shaped: it is matched as one string.
  let c = -1;
  for (let i = 0; i < 5; i++) {
    c = pattern.indexOf(':', c + 1);
    if (c < 0) return globMatch(pattern, value);
    patternColons[i] = c;
  }
  if (colons === undefined) return false;
  for (let k = 0; k < PART_ORDER.length; k++) {
    const i = PART_ORDER[k]!;
    const ps = i === 0 ? 0 : patternColons[i - 1]! + 1;
    const pe = i === 5 ? pattern.length : patternColons[i]!;
    // A part that is only `*` matches anything.
    if (pe - ps === 1 && pattern.charCodeAt(ps) === 42) continue;
    const vs = i === 0 ? 0 : colons[i - 1]! + 1;
    const ve = i === 5 ? value.length : colons[i]!;
    if (!globMatchRange(pattern, ps, pe, value, vs, ve)) return false;
  }
  return true;
}
