/**
 * The worker side of test/helpers/cli.ts: runs `main(argv, io)` for each call with the call's
 * environment, collects what it writes, answers on the port and wakes the waiting test thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { main } from '../../src/cli/main.js';
import type { CliCall, CliResult } from './cli.js';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

async function run(call: CliCall): Promise<CliResult> {
  for (const k of Object.keys(process.env)) if (!(k in call.env)) delete process.env[k];
  Object.assign(process.env, call.env);
  let stdout = '';
  let stderr = '';
  try {
    const status = await main(call.args, {
      out: (s) => (stdout += s),
      err: (s) => (stderr += s),
    });
    return { status, stdout, stderr };
  } catch (e) {
    return { status: -1, stdout, stderr: `${stderr}worker: ${e instanceof Error ? e.stack : String(e)}\n` };
  }
}

parentPort?.on('message', (call: CliCall) => {
  void run(call).then((result) => {
    port.postMessage(result);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  });
});
