/** `rolecall group ...`: IAM groups and their members. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import {
  accountOf,
  print,
  printRecord,
  storeOptions,
  withControlPlane,
  type StoreOptions,
} from './control-plane-options.js';
import { addIdentityCommands } from './identity-commands.js';

export function register(program: Command, ctx: CommandContext): void {
  const group = program.command('group').description('create, inspect and change IAM groups');

  storeOptions(group.command('create <name>'))
    .description('create a group')
    .option('--path <path>', 'path')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions & { path?: string }) =>
      withControlPlane(opts, async (cp) => {
        const g = await cp.iam.createGroup({
          account: accountOf(opts),
          name,
          ...(opts.path !== undefined ? { path: opts.path } : {}),
        });
        if (opts.json) print(ctx, opts, g);
        else ctx.out(`created ${g.arn} (${g.id})\n`);
      }),
    );

  storeOptions(group.command('get <name>'))
    .description('show a group and its members')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
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
      withControlPlane(opts, async (cp) => {
        const groups = await cp.iam.listGroups(accountOf(opts));
        print(ctx, opts, groups, {
          columns: ['NAME', 'PATH', 'ID'],
          rows: groups.map((g) => [g.name, g.path, g.id]),
        });
      }),
    );

  storeOptions(group.command('update <name>'))
    .description('rename or move a group')
    .option('--new-name <name>', 'new group name')
    .option('--new-path <path>', 'new path')
    .action((name: string, opts: StoreOptions & { newName?: string; newPath?: string }) =>
      withControlPlane(opts, async (cp) => {
        await cp.iam.updateGroup({
          account: accountOf(opts),
          name,
          ...(opts.newName !== undefined ? { newName: opts.newName } : {}),
          ...(opts.newPath !== undefined ? { newPath: opts.newPath } : {}),
        });
      }),
    );

  storeOptions(group.command('delete <name>'))
    .description('delete a group (members and policies must be removed first, as in AWS)')
    .action((name: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.deleteGroup(accountOf(opts), name)),
    );

  storeOptions(group.command('add-user <group> <user>'))
    .description('add a user to a group')
    .action((g: string, u: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.addUserToGroup(accountOf(opts), g, u)),
    );

  storeOptions(group.command('remove-user <group> <user>'))
    .description('remove a user from a group')
    .action((g: string, u: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.removeUserFromGroup(accountOf(opts), g, u)),
    );

  addIdentityCommands(group, 'group', ctx);
}
