/** `rolecall account ...`: the AWS accounts the store knows. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { changeOptions, reportChange, reportDeletion, type ChangeOptions } from './change-output.js';
import {
  collect,
  formatTags,
  parseTags,
  print,
  printRecord,
  storeOptions,
  type StoreOptions,
  withControlPlane,
  readControlPlane,
} from './control-plane-options.js';

export function register(program: Command, ctx: CommandContext): void {
  const account = program.command('account').description('register and inspect AWS accounts');

  storeOptions(account.command('create <id>'))
    .description('register an account (12 digits)')
    .option('--name <name>', 'account name')
    .option('--email <email>', 'root email')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .action((id: string, opts: StoreOptions & { name?: string; email?: string; tag?: string[] }) =>
      withControlPlane(opts, async (cp) => {
        const a = await cp.iam.createAccount({
          id,
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.email !== undefined ? { email: opts.email } : {}),
          tags: parseTags(opts.tag),
        });
        ctx.out(`created account ${a.id}\n`);
      }),
    );

  storeOptions(account.command('get <id>'))
    .description('show an account')
    .option('--json', 'print JSON')
    .action((id: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const a = await cp.iam.getAccount(id);
        printRecord(ctx, opts, a, [
          ['id', a.id],
          ['name', a.name],
          ['email', a.email],
          ['parent', a.parentId],
          ['tags', a.tags.length > 0 ? formatTags(a.tags) : undefined],
        ]);
      }),
    );

  storeOptions(account.command('list'))
    .description('list accounts')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const list = await cp.iam.listAccounts();
        print(ctx, opts, list, {
          columns: ['ID', 'NAME', 'PARENT'],
          rows: list.map((a) => [a.id, a.name, a.parentId]),
        });
      }),
    );

  changeOptions(storeOptions(account.command('update <id>')))
    .description('rename an account or change its email')
    .option('--name <name>', 'account name')
    .option('--email <email>', 'root email')
    .action((id: string, opts: StoreOptions & ChangeOptions & { name?: string; email?: string }) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `account ${id}`,
          done: `updated account ${id}`,
          state: () => cp.iam.getAccount(id),
          apply: () =>
            cp.iam.updateAccount({
              id,
              ...(opts.name !== undefined ? { name: opts.name } : {}),
              ...(opts.email !== undefined ? { email: opts.email } : {}),
            }),
        }),
      ),
    );

  changeOptions(storeOptions(account.command('delete <id>')))
    .description('remove an account that holds nothing')
    .action((id: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `account ${id}`,
          name: id,
          apply: () => cp.iam.deleteAccount(id),
        }),
      ),
    );
}
