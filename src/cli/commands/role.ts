/** `rolecall role ...`: IAM roles in the store. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import type { OpenedControlPlane } from '../../iam/index.js';
import { RolecallError } from '../../errors.js';
import { changeOptions, reportChange, reportDeletion, type ChangeOptions } from './change-output.js';
import { identityState } from './identity-commands.js';
import {
  accountOf,
  collect,
  formatTags,
  parseInteger,
  parseTags,
  print,
  printRecord,
  storeOptions,
  type StoreOptions,
  withControlPlane,
  withPolicyFile,
  readControlPlane,
} from './control-plane-options.js';
import { addIdentityCommands } from './identity-commands.js';

interface CreateOptions extends StoreOptions {
  trustPolicy: string;
  path?: string;
  description?: string;
  maxSessionDuration?: number;
  boundary?: string;
  tag?: string[];
}

export function register(program: Command, ctx: CommandContext): void {
  const role = program.command('role').description('create, inspect and change IAM roles');

  storeOptions(role.command('create <name>'))
    .description('create a role')
    .requiredOption('--trust-policy <file>', 'trust policy JSON file (`-` for stdin)')
    .option('--path <path>', 'path, for example /service-role/')
    .option('--description <text>', 'description')
    .option('--max-session-duration <seconds>', 'maximum session duration, 3600-43200', parseInteger)
    .option('--boundary <policy-arn>', 'permissions boundary')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print nothing when it succeeds')
    .action((name: string, opts: CreateOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const r = await withPolicyFile(opts.trustPolicy, (trustPolicy) =>
          cp.iam.createRole({
            account: accountOf(opts),
            name,
            trustPolicy,
            ...(opts.path !== undefined ? { path: opts.path } : {}),
            ...(opts.description !== undefined ? { description: opts.description } : {}),
            ...(opts.maxSessionDuration !== undefined ? { maxSessionDuration: opts.maxSessionDuration } : {}),
            ...(opts.boundary !== undefined ? { permissionsBoundary: opts.boundary } : {}),
            tags: parseTags(opts.tag),
          }),
        );
        if (opts.quiet) return;
        if (opts.json) print(ctx, opts, r);
        else ctx.out(`created ${r.arn} (${r.id})\n`);
      }),
    );

  storeOptions(role.command('get <name>'))
    .description('show a role')
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const r = await cp.iam.getRole(accountOf(opts), name);
        printRecord(ctx, opts, r, [
          ['arn', r.arn],
          ['id', r.id],
          ['path', r.path],
          ['created', r.createDate],
          ['description', r.description],
          ['max session', `${r.maxSessionDuration}s`],
          ['boundary', r.permissionsBoundary],
          ['tags', r.tags.length > 0 ? formatTags(r.tags) : undefined],
          ['trust policy', r.trustPolicy],
        ]);
      }),
    );

  storeOptions(role.command('list'))
    .description('list the roles of the account')
    .option('--path-prefix <prefix>', 'only roles under this path')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions & { pathPrefix?: string }) =>
      readControlPlane(opts, async (cp) => {
        const roles = await cp.iam.listRoles(accountOf(opts), opts.pathPrefix);
        print(ctx, opts, roles, {
          columns: ['NAME', 'PATH', 'ID', 'CREATED', 'TAGS'],
          rows: roles.map((r) => [r.name, r.path, r.id, r.createDate, formatTags(r.tags)]),
        });
      }),
    );

  changeOptions(storeOptions(role.command('update <name>')))
    .description('change the description, maximum session duration or trust policy of a role')
    .option('--description <text>', 'description')
    .option('--max-session-duration <seconds>', 'maximum session duration, 3600-43200', parseInteger)
    .option('--trust-policy <file>', 'new trust policy JSON file')
    .action(
      (
        name: string,
        opts: StoreOptions &
          ChangeOptions & { description?: string; maxSessionDuration?: number; trustPolicy?: string },
      ) =>
        withControlPlane(opts, (cp) =>
          reportChange(ctx, opts, {
            subject: `role \`${name}\``,
            done: `updated role \`${name}\``,
            state: () => identityState(cp, { kind: 'role', account: accountOf(opts), name }),
            apply: () => updateRole(cp, name, opts),
          }),
        ),
    );

  changeOptions(storeOptions(role.command('delete <name>')))
    .description('delete a role (its policies must be removed first, as in AWS)')
    .action((name: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `role \`${name}\``,
          name,
          apply: () => cp.iam.deleteRole(accountOf(opts), name),
        }),
      ),
    );

  addIdentityCommands(role, 'role', ctx);
}

function updateRole(
  cp: OpenedControlPlane,
  name: string,
  opts: StoreOptions & { description?: string; maxSessionDuration?: number; trustPolicy?: string },
): Promise<void> {
  if (
    opts.description === undefined &&
    opts.maxSessionDuration === undefined &&
    opts.trustPolicy === undefined
  )
    throw new RolecallError('UsageError', 'give --description, --max-session-duration or --trust-policy');
  return cp.store.withTransaction(async () => {
    const account = accountOf(opts);
    if (opts.description !== undefined || opts.maxSessionDuration !== undefined) {
      await cp.iam.updateRole({
        account,
        name,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.maxSessionDuration !== undefined ? { maxSessionDuration: opts.maxSessionDuration } : {}),
      });
    }
    const trust = opts.trustPolicy;
    if (trust !== undefined) {
      await withPolicyFile(trust, (text) => cp.iam.updateTrustPolicy(account, name, text));
    }
  });
}
