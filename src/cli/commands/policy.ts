/** `rolecall policy ...`: customer managed policies with versions, and AWS managed ones (read only). */
import type { Command } from 'commander';
import { diffPolicies, formatPolicyDiff } from '../../analyze/policy-diff.js';
import { RolecallError } from '../../errors.js';
import type { OpenedControlPlane } from '../../iam/index.js';
import { getAwsManagedPolicy } from '../../knowledge/managed-policies.js';
import { parsePolicy, type PolicyDocument } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { changeOptions, reportChange, reportDeletion, type ChangeOptions } from './change-output.js';
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
  withPolicyFile,
  readControlPlane,
} from './control-plane-options.js';

/** An ARN as is; a name: the account's customer managed policy of that name, else the AWS managed one. */
async function policyArnOf(cp: OpenedControlPlane, opts: StoreOptions, nameOrArn: string): Promise<string> {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  const own = (await cp.iam.listPolicies(accountOf(opts))).find((p) => p.name === nameOrArn);
  if (own) return own.arn;
  const aws = await getAwsManagedPolicy(nameOrArn);
  if (aws) return aws.arn;
  throw new RolecallError('NoSuchEntity', `Policy ${nameOrArn} does not exist or is not attachable.`);
}

/** A stored version's document, parsed (stored documents were valid when they were stored). */
function documentOf(text: string, version: string): PolicyDocument {
  const r = parsePolicy(text);
  if (!r.document)
    throw new RolecallError(
      'MalformedPolicyDocument',
      `version \`${version}\` does not parse: ${r.issues[0]?.message ?? ''}`,
    );
  return r.document;
}

