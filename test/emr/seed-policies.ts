/** The JSON policies of the seed pages (/work/shared/seeds), in page order, found by brace matching. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../helpers/paths.js';

export function seedPolicies(file: string): unknown[] {
  const text = readFileSync(path.join(sharedDir, 'seeds', file), 'utf8');
  const out: unknown[] = [];
  let i = 0;
  while ((i = text.indexOf('{', i)) >= 0) {
    let depth = 0;
    let j = i;
    for (; j < text.length; j++) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) break;
    }
    const o = JSON.parse(text.slice(i, j + 1)) as Record<string, unknown>;
    // A bare statement (the PassRole example) becomes a policy of one statement.
    out.push('Statement' in o ? o : { Version: '2012-10-17', Statement: [o] });
    i = j + 1;
  }
  return out;
}
