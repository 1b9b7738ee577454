/**
 * The checks of `rolecall validate`: Access Analyzer's issue codes (its policy check reference) that can
 * be decided offline from the policy and AWS's service data, plus a few of rolecall's own, in one typed
 * table. Every code a check reports is a key of this table, so the rule lists of SARIF and JUnit output
 * are complete by construction.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
 */
import type { FindingType, RuleInfo } from '../finding.js';

const REFERENCE =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html';
const USER_GUIDE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/';

const aa = (type: FindingType, anchor: string, description: string): RuleInfo => ({
  type,
  description,
  link: `${REFERENCE}#access-analyzer-reference-policy-checks-${anchor}`,
});
const own = (type: FindingType, page: string, description: string): RuleInfo => ({
  type,
  description,
  link: `${USER_GUIDE}${page}`,
});

export const VALIDATE_CHECKS = {
  // Errors
  ARN_ACCOUNT_NOT_ALLOWED: aa(
    'ERROR',
    'error-arn-account-not-allowed',
    'the resource type takes no account id in its ARN',
  ),
  ARN_REGION_NOT_ALLOWED: aa(
    'ERROR',
    'error-arn-region-not-allowed',
    'the resource type takes no Region in its ARN',
  ),
  DATA_TYPE_MISMATCH: aa('ERROR', 'error-data-type-mismatch', 'an element has the wrong JSON type'),
  DUPLICATE_KEYS_WITH_DIFFERENT_CASE: aa(
    'ERROR',
    'error-duplicate-keys-with-different-case',
    'a condition key appears twice under one operator, spelt with different case',
  ),
  INVALID_ACTION: aa('ERROR', 'error-invalid-action', 'the action does not exist'),
  INVALID_ARN_ACCOUNT: aa('ERROR', 'error-invalid-arn-account', 'the account id of the ARN is not 12 digits'),
  INVALID_ARN_PREFIX: aa('ERROR', 'error-invalid-arn-prefix', 'the resource does not start with `arn:`'),
  INVALID_ARN_REGION: aa('ERROR', 'error-invalid-arn-region', 'the Region of the ARN is not a Region code'),
  INVALID_ARN_RESOURCE: aa(
    'ERROR',
    'error-invalid-arn-resource',
    'the ARN matches no resource type of its service',
  ),
  INVALID_ARN_SERVICE_CASE: aa(
    'ERROR',
    'error-invalid-arn-service-case',
    'the service of the ARN is not lower case',
  ),
  INVALID_CONDITION_KEY_FORMAT: aa(
    'ERROR',
    'error-invalid-condition-key-format',
    'the condition key is not `service:name`',
  ),
  INVALID_CONDITION_MULTIPLE_BOOLEAN: aa(
    'ERROR',
    'error-invalid-condition-multiple-boolean',
    'a Boolean condition lists both `true` and `false`',
  ),
  INVALID_CONDITION_OPERATOR: aa(
    'ERROR',
    'error-invalid-condition-operator',
    'the condition operator does not exist',
  ),
  INVALID_EFFECT: aa('ERROR', 'error-invalid-effect', 'Effect is not `Allow` or `Deny`'),
  INVALID_GLOBAL_CONDITION_KEY: aa(
    'ERROR',
    'error-invalid-global-condition-key',
    'the `aws:` condition key does not exist',
  ),
  INVALID_PARTITION: aa('ERROR', 'error-invalid-partition', 'the partition of the ARN does not exist'),
  INVALID_POLICY_ELEMENT: aa(
    'ERROR',
    'error-invalid-policy-element',
    'the policy has an element IAM does not know',
  ),
  INVALID_PRINCIPAL_FORMAT: aa(
    'ERROR',
    'error-invalid-principal-format',
    'the Principal element is not valid',
  ),
  INVALID_PRINCIPAL_KEY: aa(
    'ERROR',
    'error-invalid-principal-key',
    'the principal type is not AWS, Service, Federated or CanonicalUser',
  ),
  INVALID_REGION: aa('ERROR', 'error-invalid-region', 'an `aws:RequestedRegion` value is not a Region code'),
  INVALID_SERVICE: aa('ERROR', 'error-invalid-service', 'the service of a condition key does not exist'),
  INVALID_SERVICE_CONDITION_KEY: aa(
    'ERROR',
    'error-invalid-service-condition-key',
    'the service has no such condition key',
  ),
  INVALID_SERVICE_IN_ACTION: aa(
    'ERROR',
    'error-invalid-service-in-action',
    'the service of the action does not exist',
  ),
  INVALID_VARIABLE_FOR_OPERATOR: aa(
    'ERROR',
    'error-invalid-variable-for-operator',
    'a policy variable under an operator other than String or ARN',
  ),
  INVALID_VERSION: aa('ERROR', 'error-invalid-version', 'Version is not `2012-10-17` or `2008-10-17`'),
  JSON_SYNTAX_ERROR: aa('ERROR', 'error-json-syntax-error', 'the policy is not valid JSON'),
  MISSING_ACTION: aa('ERROR', 'error-missing-action', 'a statement has no Action or NotAction'),
  MISSING_ARN_FIELD: aa('ERROR', 'error-missing-arn-field', 'the ARN has fewer than six parts'),
  MISSING_ARN_REGION: aa('ERROR', 'error-missing-arn-region', 'the resource type needs a Region in its ARN'),
  MISSING_EFFECT: aa('ERROR', 'error-missing-effect', 'a statement has no Effect'),
  MISSING_PRINCIPAL: aa('ERROR', 'error-missing-principal', 'a resource-based statement has no Principal'),
  MISSING_QUALIFIER: aa(
    'ERROR',
    'error-missing-qualifier',
    'a multivalued condition key without ForAllValues or ForAnyValue',
  ),
  MISSING_RESOURCE: aa('ERROR', 'error-missing-resource', 'a statement has no Resource or NotResource'),
  MISSING_STATEMENT: aa('ERROR', 'error-missing-statement', 'the policy has no statement'),
  NULL_WITH_IF_EXISTS: aa('ERROR', 'error-null-with-if-exists', 'the Null operator has no IfExists form'),
  SCP_SYNTAX_ERROR_PRINCIPAL: aa('ERROR', 'error-scp-syntax-error-principal', 'an SCP names a principal'),
  UNIQUE_SIDS_REQUIRED: aa('ERROR', 'error-unique-sids-required', 'two statements have the same Sid'),
  UNSUPPORTED_ACTION_IN_POLICY: aa(
    'ERROR',
    'error-unsupported-action-in-policy',
    'the action cannot be granted by the policy of this resource type',
  ),
  UNSUPPORTED_ELEMENT_COMBINATION: aa(
    'ERROR',
    'error-unsupported-element-combination',
    'a statement has an element and its Not form together',
  ),
  UNSUPPORTED_GLOBAL_CONDITION_KEY: aa(
    'ERROR',
    'error-unsupported-global-condition-key',
    '`aws:ARN` is not supported; use `aws:PrincipalArn` or `aws:SourceArn`',
  ),
  UNSUPPORTED_PRINCIPAL: aa('ERROR', 'error-unsupported-principal', 'this policy type takes no Principal'),
  UNSUPPORTED_RESOURCE_ARN_IN_POLICY: aa(
    'ERROR',
    'error-unsupported-resource-arn-in-policy',
    'the resource ARN is not of the resource type the policy is attached to',
  ),
  UNSUPPORTED_SID: aa(
    'ERROR',
    'error-unsupported-sid',
    'the Sid has characters other than letters and digits',
  ),
  UNSUPPORTED_WILDCARD_IN_PRINCIPAL: aa(
    'ERROR',
    'error-unsupported-wildcard-in-principal',
    'a wildcard inside a principal ARN',
  ),
  MISSING_BRACE_IN_VARIABLE: aa(
    'ERROR',
    'error-missing-brace-in-variable',
    'a policy variable lacks its closing brace',
  ),
  MISSING_QUOTE_IN_VARIABLE: aa(
    'ERROR',
    'error-missing-quote-in-variable',
    "a policy variable's default value is not in single quotes",
  ),
  UNSUPPORTED_SPACE_IN_VARIABLE: aa(
    'ERROR',
    'error-unsupported-space-in-variable',
    'a space inside a variable name',
  ),
  EMPTY_VARIABLE: aa('ERROR', 'error-empty-variable', 'an empty `${}` variable'),
  VARIABLE_UNSUPPORTED_IN_ELEMENT: aa(
    'ERROR',
    'error-variable-unsupported-in-element',
    'a policy variable outside Resource and Condition',
  ),
  VARIABLE_UNSUPPORTED_IN_VERSION: aa(
    'ERROR',
    'error-variable-unsupported-in-version',
    'a policy variable without `"Version": "2012-10-17"` is literal text',
  ),
  PRIVATE_IP_ADDRESS: aa(
    'ERROR',
    'error-private-ip-address',
    '`aws:SourceIp` with only private addresses never matches',
  ),
  PRIVATE_NOT_IP_ADDRESS: aa(
    'ERROR',
    'error-private-not-ip-address',
    '`NotIpAddress` on `aws:SourceIp` with only private addresses always matches',
  ),
  POLICY_SIZE_EXCEEDS_SCP_QUOTA: aa(
    'ERROR',
    'error-policy-size-exceeds-scp-quota',
    'the SCP is over 5,120 characters',
  ),
  INVALID_SERVICE_PRINCIPAL_FORMAT: aa(
    'ERROR',
    'error-invalid-service-principal-format',
    'a service principal is not `name.amazonaws.com`',
  ),
  MISSING_TAG_KEY_IN_CONDITION: aa(
    'ERROR',
    'error-missing-tag-key-in-condition',
    'a tag condition key without the tag key',
  ),
  INVALID_VPC_FORMAT: aa('ERROR', 'error-invalid-vpc-format', 'an `aws:SourceVpc` value is not a VPC id'),
  INVALID_VPCE_FORMAT: aa(
    'ERROR',
    'error-invalid-vpce-format',
    'an `aws:SourceVpce` value is not a VPC endpoint id',
  ),
  FEDERATED_PRINCIPAL_NOT_SUPPORTED: aa(
    'ERROR',
    'error-federated-principal-not-supported',
    'a Federated principal outside a role trust policy',
  ),
  UNSUPPORTED_ACTION_FOR_CONDITION_KEY: aa(
    'ERROR',
    'error-unsupported-action-for-condition-key',
    'the condition key is never in the request context of these actions',
  ),
  ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL: aa(
    'ERROR',
    'error-role-trust-policy-syntax-error-notprincipal',
    'a role trust policy with NotPrincipal',
  ),
  ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL: aa(
    'ERROR',
    'error-role-trust-policy-unsupported-wildcard-in-principal',
    'a role trust policy with `"Principal": "*"`',
  ),
  ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE: aa(
    'ERROR',
    'error-role-trust-policy-syntax-error-resource',
    'a role trust policy with Resource',
  ),
  INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY: aa(
    'ERROR',
    'error-invalid-federated-principal-syntax-in-role-trust-policy',
    'a Federated principal that is neither a provider domain nor a SAML or OIDC provider ARN',
  ),
  MISMATCHED_ACTION_FOR_PRINCIPAL: aa(
    'ERROR',
    'error-mismatched-action-for-principal',
    'a federated principal with an action that cannot be used with it',
  ),
  MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY: aa(
    'ERROR',
    'error-missing-action-for-roles-anywhere-trust-policy',
    'IAM Roles Anywhere needs sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession',
  ),
  // General warnings
  CREATE_SLR_WITH_NOT_RESOURCE: aa(
    'WARNING',
    'general-warning-create-slr-with-not-resource',
    'iam:CreateServiceLinkedRole with NotResource',
  ),
  CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE: aa(
    'WARNING',
    'general-warning-create-slr-with-star-in-action-and-not-resource',
    'a wildcard action covering iam:CreateServiceLinkedRole with NotResource',
  ),
  CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE: aa(
    'WARNING',
    'general-warning-create-slr-with-not-action-and-not-resource',
    'NotAction and NotResource that allow iam:CreateServiceLinkedRole',
  ),
  CREATE_SLR_WITH_STAR_IN_RESOURCE: aa(
    'WARNING',
    'general-warning-create-slr-with-star-in-resource',
    'iam:CreateServiceLinkedRole on every role',
  ),
  CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE: aa(
    'WARNING',
    'general-warning-create-slr-with-star-in-action-and-resource',
    'a wildcard action covering iam:CreateServiceLinkedRole on every role',
  ),
  CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION: aa(
    'WARNING',
    'general-warning-create-slr-with-star-in-resource-and-not-action',
    'NotAction that allows iam:CreateServiceLinkedRole on every role',
  ),
  INVALID_ROLE_REFERENCE: aa(
    'WARNING',
    'general-warning-invalid-role-reference',
    'a role named by its unique id',
  ),
  INVALID_USER_REFERENCE: aa(
    'WARNING',
    'general-warning-invalid-user-reference',
    'a user named by its unique id',
  ),
  MISSING_VERSION: aa('WARNING', 'general-warning-missing-version', 'no `"Version": "2012-10-17"`'),
  WILDCARD_WITHOUT_LIKE_OPERATOR: aa(
    'WARNING',
    'general-warning-wildcard-without-like-operator',
    'a wildcard in the value of an Equals operator is literal',
  ),
  POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA: aa(
    'WARNING',
    'general-warning-policy-size-exceeds-identity-policy-quota',
    'over the 6,144 characters of a managed policy',
  ),
  POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA: aa(
    'WARNING',
    'general-warning-policy-size-exceeds-role-trust-policy-quota',
    'over the 2,048 characters of a role trust policy (the default quota)',
  ),
  TYPE_MISMATCH: aa(
    'WARNING',
    'general-warning-type-mismatch',
    'the operator does not fit the type of the key',
  ),
  TYPE_MISMATCH_BOOLEAN: aa(
    'WARNING',
    'general-warning-type-mismatch-boolean',
    'a Bool value other than `true` or `false`',
  ),
  TYPE_MISMATCH_DATE: aa(
    'WARNING',
    'general-warning-type-mismatch-date',
    'a Date operator value that is not a date',
  ),
  TYPE_MISMATCH_IP_RANGE: aa(
    'WARNING',
    'general-warning-type-mismatch-ip-range',
    'an IpAddress value that is not an IP or CIDR',
  ),
  TYPE_MISMATCH_NUMBER: aa(
    'WARNING',
    'general-warning-type-mismatch-number',
    'a Numeric operator value that is not a number',
  ),
  SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED: aa(
    'WARNING',
    'general-warning-specific-github-repo-and-branch-recommended',
    'a wildcard in `token.actions.githubusercontent.com:sub`',
  ),
  // Security warnings
  ALLOW_WITH_NOT_PRINCIPAL: aa(
    'SECURITY_WARNING',
    'security-warning-allow-with-not-principal',
    'Allow with NotPrincipal grants everyone not listed',
  ),
  FORALLVALUES_WITH_SINGLE_VALUED_KEY: aa(
    'SECURITY_WARNING',
    'security-warning-forallvalues-with-single-valued-key',
    'ForAllValues on a single-valued key also matches when the key is absent',
  ),
  PASS_ROLE_WITH_NOT_RESOURCE: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-not-resource',
    'iam:PassRole with NotResource',
  ),
  PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-star-in-action-and-not-resource',
    'a wildcard action covering iam:PassRole with NotResource',
  ),
  PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-not-action-and-not-resource',
    'NotAction and NotResource that allow iam:PassRole',
  ),
  PASS_ROLE_WITH_STAR_IN_RESOURCE: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-star-in-resource',
    'iam:PassRole on every role without `iam:PassedToService`',
  ),
  PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-star-in-action-and-resource',
    'a wildcard action covering iam:PassRole on every role',
  ),
  PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION: aa(
    'SECURITY_WARNING',
    'security-warning-pass-role-with-star-in-resource-and-not-action',
    'NotAction that allows iam:PassRole on every role',
  ),
  MISSING_PAIRED_CONDITION_KEYS: aa(
    'SECURITY_WARNING',
    'security-warning-missing-paired-condition-keys',
    '`aws:VpcSourceIp` without `aws:SourceVpc` or `aws:SourceVpce`',
  ),
  DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE: aa(
    'SECURITY_WARNING',
    'security-warning-deny-with-unsupported-tag-condition-key-for-service',
    'a Deny whose tag condition the service never sends, so it never denies',
  ),
  RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL: aa(
    'SECURITY_WARNING',
    'security-warning-restrict-access-to-service-principal',
    'a service principal granted access without `aws:SourceArn` or `aws:SourceAccount`',
  ),
  MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL: aa(
    'SECURITY_WARNING',
    'security-warning-missing-condition-key-for-oidc-principal',
    'an OIDC principal without a condition on its claims',
  ),
  MISSING_GITHUB_REPO_CONDITION_KEY: aa(
    'SECURITY_WARNING',
    'security-warning-missing-github-repo-condition-key',
    'the GitHub OIDC principal without `token.actions.githubusercontent.com:sub`',
  ),
  // Suggestions
  EMPTY_ARRAY_ACTION: aa('SUGGESTION', 'suggestion-empty-array-action', 'an empty Action array'),
  EMPTY_ARRAY_CONDITION: aa(
    'SUGGESTION',
    'suggestion-empty-array-condition',
    'a condition key with no values',
  ),
  EMPTY_ARRAY_CONDITION_FORALLVALUES: aa(
    'SUGGESTION',
    'suggestion-empty-array-condition-forallvalues',
    'ForAllValues with no values matches only an absent key',
  ),
  EMPTY_ARRAY_CONDITION_FORANYVALUE: aa(
    'SUGGESTION',
    'suggestion-empty-array-condition-foranyvalue',
    'ForAnyValue with no values never matches',
  ),
  EMPTY_ARRAY_CONDITION_IFEXISTS: aa(
    'SUGGESTION',
    'suggestion-empty-array-condition-ifexists',
    'IfExists with no values matches only an absent key',
  ),
  EMPTY_ARRAY_PRINCIPAL: aa('SUGGESTION', 'suggestion-empty-array-principal', 'an empty principal array'),
  EMPTY_ARRAY_RESOURCE: aa('SUGGESTION', 'suggestion-empty-array-resource', 'an empty Resource array'),
  EMPTY_OBJECT_CONDITION: aa('SUGGESTION', 'suggestion-empty-object-condition', 'an empty Condition block'),
  EMPTY_OBJECT_PRINCIPAL: aa('SUGGESTION', 'suggestion-empty-object-principal', 'an empty Principal object'),
  EMPTY_SID_VALUE: aa('SUGGESTION', 'suggestion-empty-sid-value', 'an empty Sid'),
  IMPROVE_IP_RANGE: aa('SUGGESTION', 'suggestion-improve-ip-range', 'a CIDR block with host bits set'),
  NULL_WITH_QUALIFIER: aa(
    'SUGGESTION',
    'suggestion-null-with-qualifier',
    'Null with ForAllValues or ForAnyValue',
  ),
  PRIVATE_IP_ADDRESS_SUBSET: aa(
    'SUGGESTION',
    'suggestion-private-ip-address-subset',
    '`aws:SourceIp` mixes private and public addresses',
  ),
  PRIVATE_NOT_IP_ADDRESS_SUBSET: aa(
    'SUGGESTION',
    'suggestion-private-not-ip-address-subset',
    '`NotIpAddress` on `aws:SourceIp` mixes private and public addresses',
  ),
  REDUNDANT_ACTION: aa(
    'SUGGESTION',
    'suggestion-redundant-action',
    'an action already covered by another of the statement',
  ),
  REDUNDANT_CONDITION_VALUE_NUM: aa(
    'SUGGESTION',
    'suggestion-redundant-condition-value-num',
    'several values of a Numeric comparison where one decides',
  ),
  REDUNDANT_RESOURCE: aa(
    'SUGGESTION',
    'suggestion-redundant-resource',
    'a resource already covered by another of the statement',
  ),
  REDUNDANT_STATEMENT: aa('SUGGESTION', 'suggestion-redundant-statement', 'two statements grant the same'),
  WILDCARD_IN_SERVICE_NAME: aa(
    'SUGGESTION',
    'suggestion-wildcard-in-service-name',
    'a wildcard in the service prefix of an action',
  ),
  ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE: aa(
    'SUGGESTION',
    'suggestion-allow-with-unsupported-tag-condition-key-for-service',
    'an Allow whose tag condition the service never sends, so it never allows',
  ),
  RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL: aa(
    'SUGGESTION',
    'suggestion-recommended-condition-key-for-service-principal',
    'a service principal scoped by a key other than `aws:SourceArn` / `aws:SourceAccount`',
  ),
  REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY: aa(
    'SUGGESTION',
    'suggestion-redundant-principal-in-role-trust-policy',
    'an assumed-role principal next to its role',
  ),
  // rolecall's own
  ALLOW_WITH_NOT_ACTION: own(
    'SECURITY_WARNING',
    'reference_policies_elements_notaction.html',
    'Allow with NotAction on every resource allows every other action of every service',
  ),
  ALLOW_WITH_NOT_RESOURCE: own(
    'SECURITY_WARNING',
    'reference_policies_elements_notresource.html',
    'Allow with NotResource allows every other resource, of every service',
  ),
  RESOURCE_NOT_SUPPORTED_BY_ACTIONS: own(
    'WARNING',
    'reference_policies_elements_resource.html',
    'no action of the statement acts on this resource type, so the resource grants nothing',
  ),
  MALFORMED_POLICY_DOCUMENT: own(
    'ERROR',
    'reference_policies_grammar.html',
    'IAM rejects the policy for another grammar rule',
  ),
} as const satisfies Record<string, RuleInfo>;

export type ValidateCode = keyof typeof VALIDATE_CHECKS;
