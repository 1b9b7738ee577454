/**
 * What a command that changes the store prints: one line on stdout saying what changed (`--quiet`:
 * nothing; `--json`: the resulting entity), or, when the entity was already as asked (attaching a policy
 * that is attached, removing a tag it does not have), a line saying that nothing changed: a silent
 * success would leave the user unsure which of the two happened.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export interface ChangeOptions {
  json?: boolean;
  quiet?: boolean;
}

/** The output options of a command that changes something. */
export function changeOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the resulting entity as JSON')
    .option('-q, --quiet', 'print nothing when it succeeds');
}

export interface Change {
  /** What the change is about, for the line: `role \`app\``. */
  subject: string;
  /** What it did, past tense: `attached arn:... to role \`app\``. */
  done: string;
  /** Reads the entity; read before and after the change to tell whether anything changed. */
  state: () => Promise<unknown>;
  apply: () => Promise<unknown>;
}

/** Makes the change and reports it. */
export async function reportChange(ctx: CommandContext, opts: ChangeOptions, c: Change): Promise<void> {
  const before = JSON.stringify(await c.state());
  await c.apply();
  const after = await c.state();
  if (opts.quiet) return;
  if (opts.json) ctx.out(`${JSON.stringify(after, null, 2)}\n`);
  else ctx.out(JSON.stringify(after) === before ? `no change to ${c.subject}\n` : `${c.done}\n`);
}

/** Makes a deletion and reports it; `--json` prints `{"deleted": ...}` naming what is gone. */
export async function reportDeletion(
  ctx: CommandContext,
  opts: ChangeOptions,
  c: { subject: string; name: string; apply: () => Promise<unknown> },
): Promise<void> {
  await c.apply();
  if (opts.quiet) return;
  if (opts.json) ctx.out(`${JSON.stringify({ deleted: c.name }, null, 2)}\n`);
  else ctx.out(`deleted ${c.subject}\n`);
}
