/** `rolecall org ...`: the organization tree and its SCPs and RCPs. */
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import type { OrgPolicyType } from '../../iam/index.js';
import type { CommandContext } from '../context.js';
import { changeOptions, reportChange, reportDeletion, type ChangeOptions } from './change-output.js';
import {
  print,
  storeOptions,
  type StoreOptions,
  withControlPlane,
  withPolicyFile,
  readControlPlane,
} from './control-plane-options.js';

function policyType(v: string): OrgPolicyType {
  if (v !== 'scp' && v !== 'rcp')
    throw new RolecallError('UsageError', `policy type \`${v}\` must be scp or rcp`);
  return v;
}

export function register(program: Command, ctx: CommandContext): void {
  const org = program.command('org').description('the organization: root, OUs, accounts, SCPs and RCPs');

  storeOptions(org.command('create <management-account>'))
    .description('create the organization')
    .action((account: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
        const o = await cp.org.create(account);
        ctx.out(`created organization ${o.id} with root ${o.rootId}\n`);
      }),
    );

  storeOptions(org.command('show'))
    .description('print the tree with the policies attached at each level')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const o = await cp.org.describe();
        if (!o)
          throw new RolecallError(
            'NoSuchEntity',
            'There is no organization; create one with `rolecall org create`.',
          );
        const ous = await cp.org.listOrgUnits();
        const accounts = (await cp.iam.listAccounts()).filter((a) => a.parentId !== undefined);
        const policies = await cp.org.listPolicies();
        const attached = (id: string) =>
          policies
            .filter((p) => p.targets.includes(id))
            .map((p) => `${p.type}:${p.name}`)
            .join(', ');
        if (opts.json) {
          print(ctx, opts, { organization: o, units: ous, accounts, policies });
          return;
        }
        const lines: string[] = [`${o.id} (management ${o.managementAccountId})`];
        const walk = (id: string, name: string, depth: number) => {
          lines.push(`${'  '.repeat(depth)}${name} ${id} [${attached(id)}]`);
          for (const ou of ous.filter((u) => u.parentId === id)) walk(ou.id, `ou ${ou.name}`, depth + 1);
          for (const a of accounts.filter((x) => x.parentId === id))
            lines.push(`${'  '.repeat(depth + 1)}account ${a.id} ${a.name} [${attached(a.id)}]`);
        };
        walk(o.rootId, 'root', 1);
        ctx.out(lines.join('\n') + '\n');
      }),
    );

  changeOptions(storeOptions(org.command('delete')))
    .description('delete the organization (empty of OUs and member accounts)')
    .action((opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const id = (await cp.org.describe())?.id ?? '';
        await reportDeletion(ctx, opts, {
          subject: `organization ${id}`,
          name: id,
          apply: () => cp.org.delete(),
        });
      }),
    );

  storeOptions(org.command('create-ou <parent-id> <name>'))
    .description('create an organizational unit under the root or an OU')
    .action((parent: string, name: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
        const ou = await cp.org.createOrgUnit(parent, name);
        ctx.out(`created ${ou.id}\n`);
      }),
    );

  changeOptions(storeOptions(org.command('delete-ou <id>')))
    .description('delete an empty organizational unit')
    .action((id: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, { subject: `OU ${id}`, name: id, apply: () => cp.org.deleteOrgUnit(id) }),
      ),
    );

  changeOptions(storeOptions(org.command('move-account <account> <parent-id>')))
    .description('put an account under the root or an OU (joining the organization)')
    .action((account: string, parent: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `account ${account}`,
          done: `moved account ${account} under ${parent}`,
          state: async () => ({ account, levels: (await cp.org.levels(account)) ?? [] }),
          apply: () => cp.org.moveAccount(account, parent),
        }),
      ),
    );

  storeOptions(org.command('create-policy <name> <file>'))
    .description('create an SCP or RCP')
    .requiredOption('--type <type>', 'scp or rcp', policyType)
    .option('--description <text>', 'description')
    .action(
      (name: string, file: string, opts: StoreOptions & { type: OrgPolicyType; description?: string }) =>
        withControlPlane(opts, async (cp) => {
          const p = await withPolicyFile(file, (document) =>
            cp.org.createPolicy({
              type: opts.type,
              name,
              document,
              ...(opts.description !== undefined ? { description: opts.description } : {}),
            }),
          );
          ctx.out(`created ${p.id}\n`);
        }),
    );

  changeOptions(storeOptions(org.command('update-policy <policy> [file]')))
    .description('replace the document (and/or description) of an SCP or RCP (id or name)')
    .option('--description <text>', 'description')
    .action(
      (
        policy: string,
        file: string | undefined,
        opts: StoreOptions & ChangeOptions & { description?: string },
      ) =>
        withControlPlane(opts, async (cp) => {
          const id = (await cp.org.getPolicy(policy)).id;
          const change = opts.description !== undefined ? { description: opts.description } : {};
          await reportChange(ctx, opts, {
            subject: `policy ${id}`,
            done: `updated policy ${id}`,
            state: () => cp.org.getPolicy(id),
            apply: () =>
              file !== undefined
                ? withPolicyFile(file, (document) => cp.org.updatePolicy(id, { ...change, document }))
                : cp.org.updatePolicy(id, change),
          });
        }),
    );

  changeOptions(storeOptions(org.command('delete-policy <policy>')))
    .description('delete a detached SCP or RCP (id or name)')
    .action((policy: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const id = (await cp.org.getPolicy(policy)).id;
        await reportDeletion(ctx, opts, {
          subject: `policy ${id}`,
          name: id,
          apply: () => cp.org.deletePolicy(id),
        });
      }),
    );

  changeOptions(storeOptions(org.command('remove-account <account>')))
    .description('take a member account out of the organization')
    .action((account: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `account ${account}`,
          done: `removed account ${account} from the organization`,
          state: async () => ({ account, levels: (await cp.org.levels(account)) ?? [] }),
          apply: () => cp.org.removeAccount(account),
        }),
      ),
    );

  storeOptions(org.command('policies'))
    .description('list SCPs and RCPs')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const list = await cp.org.listPolicies();
        print(ctx, opts, list, {
          columns: ['ID', 'TYPE', 'NAME', 'TARGETS'],
          rows: list.map((p) => [p.id, p.type, p.name, p.targets.join(',')]),
        });
      }),
    );

  changeOptions(storeOptions(org.command('attach <policy> <target-id>')))
    .description('attach an SCP or RCP (id or name) to the root, an OU or an account')
    .action((policy: string, target: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const id = (await cp.org.getPolicy(policy)).id;
        await reportChange(ctx, opts, {
          subject: `policy ${id}`,
          done: `attached policy ${id} to ${target}`,
          state: () => cp.org.getPolicy(id),
          apply: () => cp.org.attachPolicy(id, target),
        });
      }),
    );

  changeOptions(storeOptions(org.command('detach <policy> <target-id>')))
    .description('detach an SCP or RCP from a target')
    .action((policy: string, target: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const id = (await cp.org.getPolicy(policy)).id;
        await reportChange(ctx, opts, {
          subject: `policy ${id}`,
          done: `detached policy ${id} from ${target}`,
          state: () => cp.org.getPolicy(id),
          apply: () => cp.org.detachPolicy(id, target),
        });
      }),
    );
}
