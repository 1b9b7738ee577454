/**
 * One row per check of `validate`: a policy that must report the code (the reference page's example
 * where it gives one) and the nearest policy that must not.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePolicyText, VALIDATE_CHECKS, type ValidateCode } from '../../src/analyze/index.js';
import type { PolicyKind } from '../../src/policy/index.js';

const V = '2012-10-17';
type Doc = Record<string, unknown>;
const pol = (...Statement: Doc[]): Doc => ({ Version: V, Statement });
const allow = (Action: unknown, Resource: unknown = '*', extra: Doc = {}): Doc => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const cond = (Condition: Doc, Action: unknown = 's3:GetObject', Resource: unknown = 'arn:aws:s3:::b/*') =>
  pol(allow(Action, Resource, { Condition }));
const trust = (Principal: unknown, Action: unknown = 'sts:AssumeRole', extra: Doc = {}) =>
  pol({ Effect: 'Allow', Principal, Action, ...extra });
const bucket = (Principal: unknown, extra: Doc = {}) =>
  pol({ Effect: 'Allow', Principal, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*', ...extra });

interface Row {
  code: ValidateCode;
  bad: Doc | string;
  good: Doc | string;
  kind?: PolicyKind;
  resourceType?: string;
}

const oidc = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';

const ROWS: Row[] = [
  {
    code: 'ARN_ACCOUNT_NOT_ALLOWED',
    bad: pol(allow('s3:ListBucket', 'arn:aws:s3::111122223333:b')),
    good: pol(allow('s3:ListBucket', 'arn:aws:s3:::b')),
  },
  {
    code: 'ARN_REGION_NOT_ALLOWED',
    bad: pol(allow('s3:ListBucket', 'arn:aws:s3:us-east-1::b')),
    good: pol(allow('s3:ListBucket', 'arn:aws:s3:::b')),
  },
  {
    code: 'DATA_TYPE_MISMATCH',
    bad: pol(allow('s3:GetObject', '*', { Sid: 1 })),
    good: pol(allow('s3:GetObject', '*', { Sid: 'One' })),
  },
  {
    code: 'DUPLICATE_KEYS_WITH_DIFFERENT_CASE',
    bad: cond({ StringEquals: { 'aws:PrincipalTag/team': 'a', 'aws:principaltag/team': 'b' } }),
    good: cond({ StringEquals: { 'aws:PrincipalTag/team': ['a', 'b'] } }),
  },
  { code: 'INVALID_ACTION', bad: pol(allow('s3:GetObjectt')), good: pol(allow('s3:GetObject')) },
  {
    code: 'INVALID_ARN_ACCOUNT',
    bad: pol(allow('iam:GetRole', 'arn:aws:iam::1234567890:role/r')),
    good: pol(allow('iam:GetRole', 'arn:aws:iam::123456789012:role/r')),
  },
  {
    code: 'INVALID_ARN_PREFIX',
    bad: pol(allow('s3:GetObject', 'aws:s3:::b/*')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*')),
  },
  {
    code: 'INVALID_ARN_REGION',
    bad: pol(allow('sqs:SendMessage', 'arn:aws:sqs:us-east-1a:123456789012:q')),
    good: pol(allow('sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:q')),
  },
  {
    code: 'INVALID_ARN_RESOURCE',
    bad: pol(allow('sqs:SendMessage', 'arn:aws:ec2:us-east-1:123456789012:queue/q')),
    good: pol(allow('ec2:RunInstances', 'arn:aws:ec2:us-east-1:123456789012:instance/*')),
  },
  {
    code: 'INVALID_ARN_SERVICE_CASE',
    bad: pol(allow('s3:GetObject', 'arn:aws:S3:::b/*')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*')),
  },
  {
    code: 'INVALID_CONDITION_KEY_FORMAT',
    bad: cond({ StringEquals: { SourceVpc: 'vpc-11112222' } }),
    good: cond({ StringEquals: { 'aws:SourceVpc': 'vpc-11112222' } }),
  },
  {
    code: 'INVALID_CONDITION_MULTIPLE_BOOLEAN',
    bad: cond({ Bool: { 'aws:SecureTransport': ['true', 'false'] } }),
    good: cond({ Bool: { 'aws:SecureTransport': 'true' } }),
  },
  {
    code: 'INVALID_CONDITION_OPERATOR',
    bad: cond({ StringEqualz: { 'aws:PrincipalTag/t': 'a' } }),
    good: cond({ StringEquals: { 'aws:PrincipalTag/t': 'a' } }),
  },
  {
    code: 'INVALID_EFFECT',
    bad: pol({ Effect: 'allow', Action: 's3:GetObject', Resource: '*' }),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'INVALID_GLOBAL_CONDITION_KEY',
    bad: cond({ StringEquals: { 'aws:SourceVpcId': 'vpc-11112222' } }),
    good: cond({ StringEquals: { 'aws:SourceVpc': 'vpc-11112222' } }),
  },
  {
    code: 'INVALID_PARTITION',
    bad: pol(allow('s3:GetObject', 'arn:amazon:s3:::b/*')),
    good: pol(allow('s3:GetObject', 'arn:aws-cn:s3:::b/*')),
  },
  {
    code: 'INVALID_POLICY_ELEMENT',
    bad: pol(allow('s3:GetObject', '*', { Actions: 's3:PutObject' })),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'INVALID_PRINCIPAL_FORMAT',
    bad: bucket('arn:aws:iam::111122223333:root'),
    good: bucket({ AWS: 'arn:aws:iam::111122223333:root' }),
    kind: 'resource',
  },
  {
    code: 'INVALID_PRINCIPAL_KEY',
    bad: bucket({ Aws: '111122223333' }),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
  },
  {
    code: 'INVALID_REGION',
    bad: cond({ StringEquals: { 'aws:RequestedRegion': 'us-east' } }),
    good: cond({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }),
  },
  {
    code: 'INVALID_SERVICE',
    bad: cond({ StringEquals: { 'ss3:prefix': 'home/' } }, 's3:ListBucket', 'arn:aws:s3:::b'),
    good: cond({ StringEquals: { 's3:prefix': 'home/' } }, 's3:ListBucket', 'arn:aws:s3:::b'),
  },
  {
    code: 'INVALID_SERVICE_CONDITION_KEY',
    bad: cond({ StringEquals: { 's3:prefixes': 'home/' } }, 's3:ListBucket', 'arn:aws:s3:::b'),
    good: cond({ StringEquals: { 's3:prefix': 'home/' } }, 's3:ListBucket', 'arn:aws:s3:::b'),
  },
  { code: 'INVALID_SERVICE_IN_ACTION', bad: pol(allow('s4:GetObject')), good: pol(allow('s3:GetObject')) },
  {
    code: 'INVALID_VARIABLE_FOR_OPERATOR',
    bad: cond(
      { NumericEquals: { 's3:max-keys': '${aws:PrincipalTag/n}' } },
      's3:ListBucket',
      'arn:aws:s3:::b',
    ),
    good: cond({ StringEquals: { 's3:prefix': '${aws:username}/' } }, 's3:ListBucket', 'arn:aws:s3:::b'),
  },
  {
    code: 'INVALID_VERSION',
    bad: { Version: '2012-10-18', Statement: [allow('s3:GetObject')] },
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'JSON_SYNTAX_ERROR',
    bad: '{"Version": "2012-10-17", "Statement": [}',
    good: pol(allow('s3:GetObject')),
  },
  { code: 'MISSING_ACTION', bad: pol({ Effect: 'Allow', Resource: '*' }), good: pol(allow('s3:GetObject')) },
  {
    code: 'MISSING_ARN_FIELD',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*'.replace(':::', '::'))),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*')),
  },
  {
    code: 'MISSING_ARN_REGION',
    bad: pol(allow('sqs:SendMessage', 'arn:aws:sqs::123456789012:q')),
    good: pol(allow('sqs:SendMessage', 'arn:aws:sqs:*:123456789012:q')),
  },
  {
    code: 'MISSING_EFFECT',
    bad: pol({ Action: 's3:GetObject', Resource: '*' }),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'MISSING_PRINCIPAL',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*')),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
  },
  {
    code: 'MISSING_QUALIFIER',
    bad: cond({ StringEquals: { 'aws:TagKeys': ['a', 'b'] } }, 'ec2:CreateTags'),
    good: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a', 'b'] } }, 'ec2:CreateTags'),
  },
  {
    code: 'MISSING_RESOURCE',
    bad: pol({ Effect: 'Allow', Action: 's3:GetObject' }),
    good: pol(allow('s3:GetObject')),
  },
  { code: 'MISSING_STATEMENT', bad: { Version: V }, good: pol(allow('s3:GetObject')) },
  {
    code: 'NULL_WITH_IF_EXISTS',
    bad: cond({ NullIfExists: { 'aws:TokenIssueTime': 'true' } }),
    good: cond({ Null: { 'aws:TokenIssueTime': 'true' } }),
  },
  {
    code: 'SCP_SYNTAX_ERROR_PRINCIPAL',
    bad: pol({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }),
    good: pol({ Effect: 'Deny', Action: 's3:*', Resource: '*' }),
    kind: 'scp',
  },
  {
    code: 'UNIQUE_SIDS_REQUIRED',
    bad: pol(allow('s3:GetObject', '*', { Sid: 'A' }), allow('s3:PutObject', '*', { Sid: 'A' })),
    good: pol(allow('s3:GetObject', '*', { Sid: 'A' }), allow('s3:PutObject', '*', { Sid: 'B' })),
  },
  {
    code: 'UNSUPPORTED_ACTION_IN_POLICY',
    bad: bucket({ AWS: '111122223333' }, { Action: 'kms:Decrypt' }),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
    resourceType: 'AWS::S3::Bucket',
  },
  {
    code: 'UNSUPPORTED_ELEMENT_COMBINATION',
    bad: pol(allow('s3:GetObject', '*', { NotAction: 's3:PutObject' })),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'UNSUPPORTED_GLOBAL_CONDITION_KEY',
    bad: cond({ ArnEquals: { 'aws:ARN': 'arn:aws:iam::111122223333:role/r' } }),
    good: cond({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/r' } }),
  },
  {
    code: 'UNSUPPORTED_PRINCIPAL',
    bad: pol(allow('s3:GetObject', '*', { Principal: { AWS: '111122223333' } })),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'UNSUPPORTED_RESOURCE_ARN_IN_POLICY',
    bad: bucket({ AWS: '111122223333' }, { Resource: 'arn:aws:kms:us-east-1:111122223333:key/k' }),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
    resourceType: 'AWS::S3::Bucket',
  },
  {
    code: 'UNSUPPORTED_SID',
    bad: pol(allow('s3:GetObject', '*', { Sid: 'read-objects' })),
    good: pol(allow('s3:GetObject', '*', { Sid: 'ReadObjects' })),
  },
  {
    code: 'UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
    bad: bucket({ AWS: 'arn:aws:iam::111122223333:role/*' }),
    good: bucket({ AWS: 'arn:aws:iam::111122223333:role/r' }),
    kind: 'resource',
  },
  {
    code: 'MISSING_BRACE_IN_VARIABLE',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username/*')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')),
  },
  // The reference's example of a default value, with and without its quotes.
  {
    code: 'MISSING_QUOTE_IN_VARIABLE',
    bad: pol(
      allow('s3:ListBucket', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, company-wide}'),
    ),
    good: pol(
      allow('s3:ListBucket', "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}"),
    ),
  },
  {
    code: 'UNSUPPORTED_SPACE_IN_VARIABLE',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:user name}/*')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')),
  },
  {
    code: 'EMPTY_VARIABLE',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${}/*')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')),
  },
  {
    code: 'VARIABLE_UNSUPPORTED_IN_ELEMENT',
    bad: bucket({ AWS: 'arn:aws:iam::111122223333:user/${aws:username}' }),
    good: bucket({ AWS: 'arn:aws:iam::111122223333:user/u' }),
    kind: 'resource',
  },
  {
    code: 'VARIABLE_UNSUPPORTED_IN_VERSION',
    bad: { Version: '2008-10-17', Statement: [allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')] },
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/${aws:username}/*')),
  },
  {
    code: 'PRIVATE_IP_ADDRESS',
    bad: cond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/16' } }),
    good: cond({
      IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' },
      StringEquals: { 'aws:SourceVpc': 'vpc-11112222' },
    }),
  },
  {
    code: 'PRIVATE_NOT_IP_ADDRESS',
    bad: cond({ NotIpAddress: { 'aws:SourceIp': '192.168.0.0/16' } }),
    good: cond({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
  },
  {
    code: 'POLICY_SIZE_EXCEEDS_SCP_QUOTA',
    bad: pol({
      Effect: 'Deny',
      Action: Array.from({ length: 500 }, (_, i) => `s3:GetObject${'x'.repeat(i % 3)}`),
      Resource: '*',
    }),
    good: pol({ Effect: 'Deny', Action: 's3:*', Resource: '*' }),
    kind: 'scp',
  },
  {
    code: 'INVALID_SERVICE_PRINCIPAL_FORMAT',
    bad: trust({ Service: 'elasticmapreduce' }),
    good: trust({ Service: 'elasticmapreduce.amazonaws.com' }),
    kind: 'trust',
  },
  {
    code: 'MISSING_TAG_KEY_IN_CONDITION',
    bad: cond(
      { StringEquals: { 'aws:ResourceTag': 'x' } },
      'ec2:StartInstances',
      'arn:aws:ec2:*:*:instance/*',
    ),
    good: cond(
      { StringEquals: { 'aws:ResourceTag/team': 'x' } },
      'ec2:StartInstances',
      'arn:aws:ec2:*:*:instance/*',
    ),
  },
  {
    code: 'INVALID_VPC_FORMAT',
    bad: cond({ StringEquals: { 'aws:SourceVpc': 'vpc1234' } }),
    good: cond({ StringEquals: { 'aws:SourceVpc': 'vpc-1a2b3c4d' } }),
  },
  {
    code: 'INVALID_VPCE_FORMAT',
    bad: cond({ StringEquals: { 'aws:SourceVpce': 'vpc-1a2b3c4d' } }),
    good: cond({ StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }),
  },
  {
    code: 'FEDERATED_PRINCIPAL_NOT_SUPPORTED',
    bad: bucket({ Federated: 'cognito-identity.amazonaws.com' }),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
  },
  {
    code: 'UNSUPPORTED_ACTION_FOR_CONDITION_KEY',
    bad: cond(
      { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      ['iam:PassRole', 'iam:GetRole'],
      'arn:aws:iam::111122223333:role/r',
    ),
    good: cond(
      { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      'iam:PassRole',
      'arn:aws:iam::111122223333:role/r',
    ),
  },
  {
    code: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL',
    bad: pol({ Effect: 'Deny', NotPrincipal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' }),
    good: trust({ AWS: '111122223333' }),
    kind: 'trust',
  },
  {
    code: 'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
    bad: trust('*'),
    good: trust({ AWS: '111122223333' }),
    kind: 'trust',
  },
  {
    code: 'ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE',
    bad: trust({ AWS: '111122223333' }, 'sts:AssumeRole', { Resource: '*' }),
    good: trust({ AWS: '111122223333' }),
    kind: 'trust',
  },
  {
    code: 'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY',
    bad: trust({ Federated: 'my provider' }, 'sts:AssumeRoleWithSAML'),
    good: trust({ Federated: 'arn:aws:iam::111122223333:saml-provider/idp' }, 'sts:AssumeRoleWithSAML'),
    kind: 'trust',
  },
  {
    code: 'MISMATCHED_ACTION_FOR_PRINCIPAL',
    bad: trust({ Federated: 'arn:aws:iam::111122223333:saml-provider/idp' }),
    good: trust({ Federated: 'arn:aws:iam::111122223333:saml-provider/idp' }, 'sts:AssumeRoleWithSAML'),
    kind: 'trust',
  },
  {
    code: 'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY',
    bad: trust({ Service: 'rolesanywhere.amazonaws.com' }),
    good: trust({ Service: 'rolesanywhere.amazonaws.com' }, [
      'sts:AssumeRole',
      'sts:SetSourceIdentity',
      'sts:TagSession',
    ]),
    kind: 'trust',
  },
  {
    code: 'CREATE_SLR_WITH_NOT_RESOURCE',
    bad: pol({
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      NotResource: 'arn:aws:iam::*:role/x',
    }),
    good: pol(
      allow(
        'iam:CreateServiceLinkedRole',
        'arn:aws:iam::*:role/aws-service-role/elasticmapreduce.amazonaws.com*/AWSServiceRoleForEMRCleanup*',
      ),
    ),
  },
  {
    code: 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', Action: 'iam:Create*', NotResource: 'arn:aws:iam::*:user/*' }),
    good: pol({ Effect: 'Allow', Action: 'iam:Create*', Resource: 'arn:aws:iam::*:user/*' }),
  },
  {
    code: 'CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', NotAction: 's3:*', NotResource: 'arn:aws:s3:::b' }),
    good: pol({ Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], NotResource: 'arn:aws:s3:::b' }),
  },
  {
    code: 'CREATE_SLR_WITH_STAR_IN_RESOURCE',
    bad: pol(allow('iam:CreateServiceLinkedRole')),
    good: pol(
      allow('iam:CreateServiceLinkedRole', '*', {
        Condition: { StringLike: { 'iam:AWSServiceName': 'elasticmapreduce.amazonaws.com' } },
      }),
    ),
  },
  {
    code: 'CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE',
    bad: pol(allow('iam:*')),
    good: pol(allow('iam:Get*')),
  },
  {
    code: 'CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
    bad: pol({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }),
    good: pol({ Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], Resource: 'arn:aws:s3:::b' }),
  },
  {
    code: 'INVALID_ROLE_REFERENCE',
    bad: bucket({ AWS: 'AROAEXAMPLEROLEID1234' }),
    good: bucket({ AWS: 'arn:aws:iam::111122223333:role/r' }),
    kind: 'resource',
  },
  {
    code: 'INVALID_USER_REFERENCE',
    bad: bucket({ AWS: 'AIDAEXAMPLEUSERID1234' }),
    good: bucket({ AWS: 'arn:aws:iam::111122223333:user/u' }),
    kind: 'resource',
  },
  { code: 'MISSING_VERSION', bad: { Statement: [allow('s3:GetObject')] }, good: pol(allow('s3:GetObject')) },
  {
    code: 'WILDCARD_WITHOUT_LIKE_OPERATOR',
    bad: cond({ StringEquals: { 'aws:PrincipalTag/team': 'data-*' } }),
    good: cond({ StringLike: { 'aws:PrincipalTag/team': 'data-*' } }),
  },
  {
    code: 'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA',
    bad: pol(allow(Array.from({ length: 400 }, (_, i) => `s3:GetObject${'x'.repeat(i % 3)}`))),
    good: pol(allow('s3:GetObject')),
  },
  {
    code: 'POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA',
    bad: trust({ AWS: Array.from({ length: 60 }, (_, i) => `arn:aws:iam::111122223333:role/role-${i}`) }),
    good: trust({ AWS: '111122223333' }),
    kind: 'trust',
  },
  {
    code: 'TYPE_MISMATCH',
    bad: cond({ StringEquals: { 'aws:SourceIp': '203.0.113.0/24' } }),
    good: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
  },
  {
    code: 'TYPE_MISMATCH_BOOLEAN',
    bad: cond({ Bool: { 'aws:SecureTransport': 'yes' } }),
    good: cond({ Bool: { 'aws:SecureTransport': 'false' } }),
  },
  {
    code: 'TYPE_MISMATCH_DATE',
    bad: cond({ DateGreaterThan: { 'aws:CurrentTime': 'yesterday' } }),
    good: cond({ DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' } }),
  },
  {
    code: 'TYPE_MISMATCH_IP_RANGE',
    bad: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } }),
    good: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
  },
  {
    code: 'TYPE_MISMATCH_NUMBER',
    bad: cond({ NumericLessThan: { 'aws:MultiFactorAuthAge': 'one hour' } }),
    good: cond({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }),
  },
  {
    code: 'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED',
    bad: trust({ Federated: oidc }, 'sts:AssumeRoleWithWebIdentity', {
      Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' } },
    }),
    good: trust({ Federated: oidc }, 'sts:AssumeRoleWithWebIdentity', {
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:ref:refs/heads/main',
        },
      },
    }),
    kind: 'trust',
  },
  {
    code: 'ALLOW_WITH_NOT_PRINCIPAL',
    bad: bucket(undefined, { Principal: undefined, NotPrincipal: { AWS: '111122223333' } }),
    good: pol({
      Effect: 'Deny',
      NotPrincipal: { AWS: '111122223333' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::b/*',
    }),
    kind: 'resource',
  },
  {
    code: 'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
    bad: cond({ 'ForAllValues:StringEquals': { 'aws:PrincipalTag/env': 'prod' } }),
    good: cond({ StringEquals: { 'aws:PrincipalTag/env': 'prod' } }),
  },
  {
    code: 'PASS_ROLE_WITH_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', Action: 'iam:PassRole', NotResource: 'arn:aws:iam::*:role/admin' }),
    good: pol(allow('iam:PassRole', 'arn:aws:iam::111122223333:role/app')),
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', Action: 'iam:Pass*', NotResource: 'arn:aws:iam::*:role/admin' }),
    good: pol(allow('iam:Pass*', 'arn:aws:iam::111122223333:role/app')),
  },
  {
    code: 'PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', NotAction: 's3:*', NotResource: 'arn:aws:s3:::b' }),
    good: pol({ Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], NotResource: 'arn:aws:s3:::b' }),
  },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
    bad: pol(allow('iam:PassRole')),
    good: pol(
      allow('iam:PassRole', '*', {
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    ),
  },
  { code: 'PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE', bad: pol(allow('*')), good: pol(allow('s3:*')) },
  {
    code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION',
    bad: pol({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }),
    good: pol({ Effect: 'Allow', NotAction: ['s3:*', 'iam:*'], Resource: '*' }),
  },
  // The reference's pairing: aws:VpcSourceIp with aws:SourceVpc.
  {
    code: 'MISSING_PAIRED_CONDITION_KEYS',
    bad: cond({ IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' } }),
    good: cond({
      IpAddress: { 'aws:VpcSourceIp': '10.0.0.0/16' },
      StringEquals: { 'aws:SourceVpc': 'vpc-11112222' },
    }),
  },
  {
    code: 'DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE',
    bad: pol({
      Effect: 'Deny',
      Action: 'dax:GetItem',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/class': 'secret' } },
    }),
    good: pol({
      Effect: 'Deny',
      Action: 'ec2:TerminateInstances',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/class': 'secret' } },
    }),
  },
  {
    code: 'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL',
    bad: bucket({ Service: 'cloudtrail.amazonaws.com' }),
    good: bucket(
      { Service: 'cloudtrail.amazonaws.com' },
      { Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } },
    ),
    kind: 'resource',
  },
  {
    code: 'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL',
    bad: trust({ Federated: 'accounts.google.com' }, 'sts:AssumeRoleWithWebIdentity'),
    good: trust({ Federated: 'accounts.google.com' }, 'sts:AssumeRoleWithWebIdentity', {
      Condition: { StringEquals: { 'accounts.google.com:aud': 'app-id' } },
    }),
    kind: 'trust',
  },
  {
    code: 'MISSING_GITHUB_REPO_CONDITION_KEY',
    bad: trust({ Federated: oidc }, 'sts:AssumeRoleWithWebIdentity', {
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } },
    }),
    good: trust({ Federated: oidc }, 'sts:AssumeRoleWithWebIdentity', {
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/main',
        },
      },
    }),
    kind: 'trust',
  },
  { code: 'EMPTY_ARRAY_ACTION', bad: pol(allow([])), good: pol(allow('s3:GetObject')) },
  {
    code: 'EMPTY_ARRAY_CONDITION',
    bad: cond({ StringEquals: { 'aws:PrincipalTag/t': [] } }),
    good: cond({ StringEquals: { 'aws:PrincipalTag/t': ['a'] } }),
  },
  {
    code: 'EMPTY_ARRAY_CONDITION_FORALLVALUES',
    bad: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': [] } }, 'ec2:CreateTags'),
    good: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['a'] } }, 'ec2:CreateTags'),
  },
  {
    code: 'EMPTY_ARRAY_CONDITION_FORANYVALUE',
    bad: cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': [] } }, 'ec2:CreateTags'),
    good: cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a'] } }, 'ec2:CreateTags'),
  },
  {
    code: 'EMPTY_ARRAY_CONDITION_IFEXISTS',
    bad: cond({ StringEqualsIfExists: { 'aws:PrincipalTag/t': [] } }),
    good: cond({ StringEqualsIfExists: { 'aws:PrincipalTag/t': ['a'] } }),
  },
  {
    code: 'EMPTY_ARRAY_PRINCIPAL',
    bad: bucket({ AWS: [] }),
    good: bucket({ AWS: ['111122223333'] }),
    kind: 'resource',
  },
  {
    code: 'EMPTY_ARRAY_RESOURCE',
    bad: pol(allow('s3:GetObject', [])),
    good: pol(allow('s3:GetObject', ['*'])),
  },
  { code: 'EMPTY_OBJECT_CONDITION', bad: cond({}), good: cond({ Bool: { 'aws:SecureTransport': 'true' } }) },
  {
    code: 'EMPTY_OBJECT_PRINCIPAL',
    bad: bucket({}),
    good: bucket({ AWS: '111122223333' }),
    kind: 'resource',
  },
  {
    code: 'EMPTY_SID_VALUE',
    bad: pol(allow('s3:GetObject', '*', { Sid: '' })),
    good: pol(allow('s3:GetObject', '*', { Sid: 'Read' })),
  },
  {
    code: 'IMPROVE_IP_RANGE',
    bad: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.7/24' } }),
    good: cond({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
  },
  {
    code: 'NULL_WITH_QUALIFIER',
    bad: cond({ 'ForAllValues:Null': { 'aws:TagKeys': 'false' } }, 'ec2:CreateTags'),
    good: cond({ Null: { 'aws:TagKeys': 'false' } }, 'ec2:CreateTags'),
  },
  {
    code: 'PRIVATE_IP_ADDRESS_SUBSET',
    bad: cond({ IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/24'] } }),
    good: cond({ IpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '203.0.113.0/24'] } }),
  },
  {
    code: 'PRIVATE_NOT_IP_ADDRESS_SUBSET',
    bad: cond({ NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/24'] } }),
    good: cond({ NotIpAddress: { 'aws:SourceIp': ['198.51.100.0/24', '203.0.113.0/24'] } }),
  },
  {
    code: 'REDUNDANT_ACTION',
    bad: pol(allow(['s3:Get*', 's3:GetObject'])),
    good: pol(allow(['s3:Get*', 's3:PutObject'])),
  },
  // The reference's example: NumericLessThan on aws:MultiFactorAuthAge with 2700 and 3600.
  {
    code: 'REDUNDANT_CONDITION_VALUE_NUM',
    bad: cond({ NumericLessThan: { 'aws:MultiFactorAuthAge': ['2700', '3600'] } }),
    good: cond({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }),
  },
  {
    code: 'REDUNDANT_RESOURCE',
    bad: pol(allow('s3:GetObject', ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/home/*'])),
    good: pol(allow('s3:GetObject', ['arn:aws:s3:::b/*', 'arn:aws:s3:::c/*'])),
  },
  {
    code: 'REDUNDANT_STATEMENT',
    bad: pol(allow('s3:GetObject', '*', { Sid: 'A' }), allow('s3:GetObject', '*', { Sid: 'B' })),
    good: pol(allow('s3:GetObject', '*', { Sid: 'A' }), allow('s3:PutObject', '*', { Sid: 'B' })),
  },
  { code: 'WILDCARD_IN_SERVICE_NAME', bad: pol(allow('s3*:GetObject')), good: pol(allow('s3:GetObject')) },
  {
    code: 'ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE',
    bad: cond(
      { StringEquals: { 'aws:ResourceTag/team': 'a' } },
      'dax:GetItem',
      'arn:aws:dax:us-east-1:111122223333:cache/c',
    ),
    good: cond(
      { StringEquals: { 'aws:ResourceTag/team': 'a' } },
      'ec2:StartInstances',
      'arn:aws:ec2:*:*:instance/*',
    ),
  },
  {
    code: 'RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL',
    bad: bucket(
      { Service: 'cloudtrail.amazonaws.com' },
      { Condition: { StringLike: { 'aws:Referer': 'x' } } },
    ),
    good: bucket(
      { Service: 'cloudtrail.amazonaws.com' },
      {
        Condition: { StringEquals: { 'aws:SourceArn': 'arn:aws:cloudtrail:us-east-1:111122223333:trail/t' } },
      },
    ),
    kind: 'resource',
  },
  // The reference's example: a role and a session of it.
  {
    code: 'REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY',
    bad: trust({
      AWS: [
        'arn:aws:iam::111122223333:role/rolename',
        'arn:aws:sts::111122223333:assumed-role/rolename/rolesessionname',
      ],
    }),
    good: trust({
      AWS: [
        'arn:aws:iam::111122223333:role/rolename',
        'arn:aws:sts::111122223333:assumed-role/other/rolesessionname',
      ],
    }),
    kind: 'trust',
  },
  {
    code: 'ALLOW_WITH_NOT_ACTION',
    bad: pol({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
    good: pol({ Effect: 'Allow', NotAction: 's3:DeleteBucket', Resource: 'arn:aws:s3:::*' }),
  },
  {
    code: 'ALLOW_WITH_NOT_RESOURCE',
    bad: pol({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::secret/*' }),
    good: pol({ Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::public/*' }),
  },
  {
    code: 'RESOURCE_NOT_SUPPORTED_BY_ACTIONS',
    bad: pol(allow('s3:GetObject', 'arn:aws:s3:::b')),
    good: pol(allow('s3:GetObject', 'arn:aws:s3:::b/*')),
  },
  {
    code: 'MALFORMED_POLICY_DOCUMENT',
    bad: pol({ Effect: 'Deny', NotAction: 's3:*', Resource: '*', Principal: '*' }),
    good: pol({ Effect: 'Deny', Action: 's3:*', Resource: '*', Principal: '*' }),
    kind: 'rcp',
  },
];

const text = (p: Doc | string) => (typeof p === 'string' ? p : JSON.stringify(p, null, 2));
const codes = (r: Row, p: Doc | string) =>
  validatePolicyText(text(p), {
    kind: r.kind ?? 'identity',
    ...(r.resourceType ? { resourceType: r.resourceType } : {}),
  }).map((f) => f.code);

for (const r of ROWS)
  test(`${r.code}: reported on the failing policy, not on the nearest good one`, () => {
    assert.ok(codes(r, r.bad).includes(r.code), `${r.code} missing from ${JSON.stringify(codes(r, r.bad))}`);
    assert.ok(
      !codes(r, r.good).includes(r.code),
      `${r.code} on the good policy: ${JSON.stringify(codes(r, r.good))}`,
    );
  });

test('every code of the table has a row', () => {
  const covered = new Set(ROWS.map((r) => r.code));
  assert.deepEqual(
    Object.keys(VALIDATE_CHECKS).filter((c) => !covered.has(c as ValidateCode)),
    [],
  );
});
