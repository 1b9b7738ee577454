/**
 * `rolecall emr check`: reads a setup (environment file, CloudFormation template, Terraform plan, AWS account
 * snapshot, or a store), loads it into a store in one transaction, finds its EMR resources and decides every
 * call each service makes through the store's resolver; prints each denial with its proven fix, placed in
 * the user's own file, as text, JSON, SARIF or JUnit. Exit codes: 0 ready, 2 a call is denied or cannot be
 * decided, 1 any other error.
 */
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkReadiness, type CallResult, type EmrTarget } from '../../analyze/emr-readiness.js';
import { toSarif, type Finding } from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import { openControlPlane, planApply, readState } from '../../iam/index.js';
import {
  emrResourcesOf,
  importAwsSnapshot,
  importCloudFormation,
  importTerraformPlan,
  placeKey,
  planImport,
  readSnapshotFolder,
  type ImportedSetup,
  type SourcePlace,
} from '../../iam/import/index.js';
import { importEnvironment, parseEnvironmentFile } from '../../iam/import/environment-file.js';
import { describeFix, discoverTargets, environmentTarget, storeBackend } from '../../iam/import/readiness.js';
import type { EmrEnvironment, EmrKind } from '../../knowledge/emr/index.js';
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

/** One finding of the check: a call denied or undecidable, with its fix and place. */
interface Row {
  target: EmrTarget;
  result: CallResult;
  place: SourcePlace | undefined;
  fix: string[];
}

/** Where a fix lands in the user's file. */
function placeOf(setup: ImportedSetup | undefined, t: EmrTarget, r: CallResult): SourcePlace | undefined {
  if (!setup) return undefined;
  const roleKey = (arn: string) => {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m ? placeKey.role(m[1] as string, m[2] as string) : '';
  };
  const policyPlace = (owner: string, kind?: string) =>
    setup.policies.find((p) => p.owner === owner && (kind === undefined || p.kind === kind))?.place;
  const f = r.fixes?.[0];
  if (r.blocker && r.blocker.type !== 'explicit-deny') {
    const first = r.blocker.policy.split(', ')[0] ?? '';
    const p = setup.places.get(placeKey.orgPolicy(first));
    if (p) return p;
  }
  if (f) {
    switch (f.kind) {
      case 'tag-resource':
        return setup.places.get(placeKey.resource(f.arn));
      case 'condition-key':
      case 'condition-value': {
        const ref = f.policy;
        const owner =
          ref.kind === 'inline'
            ? ref.owner === 'role'
              ? placeKey.role(ref.account, ref.name)
              : placeKey.user(ref.account, ref.name)
            : ref.kind === 'managed'
              ? placeKey.policy(ref.arn)
              : roleKey(ref.role);
        const candidates = setup.policies.filter(
          (p) => p.owner === owner && (ref.kind !== 'trust' || p.kind === 'trust'),
        );
        const p = candidates.find((c) => c.statements?.[f.statement]) ?? candidates[0];
        return p?.statements?.[f.statement] ?? p?.place;
      }
      case 'trust-service':
        return policyPlace(roleKey(f.role), 'trust') ?? setup.places.get(roleKey(f.role));
      case 'key-policy':
      case 'bucket-policy': {
        const arn = f.kind === 'key-policy' ? f.key : f.bucket;
        return policyPlace(placeKey.resource(arn)) ?? setup.places.get(placeKey.resource(arn));
      }
      case 'boundary-statement':
        return setup.places.get(placeKey.policy(f.boundary)) ?? setup.places.get(roleKey(t.role));
      case 'pass-role': {
        const m = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(f.principal);
        return (
          (m ? setup.places.get(placeKey.user(m[1] as string, m[2] as string)) : undefined) ??
          setup.places.get(roleKey(f.principal))
        );
      }
      default:
        return setup.places.get(roleKey(t.role));
    }
  }
  return (
    setup.places.get(roleKey(t.role)) ??
    (r.call.subject ? setup.places.get(placeKey.resource(r.call.subject)) : undefined)
  );
}

