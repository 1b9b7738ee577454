/**
 * Builds the `rolecall` bin's program: the CLI and every module it reaches under src/, bundled by esbuild
 * into one CommonJS file (`dist/rolecall.cjs`, with its source map), with a V8 code cache of it
 * (`dist/rolecall.cjs.cache`).
 * Run by `npm run build` and `prepare`.
 *
 * Why: a command at a prompt pays Node's start-up and then its own loading. Loaded file by file as ES
 * modules, one ad hoc `simulate` reads, resolves and compiles some 40 files through the asynchronous ES
 * module loader and a store-backed one about 100; one file compiled from a cache skips the loader, the
 * parse and the compile (Node 20 has no built-in compile cache for user code). Packages stay outside the
 * bundle (`--packages=external`): they load from node_modules as before, and only when a command needs
 * them.
 *
 * A cache holds the bytecode of what its training compiles, commands run through `main(argv, io)` in a
 * process of its own (V8 reuses what a process compiled before, so one process per cache): the shared
 * cache (`rolecall.cjs.cache`) the help, one ad hoc decision, the writes that set up a store and one
 * store-backed decision; the help's and simulate's own caches (`rolecall.cjs.help.cache`,
 * `rolecall.cjs.simulate.cache`, bin/rolecall.cjs's OWN_CACHES) only that command, so that they load
 * no code the command does not run. bin/rolecall.cjs uses a cache only when it was made for this very
 * bundle (a build id in both) and V8 accepts it (same Node version and flags); otherwise it compiles the
 * source, as any script, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Script } from 'node:vm';
import { build, type Plugin } from 'esbuild';
import type { main as Main } from '../src/cli/main.js';
import { writeDecisionFixture, type DecisionFixture } from './decision-fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What bin/rolecall.cjs exports for this script (it is plain CommonJS, so its shape is declared here). */
interface BinLoader {
  BUILD_ID_PREFIX: string;
  OWN_CACHES: Map<string, string>;
  compileBundle(bundle: string, cache: string): { script: Script; exports: { main: typeof Main } };
  cacheFile(bundle: string, name?: string): string;
  cacheHeader(source: string): Buffer | undefined;
  sourceMapFile(bundle: string): string;
}

const binFile = path.join(root, 'bin', 'rolecall.cjs');
const loader = createRequire(import.meta.url)(binFile) as BinLoader;

interface Run {
  argv: string[];
  status: number;
}

const help: Run = { argv: ['--help'], status: 0 };
function adHoc(f: DecisionFixture): Run {
  return { argv: ['simulate', '--policy', f.policy, ...f.request], status: 0 };
}
function stored(f: DecisionFixture): Run {
  return { argv: ['simulate', '--store', f.store, ...f.request], status: 0 };
}

/**
 * The packages every command loads (the argument parser, and the JSON parser of every policy read), and
 * the SQLite driver's JavaScript (its addon is loaded by path, store/sqlite.ts), go into the bundle so
 * that the code cache holds them too; every other package stays in node_modules and loads when a command
 * needs it (pg, fastify, yaml, AWS data).
 */
const BUNDLED_PACKAGES = new Set(['commander', 'jsonc-parser', 'better-sqlite3']);

