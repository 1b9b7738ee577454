/**
 * The console's EMR readiness report: `checkSetup`, the one entry `rolecall emr check` runs, over the
 * server's store (only read; an environment goes into a memory copy), so every call is decided by the
 * one resolver (the role's policies and boundary, the organization's SCP and RCP levels, the resources'
 * policies and tags) and each denial's proven fix reads as `emr check` prints it. Either one role checked
 * as one EMR kind (`emr check KIND --role NAME --store`), or every Studio, Serverless application and
 * Notebooks role of the caller's account (`emr check --store --account`).
 */
import type { CallResult } from '../../analyze/emr-readiness.js';
import { RolecallError } from '../../errors.js';
import { parseEnvironmentFile } from '../../iam/import/environment-file.js';
import {
  blockerText,
  checkSetup,
  parseLocation,
  type CheckedCall,
  type GivenLocation,
  type ReadinessStore,
} from '../../iam/import/readiness.js';
import type { EmrKind } from '../../knowledge/emr/index.js';

export const EMR_KINDS: readonly EmrKind[] = ['studio', 'notebooks', 'serverless'];

export interface ReadinessQuery {
  /** The caller's account: the role is looked up there, and only its EMR resources are checked. */
  account: string;
  region: string;
  /** One role (with `kind`); without it, every EMR resource of the account. */
  role?: string;
  /** Required with `role`; filters the whole-setup report otherwise. */
  kind?: EmrKind;
  /** An environment file's text (YAML or JSON, as for `--env`): the role's network, locations, keys, secrets. */
  environment?: string;
  /**
   * S3 locations of job runs and notebooks, one a line, as `--location` takes them (`s3://bucket/prefix`
   * or `ROLE=s3://…`), `read ` before one for `--read-location`.
   */
  locations?: string;
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
  /** What blocks the call from outside the role's policies, and whose fix it is. */
  blockedBy?: string;
  source: string;
}

export interface ReadinessReport {
  ready: boolean;
  targets: { name: string; kind: EmrKind; role: string; ready: boolean; results: ReadinessCall[] }[];
}

function callJson(r: CheckedCall): ReadinessCall {
  const c = r.failedCondition;
  const blockedBy = blockerText(r);
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
    ...(r.fixes !== undefined && r.decision !== 'Allow' ? { fixes: r.fixes, fix: r.fix } : {}),
    ...(r.proven !== undefined ? { proven: r.proven } : {}),
    ...(r.blocker !== undefined ? { blocker: r.blocker } : {}),
    ...(blockedBy !== undefined ? { blockedBy } : {}),
    source: r.call.spec.source,
  };
}

function readLocations(text: string): GivenLocation[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l, i) => {
      const read = /^read\s+/i.exec(l);
      const where = `line ${i + 1}`;
      return read
        ? parseLocation(l.slice(read[0].length), 'read', where)
        : parseLocation(l, 'read-write', where);
    });
}

export async function emrReadiness(
  cp: ReadinessStore,
  q: ReadinessQuery,
  now: number,
): Promise<ReadinessReport> {
  if (q.role !== undefined && q.kind === undefined)
    throw new RolecallError(
      'ValidationError',
      'give the EMR kind of the role (studio, notebooks or serverless)',
    );
  const env =
    q.environment !== undefined && q.environment.trim() !== ''
      ? parseEnvironmentFile(q.environment, 'environment')
      : undefined;
  if (env !== undefined && q.role === undefined)
    throw new RolecallError('ValidationError', 'an environment describes what a role touches: give the role');
  const report = await checkSetup(cp, {
    account: q.account,
    region: q.region,
    ...(q.kind !== undefined ? { kind: q.kind } : {}),
    ...(q.role !== undefined ? { role: q.role } : {}),
    ...(env !== undefined ? { environment: env.env, environmentRoot: env.root } : {}),
    locations: readLocations(q.locations ?? ''),
    now,
  });
  return {
    ready: report.ready,
    targets: report.targets.map((t) => ({
      name: t.target.name,
      kind: t.target.kind,
      role: t.target.role,
      ready: t.ready,
      results: t.results.map(callJson),
    })),
  };
}