function blockerText(r: CallResult): string | undefined {
  const b = r.blocker;
  if (!b) return undefined;
  if (b.type === 'scp' || b.type === 'rcp')
    return `blocked by the ${b.type.toUpperCase()} ${b.policy} at organization level ${b.level ?? 0}${b.statement ? ` (${b.statement})` : ''}: a fix outside this account, for the organization's administrators`;
  return `denied by ${b.statement ?? b.policy}: remove or narrow that statement`;
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
      'role in the store to check as KIND (its trust, inline and attached policies, boundary, SCPs)',
    )
    .option('--policies <file>', 'permissions policy file of the role (repeatable, with --env)', collect)
    .option('--trust <file>', 'trust policy file of the role (with --env)')
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
      if (o.env) {
        const parsed = parseEnvironmentFile(readTextFile(o.env), o.env);
        env = parsed.env;
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
            await (await planApply(cp, await readState(user))).apply();
          } finally {
            await user.close();
          }
        }
        for (const s of setups) await (await planImport(cp, s)).apply();
        const backend = await storeBackend(cp, now);
        const targets: { target: EmrTarget; setup: ImportedSetup | undefined }[] = [];
        if (env && envSetup)
          targets.push({
            target: environmentTarget(
              env,
              ((k as EmrKind | undefined) ?? env.kind) as EmrKind,
              backend.setup,
            ),
            setup: envSetup,
          });
        else if (o.role && k) {
          const acct = o.account ?? account;
          targets.push({
            target: environmentTarget(
              { account: acct, region, roleName: o.role },
              k as EmrKind,
              backend.setup,
            ),
            setup: undefined,
          });
        }
        for (const s of setups)
          if (s !== envSetup)
            for (const t of discoverTargets(s, backend.setup)) targets.push({ target: t, setup: s });
        if (setups.length === 0 && !o.role) {
          const found = emrResourcesOf(backend.setup.resources, {
            file: o.store ?? 'store',
            line: 1,
            column: 1,
            path: '$',
          });
          const accounts = [...new Set(backend.setup.resources.map((r) => r.account))];
          for (const a of accounts)
            for (const t of discoverTargets(
              {
                account: a,
                region,
                studios: found.studios.filter((x) => x.arn.includes(`:${a}:`)),
                applications: found.applications.filter((x) => x.arn.includes(`:${a}:`)),
              },
              backend.setup,
            ))
              targets.push({ target: t, setup: undefined });
        }
        const wanted = targets.filter((t) => k === undefined || t.target.kind === k);
        if (wanted.length === 0)
          throw new RolecallError(
            'InvalidInput',
            `the setup has no EMR ${k ?? ''} resource to check: no Studio, Serverless application or Notebooks role`.replace(
              '  ',
              ' ',
            ),
          );
        const rows: Row[] = [];
        const all: { target: EmrTarget; results: CallResult[]; setup: ImportedSetup | undefined }[] = [];
        for (const { target, setup } of wanted) {
          const unknown = new Map<string, string>();
          for (const u of setup?.unknowns ?? []) {
            const m = /^role:(\d{12}):(.+)$/.exec(u.owner);
            const arn = m
              ? `arn:aws:iam::${m[1] as string}:role/${m[2] as string}`
              : u.owner.startsWith('resource:')
                ? u.owner.slice('resource:'.length)
                : undefined;
            if (arn) unknown.set(arn, u.reason);
            if (m)
              unknown.set(target.role.endsWith(`/${m[2] as string}`) ? target.role : (arn ?? ''), u.reason);
          }
          const results = await checkReadiness(target, backend, { unknown });
          all.push({ target, results, setup });
          for (const r of results)
            if (r.decision !== 'Allow')
              rows.push({
                target,
                result: r,
                place: placeOf(setup, target, r),
                fix: r.fixes ? r.fixes.flatMap((f) => describeFix(f, setup)) : [],
              });
        }
        await backend.dispose();
        const ready = rows.length === 0;
        if (format === 'json') {
          ctx.out(
            `${JSON.stringify(
              {
                ready,
                targets: all.map(({ target, results }) => ({
                  name: target.name,
                  kind: target.kind,
                  role: target.role,
                  ready: results.every((r) => r.decision === 'Allow'),
                  results: results.map((r) => {
                    const row = rows.find((x) => x.result === r);
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
                      ...(r.fixes ? { fixes: r.fixes, fix: row?.fix ?? [] } : {}),
                      ...(r.blocker ? { blocker: r.blocker } : {}),
                      ...(r.proven !== undefined ? { proven: r.proven } : {}),
                      ...(row?.place ? { place: row.place } : {}),
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
            message: `${x.target.name}: ${x.result.call.action} on ${x.result.call.resource} is ${x.result.decision === 'Unknown' ? 'undecidable' : 'denied'} (${x.result.call.spec.operation}). ${x.result.decision === 'Unknown' ? x.result.reason : (blockerText(x.result) ?? `fix: ${x.fix.join(' ')}`)}`,
            ...(x.place ? { file: x.place.file } : {}),
            path: x.place?.path ?? '$',
            line: x.place?.line ?? 1,
            column: x.place?.column ?? 1,
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
              const row = rows.find((x) => x.result === r);
              const where = row?.place ? `${row.place.file}:${row.place.line}:${row.place.column}` : '';
              const body = [r.reason, ...(row?.fix ?? []), blockerText(r) ?? '', where]
                .filter((s) => s !== '')
                .join('\n');
              lines.push(
                `    <testcase classname="${xml(target.name)}" name="${name}"${row?.place ? ` file="${xml(row.place.file)}" line="${row.place.line}"` : ''}>`,
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
          for (const { target, results } of all) {
            ctx.out(`${target.name} (${target.role})\n`);
            for (const r of results) {
              const call = `${r.call.action} on ${r.call.resource}`;
              if (r.decision === 'Allow') {
                ctx.out(`OK      ${call}\n`);
                continue;
              }
              const row = rows.find((x) => x.result === r);
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
              for (const [i, line] of (row?.fix ?? []).entries())
                ctx.out(`        ${i === 0 ? 'fix: ' : '     '}${line}\n`);
              if (r.proven !== undefined)
                ctx.out(
                  `        ${r.proven ? 'proven: allowed once the fix is applied' : 'not enough alone: still denied with the fix applied'}\n`,
                );
              if (row?.place) ctx.out(`        at ${row.place.file}:${row.place.line}:${row.place.column}\n`);
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