export function register(program: Command, ctx: CommandContext): void {
  const policy = program
    .command('policy')
    .description('customer managed policies and their versions; AWS managed ones read only');

  storeOptions(policy.command('create <name> <file>'))
    .description('create a customer managed policy from a JSON file')
    .option('--path <path>', 'path')
    .option('--description <text>', 'description')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'print JSON')
    .action(
      (
        name: string,
        file: string,
        opts: StoreOptions & { path?: string; description?: string; tag?: string[] },
      ) =>
        withControlPlane(opts, async (cp) => {
          const p = await withPolicyFile(file, (document) =>
            cp.iam.createPolicy({
              account: accountOf(opts),
              name,
              document,
              ...(opts.path !== undefined ? { path: opts.path } : {}),
              ...(opts.description !== undefined ? { description: opts.description } : {}),
              tags: parseTags(opts.tag),
            }),
          );
          if (opts.json) print(ctx, opts, p);
          else ctx.out(`created ${p.arn} (${p.id})\n`);
        }),
    );

  storeOptions(policy.command('get <name-or-arn>'))
    .description('show a managed policy')
    .option('--json', 'print JSON')
    .action((nameOrArn: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const p = await cp.iam.getPolicy(await policyArnOf(cp, opts, nameOrArn));
        printRecord(ctx, opts, p, [
          ['arn', p.arn],
          ['id', p.id],
          ['path', p.path],
          ['default version', p.defaultVersionId],
          ['attachments', p.attachmentCount],
          ['boundary uses', p.boundaryUsageCount],
          ['description', p.description],
          ['created', p.createDate],
          ['updated', p.updateDate],
          ['tags', p.tags.length > 0 ? formatTags(p.tags) : undefined],
        ]);
      }),
    );

  storeOptions(policy.command('list'))
    .description('list customer managed policies (with --aws: AWS managed ones)')
    .option('--aws', 'list AWS managed policies')
    .option('--path-prefix <prefix>', 'only policies under this path')
    .option('--json', 'print JSON')
    .action((opts: StoreOptions & { aws?: boolean; pathPrefix?: string }) =>
      readControlPlane(opts, async (cp) => {
        const list = opts.aws
          ? await cp.iam.listAwsManagedPolicies(opts.pathPrefix)
          : await cp.iam.listPolicies(
              accountOf(opts),
              opts.pathPrefix !== undefined ? { pathPrefix: opts.pathPrefix } : {},
            );
        print(ctx, opts, list, {
          columns: ['NAME', 'ARN', 'DEFAULT', 'ATTACHED'],
          rows: list.map((p) => [p.name, p.arn, p.defaultVersionId, p.attachmentCount]),
        });
      }),
    );

  changeOptions(storeOptions(policy.command('delete <name-or-arn>')))
    .description('delete a customer managed policy (detached and with only its default version, as in AWS)')
    .action((nameOrArn: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        await reportDeletion(ctx, opts, {
          subject: `policy ${arn}`,
          name: arn,
          apply: () => cp.iam.deletePolicy(arn),
        });
      }),
    );

  storeOptions(policy.command('create-version <name-or-arn> <file>'))
    .description('add a version (at most 5)')
    .option('--set-default', 'make it the default version')
    .option('--json', 'print JSON')
    .action((nameOrArn: string, file: string, opts: StoreOptions & { setDefault?: boolean }) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        const v = await withPolicyFile(file, (document) =>
          cp.iam.createPolicyVersion(arn, document, opts.setDefault === true),
        );
        if (opts.json) print(ctx, opts, v);
        else ctx.out(`created version ${v.versionId}${v.isDefault ? ' (default)' : ''}\n`);
      }),
    );

  storeOptions(policy.command('versions <name-or-arn>'))
    .description('list the versions of a policy, AWS managed ones included')
    .option('--json', 'print JSON')
    .action((nameOrArn: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const versions = await cp.iam.listPolicyVersions(await policyArnOf(cp, opts, nameOrArn));
        print(ctx, opts, versions, {
          columns: ['VERSION', 'DEFAULT', 'CREATED'],
          rows: versions.map((v) => [v.versionId, v.isDefault ? 'yes' : '', v.createDate]),
        });
      }),
    );

  storeOptions(policy.command('show <name-or-arn> [version]'))
    .description('print a version of a policy (default: the default version)')
    .option('--json', 'print JSON')
    .action((nameOrArn: string, version: string | undefined, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        const versionId = version ?? (await cp.iam.getPolicy(arn)).defaultVersionId;
        const v = await cp.iam.getPolicyVersion(arn, versionId);
        if (opts.json) print(ctx, opts, v);
        else ctx.out(v.document.endsWith('\n') ? v.document : v.document + '\n');
      }),
    );

  storeOptions(policy.command('diff <name-or-arn> <version-a> <version-b>'))
    .description(
      'what changed between two versions of a policy, per statement (actions, resources, principals, conditions); AWS managed ones included',
    )
    .option('--json', 'print JSON: both versions and the changed statements')
    .action((nameOrArn: string, a: string, b: string, opts: StoreOptions) =>
      readControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        const [va, vb] = await Promise.all([
          cp.iam.getPolicyVersion(arn, a),
          cp.iam.getPolicyVersion(arn, b),
        ]);
        const statements = diffPolicies(documentOf(va.document, a), documentOf(vb.document, b));
        if (opts.json) {
          print(ctx, opts, { arn, from: va, to: vb, statements });
          return;
        }
        ctx.out(`--- ${arn} ${a}\n+++ ${arn} ${b}\n`);
        ctx.out(formatPolicyDiff(statements));
      }),
    );

  changeOptions(storeOptions(policy.command('set-default <name-or-arn> <version>')))
    .description('make a version the default')
    .action((nameOrArn: string, version: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        await reportChange(ctx, opts, {
          subject: `policy ${arn}`,
          done: `made ${version} the default version of ${arn}`,
          state: async () => ({
            ...(await cp.iam.getPolicy(arn)),
            versions: await cp.iam.listPolicyVersions(arn),
          }),
          apply: () => cp.iam.setDefaultPolicyVersion(arn, version),
        });
      }),
    );

  changeOptions(storeOptions(policy.command('delete-version <name-or-arn> <version>')))
    .description('delete a non-default version')
    .action((nameOrArn: string, version: string, opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        await reportChange(ctx, opts, {
          subject: `policy ${arn}`,
          done: `deleted version ${version} of ${arn}`,
          state: async () => ({
            ...(await cp.iam.getPolicy(arn)),
            versions: await cp.iam.listPolicyVersions(arn),
          }),
          apply: () => cp.iam.deletePolicyVersion(arn, version),
        });
      }),
    );

  changeOptions(storeOptions(policy.command('tag <name-or-arn> <key=value...>')))
    .description('add or replace tags of a customer managed policy')
    .action((nameOrArn: string, pairs: string[], opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        await reportChange(ctx, opts, {
          subject: `policy ${arn}`,
          done: `tagged policy ${arn}`,
          state: async () => ({
            ...(await cp.iam.getPolicy(arn)),
            versions: await cp.iam.listPolicyVersions(arn),
          }),
          apply: () => cp.iam.tagPolicy(arn, parseTags(pairs)),
        });
      }),
    );

  changeOptions(storeOptions(policy.command('untag <name-or-arn> <key...>')))
    .description('remove tags of a customer managed policy')
    .action((nameOrArn: string, keys: string[], opts: StoreOptions & ChangeOptions) =>
      withControlPlane(opts, async (cp) => {
        const arn = await policyArnOf(cp, opts, nameOrArn);
        await reportChange(ctx, opts, {
          subject: `policy ${arn}`,
          done: `removed tags ${keys.join(', ')} of policy ${arn}`,
          state: async () => ({
            ...(await cp.iam.getPolicy(arn)),
            versions: await cp.iam.listPolicyVersions(arn),
          }),
          apply: () => cp.iam.untagPolicy(arn, keys),
        });
      }),
    );
}
