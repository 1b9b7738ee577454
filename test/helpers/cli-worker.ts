/**
 * The worker side of test/helpers/cli.ts: runs `main(argv, io)` for each call with the call's
 * environment, collects what it writes, answers on the port and wakes the waiting test thread. When the
 * worker dies mid-call (an uncaught error, `process.exit`), the pending call is answered with why and
 * marked as the worker's last, so the test thread never waits out its timeout.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';
import type { CliCall, CliReply, CliResult } from './cli.js';

/** Runs one call through the CLI's `main` from source. */
export function run(call: CliCall): Promise<CliResult> {
  return runWith(main, call);
}

/** Runs one call through `cli`, a `main(argv, io)` (the source's, or the built bundle's). */
export async function runWith(cli: typeof main, call: CliCall): Promise<CliResult> {
  for (const k of Object.keys(process.env)) if (!(k in call.env)) delete process.env[k];
  Object.assign(process.env, call.env);
  let stdout = '';
  let stderr = '';
  try {
    const status = await cli(call.args, {
      out: (s) => (stdout += s),
      err: (s) => (stderr += s),
    });
    return { status, stdout, stderr };
  } catch (e) {
    return { status: -1, stdout, stderr: `${stderr}worker: ${e instanceof Error ? e.stack : String(e)}\n` };
  }
}

/** Answers each call on the port with `handler`'s result (slots of the signal as in cli.ts). */
export function answerCalls(handler: (call: CliCall) => Promise<CliResult>): void {
  const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
  let pending: CliCall | undefined;
  const answer = (reply: CliReply) => {
    pending = undefined;
    port.postMessage(reply);
    if (reply.workerGone) Atomics.store(signal, 1, 1);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  const died = (why: string) => {
    if (pending) answer({ status: -1, stdout: '', stderr: `worker died: ${why}\n`, workerGone: true });
    else Atomics.store(signal, 1, 1);
  };
  process.on('uncaughtException', (e) => {
    died(
      `rolecall ${pending?.args.join(' ') ?? ''}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    process.exit(1);
  });
  process.on('exit', (code) => died(`exited with code ${code}`));
  parentPort?.on('message', (call: CliCall) => {
    pending = call;
    void handler(call).then(answer);
  });
}
