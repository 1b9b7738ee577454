/**
 * Each backend loads only its own driver: opening PostgreSQL never loads better-sqlite3 (a native module
 * a PostgreSQL deployment may not even have built), and opening SQLite never loads pg. Checked in a fresh
 * process per backend, since the test runner's own process may have loaded either.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';
import { sourceExecArgv, sourceModule } from '../helpers/source-process.js';

/** The driver packages loaded after importing `module` (a module of src/store), in a new process. */
function driversLoadedBy(module: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(sourceModule(`store/${module}`))});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(['pg', 'better-sqlite3'].filter((d) =>
      loaded.some((f) => f.includes(\`/node_modules/\${d}/\`)))));`;
  const out = execFileSync(process.execPath, [...sourceExecArgv, '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

test('the PostgreSQL backend loads pg and not better-sqlite3', () => {
  assert.deepEqual(driversLoadedBy('postgres'), ['pg']);
});

test('the SQLite backend loads better-sqlite3 and not pg', () => {
  assert.deepEqual(driversLoadedBy('sqlite'), ['better-sqlite3']);
});
