/**
 * Whether two wildcard patterns can match one same string. A resource ARN in a policy may hold `*` and
 * `?` (and policy variables, which stand for any text); an ARN format of the service data holds
 * `${Placeholders}`. The resource is of that type when some ARN fits both. Classic two-pattern DP:
 * a star absorbs any run of the other side, stars included.
 */

type Token = string | typeof ANY | typeof ONE;
const ANY = Symbol('any');
const ONE = Symbol('one');

/** Policy-side pattern: `*`, `?`, and `${...}` variables (text of unknown value). */
export function policyTokens(text: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i);
      if (end > 0) {
        out.push(ANY);
        i = end;
        continue;
      }
    }
    out.push(c === '*' ? ANY : c === '?' ? ONE : c.toLowerCase());
  }
  return out;
}

/** Format-side pattern: each `${Placeholder}` is any non-empty text. */
export function formatTokens(format: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '$' && format[i + 1] === '{') {
      const end = format.indexOf('}', i);
      out.push(ONE, ANY);
      i = end;
      continue;
    }
    out.push(c.toLowerCase());
  }
  return out;
}

export function intersects(a: readonly Token[], b: readonly Token[]): boolean {
  const memo = new Map<number, boolean>();
  const w = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * w + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === ANY) r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === ANY) r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i === a.length || j === b.length) r = false;
    else {
      const x = a[i]!;
      const y = b[j]!;
      r = (x === ONE || y === ONE || x === y) && go(i + 1, j + 1);
    }
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}
