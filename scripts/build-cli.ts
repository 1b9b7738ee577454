/**
 * Builds the `rolecall` bin's program: the CLI and every module it reaches under src/, bundled by esbuild
 * into one CommonJS file (`dist/rolecall.cjs`), with a V8 code cache of it (`dist/rolecall.cjs.cache`).
 * Run by `npm run build` and `prepare`.
 *
 * Why: a command at a prompt pays Node's start-up and then its own loading. Loaded file by file as ES
 * modules, one ad hoc `simulate` reads, resolves and compiles some 40 files through the asynchronous ES
 * module loader and a store-backed one about 100; one file compiled from a cache skips the loader, the
 * parse and the compile (Node 20 has no built-in compile cache for user code). Packages stay outside the
 * bundle (`--packages=external`): they load from node_modules as before, and only when a command needs
 * them.
 *
 * The cache holds the bytecode of what a training run compiles: the help, one ad hoc decision and one
 * store-backed decision, run in this process through `main(argv, io)`. bin/rolecall.cjs uses it only
 * when it was made for this very bundle (a build id in both) and V8 accepts it (same Node version and
 * flags); otherwise it compiles the source, as any script, and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Script } from 'node:vm';
import { build, type Plugin } from 'esbuild';
import type { main as Main } from '../src/cli/main.js';
import { writeDecisionFixture } from './decision-fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What bin/rolecall.cjs exports for this script (it is plain CommonJS, so its shape is declared here). */
interface BinLoader {
  BUILD_ID_PREFIX: string;
  compileBundle(bundle: string, cache: string): { script: Script; exports: { main: typeof Main } };
  cacheFile(bundle: string): string;
  cacheHeader(source: string): Buffer | undefined;
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
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      return {
        contents: text.replace(/\bcreateRequire\(import\.meta\.url\)\((?=['"])/g, 'require('),
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

/** Runs the commands whose code the cache should hold, in this process, output captured and checked. */
async function train(main: typeof Main): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-build-'));
  // The builder's own settings (a default store, account or key) must not change what the runs do.
  const settings = Object.entries(process.env).filter(([k]) => k.startsWith('ROLECALL_'));
  for (const [k] of settings) delete process.env[k];
  try {
    const { policy, store, setup, request } = writeDecisionFixture(dir);
    const runs: { argv: string[]; status: number }[] = [
      { argv: ['--help'], status: 0 },
      { argv: ['simulate', '--policy', policy, ...request], status: 0 },
      ...setup.map((argv) => ({ argv, status: 0 })),
      { argv: ['simulate', '--store', store, ...request], status: 0 },
    ];
    for (const run of runs) {
      let err = '';
      const status = await main(run.argv, {
        out: () => undefined,
        err: (s) => {
          err += s;
        },
        errIsTTY: false,
      });
      if (status !== run.status) throw new Error(`rolecall ${run.argv.join(' ')}: exit ${status}: ${err}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of settings) process.env[k] = v;
  }
}

export async function buildCli(outDir = path.join(root, 'dist')): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const loader = createRequire(import.meta.url)('../bin/rolecall.cjs') as BinLoader;
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
    define: { 'import.meta.url': '__rolecallModuleUrl' },
    banner: {
      js: `${loader.BUILD_ID_PREFIX}${randomUUID()}\n'use strict';\nconst __rolecallModuleUrl = require('node:url').pathToFileURL(__filename).href;`,
    },
    legalComments: 'none',
    // Every command reads the whole bundle and copies it into a string before its first line (V8 keeps
    // the source beside the cached code): minified, that is about half the bytes (1.15 MB to 0.6 MB) and
    // a code cache a little smaller. Nothing in src/ depends on a function's or class's own name (errors
    // carry their name as a field, RolecallError's `name`); a stack under ROLECALL_DEBUG names minified
    // functions, and `npm run rolecall` runs the source for debugging.
    minify: true,
    logLevel: 'warning',
    write: false,
  });
  const out = result.outputFiles[0];
  if (out === undefined) throw new Error('esbuild wrote no bundle');
  writeAtomic(bundle, out.contents);
  const cache = loader.cacheFile(bundle);
  fs.rmSync(cache, { force: true });
  const { script, exports } = loader.compileBundle(bundle, cache);
  await train(exports.main);
  const header = loader.cacheHeader(out.text);
  if (header === undefined) throw new Error('the bundle has no build id');
  writeAtomic(cache, Buffer.concat([header, script.createCachedData()]));
  return bundle;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildCli();
}
