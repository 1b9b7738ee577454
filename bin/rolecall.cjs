#!/usr/bin/env node
/**
 * The published entry point. It runs the CLI bundle that `npm install` builds (through `prepare`, by
 * scripts/build-cli.ts): dist/rolecall.cjs, compiled with the V8 code cache beside it when that cache
 * was made for this bundle (the build id on the bundle's first line heads the cache) and V8 accepts it
 * (the same Node version and flags). Otherwise the bundle is compiled from source, as any script; nothing
 * is ever written here, so a read-only install and a changed Node version work, only a little slower
 * until the next build.
 *
 * CommonJS on purpose: the asynchronous ES module loader would add its own start-up to every command.
 */
'use strict';
const { isAscii } = require('node:buffer');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const BUILD_ID_PREFIX = '// rolecall build ';

/** The build id heading the bundle's source, as the cache file's header; undefined without one. */
function cacheHeader(source) {
  if (!source.startsWith(BUILD_ID_PREFIX)) return undefined;
  const end = source.indexOf('\n');
  return Buffer.from(`${source.slice(0, end === -1 ? source.length : end)}\n`, 'utf8');
}

/**
 * Commands with a code cache of their own, trained on that command alone (scripts/build-cli.ts): the
 * help (no command) and simulate, the commands a user runs first and most. A cache holds the code its
 * training ran, and V8 loads all of it before the first line runs; the shared cache, trained on every
 * such command and the writes that set up a store, is a third larger for simulate than simulate's own,
 * and two and a half times the help's. Every other command loads the shared one.
 */
const OWN_CACHES = new Map([
  ['', 'help'],
  ['simulate', 'simulate'],
]);

/** The cache file beside the bundle: the shared one, or the one named (OWN_CACHES). */
function cacheFile(bundle, name) {
  return name === undefined ? `${bundle}.cache` : `${bundle}.${name}.cache`;
}

/**
 * The cache for a run with these arguments: its command's own, else the shared one. The command is the
 * first argument (`help WORD` asks for WORD). The program's own options take no value, so a run that
 * starts with a flag is the program's, whatever words follow (`-h simulate` prints the program's help,
 * `--store x simulate` is an unknown option): the help's cache. Any cache of this build gives the same
 * answers, only the time to load differs.
 */
function cacheFor(bundle, argv) {
  const [first = '', second = ''] = argv;
  const command = first.startsWith('-') ? '' : first === 'help' ? second : first;
  return cacheFile(bundle, OWN_CACHES.get(command));
}

/** The cache's V8 data when it was made for `source`; undefined when missing, unreadable or another build's. */
function cachedDataFor(source, cache) {
  const header = cacheHeader(source);
  if (header === undefined) return undefined;
  let data;
  try {
    data = fs.readFileSync(cache);
  } catch {
    return undefined;
  }
  return data.subarray(0, header.length).equals(header) ? data.subarray(header.length) : undefined;
}

/** The CommonJS module the bundle runs as, loaded (Node's loader does not load it: it is run here). */
function bundleModule(bundle) {
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  mod.loaded = true;
  return mod;
}

/** Compiles and runs the bundle as a CommonJS module (with its cache when it fits); returns its exports. */
function compileBundle(bundle, cache) {
  // The build writes the bundle in ASCII (esbuild escapes every other character), and ASCII bytes are
  // their own latin1 text: decoded so, the bundle becomes a one-byte string at the cost of a copy, where
  // Node 20's UTF-8 read of the same megabyte costs a few times more (and every command pays it).
  const raw = fs.readFileSync(bundle);
  const source = isAscii(raw) ? raw.latin1Slice(0, raw.length) : raw.toString('utf8');
  const cachedData = cachedDataFor(source, cache);
  const script = new vm.Script(Module.wrap(source), {
    filename: bundle,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const mod = bundleModule(bundle);
  const run = script.runInThisContext();
  run.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  return { script, exports: mod.exports };
}

/** The bundle's source map, which the build writes beside it. */
function sourceMapFile(bundle) {
  return `${bundle}.map`;
}

/**
 * The bundle compiled by Node's CommonJS loader with its source map, as `node --enable-source-maps`
 * would: a stack then names the source's functions, files and lines instead of the minified ones. For
 * ROLECALL_DEBUG, whose internal errors print their stack; it uses no code cache, and no other run reads
 * the map. Returns the bundle's exports.
 */
function compileBundleWithSourceMap(bundle) {
  process.setSourceMapsEnabled(true);
  const mod = bundleModule(bundle);
  const source = fs.readFileSync(bundle, 'utf8');
  mod._compile(`${source}\n//# sourceMappingURL=${path.basename(sourceMapFile(bundle))}\n`, bundle);
  return mod.exports;
}

module.exports = {
  BUILD_ID_PREFIX,
  OWN_CACHES,
  cacheHeader,
  cacheFile,
  cacheFor,
  compileBundle,
  compileBundleWithSourceMap,
  sourceMapFile,
};

if (require.main === module) {
  const bundle = path.join(__dirname, '..', 'dist', 'rolecall.cjs');
  if (!fs.existsSync(bundle)) {
    process.stderr.write(
      'rolecall: the CLI is not built: run `npm install` (or `npm run build`) in the package first\n',
    );
    process.exitCode = 1;
  } else {
    const argv = process.argv.slice(2);
    const { exports } = process.env.ROLECALL_DEBUG
      ? { exports: compileBundleWithSourceMap(bundle) }
      : compileBundle(bundle, cacheFor(bundle, argv));
    void exports.main(argv).then((code) => {
      process.exitCode = code;
    });
  }
}
