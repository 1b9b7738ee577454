/**
 * The aws CLI for end-to-end tests, without paying a Python start-up per call. `findAwsCli` resolves the
 * `aws` on PATH to the real executable once (a pyenv shim costs a bash and a `pyenv exec` per call).
 * `startAwsCli` runs every call through the CLI's own entry point, `awscli.clidriver.main()`, in one warm
 * Python process (aws-cli-driver.py beside this file): each call still parses its arguments, builds its
 * botocore session, signs, sends and formats as `aws` does, but the interpreter and the CLI's modules
 * (about three quarters of a call's CPU) load once per test file. An `aws` that is not a Python script
 * whose interpreter can import awscli (the v2 installer's binary) runs as a process per call.
 * `runAwsProcess` always starts the executable itself.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { repoRoot } from './paths.js';

export interface AwsRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AwsCli {
  /** The resolved executable. */
  executable: string;
  /** awscli's version, as the CLI reports it. */
  version: string;
  /** How calls run: in one warm Python process, or as a process each. */
  mode: 'in-process' | 'process per call';
  /** Runs `aws ARGS` with exactly `env` as its environment. */
  run(args: string[], env: NodeJS.ProcessEnv): Promise<AwsRun>;
  close(): Promise<void>;
}

const CALL_TIMEOUT_MS = 60_000;
const DRIVER = path.join(repoRoot, 'test/helpers/aws-cli-driver.py');

/** The real executable behind `aws` on PATH, or undefined when there is none. */
export function findAwsCli(pathVar = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, 'aws');
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      continue;
    }
    const head = readHead(file);
    const pyenv = /exec "([^"]+)" exec "\$program"/.exec(head)?.[1];
    // A pyenv shim that resolves to nothing (the active Python has no aws CLI) fails as no `aws` would.
    return pyenv === undefined ? file : pyenvWhich(pyenv, head, path.basename(file));
  }
  return undefined;
}

/** What `pyenv which` resolves a pyenv shim (`exec "…/pyenv" exec "$program"`) to. */
function pyenvWhich(pyenv: string, head: string, program: string): string | undefined {
  const root = /export PYENV_ROOT="([^"]+)"/.exec(head)?.[1];
  const r = spawnSync(pyenv, ['which', program], {
    encoding: 'utf8',
    env: { ...process.env, ...(root !== undefined ? { PYENV_ROOT: root } : {}) },
  });
  const resolved = r.stdout?.trim();
  return r.status === 0 && resolved ? resolved : undefined;
}

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
  } catch {
    return '';
  } finally {
    fs.closeSync(fd);
  }
}

/** The interpreter command of a Python script's `#!` line (`#!/usr/bin/env python3` included). */
function pythonOf(executable: string): string[] | undefined {
  const first = readHead(executable).split('\n')[0] ?? '';
  if (!first.startsWith('#!')) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  const program = path.basename(words[0] ?? '') === 'env' ? words.slice(1) : words;
  return /^python[\d.]*$/.test(path.basename(program[0] ?? '')) ? program : undefined;
}

/** Starts `executable` itself with `args`. */
export function runAwsProcess(executable: string, args: string[], env: NodeJS.ProcessEnv): Promise<AwsRun> {
  return new Promise((resolve) => {
    execFile(executable, args, { env, timeout: CALL_TIMEOUT_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI for `executable` (from findAwsCli). `env` is the driver process's environment (each call
 * brings its own); calls run one after another, in the order they were made.
 */
export async function startAwsCli(executable: string, env: NodeJS.ProcessEnv): Promise<AwsCli> {
  const python = pythonOf(executable);
  let driver = python ? await Driver.start(python, env) : undefined;
  if (typeof driver === 'string') {
    console.log(`# aws CLI runs a process per call: its Python cannot load awscli (${driver})`);
    driver = undefined;
  }
  if (driver === undefined) {
    const v = await runAwsProcess(executable, ['--version'], env);
    if (v.code !== 0) throw new Error(`${executable} --version failed (${v.code}): ${v.stderr}`);
    return {
      executable,
      version: (v.stdout || v.stderr).trim(),
      mode: 'process per call',
      run: (args, callEnv) => runAwsProcess(executable, args, callEnv),
      close: () => Promise.resolve(),
    };
  }
  const warm = driver;
  return {
    executable,
    version: warm.version,
    mode: 'in-process',
    run: (args, callEnv) => warm.call(args, callEnv),
    close: () => warm.close(),
  };
}

interface Waiting {
  resolve: (run: AwsRun) => void;
  timer: NodeJS.Timeout;
}

/** One Python process answering calls in order (protocol in aws-cli-driver.py). */
class Driver {
  private readonly waiting: Waiting[] = [];
  private log = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly version: string,
  ) {}

  /** The running driver, or why awscli cannot run in it. */
  static start(python: string[], env: NodeJS.ProcessEnv): Promise<Driver | string> {
    const [command = 'python3', ...flags] = python;
    const child = spawn(command, [...flags, DRIVER], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let early = '';
    const collect = (chunk: Buffer) => (early += chunk.toString('utf8'));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const lines = readline.createInterface({ input: child.stdio[3] as Readable });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`aws CLI driver (${command}): ${why}\n${early}`));
      child.once('error', (e) => fail(e.message));
      child.once('exit', (code, signal) => fail(`exited before it was ready (${signal ?? code})`));
      lines.once('line', (line) => {
        const hello = JSON.parse(line) as { ready: boolean; version?: string; reason?: string };
        child.removeAllListeners('exit');
        if (!hello.ready) {
          resolve(hello.reason ?? 'unknown reason');
          return;
        }
        const driver = new Driver(child, `aws-cli/${hello.version ?? '?'}`);
        child.stdout?.off('data', collect);
        child.stderr?.off('data', collect);
        driver.log = early;
        driver.listen(lines);
        resolve(driver);
      });
    });
  }

  private listen(lines: readline.Interface): void {
    const note = (chunk: Buffer) => (this.log += chunk.toString('utf8'));
    this.child.stdout?.on('data', note);
    this.child.stderr?.on('data', note);
    lines.on('line', (line) => {
      const w = this.waiting.shift();
      if (w === undefined) return;
      clearTimeout(w.timer);
      w.resolve(JSON.parse(line) as AwsRun);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) {
        clearTimeout(w.timer);
        w.resolve({ code: -1, stdout: '', stderr: `aws CLI driver exited (${signal ?? code})\n${this.log}` });
      }
    });
  }

  call(args: string[], env: NodeJS.ProcessEnv): Promise<AwsRun> {
    if (this.exited)
      return Promise.resolve({ code: -1, stdout: '', stderr: `aws CLI driver is gone\n${this.log}` });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log += `aws ${args.join(' ')}: no answer in ${CALL_TIMEOUT_MS} ms\n`;
        this.child.kill('SIGKILL');
      }, CALL_TIMEOUT_MS);
      this.waiting.push({ resolve, timer });
      this.child.stdin?.write(JSON.stringify({ args, env }) + '\n');
    });
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin?.end();
    });
  }
}
