/** The commands roles, users and groups share: inline policies, attachments, tags, boundaries. */
import type { Command } from 'commander';
import type { IdentityKind, IdentityRef, OpenedControlPlane } from '../../iam/index.js';
import { RolecallError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { changeOptions, reportChange, type ChangeOptions } from './change-output.js';
import {
  accountOf,
  parseTags,
  print,
  storeOptions,
  type StoreOptions,
  withControlPlane,
  withPolicyFile,
  readControlPlane,
} from './control-plane-options.js';

export function addIdentityCommands(group: Command, kind: IdentityKind, ctx: CommandContext): void {
  const ref = (opts: StoreOptions, name: string): IdentityRef => ({ kind, account: accountOf(opts), name });
  type Opts = StoreOptions & ChangeOptions;
  /** Runs a change of the identity and reports it against the identity with its policies. */
  const change = (
    opts: Opts,
    name: string,
    done: string,
    apply: (cp: OpenedControlPlane) => Promise<unknown>,
  ) =>
    withControlPlane(opts, (cp) =>
      reportChange(ctx, opts, {
        subject: `${kind} \`${name}\``,
        done: `${done} ${kind} \`${name}\``,
        state: () => identityState(cp, ref(opts, name)),
        apply: () => apply(cp),
      }),
    );

  changeOptions(storeOptions(group.command('put-policy <name> <policy-name> <file>')))
    .description(`add or replace an inline policy of the ${kind} (file: JSON policy, \`-\` for stdin)`)
    .action((name: string, policyName: string, file: string, opts: Opts) =>
      change(opts, name, `put inline policy \`${policyName}\` on`, (cp) =>
        withPolicyFile(file, (text) => cp.iam.putInlinePolicy(ref(opts, name), policyName, text)),
      ),
    );

  storeOptions(group.command('get-policy <name> <policy-name>'))
    .description(`print an inline policy of the ${kind}`)
    .option('--json', 'print JSON')
    .action((name: string, policyName: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const p = await cp.iam.getInlinePolicy(ref(opts, name), policyName);
        if (opts.json) print(ctx, opts, p);
        else ctx.out(p.document.endsWith('\n') ? p.document : p.document + '\n');
      }),
    );

  changeOptions(storeOptions(group.command('delete-policy <name> <policy-name>')))
    .description(`delete an inline policy of the ${kind}`)
    .action((name: string, policyName: string, opts: Opts) =>
      change(opts, name, `deleted inline policy \`${policyName}\` of`, (cp) =>
        cp.iam.deleteInlinePolicy(ref(opts, name), policyName),
      ),
    );

  storeOptions(group.command('policies <name>'))
    .description(`list the inline and attached managed policies of the ${kind}`)
    .option('--json', 'print JSON')
    .action((name: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
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

  changeOptions(storeOptions(group.command('attach <name> <policy-arn>')))
    .description(`attach a managed policy (customer or AWS managed) to the ${kind}`)
    .action((name: string, arn: string, opts: Opts) =>
      change(opts, name, `attached ${arn} to`, (cp) => cp.iam.attachPolicy(ref(opts, name), arn)),
    );

  changeOptions(storeOptions(group.command('detach <name> <policy-arn>')))
    .description(`detach a managed policy from the ${kind}`)
    .action((name: string, arn: string, opts: Opts) =>
      change(opts, name, `detached ${arn} from`, (cp) => cp.iam.detachPolicy(ref(opts, name), arn)),
    );

  if (kind === 'group') return;

  changeOptions(storeOptions(group.command('tag <name> <key=value...>')))
    .description(`add or replace tags of the ${kind}`)
    .action((name: string, pairs: string[], opts: Opts) =>
      change(opts, name, `tagged`, (cp) => cp.iam.tagIdentity(ref(opts, name), parseTags(pairs))),
    );

  changeOptions(storeOptions(group.command('untag <name> <key...>')))
    .description(`remove tags of the ${kind}`)
    .action((name: string, keys: string[], opts: Opts) =>
      change(opts, name, `removed tags ${keys.join(', ')} of`, (cp) =>
        cp.iam.untagIdentity(ref(opts, name), keys),
      ),
    );

  changeOptions(storeOptions(group.command('boundary <name> [policy-arn]')))
    .description(`set the permissions boundary of the ${kind}; without an ARN, remove it`)
    .action((name: string, arn: string | undefined, opts: Opts) =>
      change(
        opts,
        name,
        arn === undefined ? 'removed the permissions boundary of' : `set permissions boundary ${arn} on`,
        (cp) => cp.iam.setPermissionsBoundary(ref(opts, name), arn),
      ),
    );
}

/** `update NAME --new-name N --new-path P`: renames or moves a user or group. */
export function renameCommand(
  group: Command,
  kind: 'user' | 'group',
  ctx: CommandContext,
  update: (
    cp: OpenedControlPlane,
    input: { account: string; name: string; newName?: string; newPath?: string },
  ) => Promise<unknown>,
): void {
  changeOptions(storeOptions(group.command('update <name>')))
    .description(`rename or move a ${kind}`)
    .option('--new-name <name>', `new ${kind} name`)
    .option('--new-path <path>', 'new path')
    .action((name: string, opts: StoreOptions & ChangeOptions & { newName?: string; newPath?: string }) =>
      withControlPlane(opts, (cp) => {
        // A rename moves the entity: read it under its new name once renamed.
        let current = name;
        return reportChange(ctx, opts, {
          subject: `${kind} \`${name}\``,
          done: `updated ${kind} \`${name}\`${opts.newName !== undefined ? ` (now \`${opts.newName}\`)` : ''}`,
          state: () => identityState(cp, { kind, account: accountOf(opts), name: current }),
          apply: async () => {
            if (opts.newName === undefined && opts.newPath === undefined)
              throw new RolecallError('UsageError', 'give --new-name or --new-path');
            await update(cp, {
              account: accountOf(opts),
              name,
              ...(opts.newName !== undefined ? { newName: opts.newName } : {}),
              ...(opts.newPath !== undefined ? { newPath: opts.newPath } : {}),
            });
            current = opts.newName ?? name;
          },
        });
      }),
    );
}

/** An identity as `get` shows it, with its inline policies and attached managed policies. */
export async function identityState(cp: OpenedControlPlane, ref: IdentityRef): Promise<object> {
  const entity =
    ref.kind === 'role'
      ? await cp.iam.getRole(ref.account, ref.name)
      : ref.kind === 'user'
        ? await cp.iam.getUser(ref.account, ref.name)
        : await cp.iam.getGroup(ref.account, ref.name);
  return {
    ...entity,
    inlinePolicies: await cp.iam.listInlinePolicies(ref),
    attachedPolicies: await cp.iam.listAttachedPolicies(ref),
  };
}
