/** `rolecall export`: the store's state in the format `apply` reads. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import { formatStateFile, readState } from '../../iam/index.js';
import type { CommandContext } from '../context.js';
import { type StoreOptions, readControlPlane } from './control-plane-options.js';

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('export')
    .description(
      'write the current state as a file `apply` reads (applying it to an empty store reproduces the state)',
    )
    .option(
      '--store <location>',
      'SQLite file, postgres:// URL or `memory` (default: $ROLECALL_STORE or .rolecall/rolecall.db)',
    )
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('-o, --output <file>', 'write to FILE instead of standard output')
    .action((opts: StoreOptions & { format: string; output?: string }) =>
      readControlPlane(opts, async (cp) => {
        if (opts.format !== 'yaml' && opts.format !== 'json') {
          throw new RolecallError('UsageError', `format \`${opts.format}\` must be yaml or json`);
        }
        const text = formatStateFile(await readState(cp), opts.format);
        if (opts.output !== undefined) fs.writeFileSync(opts.output, text);
        else ctx.out(text);
      }),
    );
}
