/**
 * `npm test`: every test file under test/, through node:test's runner (the spec reporter), three
 * processes at a time, the longest first.
 *
 * Why not `node --test FILES`: on Node 20 the command line runner sorts its files by name, so the order
 * given is lost, and the longest files (the browser suite, the aws CLI suite, the bundled bin) start
 * wherever the alphabet puts them; a long file that starts late is the run's critical path while the
 * other slots sit idle. `run({ files })` keeps the order.
 *
 * Why files share a process: each process pays the TypeScript loader's start-up and loads the same
 * modules through it again (the store, the control plane, the server, the SDK clients), and on this
 * machine every megabyte a new process touches for the first time costs CPU of its own: the 15 api files
 * took 20-24 s of CPU as three processes and 14-15 s as one (two runs each at load 7). The files of
 * LONGEST run alone, in that order; every other file runs with the files of its folder (at most GROUP of
 * them a process; folders of fewer than SMALL files together), each group imported file after file, so
 * its tests run one after another as in a file of their own and a group's failures name their own files. A test file keeps what it changes of the process to its own tests (the
 * environment is restored in `finally`, servers and stores are closed).
 *
 * Why the sources are loaded once first: the TypeScript loader caches each file's transform under the
 * file's path, so in a new clone (what CI runs) the cache is empty, and the test processes, started
 * together, each transformed the same source modules again: a fresh clone's first run took 133.8 s and
 * 205 s of CPU against 106 s and 165 s for the next. One process importing every module of src/ first
 * (about 2 s) fills the cache, and the first run took 115.6 s. A module that failed to evaluate there
 * would still be transformed and cached, so the failure is ignored here; test/modules.test.ts is where
 * every module of src/ must evaluate, in any order.
 *
 * `npm test -- FILE...` runs only the files given, each in its own process, in that order.
 *
 * The process tests run the installed bin, which is dist/ (`npm run build`, also run by `npm install`):
 * a dist/ older than a source file would have them test code that is no longer there, so npm test then
 * says so and builds first.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { staleSource } from './stale-dist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The files whose time is mostly spent waiting on other processes (Chromium, the aws CLI's Python, the
 * bin's), longest first: each in a process of its own, started first, so that their waits overlap the
 * groups' CPU. A name here that is no test file fails the run.
 */
const LONGEST = [
  'test/console/console-browser.test.ts',
  'test/api/aws-cli.test.ts',
  'test/cli/bundle.test.ts',
];

/** The most files one process runs: each folder in one process (iam and api have 19), the largest first. */
const GROUP = 20;

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * A folder of fewer files than this shares one process with the other such folders (console/, besides
 * LONGEST, and knowledge/ today): a process of its own paid its start-up for a few seconds of tests.
 */
const SMALL = 3;

/** The rest, by folder, in groups of at most GROUP (the folder's files spread evenly), small folders together. */
function groups(files: string[]): string[][] {
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const folder = path.dirname(f);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), f]);
  }
  const out: string[][] = [];
  const small: string[] = [];
  for (const inFolder of byFolder.values()) {
    if (inFolder.length < SMALL) {
      small.push(...inFolder);
      continue;
    }
    const n = Math.ceil(inFolder.length / GROUP);
    for (let i = 0; i < n; i++) out.push(inFolder.filter((_, j) => j % n === i));
  }
  if (small.length > 0) out.push(small);
  // Larger groups first: after the longest files, the rest by size.
  return out.sort((a, b) => b.length - a.length);
}

/** A module that imports `files` one after another: what node:test runs as one process. */
function groupEntry(dir: string, index: number, files: string[]): string {
  const name = `${String(index + 1).padStart(2, '0')}-${path.dirname(files[0]!).replaceAll('/', '-')}.test.mjs`;
  const entry = path.join(dir, name);
  const imports = files.map(
    (f) => `await import(${JSON.stringify(pathToFileURL(path.join(root, f)).href)});`,
  );
  fs.writeFileSync(entry, `// npm test (scripts/test.ts): ${files.join(', ')}\n${imports.join('\n')}\n`);
  return entry;
}

function plan(): { files: string[]; cleanup: () => void } {
  const all = testFiles('test');
  const missing = LONGEST.filter((f) => !all.includes(f));
  if (missing.length > 0)
    throw new Error(`scripts/test.ts: LONGEST names files that are not tests: ${missing.join(', ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-test-groups-'));
  const entries = groups(all.filter((f) => !LONGEST.includes(f))).map((g, i) =>
    g.length === 1 ? path.join(root, g[0]!) : groupEntry(dir, i, g),
  );
  return {
    files: [...LONGEST.map((f) => path.join(root, f)), ...entries],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Why dist/ cannot be tested as it is (missing, or older than a source file), or undefined. */
function staleDist(): string | undefined {
  const bundle = path.join(root, 'dist', 'rolecall.cjs');
  if (!fs.existsSync(bundle)) return 'dist/rolecall.cjs is missing';
  const stale = staleSource(root, bundle);
  return stale === undefined ? undefined : `dist/ is older than ${path.relative(root, stale)}`;
}

/** Runs `npm run build` when dist/ is stale; exits when the build fails. */
function buildIfStale(): void {
  const why = staleDist();
  if (why === undefined) return;
  process.stderr.write(
    `npm test: ${why}; the process tests run the installed bin: \`npm run build\` first\n`,
  );
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('npm test: `npm run build` failed: not testing a stale bin\n');
    process.exit(1);
  }
}

/** Loads every module of src/ once in a process of its own, so that the test processes find it transformed. */
function warmTransforms(): void {
  const files = fs
    .readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => pathToFileURL(path.join(e.parentPath, e.name)).href);
  const script = `await Promise.allSettled(${JSON.stringify(files)}.map((f) => import(f)));`;
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: 'ignore',
    // Only a speed-up: a module that kept the process alive would not hold the tests back.
    timeout: 60_000,
  });
}

buildIfStale();
const given = process.argv.slice(2);
const { files, cleanup } =
  given.length > 0 ? { files: given.map((f) => path.resolve(root, f)), cleanup: () => undefined } : plan();

if (given.length === 0) warmTransforms();
const stream = run({ files, concurrency: 3 });
stream.on('test:fail', (data) => {
  if (data.todo === undefined || data.todo === false) process.exitCode = 1;
});
process.on('exit', cleanup);
stream.compose<NodeJS.ReadableStream>(new spec()).pipe(process.stdout);
