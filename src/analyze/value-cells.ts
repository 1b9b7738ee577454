/**
 * The values that can tell string patterns apart. A set of patterns (literals, `*`/`?` globs, ARN globs
 * whose wildcards stop at the first five colons, case-folded literals) splits every possible string into
 * cells: strings that every pattern answers the same way. Access analyses need one value per cell, not
 * samples. This finds them exactly: each pattern is a small automaton over its positions, the automata
 * run together breadth first over a reduced alphabet (every character a pattern names, `:`, and one fresh
 * character standing for all others, which no pattern can tell apart), and each reachable combination of
 * automaton states gives the shortest string that reaches it. The distinct accept vectors of those states
 * are exactly the cells. A state budget bounds the work; past it the result says it is not complete.
 */

/** One position of a pattern: a set of characters, any one character, or any run. */
export type PatternToken =
  { kind: 'chars'; chars: string } | { kind: 'one'; noColon: boolean } | { kind: 'star'; noColon: boolean };

export type StringPattern = readonly PatternToken[];

/** A literal that must be matched exactly (`StringEquals`), or case-insensitively (`StringEqualsIgnoreCase`, `Bool`). */
export function literalPattern(text: string, ignoreCase = false): StringPattern {
  return [...text].map((c) => ({ kind: 'chars', chars: ignoreCase ? fold(c) : c }));
}

function fold(c: string): string {
  const l = c.toLowerCase();
  const u = c.toUpperCase();
  return l === u ? c : l + u;
}

function glob(text: string, noColon: boolean, ignoreCase: boolean): PatternToken[] {
  const out: PatternToken[] = [];
  for (const c of text) {
    if (c === '*') out.push({ kind: 'star', noColon });
    else if (c === '?') out.push({ kind: 'one', noColon });
    else out.push({ kind: 'chars', chars: ignoreCase ? fold(c) : c });
  }
  return out;
}

/** A `*`/`?` glob over the whole string (StringLike, Action with `ignoreCase`). */
export function globPattern(text: string, ignoreCase = false): StringPattern {
  return glob(text, false, ignoreCase);
}

/**
 * An ARN pattern as the Resource element and ArnLike read it: six parts split at the first five colons,
 * wildcards never crossing a part boundary except in the last part; a pattern with fewer than five colons
 * is a glob over the whole string (policy/wildcard.ts).
 */
export function arnPattern(text: string): StringPattern {
  if (text === '*') return [{ kind: 'star', noColon: false }];
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const next = text.indexOf(':', start);
    if (next < 0) return glob(text, false, false);
    parts.push(text.slice(start, next));
    start = next + 1;
  }
  const out: PatternToken[] = [];
  for (const p of parts) out.push(...glob(p, true, false), { kind: 'chars', chars: ':' });
  out.push(...glob(text.slice(start), false, false));
  return out;
}

export interface Cells {
  /** One value per cell, shortest first. */
  values: string[];
  /** False when the state budget ran out: some cells may have no value. */
  complete: boolean;
}

const FRESH = 'xqzjkvw0123456789_~#%';

/** The fresh character: one no pattern names (in either case). */
function freshChar(named: Set<string>): string {
  for (const c of FRESH) if (!named.has(c) && !named.has(c.toUpperCase())) return c;
  for (let code = 0x4e00; ; code++) {
    const c = String.fromCharCode(code);
    if (!named.has(c)) return c;
  }
}

/** Positions reachable from `set` without reading (skipping stars), as a sorted list. */
function closure(p: StringPattern, set: Iterable<number>): number[] {
  const out = new Set<number>();
  const stack = [...set];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (out.has(i)) continue;
    out.add(i);
    if (i < p.length && p[i]!.kind === 'star') stack.push(i + 1);
  }
  return [...out].sort((a, b) => a - b);
}

function step(p: StringPattern, set: readonly number[], c: string): number[] {
  const next: number[] = [];
  for (const i of set) {
    if (i >= p.length) continue;
    const t = p[i]!;
    if (t.kind === 'chars') {
      if (t.chars.includes(c)) next.push(i + 1);
    } else if (!(t.noColon && c === ':')) next.push(t.kind === 'star' ? i : i + 1);
  }
  return closure(p, next);
}

/** Every cell of the patterns, each with the shortest string in it. */
export function stringCells(patterns: readonly StringPattern[], budget = 4000): Cells {
  const named = new Set<string>([':']);
  for (const p of patterns) for (const t of p) if (t.kind === 'chars') for (const c of t.chars) named.add(c);
  const alphabet = [...named, freshChar(named)];
  const start = patterns.map((p) => closure(p, [0]));
  const key = (s: number[][]) => s.map((x) => x.join(',')).join('|');
  const seen = new Set<string>([key(start)]);
  const queue: { state: number[][]; text: string }[] = [{ state: start, text: '' }];
  const byVector = new Map<string, string>();
  let complete = true;
  for (let head = 0; head < queue.length; head++) {
    const { state, text } = queue[head]!;
    const vector = state.map((s, i) => (s.includes(patterns[i]!.length) ? '1' : '0')).join('');
    if (!byVector.has(vector)) byVector.set(vector, text);
    for (const c of alphabet) {
      const next = state.map((s, i) => (s.length === 0 ? s : step(patterns[i]!, s, c)));
      const k = key(next);
      if (seen.has(k)) continue;
      if (seen.size >= budget) {
        complete = false;
        continue;
      }
      seen.add(k);
      queue.push({ state: next, text: text + c });
    }
  }
  return { values: [...byVector.values()], complete };
}
