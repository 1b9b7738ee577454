/** `rolecall apply FILE`: make the store match a declared state (YAML or JSON), showing the plan first. */
import type { Command } from 'commander';
import { parseStateFile, planApply, type Change } from '../../iam/index.js';
import type { CommandContext } from '../context.js';
import {
  existingStoreOrEmpty,
  print,
  readTextFile,
  withControlPlane,
  type StoreOptions,
} from './control-plane-options.js';

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

export function formatPlan(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no changes\n';
  const lines = changes.map(
    (c) =>
      `${SIGN[c.action]} ${c.action} ${c.kind} ${c.name}${c.details.length ? ` (${c.details.join('; ')})` : ''}`,
  );
  const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  lines.push(
    `plan: ${count('create')} to create, ${count('update')} to change, ${count('delete')} to delete`,
  );
  return lines.join('\n') + '\n';
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('apply <file>')
    .description(
      'make the store match FILE (YAML or JSON): prints the plan, then applies it in one transaction',
    )
    .option(
      '--store <location>',
      'SQLite file, postgres:// URL or `memory` (default: $ROLECALL_STORE or .rolecall/rolecall.db)',
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the plan as JSON')
    .action((file: string, opts: StoreOptions & { dryRun?: boolean }) =>
      // A dry run against a store that does not exist yet plans against an empty one and creates nothing.
      withControlPlane(opts.dryRun ? existingStoreOrEmpty(opts) : opts, async (cp) => {
        const desired = parseStateFile(readTextFile(file), file, cp.engine.checkPolicy);
        const plan = await planApply(cp, desired);
        if (opts.json)
          print(ctx, opts, { changes: plan.changes, applied: !opts.dryRun && plan.changes.length > 0 });
        else ctx.out(formatPlan(plan.changes));
        if (opts.dryRun || plan.changes.length === 0) return;
        await plan.apply();
        if (!opts.json) ctx.out('applied\n');
      }),
    );
}
