/**
 * Condition checks: key names (format, existence, tag keys, case duplicates), operator and key types,
 * set qualifiers on single- and multivalued keys, the values each operator takes, and keys that the
 * actions of the statement never carry.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
import type { ConditionKeyType } from '../../knowledge/global-condition-keys.js';
import { serviceConditionKeys } from '../../knowledge/service-data.js';
import type { ConditionClause, ConditionOperator, Statement } from '../../policy/index.js';
import { REGION_CODE } from './arn-checks.js';
import type { ValidateCode } from './checks.js';
import { actionSupportsKey, lookupKey, prefixOf } from './condition-keys.js';
import type { CheckInput, Report } from './pack.js';

type Family = 'String' | 'Arn' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Null';

function family(op: ConditionOperator): Family {
  if (op.startsWith('String')) return 'String';
  if (op.startsWith('Arn')) return 'Arn';
  if (op.startsWith('Numeric')) return 'Numeric';
  if (op.startsWith('Date')) return 'Date';
  if (op === 'Bool') return 'Bool';
  if (op === 'BinaryEquals') return 'Binary';
  if (op === 'IpAddress' || op === 'NotIpAddress') return 'Ip';
  return 'Null';
}

/** The operator families each key type takes; ARN keys also take String operators. */
const FAMILIES_OF: Record<ConditionKeyType, readonly Family[]> = {
  String: ['String', 'Arn'],
  ArrayOfString: ['String', 'Arn'],
  ARN: ['Arn', 'String'],
  ArrayOfARN: ['Arn', 'String'],
  Bool: ['Bool'],
  ArrayOfBool: ['Bool'],
  Date: ['Date', 'Numeric'],
  Numeric: ['Numeric'],
  IPAddress: ['Ip'],
};
const OPERATOR_FOR: Record<ConditionKeyType, string> = {
  String: 'String',
  ArrayOfString: 'String',
  ARN: 'Arn',
  ArrayOfARN: 'Arn',
  Bool: 'Bool',
  ArrayOfBool: 'Bool',
  Date: 'Date',
  Numeric: 'Numeric',
  IPAddress: 'IpAddress',
};

const hasVariable = (v: string) => v.includes('${');
const NUMBER = /^-?\d+(\.\d+)?$/;
// ISO 8601 dates and times, or epoch seconds: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$|^\d+$/;
const TAG_KEYS = ['aws:resourcetag', 'aws:requesttag', 'aws:principaltag'];

export function checkConditions(input: CheckInput, report: Report<ValidateCode>): void {
  for (const s of input.doc.statements) {
    const seen = new Map<string, ConditionClause>();
    for (const c of s.conditions) {
      const dup = `${c.operator}\u0000${c.keyLower}`;
      const first = seen.get(dup);
      if (first && first.key !== c.key)
        report(
          'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
          c.pos,
          `\`${c.key}\` and \`${first.key}\` are one key (names are case-insensitive) under \`${c.operator}\``,
          s,
        );
      seen.set(dup, c);
      clause(s, c, report);
    }
    actionsForKeys(s, report);
    paired(s, report);
  }
}