/** The package a bare specifier names (`@scope/name` or `name`), undefined for a relative or node: one. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const packagesOutside: Plugin = {
  name: 'packages-outside',
  setup(b) {
    // jsonc-parser's UMD files require their neighbours through the wrapper's own `require`, which esbuild
    // cannot follow; the package's ES module build of the same files can be bundled.
    b.onResolve({ filter: /^jsonc-parser\/lib\/umd\// }, (args) =>
      b.resolve(args.path.replace('/lib/umd/', '/lib/esm/'), {
        kind: args.kind,
        resolveDir: args.resolveDir,
      }),
    );
    b.onResolve({ filter: /.*/ }, (args) => {
      const pkg = packageOf(args.path);
      if (pkg === undefined || BUNDLED_PACKAGES.has(pkg) || args.kind === 'entry-point') return undefined;
      // The bundle runs as a vm.Script, which has no dynamic import callback (and V8 refuses one with a
      // code cache on Node 20): an `import()` of a package would fail only when its command runs.
      if (args.kind === 'dynamic-import')
        return {
          errors: [{ text: `import('${args.path}') of a package: require it (createRequire) instead` }],
        };
      return { path: args.path, external: true };
    });
    // commander requires child_process when it loads, for subcommands that are programs of their own
    // (its only use: `spawn`), which rolecall has none of; child_process loads Node's net, stream and dgram
    // modules, which every command would pay for. In the bundle it is required on first use instead.
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      const uses = text.match(/childProcess\.\w+/g) ?? [];
      if (!text.includes(eager) || uses.some((m) => m !== 'childProcess.spawn'))
        return {
          errors: [{ text: `${args.path}: commander's use of child_process changed; update the build` }],
        };
      const lazy =
        "let childProcessModule; const childProcess = { spawn: (...a) => (childProcessModule ??= require('node:child_process')).spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
    // src/ requires CommonJS packages through `createRequire(import.meta.url)(...)` (cheaper than an
    // import for the ES module files of dist/src/), which esbuild does not follow: in the bundle those
    // calls are plain `require`, which it does.
    // A default import of a Node module (`import fs from 'node:fs'`) becomes esbuild's __toESM(require(...)),
    // which copies every export of the module onto an object of its own, a getter each, once per file that
    // imports it: 31 copies of node:fs and node:path. Their default export is the module's exports object
    // itself, which a plain `require` gives.
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      return {
        contents: text
          .replace(/\bcreateRequire\(import\.meta\.url\)\((?=['"])/g, 'require(')
          .replace(/^import (\w+) from '(node:[\w/]+)';$/gm, "const $1 = require('$2');"),
        loader: 'ts',
      };
    });
  },
};

/** Writes through a temporary file and a rename: a running bin never reads half a file. */
function writeAtomic(file: string, contents: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

/**
 * Each cache's training (scripts/decision-fixture.ts's commands), by cache name (undefined: the shared
 * one). `prepare`: commands run first by the bin in processes of their own, so that their code stays
 * out of the cache (simulate's store is set up so).
 */
const CACHES: {
  name: string | undefined;
  prepare?: (f: DecisionFixture) => string[][];
  runs: (f: DecisionFixture) => Run[];
}[] = [
  {
    name: undefined,
    runs: (f) => [help, adHoc(f), ...f.setup.map((argv) => ({ argv, status: 0 })), stored(f)],
  },
  { name: 'help', runs: () => [help] },
  { name: 'simulate', prepare: (f) => f.setup, runs: (f) => [adHoc(f), stored(f)] },
];
/**
 * Makes one cache (by CACHES name) for `bundle`, in this process, which must not have compiled the
 * bundle before: runs its training, output captured and checked, and writes the cache.
 */
async function trainCache(bundle: string, name: string | undefined): Promise<void> {
  const spec = CACHES.find((c) => c.name === name);
  if (spec === undefined) throw new Error(`no cache named ${name}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-build-'));
  // The builder's own settings (a default store, account or key) must not change what the runs do.
  for (const k of Object.keys(process.env)) if (k.startsWith('ROLECALL_')) delete process.env[k];
  try {
    const fixture = writeDecisionFixture(dir);
    for (const argv of spec.prepare?.(fixture) ?? []) {
      const script = `const { compileBundle, cacheFile } = require(${JSON.stringify(binFile)});
        compileBundle(${JSON.stringify(bundle)}, cacheFile(${JSON.stringify(bundle)})).exports
          .main(${JSON.stringify(argv)}).then((code) => { process.exitCode = code; });`;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rolecall ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
    }
    const cache = loader.cacheFile(bundle, name);
    fs.rmSync(cache, { force: true });
    const { script, exports } = loader.compileBundle(bundle, cache);
    for (const run of spec.runs(fixture)) {
      let err = '';
      const status = await exports.main(run.argv, {
        out: () => undefined,
        err: (s) => {
          err += s;
        },
        errIsTTY: false,
      });
      if (status !== run.status) throw new Error(`rolecall ${run.argv.join(' ')}: exit ${status}: ${err}`);
    }
    const header = loader.cacheHeader(fs.readFileSync(bundle, 'latin1'));
    if (header === undefined) throw new Error('the bundle has no build id');
    writeAtomic(cache, Buffer.concat([header, script.createCachedData()]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function buildCli(outDir = path.join(root, 'dist')): Promise<string> {
  const packageVersion = (
    JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, 'rolecall.cjs');
  const result = await build({
    entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [packagesOutside],
    // The modules ask where they are (package.json, node_modules, the console's files): the bundle's
    // own place under the package, from which they look up as they did from dist/src/.
    // cli/package-version.ts answers with the version written in here instead of reading package.json.
    define: { 'import.meta.url': '__rolecallModuleUrl', ROLECALL_VERSION: JSON.stringify(packageVersion) },
    banner: {
      js: `${loader.BUILD_ID_PREFIX}${randomUUID()}\n'use strict';\nconst __rolecallModuleUrl = require('node:url').pathToFileURL(__filename).href;`,
    },
    legalComments: 'none',
    // Every command reads the whole bundle and copies it into a string before its first line (V8 keeps
    // the source beside the cached code): minified, that is about half the bytes (1.15 MB to 0.6 MB) and
    // a code cache a little smaller. Nothing in src/ depends on a function's or class's own name (errors
    // carry their name as a field, RolecallError's `name`).
    minify: true,
    // A stack printed under ROLECALL_DEBUG names the source's functions, files and lines through this map
    // (bin/rolecall.cjs reads it only then), where esbuild's keepNames would make every command run and
    // load more code for the few that print a stack. No sources inside: a stack needs only the mappings.
    sourcemap: 'external',
    sourcesContent: false,
    logLevel: 'warning',
    write: false,
  });
  const out = result.outputFiles.find((f) => f.path === bundle);
  const map = result.outputFiles.find((f) => f.path === loader.sourceMapFile(bundle));
  if (out === undefined || map === undefined) throw new Error('esbuild wrote no bundle and source map');
  const own = [...loader.OWN_CACHES.values()].sort().join(' ');
  const trained = CACHES.flatMap((c) => (c.name === undefined ? [] : [c.name]))
    .sort()
    .join(' ');
  if (own !== trained) throw new Error(`bin/rolecall.cjs loads caches ${own}, the build trains ${trained}`);
  for (const c of CACHES) fs.rmSync(loader.cacheFile(bundle, c.name), { force: true });
  writeAtomic(loader.sourceMapFile(bundle), map.contents);
  writeAtomic(bundle, out.contents);
  for (const c of CACHES) {
    // This file is TypeScript: the trainer runs under tsx as `npm run build` runs it. Not this process's
    // own arguments: a build started from `node -e` would start builds of its own.
    const args = [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--train',
      bundle,
      ...(c.name ? [c.name] : []),
    ];
    const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`training the ${c.name ?? 'shared'} cache failed (exit ${r.status})`);
  }
  return bundle;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--train') await trainCache(process.argv[3]!, process.argv[4]);
  else await buildCli();
}
