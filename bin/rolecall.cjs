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

function cacheFile(bundle) {
  return `${bundle}.cache`;
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
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  mod.loaded = true;
  const run = script.runInThisContext();
  run.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  return { script, exports: mod.exports };
}

module.exports = { BUILD_ID_PREFIX, cacheHeader, cacheFile, compileBundle };

if (require.main === module) {
  const bundle = path.join(__dirname, '..', 'dist', 'rolecall.cjs');
  if (!fs.existsSync(bundle)) {
    process.stderr.write(
      'rolecall: the CLI is not built: run `npm install` (or `npm run build`) in the package first\n',
    );
    process.exitCode = 1;
  } else {
    const { exports } = compileBundle(bundle, cacheFile(bundle));
    void exports.main(process.argv.slice(2)).then((code) => {
      process.exitCode = code;
    });
  }
}