function clause(s: Statement, c: ConditionClause, report: Report<ValidateCode>): void {
  const fam = family(c.baseOperator);
  if (!c.key.includes(':')) {
    report('INVALID_CONDITION_KEY_FORMAT', c.pos, `condition key \`${c.key}\` is not \`service:name\``, s);
    return;
  }
  const lower = c.keyLower;
  if (TAG_KEYS.includes(lower) || TAG_KEYS.some((t) => lower === `${t}/`))
    report(
      'MISSING_TAG_KEY_IN_CONDITION',
      c.pos,
      `\`${c.key}\` needs a tag key: \`${c.key.replace(/\/$/, '')}/tag-key\``,
      s,
    );
  else if (lower === 'aws:arn')
    report(
      'UNSUPPORTED_GLOBAL_CONDITION_KEY',
      c.pos,
      '`aws:ARN` is not a condition key; use `aws:PrincipalArn` or `aws:SourceArn`',
      s,
    );
  const found = lookupKey(c.key);
  if (found.kind === 'unknown-global')
    report('INVALID_GLOBAL_CONDITION_KEY', c.pos, `global condition key \`${c.key}\` does not exist`, s);
  else if (found.kind === 'unknown-service')
    report(
      'INVALID_SERVICE',
      c.pos,
      `service \`${found.service}\` of condition key \`${c.key}\` does not exist`,
      s,
    );
  else if (found.kind === 'unknown-key')
    report(
      'INVALID_SERVICE_CONDITION_KEY',
      c.pos,
      `\`${found.service}\` has no condition key \`${c.key}\``,
      s,
    );
  const type = found.kind === 'known' ? found.type : undefined;

  // Values per operator family.
  if (c.values.length === 0) {
    const code: ValidateCode =
      c.qualifier === 'ForAllValues'
        ? 'EMPTY_ARRAY_CONDITION_FORALLVALUES'
        : c.qualifier === 'ForAnyValue'
          ? 'EMPTY_ARRAY_CONDITION_FORANYVALUE'
          : c.ifExists
            ? 'EMPTY_ARRAY_CONDITION_IFEXISTS'
            : 'EMPTY_ARRAY_CONDITION';
    report(code, c.pos, `\`${c.key}\` has no values under \`${c.operator}\``, s);
  }
  if (fam === 'Null' && c.qualifier)
    report(
      'NULL_WITH_QUALIFIER',
      c.pos,
      `\`${c.operator}\`: Null with a set qualifier is always true or always false`,
      s,
    );
  const bools = new Set<string>();
  for (const v of c.values) {
    if (hasVariable(v.value)) {
      if (fam !== 'String' && fam !== 'Arn')
        report(
          'INVALID_VARIABLE_FOR_OPERATOR',
          v.pos,
          `policy variables work with String and ARN operators, not \`${c.operator}\``,
          s,
        );
      continue;
    }
    if (fam === 'Numeric' && !NUMBER.test(v.value))
      report('TYPE_MISMATCH_NUMBER', v.pos, `\`${v.value}\` is not a number for \`${c.operator}\``, s);
    if (fam === 'Date' && !DATE.test(v.value))
      report(
        'TYPE_MISMATCH_DATE',
        v.pos,
        `\`${v.value}\` is not an ISO 8601 date or epoch seconds for \`${c.operator}\``,
        s,
      );
    if (fam === 'Bool') {
      const b = v.value.toLowerCase();
      if (b !== 'true' && b !== 'false')
        report(
          'TYPE_MISMATCH_BOOLEAN',
          v.pos,
          `\`${v.value}\` is not \`true\` or \`false\` for \`${c.operator}\``,
          s,
        );
      else bools.add(b);
    }
    if (
      (c.baseOperator === 'StringEquals' ||
        c.baseOperator === 'StringNotEquals' ||
        c.baseOperator === 'StringEqualsIgnoreCase' ||
        c.baseOperator === 'StringNotEqualsIgnoreCase') &&
      /[*?]/.test(v.value)
    )
      report(
        'WILDCARD_WITHOUT_LIKE_OPERATOR',
        v.pos,
        `\`${c.operator}\` compares \`${v.value}\` literally; use \`${c.baseOperator.includes('Not') ? 'StringNotLike' : 'StringLike'}\` for wildcards`,
        s,
      );
    if (/[*?]/.test(v.value)) continue;
    if (
      lower === 'aws:sourcevpc' &&
      fam === 'String' &&
      !/^vpc-([a-zA-Z0-9]{8}|[a-zA-Z0-9]{17})$/.test(v.value)
    )
      report(
        'INVALID_VPC_FORMAT',
        v.pos,
        `\`${v.value}\` is not a VPC id (\`vpc-\` and 8 or 17 characters)`,
        s,
      );
    if (lower === 'aws:sourcevpce' && fam === 'String' && !/^vpce-[a-zA-Z0-9]+$/.test(v.value))
      report(
        'INVALID_VPCE_FORMAT',
        v.pos,
        `\`${v.value}\` is not a VPC endpoint id (\`vpce-\` and its id)`,
        s,
      );
    if (lower === 'aws:requestedregion' && fam === 'String' && !REGION_CODE.test(v.value))
      report('INVALID_REGION', v.pos, `\`${v.value}\` is not a Region code such as \`us-east-1\``, s);
  }
  if (bools.size === 2)
    report(
      'INVALID_CONDITION_MULTIPLE_BOOLEAN',
      c.pos,
      `\`${c.key}\` is compared with both \`true\` and \`false\``,
      s,
    );
  if (
    fam !== 'Null' &&
    (c.baseOperator === 'NumericLessThan' ||
      c.baseOperator === 'NumericLessThanEquals' ||
      c.baseOperator === 'NumericGreaterThan' ||
      c.baseOperator === 'NumericGreaterThanEquals') &&
    c.values.filter((v) => NUMBER.test(v.value)).length > 1
  )
    report(
      'REDUNDANT_CONDITION_VALUE_NUM',
      c.pos,
      `one value of \`${c.key}\` decides \`${c.operator}\`; keep only that one`,
      s,
    );

  if (!type || fam === 'Null' || fam === 'Binary') return;
  if (!FAMILIES_OF[type].includes(fam))
    report(
      'TYPE_MISMATCH',
      c.pos,
      `\`${c.key}\` is of type ${type}; compare it with ${OPERATOR_FOR[type]} operators, not \`${c.operator}\``,
      s,
    );
  const multi = type.startsWith('ArrayOf');
  // Only keys known to carry several values: the service data types some single-valued keys (such as
  // `events:detail-type`) as arrays, and AWS's own policies compare them without a qualifier.
  const surelyMulti = multi && (prefixOf(c.key) === 'aws' || /tagkeys$/i.test(c.key));
  if (surelyMulti && !c.qualifier)
    report(
      'MISSING_QUALIFIER',
      c.pos,
      `\`${c.key}\` can have several values; use \`ForAllValues:${c.operator}\` or \`ForAnyValue:${c.operator}\``,
      s,
    );
  if (!multi && c.qualifier === 'ForAllValues')
    report(
      'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
      c.pos,
      `\`ForAllValues\` on the single-valued \`${c.key}\` also matches requests without it; remove the qualifier`,
      s,
    );
}

