/**
 * Broad grants: iam:PassRole and iam:CreateServiceLinkedRole on every role (Access Analyzer's six
 * shapes each: the action named or matched by a wildcard or allowed by NotAction, on `*` or through
 * NotResource), and Allow with NotAction or NotResource, which grant everything not listed.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
 */
import { compileGlob, type Statement } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';

type Shape = 'named' | 'star' | 'not-action';

/** How a statement allows `action`: named, through a wildcard, through NotAction, or not at all. */
function shape(s: Statement, action: string): Shape | undefined {
  if (s.action) {
    const hit = s.action.filter((a) => compileGlob(a.value, true)(action));
    if (hit.length === 0) return undefined;
    return hit.some((a) => a.value.toLowerCase() === action.toLowerCase()) ? 'named' : 'star';
  }
  if (s.notAction && !s.notAction.some((a) => compileGlob(a.value, true)(action))) return 'not-action';
  return undefined;
}

/** Every role: `*`, or a role ARN pattern whose name part is only a wildcard. */
const everyRole = (s: Statement) =>
  (s.resource ?? []).some((r) => r.value === '*' || /^arn:[^:]*:iam::[^:]*:(role\/)?\*$/.test(r.value));

const CODES: Record<'pass' | 'slr', Record<`${Shape}-${'star' | 'not-resource'}`, ValidateCode>> = {
  pass: {
    'named-star': 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
    'star-star': 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE',
    'not-action-star': 'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
    'named-not-resource': 'PASS_ROLE_WITH_NOT_RESOURCE',
    'star-not-resource': 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
    'not-action-not-resource': 'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE',
  },
  slr: {
    'named-star': 'CREATE_SLR_WITH_STAR_IN_RESOURCE',
    'star-star': 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE',
    'not-action-star': 'CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
    'named-not-resource': 'CREATE_SLR_WITH_NOT_RESOURCE',
    'star-not-resource': 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
    'not-action-not-resource': 'CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE',
  },
};

const GRANTS = [
  { which: 'pass', action: 'iam:PassRole', scope: 'iam:passedtoservice' },
  { which: 'slr', action: 'iam:CreateServiceLinkedRole', scope: 'iam:awsservicename' },
] as const;

export function checkPermissions(input: CheckInput, report: Report<ValidateCode>): void {
  if (input.kind === 'trust' || input.kind === 'scp' || input.kind === 'rcp') return;
  for (const s of input.doc.statements) {
    if (s.effect !== 'Allow') continue;
    for (const g of GRANTS) {
      const how = shape(s, g.action);
      if (!how) continue;
      // A condition naming the service the role goes to keeps the grant to that service.
      if (s.conditions.some((c) => c.keyLower === g.scope)) continue;
      const where = s.notResource ? 'not-resource' : everyRole(s) ? 'star' : undefined;
      if (!where) continue;
      const at =
        s.action?.find((a) => compileGlob(a.value, true)(g.action))?.pos ?? s.notAction?.[0]?.pos ?? s.pos;
      report(
        CODES[g.which][`${how}-${where}`],
        at,
        `the statement allows \`${g.action}\` on ${where === 'star' ? 'every role' : 'every role not listed in NotResource'}${g.which === 'pass' ? '; name the roles or add `iam:PassedToService`' : '; name the service-linked roles'}`,
        s,
      );
    }
    if (s.notAction && (s.notResource || (s.resource ?? []).some((r) => r.value === '*')))
      report(
        'ALLOW_WITH_NOT_ACTION',
        s.notAction[0]!.pos,
        `Allow with NotAction on every resource allows every action of every service except ${s.notAction.map((a) => `\`${a.value}\``).join(', ')}`,
        s,
      );
    if (s.notResource)
      report(
        'ALLOW_WITH_NOT_RESOURCE',
        s.notResource[0]!.pos,
        'Allow with NotResource allows the actions on every resource except those listed, including those of other services',
        s,
      );
  }
}
