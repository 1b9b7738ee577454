/**
 * The console's EMR readiness report, on the path `rolecall emr check --store` takes: a memory copy of
 * the store (the console never changes it), an environment file imported over the copy when one is given,
 * the store backend that decides every call through the one resolver (the role's policies and boundary,
 * the organization's SCP and RCP levels, the resources' policies and tags), and each denial's proven fix
 * as `emr check` prints it. Either one role checked as one EMR kind (`emr check KIND --role NAME`), or
 * every Studio, Serverless application and Notebooks role the store holds (`emr check --store`).
 */
import { checkReadiness, type CallResult, type EmrTarget } from '../../analyze/emr-readiness.js';
import { RolecallError } from '../../errors.js';
import { openControlPlane, planApply, readState, type ControlPlane } from '../../iam/index.js';
import { emrResourcesOf, planImport, type ImportedSetup } from '../../iam/import/index.js';
import { importEnvironment, parseEnvironmentFile } from '../../iam/import/environment-file.js';
import { describeFix, discoverTargets, environmentTarget, storeBackend } from '../../iam/import/readiness.js';
import type { EmrEnvironment, EmrKind } from '../../knowledge/emr/index.js';

export const EMR_KINDS: readonly EmrKind[] = ['studio', 'notebooks', 'serverless'];

export interface ReadinessQuery {
  /** The caller's account: a role is looked up there, as `--account` does for the CLI. */
  account: string;
  region: string;
  /** One role (with `kind`); without it, every EMR resource of the store. */
  role?: string;
  /** Required with `role`; filters the whole-setup report otherwise. */
  kind?: EmrKind;
  /** An environment file's text (YAML or JSON) for the role's network, S3 locations, keys and secrets. */
  environment?: string;
}

export interface ReadinessCall {
  operation: string;
  principal: CallResult['call']['principal'];
  action: string;
  resource: string;
  decision: CallResult['decision'];
  reason: string;
  statement?: string;
  failedCondition?: { operator: string; key: string; values: string[]; seen?: string[] };
  /** The fix as `emr check` prints it, one line each. */
  fix?: string[];
  fixes?: NonNullable<CallResult['fixes']>;
  proven?: boolean;
  blocker?: NonNullable<CallResult['blocker']>;
  /** Why an SCP, RCP or explicit deny blocks the call, and whose fix it is. */
  blockedBy?: string;
  source: string;
}

export interface ReadinessReport {
  ready: boolean;
  targets: { name: string; kind: EmrKind; role: string; ready: boolean; results: ReadinessCall[] }[];
}

/** The same words as `emr check`'s text output. */
function blockerText(b: NonNullable<CallResult['blocker']>): string {
  if (b.type === 'scp' || b.type === 'rcp')
    return `blocked by the ${b.type.toUpperCase()} ${b.policy} at organization level ${b.level ?? 0}${b.statement ? ` (${b.statement})` : ''}: a fix outside this account, for the organization's administrators`;
  return `denied by ${b.statement ?? b.policy}: remove or narrow that statement`;
}

function callJson(r: CallResult, setup: ImportedSetup | undefined): ReadinessCall {
  const c = r.failedCondition;
  return {
    operation: r.call.spec.operation,
    principal: r.call.principal,
    action: r.call.action,
    resource: r.call.resource,
    decision: r.decision,
    reason: r.reason,
    ...(r.statement !== undefined ? { statement: r.statement } : {}),
    ...(c !== undefined
      ? {
          failedCondition: {
            operator: c.operator,
            key: c.key,
            values: c.values,
            ...(c.seen !== null ? { seen: c.seen } : {}),
          },
        }
      : {}),
    ...(r.fixes !== undefined && r.decision !== 'Allow'
      ? { fixes: r.fixes, fix: r.fixes.flatMap((f) => describeFix(f, setup)) }
      : {}),
    ...(r.proven !== undefined ? { proven: r.proven } : {}),
    ...(r.blocker !== undefined ? { blocker: r.blocker, blockedBy: blockerText(r.blocker) } : {}),
    source: r.call.spec.source,
  };
}

/** The environment text as `emr check --env` reads a file: every problem with its line:column. */
function readEnvironment(text: string): { env: EmrEnvironment; setup: (k: EmrKind) => ImportedSetup } {
  const { env, root } = parseEnvironmentFile(text, 'environment');
  return { env, setup: (k) => importEnvironment(env, root, k) };
}

export async function emrReadiness(
  cp: ControlPlane,
  q: ReadinessQuery,
  now: number,
): Promise<ReadinessReport> {
  if (q.role !== undefined && q.kind === undefined)
    throw new RolecallError(
      'ValidationError',
      'give the EMR kind of the role (studio, notebooks or serverless)',
    );
  const env =
    q.environment !== undefined && q.environment.trim() !== '' ? readEnvironment(q.environment) : undefined;
  if (env !== undefined && q.role === undefined)
    throw new RolecallError('ValidationError', 'an environment goes with a role');
  const copy = await openControlPlane('memory', { now: () => now });
  try {
    await (await planApply(copy, await readState(cp))).apply();
    let envSetup: ImportedSetup | undefined;
    if (env !== undefined && q.kind !== undefined && q.role !== undefined) {
      env.env.roleName = q.role;
      envSetup = env.setup(q.kind);
      await (await planImport(copy, envSetup)).apply();
    }
    const backend = await storeBackend(copy, now);
    try {
      const targets: EmrTarget[] = [];
      if (q.role !== undefined && q.kind !== undefined) {
        const e: EmrEnvironment = env?.env ?? { account: q.account, region: q.region, roleName: q.role };
        targets.push(environmentTarget(e, q.kind, backend.setup));
      } else {
        const found = emrResourcesOf(backend.setup.resources, {
          file: 'store',
          line: 1,
          column: 1,
          path: '$',
        });
        for (const a of new Set(backend.setup.resources.map((r) => r.account)))
          targets.push(
            ...discoverTargets(
              {
                account: a,
                region: q.region,
                studios: found.studios.filter((x) => x.arn.includes(`:${a}:`)),
                applications: found.applications.filter((x) => x.arn.includes(`:${a}:`)),
              },
              backend.setup,
            ).filter((t) => q.kind === undefined || t.kind === q.kind),
          );
        if (targets.length === 0)
          throw new RolecallError(
            'InvalidInput',
            `the store has no EMR ${q.kind ?? ''} resource to check: no Studio, Serverless application or Notebooks role`.replace(
              '  ',
              ' ',
            ),
          );
      }
      const out: ReadinessReport['targets'] = [];
      for (const t of targets) {
        const results = await checkReadiness(t, backend);
        out.push({
          name: t.name,
          kind: t.kind,
          role: t.role,
          ready: results.every((r) => r.decision === 'Allow'),
          results: results.map((r) => callJson(r, envSetup)),
        });
      }
      return { ready: out.every((t) => t.ready), targets: out };
    } finally {
      await backend.dispose();
    }
  } finally {
    await copy.close();
  }
}
