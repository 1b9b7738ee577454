// Every module of src/ evaluates whatever order a process first imports the modules in: npm test's
// warm-up (scripts/test.ts) imports them all at once, and an application may import any one first. A
// module read before another it needs has finished (an import cycle), or a module whose namespace is a
// thenable (it exports `then`, so `import()` calls it), fails only in some orders.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/paths.js';
import { sourceExecArgv, sourceFileOf, sourceModule } from './helpers/source-process.js';

/** The modules as scripts/test.ts's warm-up lists them (readdir order). */
const modules = fs
  .readdirSync(path.join(repoRoot, 'src'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
  .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)).split(path.sep).join('/'));

/** A fixed permutation (a linear congruential generator seeded with `seed`), the same on every run. */
function shuffled(list: string[], seed: number): string[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Imports `order` in a new process (a module is evaluated once per process, so each order needs its
 * own), all at once or one after another, and returns each module that failed with what it threw. The
 * process imports the compiled modules when dist/src is current (helpers/source-process.ts).
 */
function failures(order: string[], how: 'at once' | 'one by one'): string[] {
  const urls = order.map((f) => pathToFileURL(sourceModule(f.replace(/^src\/(.*)\.ts$/, '$1'))).href);
  const script = `
const urls = ${JSON.stringify(urls)};
const describe = (e) => typeof e === 'function' ? 'a function (' + String(e) + '): a thenable namespace?' : String(e?.stack ?? e);
const failed = [];
${
  how === 'at once'
    ? `const settled = await Promise.allSettled(urls.map((u) => import(u)));
settled.forEach((r, i) => { if (r.status === 'rejected') failed.push(urls[i] + ': ' + describe(r.reason)); });`
    : `for (const u of urls) { try { await import(u); } catch (e) { failed.push(u + ': ' + describe(e)); } }`
}
process.stdout.write(JSON.stringify(failed));
process.exit(0);`;
  const out = execFileSync(process.execPath, [...sourceExecArgv, '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return (JSON.parse(out) as string[]).map((f) => {
    const url = f.slice(0, f.indexOf(': '));
    return sourceFileOf(fileURLToPath(url)) + f.slice(url.length);
  });
}

describe('every module of src/ evaluates in any import order', () => {
  it('lists the modules', () => {
    assert.ok(modules.length > 100, `${modules.length} modules`);
    assert.ok(modules.includes('src/api/json-endpoint.ts'));
  });

  it('all at once, in the order of the warm-up of npm test', () => {
    assert.deepEqual(failures(modules, 'at once'), []);
  });

  it('all at once, the JSON endpoint first', () => {
    const first = 'src/api/json-endpoint.ts';
    assert.deepEqual(failures([first, ...modules.filter((m) => m !== first)], 'at once'), []);
  });

  it('all at once, in reverse order', () => {
    assert.deepEqual(failures([...modules].reverse(), 'at once'), []);
  });

  it('one after another, in a shuffled order', () => {
    assert.deepEqual(failures(shuffled(modules, 7), 'one by one'), []);
  });
});
