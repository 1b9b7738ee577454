/** `rolecall resource ...`: registered resources with their policies and tags. */
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
  withPolicyFile,
  readControlPlane,
} from './control-plane-options.js';

export function register(program: Command, ctx: CommandContext): void {
  const resource = program
    .command('resource')
    .description('register resources (buckets, keys, secrets, VPCs, subnets, security groups, EMR clusters)');

  storeOptions(resource.command('put <arn>'))
    .description(
      'register a resource or replace what is known about it (--account: owner, needed for S3 buckets)',
    )
    .option('--policy <file>', 'resource-based policy JSON file (bucket, key or secret policy)')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--attr <key=value>', 'attribute such as vpcId=vpc-1 (repeatable)', collect)
    .action((arn: string, opts: StoreOptions & { policy?: string; tag?: string[]; attr?: string[] }) =>
      withControlPlane(opts, async (cp) => {
        const input = {
          arn,
          ...(opts.account !== undefined ? { account: opts.account } : {}),
          tags: parseTags(opts.tag),
          attributes: Object.fromEntries(parseTags(opts.attr).map((t) => [t.key, t.value])),
        };
        const r =
          opts.policy !== undefined
            ? await withPolicyFile(opts.policy, (policy) => cp.resources.put({ ...input, policy }))
            : await cp.resources.put(input);
        ctx.out(`registered ${r.type} ${r.arn}\n`);
      }),
    );

  storeOptions(resource.command('get <arn>'))
    .description('show a registered resource')
    .option('--json', 'print JSON')
    .action((arn: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const r = await cp.resources.get(arn);
        printRecord(ctx, opts, r, [
          ['arn', r.arn],
          ['type', r.type],
          ['account', r.account],
          ['region', r.region || undefined],
          ['tags', r.tags.length > 0 ? formatTags(r.tags) : undefined],
          ['attributes', Object.keys(r.attributes).length > 0 ? r.attributes : undefined],
          ['policy', r.policy],
        ]);
      }),
    );

  storeOptions(resource.command('list'))
    .description('list registered resources (of --account when given)')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const list = await cp.resources.list(opts.account !== undefined ? { account: opts.account } : {});
        print(ctx, opts, list, {
          columns: ['TYPE', 'ARN', 'ACCOUNT', 'POLICY', 'TAGS'],
          rows: list.map((r) => [
            r.type,
            r.arn,
            r.account,
            r.policy !== undefined ? 'yes' : '',
            formatTags(r.tags),
          ]),
        });
      }),
    );

  changeOptions(storeOptions(resource.command('delete <arn>')))
    .description('forget a resource')
    .action((arn: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportDeletion(ctx, opts, {
          subject: `resource ${arn}`,
          name: arn,
          apply: () => cp.resources.delete(arn),
        }),
      ),
    );

  changeOptions(storeOptions(resource.command('tag <arn> <key=value...>')))
    .description('add or replace tags of a resource')
    .action((arn: string, pairs: string[], opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `resource ${arn}`,
          done: `tagged resource ${arn}`,
          state: () => cp.resources.get(arn),
          apply: () => cp.resources.tag(arn, parseTags(pairs)),
        }),
      ),
    );

  changeOptions(storeOptions(resource.command('untag <arn> <key...>')))
    .description('remove tags of a resource')
    .action((arn: string, keys: string[], opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `resource ${arn}`,
          done: `removed tags ${keys.join(', ')} of resource ${arn}`,
          state: () => cp.resources.get(arn),
          apply: () => cp.resources.untag(arn, keys),
        }),
      ),
    );

  changeOptions(storeOptions(resource.command('set-policy <arn> [file]')))
    .description('set the resource-based policy; without a file, remove it')
    .action((arn: string, file: string | undefined, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, (cp) =>
        reportChange(ctx, opts, {
          subject: `resource ${arn}`,
          done:
            file !== undefined
              ? `set the policy of resource ${arn}`
              : `removed the policy of resource ${arn}`,
          state: () => cp.resources.get(arn),
          apply: () =>
            file !== undefined
              ? withPolicyFile(file, (text) => cp.resources.setPolicy(arn, text))
              : cp.resources.setPolicy(arn, undefined),
        }),
      ),
    );
}
