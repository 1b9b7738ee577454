/** The commands roles, users and groups share: inline policies, attachments, tags, boundaries. */
import type { Command } from 'commander';
import type { IdentityKind, IdentityRef } from '../../iam/index.js';
import type { CommandContext } from '../context.js';
import {
  accountOf,
  parseTags,
  print,
  withPolicyFile,
  storeOptions,
  withControlPlane,
  type StoreOptions,
} from './control-plane-options.js';

export function addIdentityCommands(group: Command, kind: IdentityKind, ctx: CommandContext): void {
  const ref = (opts: StoreOptions, name: string): IdentityRef => ({ kind, account: accountOf(opts), name });

  storeOptions(group.command('put-policy <name> <policy-name> <file>'))
    .description(`add or replace an inline policy of the ${kind} (file: JSON policy, \`-\` for stdin)`)
    .action((name: string, policyName: string, file: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) =>
        withPolicyFile(file, (text) => cp.iam.putInlinePolicy(ref(opts, name), policyName, text)),
      ),
    );

  storeOptions(group.command('get-policy <name> <policy-name>'))
    .description(`print an inline policy of the ${kind}`)
    .option('--json', 'print JSON')
    .action((name: string, policyName: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
        const p = await cp.iam.getInlinePolicy(ref(opts, name), policyName);
        if (opts.json) print(ctx, opts, p);
        else ctx.out(p.document.endsWith('\n') ? p.document : p.document + '\n');
      }),
    );

  storeOptions(group.command('delete-policy <name> <policy-name>'))
    .description(`delete an inline policy of the ${kind}`)
    .action((name: string, policyName: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.deleteInlinePolicy(ref(opts, name), policyName)),
    );

  storeOptions(group.command('policies <name>'))
    .description(`list the inline and attached managed policies of the ${kind}`)
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      withControlPlane(opts, async (cp) => {
        const inline = await cp.iam.listInlinePolicies(ref(opts, name));
        const attached = await cp.iam.listAttachedPolicies(ref(opts, name));
        print(
          ctx,
          opts,
          { inline: inline.map((p) => p.name), attached },
          {
            columns: ['KIND', 'NAME', 'ARN'],
            rows: [
              ...inline.map((p) => ['inline', p.name, undefined]),
              ...attached.map((p) => ['managed', p.name, p.arn]),
            ],
          },
        );
      }),
    );

  storeOptions(group.command('attach <name> <policy-arn>'))
    .description(`attach a managed policy (customer or AWS managed) to the ${kind}`)
    .action((name: string, arn: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.attachPolicy(ref(opts, name), arn)),
    );

  storeOptions(group.command('detach <name> <policy-arn>'))
    .description(`detach a managed policy from the ${kind}`)
    .action((name: string, arn: string, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.detachPolicy(ref(opts, name), arn)),
    );

  if (kind === 'group') return;

  storeOptions(group.command('tag <name> <key=value...>'))
    .description(`add or replace tags of the ${kind}`)
    .action((name: string, pairs: string[], opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.tagIdentity(ref(opts, name), parseTags(pairs))),
    );

  storeOptions(group.command('untag <name> <key...>'))
    .description(`remove tags of the ${kind}`)
    .action((name: string, keys: string[], opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.untagIdentity(ref(opts, name), keys)),
    );

  storeOptions(group.command('boundary <name> [policy-arn]'))
    .description(`set the permissions boundary of the ${kind}; without an ARN, remove it`)
    .action((name: string, arn: string | undefined, opts: StoreOptions) =>
      withControlPlane(opts, (cp) => cp.iam.setPermissionsBoundary(ref(opts, name), arn)),
    );
}
