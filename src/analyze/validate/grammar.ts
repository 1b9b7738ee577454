/**
 * The parser's grammar issues under Access Analyzer's issue codes. The parser answers like IAM
 * (MalformedPolicyDocument); this maps each of its codes, and for ARNs and empty arrays the element they
 * are about, to the check of the reference that reports the same problem.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
 */
import type { PolicyIssue, PolicyKind } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import { arnProblem } from './arn-checks.js';

const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

/** Parser codes whose Access Analyzer code does not depend on where they are. */
const BY_CODE: Record<string, ValidateCode> = {
  JsonSyntax: 'JSON_SYNTAX_ERROR',
  DuplicateKey: 'JSON_SYNTAX_ERROR',
  InvalidType: 'DATA_TYPE_MISMATCH',
  UnknownElement: 'INVALID_POLICY_ELEMENT',
  InvalidVersion: 'INVALID_VERSION',
  MissingStatement: 'MISSING_STATEMENT',
  DuplicateSid: 'UNIQUE_SIDS_REQUIRED',
  InvalidSid: 'UNSUPPORTED_SID',
  MissingEffect: 'MISSING_EFFECT',
  InvalidEffect: 'INVALID_EFFECT',
  ActionAndNotAction: 'UNSUPPORTED_ELEMENT_COMBINATION',
  ResourceAndNotResource: 'UNSUPPORTED_ELEMENT_COMBINATION',
  PrincipalAndNotPrincipal: 'UNSUPPORTED_ELEMENT_COMBINATION',
  MissingAction: 'MISSING_ACTION',
  MissingResource: 'MISSING_RESOURCE',
  MissingPrincipal: 'MISSING_PRINCIPAL',
  ProhibitedResource: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
  NotPrincipalWithAllow: 'ALLOW_WITH_NOT_PRINCIPAL',
  InvalidAction: 'INVALID_ACTION',
  InvalidConditionKey: 'INVALID_CONDITION_KEY_FORMAT',
  InvalidConditionValue: 'TYPE_MISMATCH_BOOLEAN',
};

/** The Access Analyzer code of a parser issue; `value` is the JSON string at the issue's path, if any. */
export function grammarCode(issue: PolicyIssue, kind: PolicyKind, value: string | undefined): ValidateCode {
  const last = issue.path.replace(/\[\d+\]$/, '');
  switch (issue.code) {
    case 'EmptyArray':
      if (last.endsWith('.Action') || last.endsWith('.NotAction')) return 'EMPTY_ARRAY_ACTION';
      if (last.endsWith('.Resource') || last.endsWith('.NotResource')) return 'EMPTY_ARRAY_RESOURCE';
      if (/\.(Not)?Principal\./.test(last)) return 'EMPTY_ARRAY_PRINCIPAL';
      return 'MISSING_STATEMENT';
    case 'UnexpectedPrincipal':
      return kind === 'scp' ? 'SCP_SYNTAX_ERROR_PRINCIPAL' : 'UNSUPPORTED_PRINCIPAL';
    case 'UnsupportedElement':
      return kind === 'trust' && last.endsWith('.NotPrincipal')
        ? 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL'
        : 'MALFORMED_POLICY_DOCUMENT';
    case 'UnknownConditionOperator':
      return /NullIfExists$/.test(issue.path) ? 'NULL_WITH_IF_EXISTS' : 'INVALID_CONDITION_OPERATOR';
    case 'UniqueIdPrincipal':
      return value?.startsWith('AROA') === true ? 'INVALID_ROLE_REFERENCE' : 'INVALID_USER_REFERENCE';
    case 'InvalidPrincipal':
      if (
        /\.(Not)?Principal\.[^.]+$/.test(issue.path) &&
        !PRINCIPAL_TYPES.has(issue.path.slice(issue.path.lastIndexOf('.') + 1))
      )
        return 'INVALID_PRINCIPAL_KEY';
      if (value !== undefined && /^AROA[A-Z0-9]+$/.test(value)) return 'INVALID_ROLE_REFERENCE';
      if (value !== undefined && /^AIDA[A-Z0-9]+$/.test(value)) return 'INVALID_USER_REFERENCE';
      if (value !== undefined && /[*?]/.test(value))
        return kind === 'trust'
          ? 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL'
          : 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL';
      return 'INVALID_PRINCIPAL_FORMAT';
    case 'MalformedArn':
      if (value === undefined) return 'MISSING_ARN_FIELD';
      // IAM is global: the parser's only other ARN error is an IAM ARN with a Region.
      return (
        arnProblem(value)?.code ??
        (value.split(':')[2] === 'iam' ? 'ARN_REGION_NOT_ALLOWED' : 'MISSING_ARN_FIELD')
      );
    default:
      return BY_CODE[issue.code] ?? 'MALFORMED_POLICY_DOCUMENT';
  }
}
