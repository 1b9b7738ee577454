/** `rolecall group ...`: IAM groups and their members. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { changeOptions, reportChange, reportDeletion, type ChangeOptions } from './change-output.js';
import {
  accountOf,
  print,
  printRecord,
  storeOptions,
  type StoreOptions,
  withControlPlane,
  readControlPlane,
} from './control-plane-options.js';
import { addIdentityCommands, identityState, renameCommand } from './identity-commands.js';

export function register(program: Command, ctx: CommandContext): void {
  const group = program.command('group').description('create, inspect and change IAM groups');

  storeOptions(group.command('create <name>'))
    .description('create a group')
    .option('--path <path>', 'path')
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print nothing when it succeeds')
    .action((name: string, opts: StoreOptions & ChangeOptions & { path?: string }) =>
      withControlPlane(opts, async (cp) => {
        const g = await cp.iam.createGroup({
          account: accountOf(opts),
          name,
          ...(opts.path !== undefined ? { path: opts.path } : {}),
        });
        if (opts.quiet) return;
        if (opts.json) print(ctx, opts, g);
        else ctx.out(`created ${g.arn} (${g.id})\n`);
      }),
    );

  storeOptions(group.command('get <name>'))
    .description('show a group and its members')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const { group: g, users } = await cp.iam.getGroup(accountOf(opts), name);
        printRecord(ctx, opts, { ...g, users: users.map((u) => u.name) }, [
          ['arn', g.arn],
          ['id', g.id],
          ['path', g.path],
          ['created', g.createDate],
          ['members', users.map((u) => u.name).join(', ') || undefined],
        ]);
      }),
    );

  storeOptions(group.command('list'))
    .description('list the groups of the account')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const groups = await cp.iam.listGroups(accountOf(opts));
        print(ctx, opts, groups, {
          columns: ['NAME', 'PATH', 'ID'],
          rows: groups.map((g) => [g.name, g.path, g.id]),
        });
      }),
    );

  renameCommand(group, 'group', ctx, (cp, input) => cp.iam.updateGroup(input));

  changeOptions(storeOptions(group.command('delete <name>')))
    .description('delete a group (members and policies must be removed first, as in AWS)')
    .action((name: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `group \`${name}\``,
          name,
          apply: () => cp.iam.deleteGroup(accountOf(opts), name),
        }),
      ),
    );

  changeOptions(storeOptions(group.command('add-user <group> <user>')))
    .description('add a user to a group')
    .action((g: string, u: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `group \`${g}\``,
          done: `added user \`${u}\` to group \`${g}\``,
          state: () => identityState(cp, { kind: 'group', account: accountOf(opts), name: g }),
          apply: () => cp.iam.addUserToGroup(accountOf(opts), g, u),
        }),
      ),
    );

  changeOptions(storeOptions(group.command('remove-user <group> <user>')))
    .description('remove a user from a group')
    .action((g: string, u: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `group \`${g}\``,
          done: `removed user \`${u}\` from group \`${g}\``,
          state: () => identityState(cp, { kind: 'group', account: accountOf(opts), name: g }),
          apply: () => cp.iam.removeUserFromGroup(accountOf(opts), g, u),
        }),
      ),
    );

  addIdentityCommands(group, 'group', ctx);
}
