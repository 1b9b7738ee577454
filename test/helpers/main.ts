/** Runs the CLI's `main(argv, io)` in this process and collects what it writes. */
import { main } from '../../src/cli/main.js';

export async function runMain(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { status, out, err };
}
