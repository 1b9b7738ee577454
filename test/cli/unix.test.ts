/**
 * The CLI as a Unix tool: `--version`, one-line usage errors with a hint, the help listing every command
 * of every group (the listing is declared apart from the modules, so that start-up loads none of them),
 * and, in real processes, the installed bin starting and a closed pipe ending the output quietly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { COMMAND_GROUPS } from '../../src/cli/main.js';
import { exitCodes, type CommandContext } from '../../src/cli/context.js';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { sourceFileOf } from '../helpers/source-process.js';

const version = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

describe('rolecall usage', () => {
  it('--version prints the package version', () => {
    const r = runCli(['--version']);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${version}\n`);
  });

  it('a usage error is one line and a hint, exit 1', () => {
    const unknown = runCli(['simulate', '--no-such-flag']);
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(
      unknown.stderr,
      "rolecall: unknown option '--no-such-flag'\n(see `rolecall simulate --help`)\n",
    );
    const missing = runCli(['role', 'create', 'R']);
    assert.equal(missing.status, 1);
    assert.equal(
      missing.stderr,
      "rolecall: required option '--trust-policy <file>' not specified\n(see `rolecall role create --help`)\n",
    );
    const typo = runCli(['rol']);
    assert.equal(typo.status, 1);
    assert.match(typo.stderr, /^rolecall: unknown command 'rol'\n\(Did you mean role\?\)\n/);
  });

  it('the help lists exactly the commands each group registers, and each answers --help', async () => {
    const help = runCli(['--help']);
    assert.equal(help.status, 0);
    const ctx: CommandContext = { out: () => undefined, err: () => undefined, exitCode: exitCodes.ok };
    for (const group of COMMAND_GROUPS) {
      assert.equal(typeof group, 'object', 'every group declares its commands so that start-up loads none');
      if (typeof group !== 'object') continue;
      const program = new Command('rolecall');
      (await group.load()).register(program, ctx);
      assert.deepEqual(
        program.commands.map((c) => c.name()).sort(),
        Object.keys(group.commands).sort(),
        'the declared commands are the ones the module registers',
      );
      for (const name of Object.keys(group.commands)) {
        assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'));
        const sub = runCli([name, '--help']);
        assert.equal(sub.status, 0, sub.stderr);
        assert.match(sub.stdout, new RegExp(`^Usage: rolecall ${name}\\b`));
      }
    }
  });
});

describe('rolecall help', () => {
  // A run that starts with a command's word registers only that command's group (start-up); a flag before
  // the word is the program's own, whose help must still list every command.
  const names = COMMAND_GROUPS.flatMap((g) => (typeof g === 'object' ? Object.keys(g.commands) : []));

  it("the program's help lists every command, also with a command word after the flag", () => {
    for (const argv of [['--help'], ['-h', 'simulate'], ['--help', 'role', 'list'], ['help']]) {
      const r = runCli(argv);
      assert.equal(r.status, 0, argv.join(' '));
      assert.match(r.stdout, /^Usage: rolecall \[options\] \[command\]/, argv.join(' '));
      for (const name of names) assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), argv.join(' '));
    }
  });

  it("help WORD and WORD --help give that command's own help", () => {
    for (const argv of [
      ['help', 'simulate'],
      ['simulate', '--help'],
      ['help', 'role'],
      ['who-can', '-h'],
    ]) {
      const name = argv[0] === 'help' ? argv[1]! : argv[0]!;
      const r = runCli(argv);
      assert.equal(r.status, 0, argv.join(' '));
      assert.match(r.stdout, new RegExp(`^Usage: rolecall ${name}\\b`), argv.join(' '));
    }
  });
});

describe('rolecall as a process', () => {
  // The installed bin (the built bundle) where the test is about the process; the source, a module a
  // file (dist/src, or src/ through the TypeScript loader), where it is about which source files a
  // command loads.
  const bin = path.join(repoRoot, 'bin/rolecall.cjs');

  it('the installed bin starts and answers --version', () => {
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stderr, '', 'the bin runs dist/: `npm install` (or `npm run build`) builds it');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${version}\n`);
  });

  it('a reader that goes away early (`| head -1`) ends the output quietly, with the exit code kept', () => {
    // More output than a pipe buffers (64 KiB), so that writes go on after `head` has exited: 800 lines
    // of some 330 bytes (long names rather than many cases, which would each cost a decision).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-pipe-'));
    const scenario = path.join(dir, 'many.json');
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] };
    const name = (i: number) => `case-${i}-with-a-long-name`.padEnd(300, '-');
    const cases = Array.from({ length: 800 }, (_, i) => ({
      name: name(i),
      policies: { identity: [policy] },
      request: { principal: 'arn:aws:iam::111122223333:user/a', action: 's3:GetObject', resource: '*' },
      expect: 'ExplicitDeny',
    }));
    fs.writeFileSync(scenario, JSON.stringify({ cases }));
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)}`;
    const run = (args: string) =>
      spawnSync('bash', ['-o', 'pipefail', '-c', `${cli} ${args} | head -1`], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const all = run(`simulate ${JSON.stringify(scenario)}`);
    assert.equal(all.stderr, '');
    assert.equal(all.stdout, `PASS  ${name(0)}  ExplicitDeny (expected ExplicitDeny)\n`);
    assert.equal(all.status, 0, 'every case passed');
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify(policy));
    const deny = run(
      `simulate --explain --policy ${JSON.stringify(path.join(dir, 'p.json'))} --principal arn:aws:iam::111122223333:user/a --action s3:GetObject`,
    );
    assert.equal(deny.stderr, '');
    assert.match(deny.stdout, /^ExplicitDeny/);
    assert.equal(deny.status, 2, 'a deny stays exit 2');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one ad hoc decision loads the parser and the engine only: no scenario runner, store or driver', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-loads-'));
    const policy = path.join(dir, 'p.json');
    fs.writeFileSync(
      policy,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      }),
    );
    // Node's own module debug log names every file it loads: ES modules and CommonJS packages.
    const r = runCliProcess(
      [
        'simulate',
        '--policy',
        policy,
        '--principal',
        'arn:aws:iam::111122223333:user/a',
        '--action',
        's3:GetObject',
      ],
      { env: { NODE_DEBUG: 'esm,module' } },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Allow/);
    const { src, packages } = loadedFiles(r.stderr);
    assert.ok(src.includes('src/eval/authorize.ts') && src.includes('src/policy/parse.ts'), src.join(' '));
    const unneeded = src.filter((f) => /^src\/(scenario|store|iam|api|emr|analyze\/(?!validate\/))/.test(f));
    assert.deepEqual(unneeded, []);
    assert.deepEqual(packages, ['commander', 'jsonc-parser']);
  });

  it('one decision from the store loads the store, the control plane and the engine: no scenario runner, server, import or analysis, pg or AWS managed policy data', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-store-loads-'));
    const store = path.join(dir, 'rolecall.db');
    const trust = path.join(dir, 'trust.json');
    const policy = path.join(dir, 'p.json');
    fs.writeFileSync(
      trust,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    );
    fs.writeFileSync(
      policy,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      }),
    );
    const opts = { cwd: dir };
    assert.equal(runCli(['role', 'create', 'R', '--store', store, '--trust-policy', trust], opts).status, 0);
    assert.equal(runCli(['role', 'put-policy', 'R', 's3', policy, '--store', store], opts).status, 0);
    const r = runCliProcess(
      [
        'simulate',
        '--principal',
        'arn:aws:iam::123456789012:role/R',
        '--action',
        's3:GetObject',
        '--store',
        store,
      ],
      { cwd: dir, env: { NODE_DEBUG: 'esm,module' } },
    );
    fs.rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Allow/);
    const { src, packages } = loadedFiles(r.stderr);
    assert.ok(src.includes('src/store/sqlite.ts') && src.includes('src/iam/resolver.ts'), src.join(' '));
    const unneeded = src.filter((f) =>
      /^src\/(scenario|api|emr|iam\/(import|plan|state|access-queries)|store\/(postgres|memory)|analyze\/(?!validate\/))/.test(
        f,
      ),
    );
    assert.deepEqual(unneeded, []);
    // The SQLite driver's addon is loaded by path: its `bindings` helper (and that one's dependency) is not.
    assert.deepEqual(packages, ['better-sqlite3', 'commander', 'jsonc-parser']);
  });

  it('a usage error in a real process: stderr only, exit 1', () => {
    const r = spawnSync(process.execPath, [bin, '--no-such-flag'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stdout, '');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "rolecall: unknown option '--no-such-flag'\n(see `rolecall --help`)\n");
  });
});

/**
 * What a process run with `NODE_DEBUG=esm,module` loaded, from Node's module debug log (ES modules and
 * CommonJS packages): the repository's src/ files (the sources of dist/src's), and the packages other than
 * the TypeScript loader's.
 */
function loadedFiles(stderr: string): { src: string[]; packages: string[] } {
  const loaded = new Set<string>();
  for (const m of stderr.matchAll(/Storing file:\/\/(\S+) |load "([^"]+)" for module/g))
    loaded.add(sourceFileOf(m[1] ?? m[2] ?? ''));
  const packages = new Set(
    [...loaded].flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? []),
  );
  return {
    src: [...loaded].filter((f) => f.startsWith('src/')),
    packages: [...packages].filter((p) => p !== 'tsx' && p !== 'get-tsconfig' && p !== 'esbuild').sort(),
  };
}
