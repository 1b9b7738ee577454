/**
 * Resource checks against the ARN formats of AWS's service data: the ARN is of a resource type of its
 * service, with an account and a Region where that type has them and none where it has none; some
 * action of the statement acts on it; and no resource is covered by another of the statement.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import {
  actionData,
  actionsMatching,
  isKnownService,
  resourceType,
  resourceTypes,
  type ResourceTypeData,
} from '../../knowledge/service-data.js';
import { compileArnGlob, type Located, type Statement } from '../../policy/index.js';
import { arnProblem, open } from './arn-checks.js';
import type { ValidateCode } from './checks.js';
import { formatTokens, intersects, policyTokens } from './glob-intersect.js';
import type { CheckInput, Report } from './pack.js';
import { RESOURCE_TYPE_SERVICES } from './resource-types.js';

/** Resource types of the ARN's service whose resource part can match the ARN's resource part. */
function typesOf(value: string): ResourceTypeData[] | undefined {
  const parts = value.split(':');
  const service = parts[2]!;
  if (!isKnownService(service)) return undefined;
  const types = resourceTypes(service);
  if (types.length === 0) return undefined;
  const mine = policyTokens(parts.slice(5).join(':'));
  return types.filter((t) =>
    formats(t).some((f) => intersects(mine, formatTokens(f.split(':').slice(5).join(':')))),
  );
}

/** A type's ARN formats: the data lists alternatives in one string, separated by `, `. */
const formats = (t: ResourceTypeData): string[] => t.arn.split(', ');
const field = (t: ResourceTypeData, i: number) => formats(t).map((f) => f.split(':')[i] ?? '');

/** The ARN formats an action acts on (none for actions that take only `*`). */
function actionFormats(action: string): string[] {
  const colon = action.indexOf(':');
  const service = action.slice(0, colon);
  const out: string[] = [];
  for (const name of actionsMatching(action) ?? []) {
    for (const rt of actionData(service, name)?.resourceTypes ?? []) {
      const t = resourceType(service, rt.name);
      if (t) out.push(...formats(t));
    }
  }
  return out;
}

export function checkResources(input: CheckInput, report: Report<ValidateCode>): void {
  const allowedArns = input.resourceType ? RESOURCE_TYPE_SERVICES[input.resourceType]?.arns : undefined;
  for (const s of input.doc.statements) {
    const list = s.resource ?? s.notResource ?? [];
    for (const r of list) {
      const problem = arnProblem(r.value);
      if (problem) {
        report(problem.code, r.pos, problem.message, s);
        continue;
      }
      if (r.value === '*') continue;
      const [, , service, region, account] = r.value.split(':') as [string, string, string, string, string];
      if (allowedArns && !allowedArns.includes(service)) {
        report(
          'UNSUPPORTED_RESOURCE_ARN_IN_POLICY',
          r.pos,
          `a policy attached to \`${input.resourceType}\` cannot name \`${service}\` resources`,
          s,
        );
        continue;
      }
      const types = typesOf(r.value);
      if (!types) continue;
      if (types.length === 0) {
        report('INVALID_ARN_RESOURCE', r.pos, `\`${r.value}\` is of no resource type of \`${service}\``, s);
        continue;
      }
      if (account !== '' && !open(account) && types.every((t) => field(t, 4).every((x) => x === '')))
        report(
          'ARN_ACCOUNT_NOT_ALLOWED',
          r.pos,
          `\`${service}\` ARNs of this type have no account id; remove \`${account}\``,
          s,
        );
      if (region !== '' && !open(region) && types.every((t) => field(t, 3).every((x) => x === '')))
        report(
          'ARN_REGION_NOT_ALLOWED',
          r.pos,
          `\`${service}\` ARNs of this type have no Region; remove \`${region}\``,
          s,
        );
      if (region === '' && types.every((t) => field(t, 3).every((x) => x !== '')))
        report(
          'MISSING_ARN_REGION',
          r.pos,
          `\`${service}\` ARNs of this type name a Region (use \`*\` for any)`,
          s,
        );
      if (s.resource) unused(s, r, report);
    }
    redundant(list, s, report);
  }
}

/** A resource that no action of the statement acts on grants nothing (the object action on a bucket). */
function unused(s: Statement, r: Located, report: Report<ValidateCode>): void {
  const actions = s.action;
  if (!actions || actions.some((a) => a.value === '*' || actionsMatching(a.value) === undefined)) return;
  const mine = policyTokens(r.value);
  const fits = actions.some((a) => actionFormats(a.value).some((f) => intersects(mine, formatTokens(f))));
  if (!fits)
    report(
      'RESOURCE_NOT_SUPPORTED_BY_ACTIONS',
      r.pos,
      `none of ${actions.map((a) => `\`${a.value}\``).join(', ')} acts on \`${r.value}\`, so it grants nothing`,
      s,
    );
}

function redundant(list: readonly Located[], s: Statement, report: Report<ValidateCode>): void {
  list.forEach((r, i) => {
    const by = list.find(
      (o, j) =>
        j !== i &&
        (o.value === r.value ? j < i : compileArnGlob(o.value)(r.value) && !compileArnGlob(r.value)(o.value)),
    );
    if (by) report('REDUNDANT_RESOURCE', r.pos, `\`${r.value}\` is already covered by \`${by.value}\``, s);
  });
}
