/**
 * `npm test`: every test file under test/, three at a time, each in its own process (node:test's
 * runner, the spec reporter), the longest files first.
 *
 * Why not `node --test FILES`: on Node 20 the command line runner sorts its files by name, so the order
 * given is lost, and the longest files (the browser suite, the bundled bin, the process tests) start
 * wherever the alphabet puts them; a long file that starts late is the run's critical path while the
 * other two slots sit idle. `run({ files })` keeps the order: the files of LONGEST start first (longest
 * first), then every other file by name. The list only orders; a file missing from it still runs, and a
 * name in it that is no test file fails the run (so it cannot go stale silently).
 *
 * `npm test -- FILE...` runs only the files given, in that order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files that take longest, longest first (a `npm test` on the 2-core CI machine). */
const LONGEST = [
  'test/console/console-browser.test.ts',
  'test/cli/bundle.test.ts',
  'test/cli/unix.test.ts',
  'test/emr/snapshot-script.test.ts',
  'test/api/serve-command.test.ts',
  'test/emr/cli.test.ts',
  'test/cli/progress.test.ts',
  'test/emr/check-formats.test.ts',
  'test/emr/check-setup.test.ts',
  'test/eval/properties.test.ts',
  'test/api/aws-cli.test.ts',
  'test/cli/manage.test.ts',
  'test/policy/parse.test.ts',
];

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function ordered(): string[] {
  const all = testFiles('test');
  const missing = LONGEST.filter((f) => !all.includes(f));
  if (missing.length > 0)
    throw new Error(`scripts/test.ts: LONGEST names files that are not tests: ${missing.join(', ')}`);
  return [...LONGEST, ...all.filter((f) => !LONGEST.includes(f))];
}

const given = process.argv.slice(2);
const files = (given.length > 0 ? given : ordered()).map((f) => path.resolve(root, f));

const stream = run({ files, concurrency: 3 });
stream.on('test:fail', (data) => {
  if (data.todo === undefined || data.todo === false) process.exitCode = 1;
});
stream.compose<NodeJS.ReadableStream>(new spec()).pipe(process.stdout);
