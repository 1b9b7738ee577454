/**
 * Runs the CLI as a user would run `rolecall ARGS`, without paying for a process per call: `runCli`
 * calls the CLI's `main(argv, io)` in a worker thread that stays warm for the whole test file, and
 * blocks until it answers (Atomics.wait), so tests read the result synchronously as they would from
 * spawnSync. The working directory (process-wide, set here before the call) and environment (the
 * worker's own copy) are the call's. `runCliProcess` starts a real process, for tests about the
 * process itself (start-up of the bin, signals, pipes) or that feed stdin.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** What the worker receives for one call, and sends back. */
export interface CliCall {
  args: string[];
  env: NodeJS.ProcessEnv;
}

const TIMEOUT_MS = 120_000;
const WORKER = pathToFileURL(path.join(repoRoot, 'test/helpers/cli-worker.ts')).href;

interface Bridge {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

let bridge: Bridge | undefined;

function start(): Bridge {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  // Workers do not inherit the test's TypeScript loader: the worker registers it, then loads its module;
  // a failure to load is answered on the port, so the waiting thread is never left blocked.
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })
      .catch((e) => {
        workerData.port.postMessage({ status: -1, stdout: '', stderr: 'worker: ' + (e && e.stack || e) + '\\n' });
        Atomics.store(workerData.signal, 0, 1);
        Atomics.notify(workerData.signal, 0);
      });`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: { port: port2, signal },
    transferList: [port2],
  });
  worker.unref();
  worker.on('error', (e) => {
    process.stderr.write(`rolecall test worker failed: ${e.stack ?? String(e)}\n`);
    bridge = undefined;
  });
  return { worker, port: port1, signal };
}

/** Runs `rolecall ARGS` in-process; the same results a child process would give. */
export function runCli(args: string[], opts: CliOptions = {}): CliResult {
  if (opts.input !== undefined && opts.input !== '') return runCliProcess(args, opts);
  bridge ??= start();
  const b = bridge;
  const previous = process.cwd();
  if (opts.cwd !== undefined) process.chdir(opts.cwd);
  try {
    Atomics.store(b.signal, 0, 0);
    const call: CliCall = { args, env: { ...process.env, ...opts.env } };
    b.worker.postMessage(call);
    if (Atomics.wait(b.signal, 0, 0, TIMEOUT_MS) === 'timed-out') {
      void b.worker.terminate();
      bridge = undefined;
      return { status: -1, stdout: '', stderr: `rolecall ${args.join(' ')}: no answer in ${TIMEOUT_MS} ms` };
    }
    const reply = receiveMessageOnPort(b.port);
    if (reply === undefined) throw new Error('the CLI worker signalled without an answer');
    return reply.message as CliResult;
  } finally {
    if (opts.cwd !== undefined) process.chdir(previous);
  }
}

/** Runs the CLI from source in a child process. */
export function runCliProcess(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'src/cli/main.ts'), ...args],
    {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: TIMEOUT_MS,
    },
  );
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
