/**
 * `rolecall emr check`: reads a setup (environment file, CloudFormation template, Terraform plan, AWS account
 * snapshot, or a store), loads it into a store in one transaction, finds its EMR resources and decides every
 * call each service makes through the store's resolver; prints each denial with its proven fix, placed in
 * the user's own file, as text, JSON, SARIF or JUnit. Exit codes: 0 ready, 2 a call is denied or cannot be
 * decided, 1 any other error.
 */
import type { Command } from 'commander';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { toSarif, type Finding } from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import { openControlPlane, planApply, readState } from '../../iam/index.js';
import {
  importAwsSnapshot,
  importCloudFormation,
  importTerraformPlan,
  planImport,
  readSnapshotFolder,
  type ImportedSetup,
  type SourceNode,
} from '../../iam/import/index.js';
import { importEnvironment, parseEnvironmentFile } from '../../iam/import/environment-file.js';
import {
  blockerText,
  checkSetup,
  parseLocation,
  resolveLocations,
  withNoGitSecrets,
} from '../../iam/import/readiness.js';
import { EMR_SERVICES, type EmrEnvironment, type EmrKind } from '../../knowledge/emr/index.js';
import { storeKind, storeLocation } from '../../store/open.js';
import { exitCodes, type CommandContext } from '../context.js';
import { packageVersion } from '../package-version.js';
import { formatPlan } from './apply.js';
import { readTextFile } from './control-plane-options.js';
import { accountId } from './input-values.js';

const KINDS: readonly EmrKind[] = ['studio', 'notebooks', 'serverless'];

interface CheckOptions {
  env?: string;
  template?: string;
  plan?: string;
  snapshot?: string;
  parameter?: string[];
  stackName?: string;
  role?: string;
  policies?: string[];
  trust?: string;
  store?: string;
  account?: string;
  region?: string;
  format?: string;
  json?: boolean;
  import?: boolean;
  location?: string[];
  readLocation?: string[];
  /** False with `--no-git-secrets`. */
  gitSecrets?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function parseJsonOrYaml(file: string): unknown {
  const text = readTextFile(file);
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new RolecallError(
      'InvalidFile',
      `cannot parse \`${file}\`: ${(e as Error).message.split('\n')[0] ?? ''}`,
      { file },
    );
  }
}

function xml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

