/**
 * `rolecall emr`: least-privilege templates for the EMR roles, readiness checks of a role against an
 * environment, EMR lint (text or SARIF), and the EMR-related AWS managed policies with their versions.
 * Exit codes: 0 ready / no findings, 2 a call is denied or a finding was reported, 1 any other error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { emrPack } from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import { EMR_SERVICES, emrTemplate, SEED_DISCREPANCIES, type EmrKind } from '../../knowledge/emr/index.js';
import { getAwsManagedPolicy } from '../../knowledge/managed-policies.js';
import type { CommandContext } from '../context.js';
import { formatOf, runFindings } from './findings-output.js';
import { accountId, arnValue } from './input-values.js';
import { withControlPlane } from './control-plane-options.js';
import { register as registerCheck } from './emr-check.js';

const KINDS: readonly EmrKind[] = ['studio', 'notebooks', 'serverless'];
const DEFAULT_NAMES = (kind: EmrKind): string => EMR_SERVICES[kind].defaultRoleName;

function kindOf(v: string): EmrKind {
  if (!(KINDS as readonly string[]).includes(v))
    throw new RolecallError('UsageError', `unknown EMR role kind \`${v}\``);
  return v as EmrKind;
}

interface TemplateOptions {
  account?: string;
  region?: string;
  bucket?: string;
  kmsKey?: string;
  gitSecrets?: boolean;
  glue?: boolean;
  name?: string;
  out?: string;
  apply?: boolean;
  store?: string;
}

export function register(program: Command, ctx: CommandContext): void {
  const emr = program
    .command('emr')
    .description('EMR Studio, Notebooks and Serverless roles: templates, checks, lint');

  emr
    .command('template <kind>')
    .description('write least-privilege policies for an EMR role (studio, notebooks, serverless)')
    .option('--account <id>', 'account id', '123456789012')
    .option('--region <region>', 'region', 'us-east-1')
    .option('--bucket <name[/prefix]>', 'S3 location for workspaces, notebooks or job data', 'my-emr-bucket')
    .option('--kms-key <arn>', 'customer managed key of the bucket')
    .option('--git-secrets', 'allow tagged Git secrets in Secrets Manager')
    .option('--glue', 'allow the Glue Data Catalog (serverless)')
    .option('--name <role>', 'role name')
    .option('--out <dir>', 'write files into this directory instead of stdout')
    .option('--apply', 'create the role in the store with the trust policy and an inline policy')
    .option('--store <location>', 'store for --apply')
    .action(async (k: string, o: TemplateOptions) => {
      const kind = kindOf(k);
      const roleName = o.name ?? DEFAULT_NAMES(kind);
      // Checked before anything is written: a template for a mistyped account or key grants nothing.
      const account = accountId(o.account ?? '123456789012', '--account');
      if (o.kmsKey !== undefined) arnValue(o.kmsKey, '--kms-key', 'kms');
      const t = emrTemplate(kind, {
        account,
        region: o.region ?? 'us-east-1',
        bucket: o.bucket ?? 'my-emr-bucket',
        roleName,
        ...(o.kmsKey ? { kmsKeyArn: o.kmsKey } : {}),
        ...(o.gitSecrets ? { gitSecrets: true } : {}),
        ...(o.glue ? { glue: true } : {}),
      });
      const files: [string, unknown][] = [
        [`${roleName}-trust.json`, t.trust],
        [`${roleName}-permissions.json`, t.permissions],
      ];
      if (t.keyPolicyStatement) files.push([`${roleName}-key-policy-statement.json`, t.keyPolicyStatement]);
      if (t.passRole) files.push([`${roleName}-submitter-pass-role.json`, t.passRole]);
      if (o.apply) {
        const trustPolicy = JSON.stringify(t.trust, null, 2);
        const created = await withControlPlane({ ...(o.store ? { store: o.store } : {}) }, async (cp) =>
          cp.store.withTransaction(async () => {
            // Applying the template again brings an existing role back to it instead of failing.
            const exists = await cp.iam.getRole(account, roleName).then(
              () => true,
              (e: unknown) => {
                if (e instanceof RolecallError && e.code === 'NoSuchEntity') return false;
                throw e;
              },
            );
            if (exists) await cp.iam.updateTrustPolicy(account, roleName, trustPolicy);
            else await cp.iam.createRole({ account, name: roleName, trustPolicy });
            await cp.iam.putInlinePolicy(
              { kind: 'role', account, name: roleName },
              `${roleName}-permissions`,
              JSON.stringify(t.permissions, null, 2),
            );
            return !exists;
          }),
        );
        ctx.out(
          `${created ? 'created' : 'updated'} role ${roleName} in account ${account}: trust policy and inline policy ${roleName}-permissions\n`,
        );
      }
      if (o.out) {
        fs.mkdirSync(o.out, { recursive: true });
        for (const [name, doc] of files) {
          fs.writeFileSync(path.join(o.out, name), `${JSON.stringify(doc, null, 2)}\n`);
          ctx.out(`wrote ${path.join(o.out, name)}\n`);
        }
      } else if (!o.apply) {
        // One JSON object keyed by file name, so that the output can be piped into jq or a file.
        ctx.out(`${JSON.stringify(Object.fromEntries(files), null, 2)}\n`);
      }
    });

  registerCheck(emr, ctx);

  emr
    .command('lint <files...>')
    .description(
      'find risky or broken statements in the policies of EMR roles (every file `emr template` writes)',
    )
    .option(
      '--kind <kind>',
      'trust or permissions (default: trust when the file allows sts:AssumeRole to a principal)',
    )
    .option('--sarif', 'print a SARIF 2.1.0 log')
    .option('--json', 'print the findings as JSON')
    .option('--junit', 'JUnit XML')
    .option('--github', 'GitHub Actions annotations')
    .option('--fail-on <type>', 'exit 2 on findings of this type or worse (default: any finding)')
    .option('--config <file>', 'configuration (default: .rolecall.yaml when present)')
    .action(
      (
        files: string[],
        o: {
          kind?: string;
          sarif?: boolean;
          json?: boolean;
          junit?: boolean;
          github?: boolean;
          failOn?: string;
          config?: string;
        },
      ) => {
        if (o.kind !== undefined && o.kind !== 'trust' && o.kind !== 'permissions')
          throw new RolecallError('UsageError', `unknown policy kind \`${o.kind}\``);
        runFindings(
          files,
          [emrPack],
          {
            format: formatOf(o),
            defaultFailOn: 'SUGGESTION',
            ...(o.kind ? { kind: o.kind === 'trust' ? 'trust' : 'identity' } : {}),
            ...(o.failOn ? { failOn: o.failOn } : {}),
            ...(o.config ? { config: o.config } : {}),
          },
          ctx,
        );
      },
    );

  emr
    .command('policies')
    .description('EMR-related AWS managed policies, their versions and what each version added or removed')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const out: {
        name: string;
        defaultVersionId: string;
        versions: { versionId: string; createDate: string; added: string[]; removed: string[] }[];
      }[] = [];
      for (const name of EMR_MANAGED_POLICIES) {
        const p = await getAwsManagedPolicy(name);
        if (!p) continue;
        let prev = new Map<string, string>();
        // Oldest first: v1, v2, ... v10 (numerically, not as text).
        const ordered = [...p.versions].sort(
          (x, y) => Number(x.versionId.slice(1)) - Number(y.versionId.slice(1)),
        );
        const versions = ordered.map((v) => {
          const actions = actionsOf(v.document);
          const added = [...actions]
            .filter(([a]) => !prev.has(a))
            .map(([, a]) => a)
            .sort();
          const removed = [...prev]
            .filter(([a]) => !actions.has(a))
            .map(([, a]) => a)
            .sort();
          prev = actions;
          return { versionId: v.versionId, createDate: v.createDate, added, removed };
        });
        out.push({ name: p.name, defaultVersionId: p.defaultVersionId, versions });
      }
      if (o.json)
        ctx.out(`${JSON.stringify({ policies: out, seedDiscrepancies: SEED_DISCREPANCIES }, null, 2)}\n`);
      else {
        for (const p of out) {
          ctx.out(`${p.name} (default ${p.defaultVersionId})\n`);
          for (const v of p.versions) {
            const first = v === p.versions[0];
            ctx.out(
              `  ${v.versionId} ${v.createDate.slice(0, 10)}${first ? ` ${v.added.length} actions` : ''}\n`,
            );
            if (!first) {
              for (const a of v.added) ctx.out(`    + ${a}\n`);
              for (const a of v.removed) ctx.out(`    - ${a}\n`);
            }
          }
        }
        ctx.out('seed discrepancies:\n');
        for (const d of SEED_DISCREPANCIES) ctx.out(`  ${d.note}\n`);
      }
    });
}

/** The managed policies the EMR seed pages name or that EMR roles commonly use. */
const EMR_MANAGED_POLICIES = [
  'AmazonElasticMapReduceEditorsRole',
  'AmazonEMRServicePolicy_v2',
  'AmazonElasticMapReduceRole',
  'AmazonElasticMapReduceforEC2Role',
  'AmazonEMRFullAccessPolicy_v2',
  'AmazonElasticMapReduceReadOnlyAccess',
  'AmazonS3FullAccess',
];

/** The Allow actions of a policy document, keyed lower-cased (action names are case-insensitive). */
export function actionsOf(document: string): Map<string, string> {
  const doc = JSON.parse(document) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const out = new Map<string, string>();
  for (const s of statements as { Effect?: string; Action?: string | string[] }[]) {
    if (s.Effect !== 'Allow' || s.Action === undefined) continue;
    for (const a of Array.isArray(s.Action) ? s.Action : [s.Action]) out.set(a.toLowerCase(), a);
  }
  return out;
}