/**
 * A service key that the listed actions never carry is not evaluated for them (actions with wildcards
 * are not judged, as Access Analyzer does); tag keys a service never sends make the statement inert.
 */
function actionsForKeys(s: Statement, report: Report<ValidateCode>): void {
  const actions = s.action;
  if (!actions || actions.some((a) => a.value === '*')) return;
  const checked = new Set<string>();
  for (const c of s.conditions) {
    if (checked.has(c.keyLower) || !c.key.includes(':')) continue;
    checked.add(c.keyLower);
    const prefix = prefixOf(c.key);
    if (prefix === 'aws') {
      tagKeySupport(s, c, report);
      continue;
    }
    if (lookupKey(c.key).kind !== 'known') continue;
    // Keys of one service reach other services' requests too (`lambda:SourceFunctionArn`,
    // `glue:RoleAssumedBy`): only the key's own service's actions are judged.
    const unsupported = actions.filter((a) => {
      if (/[*?]/.test(a.value)) return false;
      const colon = a.value.indexOf(':');
      if (a.value.slice(0, colon).toLowerCase() !== prefix) return false;
      return actionSupportsKey(a.value.slice(0, colon), a.value.slice(colon + 1), c.key) === false;
    });
    if (unsupported.length > 0)
      report(
        'UNSUPPORTED_ACTION_FOR_CONDITION_KEY',
        c.pos,
        `${unsupported.map((a) => `\`${a.value}\``).join(', ')} never carry \`${c.key}\`; move them to a statement without it`,
        s,
      );
  }
}

const SERVICE_TAG_KEYS = ['aws:resourcetag/${tagkey}', 'aws:requesttag/${tagkey}', 'aws:tagkeys'];

function tagKeySupport(s: Statement, c: ConditionClause, report: Report<ValidateCode>): void {
  const lower = c.keyLower;
  const pattern = lower.startsWith('aws:resourcetag/')
    ? SERVICE_TAG_KEYS[0]!
    : lower.startsWith('aws:requesttag/')
      ? SERVICE_TAG_KEYS[1]!
      : lower === 'aws:tagkeys'
        ? SERVICE_TAG_KEYS[2]!
        : undefined;
  // Only a positive comparison fails on an absent key; negated operators, Null, IfExists and
  // ForAllValues match it instead.
  const negated = /Not/.test(c.baseOperator) || c.baseOperator === 'Null';
  if (!pattern || c.ifExists || negated || c.qualifier === 'ForAllValues') return;
  const services = [
    ...new Set((s.action ?? []).map((a) => a.value.slice(0, a.value.indexOf(':')).toLowerCase())),
  ];
  const without = services.filter((svc) => {
    const keys = serviceConditionKeys(svc);
    return keys !== undefined && !(pattern in keys);
  });
  if (without.length === 0) return;
  const names = without.map((w) => `\`${w}\``).join(', ');
  if (s.effect === 'Deny')
    report(
      'DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE',
      c.pos,
      `${names} never send \`${c.key}\`, so this Deny does not apply to their actions`,
      s,
    );
  else
    report(
      'ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE',
      c.pos,
      `${names} never send \`${c.key}\`, so this statement allows none of their actions`,
      s,
    );
}

function paired(s: Statement, report: Report<ValidateCode>): void {
  if (s.effect !== 'Allow') return;
  const c = s.conditions.find((x) => x.keyLower === 'aws:vpcsourceip');
  if (c && !s.conditions.some((x) => x.keyLower === 'aws:sourcevpc' || x.keyLower === 'aws:sourcevpce'))
    report(
      'MISSING_PAIRED_CONDITION_KEYS',
      c.pos,
      '`aws:VpcSourceIp` matches the address in any VPC; add `aws:SourceVpc` or `aws:SourceVpce` to the same statement',
      s,
    );
}