export function register(emr: Command, ctx: CommandContext): void {
  emr
    .command('check [kind]')
    .description(
      'decide every call EMR makes with its roles in a setup (environment file, CloudFormation template, Terraform plan, AWS snapshot or store), with the proven fix for each denial',
    )
    .option('--env <file>', 'EMR environment file, YAML or JSON')
    .option('--template <file>', 'CloudFormation template, YAML or JSON')
    .option('--parameter <name=value>', 'CloudFormation parameter value (repeatable)', collect)
    .option('--stack-name <name>', 'CloudFormation stack name (default `stack`)')
    .option('--plan <file>', 'Terraform plan as `terraform show -json PLAN` prints it')
    .option('--snapshot <dir>', 'AWS account snapshot folder (scripts/snapshot.sh)')
    .option(
      '--role <name>',
      'role in the store to check as KIND (its trust, inline and attached policies, boundary, SCPs); the store is --store, else $ROLECALL_STORE or .rolecall/rolecall.db',
    )
    .option(
      '--location <[role=]s3-url>',
      'S3 location the Serverless job runs or notebooks read and write (repeatable; no setup holds them; role= for one role only; the bucket by name, or by its logical ID or Terraform address in the setup)',
      collect,
    )
    .option('--read-location <[role=]s3-url>', 'S3 location they only read (repeatable)', collect)
    .option('--policies <file>', 'permissions policy file of the role (repeatable, with --env)', collect)
    .option('--trust <file>', 'trust policy file of the role (with --env)')
    .option(
      '--no-git-secrets',
      'no one links a Git repository to a Studio or notebook: no Secrets Manager secret is checked (as `secrets: []` in the environment file, which must not list any)',
    )
    .option(
      '--store <location>',
      'store whose state the check starts from (read, not changed without --import)',
    )
    .option('--import', 'load the setup into --store (one transaction, the plan printed first)')
    .option('--account <id>', 'account of a template or plan (default 123456789012)')
    .option('--region <region>', 'region of a template (default us-east-1)')
    .option('--format <format>', 'text, json, sarif or junit', 'text')
    .option('--json', 'same as --format json')
    .action(async (k: string | undefined, o: CheckOptions) => {
      if (k !== undefined && !(KINDS as readonly string[]).includes(k))
        throw new RolecallError(
          'UsageError',
          `unknown EMR role kind \`${k}\`; expected studio, notebooks or serverless`,
        );
      const format = o.json ? 'json' : (o.format ?? 'text');
      if (!['text', 'json', 'sarif', 'junit'].includes(format))
        throw new RolecallError(
          'UsageError',
          `unknown format \`${format}\`; expected text, json, sarif or junit`,
        );
      const account = accountId(o.account ?? '123456789012', '--account');
      const region = o.region ?? 'us-east-1';
      const setups: ImportedSetup[] = [];
      let env: EmrEnvironment | undefined;
      let envSetup: ImportedSetup | undefined;
      let envRoot: SourceNode | undefined;
      if (o.env) {
        const parsed = parseEnvironmentFile(readTextFile(o.env), o.env);
        env = o.gitSecrets === false ? withNoGitSecrets(parsed.env, parsed.root) : parsed.env;
        envRoot = parsed.root;
        const kind = (k as EmrKind | undefined) ?? env.kind;
        if (!kind)
          throw new RolecallError(
            'UsageError',
            'give the EMR kind (studio, notebooks or serverless) or `kind` in the environment file',
          );
        if (o.policies) env.policies = [...(env.policies ?? []), ...o.policies.map(parseJsonOrYaml)];
        if (o.trust) env.trustPolicy = parseJsonOrYaml(o.trust);
        if (o.role) env.roleName ??= o.role;
        if (
          !o.role &&
          env.policies === undefined &&
          env.trustPolicy === undefined &&
          env.managedPolicies === undefined
        )
          throw new RolecallError(
            'UsageError',
            'give the role: --role NAME (in the store), --policies FILE, or `policies` in the environment file',
          );
        envSetup = importEnvironment(env, parsed.root, kind);
        setups.push(envSetup);
      } else if (o.policies || o.trust)
        throw new RolecallError('UsageError', '--policies and --trust go with --env');
      if (o.template) {
        const parameters: Record<string, string> = {};
        for (const p of o.parameter ?? []) {
          const i = p.indexOf('=');
          if (i <= 0) throw new RolecallError('UsageError', `parameter \`${p}\` must be written name=value`);
          parameters[p.slice(0, i)] = p.slice(i + 1);
        }
        setups.push(
          importCloudFormation(readTextFile(o.template), o.template, {
            account,
            region,
            parameters,
            ...(o.stackName ? { stackName: o.stackName } : {}),
          }),
        );
      }
      if (o.plan)
        setups.push(
          importTerraformPlan(readTextFile(o.plan), o.plan, {
            account,
            ...(o.region ? { region: o.region } : {}),
          }),
        );
      if (o.snapshot)
        setups.push(
          importAwsSnapshot(readSnapshotFolder(o.snapshot), o.snapshot, {
            ...(o.account ? { account: o.account } : {}),
            ...(o.region ? { region: o.region } : {}),
          }),
        );
      // A role is a role in a store: without another setup it is the default store, as for every store
      // command ($ROLECALL_STORE or .rolecall/rolecall.db).
      if (setups.length === 0 && !o.store && o.role) {
        const location = storeLocation();
        // Reading a role must not create a store: a missing default store is a usage error.
        if (storeKind(location) === 'sqlite' && !fs.existsSync(location))
          throw new RolecallError(
            'UsageError',
            `no store at ${location} to find --role ${o.role} in: give --store, or a setup (--env, --template, --plan, --snapshot)`,
          );
        o.store = location;
      }
      if (setups.length === 0 && !o.store)
        throw new RolecallError(
          'UsageError',
          'give a setup: --env, --template, --plan, --snapshot, or --store',
        );
      if (o.role && !k && !env?.kind)
        throw new RolecallError(
          'UsageError',
          'give the EMR kind of --role (studio, notebooks or serverless)',
        );

      if (o.import && !o.store) throw new RolecallError('UsageError', '--import needs --store');
      const locations = [
        ...(o.location ?? []).map((v) => parseLocation(v, 'read-write', '--location')),
        ...(o.readLocation ?? []).map((v) => parseLocation(v, 'read', '--read-location')),
      ];
      // A bucket written as a logical ID or address the setups do not declare is an error before the store is
      // touched (the store adds bucket names, never logical IDs); checkSetup resolves them against the store.
      resolveLocations(
        locations,
        setups,
        setups.flatMap((s) => s.state.resources),
      );
      // The check runs on a memory copy of the store with the setup added, so it never changes the store;
      // --import writes the setup into the store itself first.
      const cp = await openControlPlane('memory');
      const now = Date.now();
      try {
        if (o.store) {
          const user = await openControlPlane(o.store);
          try {
            if (o.import)
              for (const s of setups) {
                const plan = await planImport(user, s);
                (format === 'text' ? ctx.out : ctx.err)(
                  `import ${s.format} ${s.files[0] ?? ''}\n${formatPlan(plan.changes)}`,
                );
                await plan.apply();
              }
            // A copy of what the store holds (imports included), checked when it was stored.
            await (await planApply(cp, await readState(user), { checkPrincipals: false })).apply();
          } finally {
            await user.close();
          }
        }
        const imported = setups.filter((s) => s !== envSetup);
        for (const s of imported) await (await planImport(cp, s)).apply();
        const kind = (k as EmrKind | undefined) ?? env?.kind;
        const role =
          o.role ?? (env && kind ? (env.roleName ?? EMR_SERVICES[kind].defaultRoleName) : undefined);
        const report = await checkSetup(cp, {
          ...(role || o.account ? { account } : {}),
          region,
          ...(kind ? { kind } : {}),
          ...(role ? { role } : {}),
          ...(env ? { environment: env } : {}),
          ...(envRoot ? { environmentRoot: envRoot } : {}),
          ...(o.gitSecrets === false ? { noGitSecrets: true } : {}),
          locations,
          ...(imported.length > 0 ? { setups: imported } : {}),
          now,
        });
        const all = report.targets;
        const rows = all.flatMap((t) =>
          t.results.filter((r) => r.decision !== 'Allow').map((result) => ({ target: t.target, result })),
        );
        const ready = rows.length === 0;
        if (format === 'json') {
          ctx.out(
            `${JSON.stringify(
              {
                ready,
                targets: all.map(({ target, results, declared }) => ({
                  name: target.name,
                  kind: target.kind,
                  role: target.role,
                  ...(declared ? { declared } : {}),
                  ready: results.every((r) => r.decision === 'Allow'),
                  results: results.map((r) => {
                    return {
                      operation: r.call.spec.operation,
                      principal: r.call.principal,
                      action: r.call.action,
                      resource: r.call.resource,
                      context: r.call.context,
                      decision: r.decision,
                      reason: r.reason,
                      ...(r.statement ? { statement: r.statement } : {}),
                      ...(r.failedCondition ? { failedCondition: r.failedCondition } : {}),
                      ...(r.fixes ? { fixes: r.fixes, fix: r.fix } : {}),
                      ...(r.blocker ? { blocker: r.blocker } : {}),
                      ...(r.proven !== undefined ? { proven: r.proven } : {}),
                      ...(r.place ? { place: r.place } : {}),
                      source: r.call.spec.source,
                    };
                  }),
                })),
              },
              null,
              2,
            )}\n`,
          );
        } else if (format === 'sarif') {
          const findings: Finding[] = rows.map((x) => ({
            code:
              x.result.decision === 'Unknown'
                ? 'EMR-READINESS-UNKNOWN'
                : x.result.blocker
                  ? 'EMR-READINESS-BLOCKED'
                  : 'EMR-READINESS-DENIED',
            type: 'ERROR',
            severity: 'error',
            message: `${x.target.name}: ${x.result.call.action} on ${x.result.call.resource} is ${x.result.decision === 'Unknown' ? 'undecidable' : 'denied'} (${x.result.call.spec.operation}). ${x.result.decision === 'Unknown' ? x.result.reason : (blockerText(x.result) ?? `fix: ${x.result.fix.join(' ')}`)}`,
            ...(x.result.place ? { file: x.result.place.file } : {}),
            path: x.result.place?.path ?? '$',
            line: x.result.place?.line ?? 1,
            column: x.result.place?.column ?? 1,
          }));
          ctx.out(
            `${JSON.stringify(
              toSarif(
                findings,
                [
                  {
                    id: 'EMR-READINESS-DENIED',
                    description: 'a call the EMR service makes with its role is denied',
                  },
                  {
                    id: 'EMR-READINESS-BLOCKED',
                    description: 'an SCP, RCP or explicit deny blocks a call the EMR service makes',
                  },
                  {
                    id: 'EMR-READINESS-UNKNOWN',
                    description: 'a call cannot be decided before the setup is deployed',
                  },
                ],
                packageVersion(),
              ),
              null,
              2,
            )}\n`,
          );
        } else if (format === 'junit') {
          const lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            `<testsuites name="rolecall emr check" tests="${all.reduce((n, a) => n + a.results.length, 0)}" failures="${rows.length}">`,
          ];
          for (const { target, results } of all) {
            const failures = results.filter((r) => r.decision !== 'Allow').length;
            lines.push(
              `  <testsuite name="${xml(target.name)}" tests="${results.length}" failures="${failures}">`,
            );
            for (const r of results) {
              const name = xml(`${r.call.action} on ${r.call.resource}`);
              if (r.decision === 'Allow') {
                lines.push(`    <testcase classname="${xml(target.name)}" name="${name}"/>`);
                continue;
              }
              const where = r.place ? `${r.place.file}:${r.place.line}:${r.place.column}` : '';
              const body = [r.reason, ...r.fix, blockerText(r) ?? '', where]
                .filter((s) => s !== '')
                .join('\n');
              lines.push(
                `    <testcase classname="${xml(target.name)}" name="${name}"${r.place ? ` file="${xml(r.place.file)}" line="${r.place.line}"` : ''}>`,
              );
              lines.push(
                `      <failure message="${xml(`${r.decision}: ${r.call.spec.operation}`)}">${xml(body)}</failure>`,
              );
              lines.push('    </testcase>');
            }
            lines.push('  </testsuite>');
          }
          lines.push('</testsuites>');
          ctx.out(`${lines.join('\n')}\n`);
        } else {
          for (const { target, results, declared } of all) {
            const where = declared?.place
              ? ` at ${declared.place.file}:${declared.place.line}:${declared.place.column}`
              : '';
            ctx.out(`${target.name} (${target.role}${declared ? `; ${declared.name}${where}` : ''})\n`);
            for (const r of results) {
              const call = `${r.call.action} on ${r.call.resource}`;
              if (r.decision === 'Allow') {
                ctx.out(`OK      ${call}\n`);
                continue;
              }
              ctx.out(
                `${r.decision === 'Unknown' ? 'UNKNOWN' : 'DENIED '} ${call} (${r.call.spec.operation})\n`,
              );
              if (r.decision === 'Unknown') {
                ctx.out(`        ${r.reason}\n`);
                continue;
              }
              ctx.out(
                `        ${r.statement ? `nearest statement ${r.statement}` : 'no statement allows it'}\n`,
              );
              const c = r.failedCondition;
              if (c)
                ctx.out(
                  `        ${c.operator} ${c.key} wants ${c.values.join(', ')}, request had ${c.seen ? c.seen.join(', ') : 'no value'}\n`,
                );
              const b = blockerText(r);
              if (b) ctx.out(`        ${b}\n`);
              for (const [i, line] of r.fix.entries())
                ctx.out(`        ${i === 0 ? 'fix: ' : '     '}${line}\n`);
              if (r.proven !== undefined)
                ctx.out(
                  `        ${r.proven ? 'proven: allowed once the fix is applied' : 'not enough alone: still denied with the fix applied'}\n`,
                );
              if (r.place) ctx.out(`        at ${r.place.file}:${r.place.line}:${r.place.column}\n`);
            }
          }
          const total = all.reduce((n, a) => n + a.results.length, 0);
          ctx.out(
            ready
              ? `ready: ${total} calls allowed\n`
              : `not ready: ${rows.length} of ${total} calls denied or undecidable\n`,
          );
        }
        ctx.exitCode = ready ? exitCodes.ok : exitCodes.deny;
      } finally {
        await cp.close();
      }
    });
}
