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
import { sourceExecArgv, sourceModule } from './source-process.js';

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

/** What the worker receives for one call. */
export interface CliCall {
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** What the worker answers: the result, and whether the worker is gone (a new one serves the next call). */
export interface CliReply extends CliResult {
  workerGone?: boolean;
}

const TIMEOUT_MS = 120_000;
const WORKER = pathToFileURL(path.join(repoRoot, 'test/helpers/cli-worker.ts')).href;

/** Slots of the shared signal: the answer is ready; the worker has ended (set by the worker on its way out). */
const READY = 0;
const GONE = 1;

interface Bridge {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

function start(module: string): Bridge {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(8));
  // Workers do not inherit the test's TypeScript loader: the worker registers it, then loads its module;
  // a failure to load is answered on the port, so the waiting thread is never left blocked.
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then(async (tsx) => {
        tsx.register();
        const calls = await import(${JSON.stringify(WORKER)});
        calls.answerCalls((await import(${JSON.stringify(module)})).run);
      })
      .catch((e) => {
        workerData.port.postMessage({ status: -1, stdout: '', stderr: 'worker: ' + (e && e.stack || e) + '\\n', workerGone: true });
        Atomics.store(workerData.signal, ${GONE}, 1);
        Atomics.store(workerData.signal, ${READY}, 1);
        Atomics.notify(workerData.signal, ${READY});
      });`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: { port: port2, signal },
    transferList: [port2],
  });
  worker.unref();
  worker.on('error', () => undefined); // reported to the waiting call by the worker itself
  return { worker, port: port1, signal };
}

/**
 * A `runCli` served by the worker `module` (a file:// URL of a module that answers calls, as
 * cli-worker.ts does). A worker that dies (an uncaught error, `process.exit`) fails the pending call at
 * once with what killed it, and the next call starts a new worker.
 */
export function cliRunner(module: string): (args: string[], opts?: CliOptions) => CliResult {
  let bridge: Bridge | undefined;
  return (args, opts = {}) => {
    if (opts.input !== undefined && opts.input !== '') return runCliProcess(args, opts);
    if (bridge && Atomics.load(bridge.signal, GONE) === 1) bridge = undefined;
    bridge ??= start(module);
    const b = bridge;
    const previous = process.cwd();
    if (opts.cwd !== undefined) process.chdir(opts.cwd);
    try {
      Atomics.store(b.signal, READY, 0);
      const call: CliCall = { args, env: { ...process.env, ...opts.env } };
      b.worker.postMessage(call);
      if (Atomics.wait(b.signal, READY, 0, TIMEOUT_MS) === 'timed-out') {
        void b.worker.terminate();
        bridge = undefined;
        return {
          status: -1,
          stdout: '',
          stderr: `rolecall ${args.join(' ')}: no answer in ${TIMEOUT_MS} ms`,
        };
      }
      const reply = receiveMessageOnPort(b.port);
      if (reply === undefined) throw new Error('the CLI worker signalled without an answer');
      const { workerGone, ...result } = reply.message as CliReply;
      if (workerGone) {
        void b.worker.terminate();
        bridge = undefined;
      }
      return result;
    } finally {
      if (opts.cwd !== undefined) process.chdir(previous);
    }
  };
}

/** Runs `rolecall ARGS` in-process; the same results a child process would give. */
export const runCli = cliRunner(WORKER);

/** Runs the CLI from source in a child process (compiled when dist/ is current: source-process.ts). */
export function runCliProcess(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [...sourceExecArgv, sourceModule('cli/main'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    // Node's module debug log of a store-backed command runs past spawnSync's default 1 MiB.
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
