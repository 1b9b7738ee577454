/**
 * Action checks: the service and the action exist (a wildcard must match at least one action), no
 * wildcard in the service prefix, no action covered by another of the same statement, and, for a
 * resource-based policy attached to a known resource type, only that service's actions.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
 */
import { actionsMatching, serviceActions } from '../../knowledge/service-data.js';
import { compileGlob, type Located, type Statement } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';
import { RESOURCE_TYPE_SERVICES } from './resource-types.js';
import { editDistance } from '../../policy/edit-distance.js';

/** The nearest action name of the service, for a hint. */
export function nearestAction(service: string, name: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of serviceActions(service) ?? []) {
    const dist = editDistance(name.toLowerCase(), a.toLowerCase());
    if (dist < bestD) [best, bestD] = [a, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

export function actionList(s: Statement): Located[] {
  return s.action ?? s.notAction ?? [];
}

export function checkActions(input: CheckInput, report: Report<ValidateCode>): void {
  const allowed = input.resourceType ? RESOURCE_TYPE_SERVICES[input.resourceType]?.actions : undefined;
  for (const s of input.doc.statements) {
    const list = actionList(s);
    for (const a of list) {
      if (a.value === '*') continue;
      const colon = a.value.indexOf(':');
      const service = a.value.slice(0, colon);
      const name = a.value.slice(colon + 1);
      if (/[*?]/.test(service)) {
        report(
          'WILDCARD_IN_SERVICE_NAME',
          a.pos,
          `wildcard in the service prefix of \`${a.value}\` may match other services`,
          s,
        );
        continue;
      }
      const matched = actionsMatching(a.value);
      if (matched === undefined) {
        report(
          'INVALID_SERVICE_IN_ACTION',
          a.pos,
          `service \`${service}\` of \`${a.value}\` does not exist`,
          s,
        );
        continue;
      }
      if (matched.length === 0) {
        const near = /[*?]/.test(name) ? undefined : nearestAction(service, name);
        report(
          'INVALID_ACTION',
          a.pos,
          `\`${a.value}\` matches no action of \`${service}\`${near ? `; did you mean \`${service}:${near}\`?` : ''}`,
          s,
        );
        continue;
      }
      if (allowed && s.action && !allowed.includes(service.toLowerCase()))
        report(
          'UNSUPPORTED_ACTION_IN_POLICY',
          a.pos,
          `\`${a.value}\` cannot be granted by a policy attached to \`${input.resourceType}\``,
          s,
        );
    }
    redundant(list, s, report);
  }
}

function redundant(list: readonly Located[], s: Statement, report: Report<ValidateCode>): void {
  list.forEach((a, i) => {
    const by = list.find(
      (b, j) =>
        j !== i &&
        (b.value.toLowerCase() === a.value.toLowerCase()
          ? j < i
          : compileGlob(b.value, true)(a.value) && !compileGlob(a.value, true)(b.value)),
    );
    if (by) report('REDUNDANT_ACTION', a.pos, `\`${a.value}\` is already covered by \`${by.value}\``, s);
  });
}
