/** `rolecall user ...`: IAM users, their groups and access keys. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { changeOptions, reportDeletion, type ChangeOptions } from './change-output.js';
import {
  accountOf,
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
import { addIdentityCommands, renameCommand } from './identity-commands.js';

export function register(program: Command, ctx: CommandContext): void {
  const user = program.command('user').description('create, inspect and change IAM users');

  storeOptions(user.command('create <name>'))
    .description('create a user')
    .option('--path <path>', 'path')
    .option('--boundary <policy-arn>', 'permissions boundary')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print nothing when it succeeds')
    .action(
      (
        name: string,
        opts: StoreOptions & ChangeOptions & { path?: string; boundary?: string; tag?: string[] },
      ) =>
        withControlPlane(opts, async (cp) => {
          const u = await cp.iam.createUser({
            account: accountOf(opts),
            name,
            ...(opts.path !== undefined ? { path: opts.path } : {}),
            ...(opts.boundary !== undefined ? { permissionsBoundary: opts.boundary } : {}),
            tags: parseTags(opts.tag),
          });
          if (opts.quiet) return;
          if (opts.json) print(ctx, opts, u);
          else ctx.out(`created ${u.arn} (${u.id})\n`);
        }),
    );

  storeOptions(user.command('get <name>'))
    .description('show a user')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const u = await cp.iam.getUser(accountOf(opts), name);
        printRecord(ctx, opts, u, [
          ['arn', u.arn],
          ['id', u.id],
          ['path', u.path],
          ['created', u.createDate],
          ['boundary', u.permissionsBoundary],
          ['groups', u.groups.join(', ') || undefined],
          ['tags', u.tags.length > 0 ? formatTags(u.tags) : undefined],
        ]);
      }),
    );

  storeOptions(user.command('list'))
    .description('list the users of the account')
    .option('--path-prefix <prefix>', 'only users under this path')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions & { pathPrefix?: string }) =>
      readControlPlane(opts, async (cp) => {
        const users = await cp.iam.listUsers(accountOf(opts), opts.pathPrefix);
        print(ctx, opts, users, {
          columns: ['NAME', 'PATH', 'ID', 'GROUPS', 'TAGS'],
          rows: users.map((u) => [u.name, u.path, u.id, u.groups.join(','), formatTags(u.tags)]),
        });
      }),
    );

  renameCommand(user, 'user', ctx, (cp, input) => cp.iam.updateUser(input));

  changeOptions(storeOptions(user.command('delete <name>')))
    .description('delete a user (keys, groups and policies must be removed first, as in AWS)')
    .action((name: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `user \`${name}\``,
          name,
          apply: () => cp.iam.deleteUser(accountOf(opts), name),
        }),
      ),
    );

  storeOptions(user.command('create-access-key <name>'))
    .description('create an access key; the secret is shown only now')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
        const k = await cp.iam.createAccessKey(accountOf(opts), name);
        printRecord(ctx, opts, k, [
          ['access key id', k.accessKeyId],
          ['secret access key', k.secretAccessKey],
        ]);
      }),
    );

  storeOptions(user.command('access-keys <name>'))
    .description('list the access keys of a user')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const keys = await cp.iam.listAccessKeys(accountOf(opts), name);
        print(ctx, opts, keys, {
          columns: ['ACCESS KEY ID', 'STATUS', 'CREATED'],
          rows: keys.map((k) => [k.accessKeyId, k.status, k.createDate]),
        });
      }),
    );

  changeOptions(storeOptions(user.command('delete-access-key <access-key-id>')))
    .description('delete an access key')
    .action((id: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `access key ${id}`,
          name: id,
          apply: () => cp.iam.deleteAccessKey(accountOf(opts), id),
        }),
      ),
    );

  addIdentityCommands(user, 'user', ctx);
}
