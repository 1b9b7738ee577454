// Decision rules read from AWS pages, one typed table row each: the request, the policies, AWS's answer
// and the page. Every row runs with explanations off (the hot path) and on, and both must agree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, type Scenario } from '../../src/scenario/index.js';
import type { Decision } from '../../src/eval/types.js';

const ALICE = 'arn:aws:iam::111122223333:user/alice';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/Analyst/s1';
const ROLE = 'arn:aws:iam::111122223333:role/Analyst';
const OTHER = 'arn:aws:iam::444455556666:user/bob';
const BUCKET = 'arn:aws:s3:::amzn-s3-demo-bucket';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const V = '2012-10-17';

type Doc = Record<string, unknown>;
const doc = (...Statement: Doc[]): Doc => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Doc = {}): Doc => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Doc = {}): Doc => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});

interface Row {
  name: string;
  page: string;
  policies: Scenario['policies'];
  request: Scenario['request'];
  expect: Decision;
  /** Epoch milliseconds for aws:CurrentTime (default 2026-01-01T00:00:00Z). */
  now?: number;
}

const VARIABLES = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html';
const OPERATORS =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html';
const DENYALLOW =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html';
const PRINCIPAL =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html';
const BOUNDARIES = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html';
const RCPS = 'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html';
const KEYS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html';

const getObject = (principal: string, context: Scenario['request']['context'] = {}) => ({
  principal,
  action: 's3:GetObject',
  resource: `${BUCKET}/data.csv`,
  resourceAccount: '111122223333',
  context,
});

const rows: Row[] = [
  // Policy variables with no value: positive operators do not match, negated ones do.
  {
    name: 'deny with StringNotEquals and an absent principal tag variable applies',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      resource: doc(
        deny('s3:GetObject', `${BUCKET}/*`, {
          Principal: '*',
          Condition: { StringNotEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } },
        }),
      ),
    },
    request: getObject(ALICE, { 's3:ExistingObjectTag/Team': 'red' }),
    expect: 'ExplicitDeny',
  },
  {
    name: 'the same deny does not apply when the tags are equal',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      resource: doc(
        deny('s3:GetObject', `${BUCKET}/*`, {
          Principal: '*',
          Condition: { StringNotEquals: { 's3:ExistingObjectTag/Team': '${aws:PrincipalTag/Team}' } },
        }),
      ),
    },
    request: getObject(ALICE, { 's3:ExistingObjectTag/Team': 'red', 'aws:PrincipalTag/Team': 'red' }),
    expect: 'Allow',
  },
  {
    name: 'StringEquals against a variable with no value does not match',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [
        doc(allow('s3:GetObject', '*', { Condition: { StringEquals: { 's3:prefix': '${aws:username}' } } })),
      ],
    },
    request: getObject(SESSION, { 's3:prefix': '' }),
    expect: 'ImplicitDeny',
  },
  {
    name: 'a null value among several does not stop another value from matching',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: { StringEquals: { 's3:prefix': ['${aws:username}', 'shared'] } },
          }),
        ),
      ],
    },
    request: getObject(SESSION, { 's3:prefix': 'shared' }),
    expect: 'Allow',
  },
  {
    name: 'an inverted operator matches against a null value in an Allow',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', { Condition: { StringNotLike: { 's3:prefix': '${aws:username}/*' } } }),
        ),
      ],
    },
    request: getObject(SESSION, { 's3:prefix': 'alice/x' }),
    expect: 'Allow',
  },
  {
    name: 'a NotResource entry with a null variable excludes nothing, so its Deny covers the own folder too',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', `${BUCKET}/*`),
          deny('s3:GetObject', [], { Resource: undefined, NotResource: `${BUCKET}/home/\${aws:username}/*` }),
        ),
      ],
    },
    request: { ...getObject(SESSION), resource: `${BUCKET}/home/s1/a.txt` },
    expect: 'ExplicitDeny',
  },
  {
    name: 'a Resource entry with a null variable matches no resource',
    page: `${VARIABLES}#policy-vars-no-value`,
    policies: { identity: [doc(allow('s3:GetObject', `${BUCKET}/home/\${aws:username}/*`))] },
    request: { ...getObject(SESSION), resource: `${BUCKET}/home//a.txt` },
    expect: 'ImplicitDeny',
  },
  {
    name: 'numeric operators take no policy variables: the text stays literal and matches nothing',
    page: `${OPERATORS}#Conditions_Numeric`,
    policies: {
      identity: [
        doc(
          allow('s3:ListBucket', '*', {
            Condition: { NumericEquals: { 's3:max-keys': '${aws:PrincipalTag/limit}' } },
          }),
        ),
      ],
    },
    request: {
      principal: ALICE,
      action: 's3:ListBucket',
      resource: BUCKET,
      context: { 's3:max-keys': '10', 'aws:PrincipalTag/limit': '10' },
    },
    expect: 'ImplicitDeny',
  },
  {
    name: 'ARN operators take policy variables',
    page: `${OPERATORS}#Conditions_ARN`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: {
              ArnLike: {
                'aws:SourceArn': 'arn:aws:sns:*:${aws:PrincipalAccount}:topic-${aws:PrincipalTag/t}',
              },
            },
          }),
        ),
      ],
    },
    request: getObject(ALICE, {
      'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:topic-a',
      'aws:PrincipalTag/t': 'a',
    }),
    expect: 'Allow',
  },
  // Dates: W3C ISO 8601 forms; a time without a zone is UTC.
  {
    name: 'a date-time without a zone is read as UTC',
    page: `${OPERATORS}#Conditions_Date`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00' } },
          }),
        ),
      ],
    },
    request: getObject(ALICE),
    now: Date.UTC(2025, 11, 31, 23, 59, 0),
    expect: 'Allow',
  },
  {
    name: 'a year-and-month date is the first instant of the month',
    page: `${OPERATORS}#Conditions_Date`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: { DateGreaterThanEquals: { 'aws:CurrentTime': '2026-02' } },
          }),
        ),
      ],
    },
    request: getObject(ALICE),
    now: Date.UTC(2026, 0, 31, 23, 59, 59),
    expect: 'ImplicitDeny',
  },
  {
    name: 'a zone offset shifts the instant',
    page: `${OPERATORS}#Conditions_Date`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T01:30:00+02:00' } },
          }),
        ),
      ],
    },
    request: getObject(ALICE),
    now: Date.UTC(2025, 11, 31, 23, 45),
    expect: 'Allow',
  },
  // A Deny with NotPrincipal denies every principal with a permissions boundary.
  {
    name: 'Deny NotPrincipal naming the user still denies the user when it has a boundary',
    page: BOUNDARIES,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      boundary: doc(allow('s3:*')),
      resource: doc(
        deny('s3:*', `${BUCKET}/*`, {
          Principal: undefined,
          NotPrincipal: { AWS: [ALICE, 'arn:aws:iam::111122223333:root'] },
        }),
      ),
    },
    request: getObject(ALICE),
    expect: 'ExplicitDeny',
  },
  {
    name: 'the same NotPrincipal excludes the user that has no boundary',
    page: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html',
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      resource: doc(
        deny('s3:*', `${BUCKET}/*`, {
          NotPrincipal: { AWS: [ALICE, 'arn:aws:iam::111122223333:root'] },
        }),
      ),
    },
    request: getObject(ALICE),
    expect: 'Allow',
  },
  // A wildcard Principal is a grant to the requester: not limited by a boundary's or session policy's
  // implicit deny within the account; a role ARN grant is.
  {
    name: 'Principal * within the account is not capped by the boundary',
    page: `${DENYALLOW}`,
    policies: {
      identity: [],
      boundary: doc(allow('ec2:*')),
      resource: doc(allow('s3:GetObject', `${BUCKET}/*`, { Principal: '*' })),
    },
    request: getObject(ALICE),
    expect: 'Allow',
  },
  {
    name: 'Principal * with aws:PrincipalArn of the role is not capped by the session policy',
    page: `${PRINCIPAL}#principal-roles`,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      session: doc(allow('ec2:*')),
      resource: doc(
        allow('s3:GetObject', `${BUCKET}/*`, {
          Principal: { AWS: '*' },
          Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } },
        }),
      ),
    },
    request: getObject(SESSION, { 'aws:PrincipalArn': ROLE }),
    expect: 'Allow',
  },
  {
    name: 'Principal naming the role ARN is capped by the session policy',
    page: DENYALLOW,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      session: doc(allow('ec2:*')),
      resource: doc(allow('s3:GetObject', `${BUCKET}/*`, { Principal: { AWS: ROLE } })),
    },
    request: getObject(SESSION, { 'aws:PrincipalArn': ROLE }),
    expect: 'ImplicitDeny',
  },
  {
    name: 'Principal * across accounts still needs the identity-based allow and the boundary',
    page: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      boundary: doc(allow('ec2:*')),
      resource: doc(allow('s3:GetObject', `${BUCKET}/*`, { Principal: '*' })),
    },
    request: getObject(OTHER),
    expect: 'ImplicitDeny',
  },
  // What RCPs do not restrict.
  {
    name: 'an RCP deny on kms:* restricts kms:Decrypt',
    page: `${RCPS}#actions-not-restricted-by-rcps`,
    policies: {
      identity: [],
      resource: doc(allow(['kms:Decrypt', 'kms:RetireGrant'], '*', { Principal: { AWS: ALICE } })),
      rcp: [[doc(allow('*', '*', { Principal: '*' }), deny('kms:*', '*', { Principal: '*' }))]],
    },
    request: { principal: ALICE, action: 'kms:Decrypt', resource: KEY },
    expect: 'ExplicitDeny',
  },
  {
    name: 'RCPs do not restrict kms:RetireGrant',
    page: `${RCPS}#actions-not-restricted-by-rcps`,
    policies: {
      identity: [],
      resource: doc(allow(['kms:Decrypt', 'kms:RetireGrant'], '*', { Principal: { AWS: ALICE } })),
      rcp: [[doc(allow('*', '*', { Principal: '*' }), deny('kms:*', '*', { Principal: '*' }))]],
    },
    request: { principal: ALICE, action: 'kms:RetireGrant', resource: KEY },
    expect: 'Allow',
  },
  {
    name: 'RCPs do not restrict a service assuming its service-linked role',
    page: `${RCPS}#actions-not-restricted-by-rcps`,
    policies: {
      identity: [],
      resource: doc({
        Effect: 'Allow',
        Principal: { Service: 'elasticmapreduce.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
      rcp: [[doc(deny('sts:*', '*', { Principal: '*' }))]],
    },
    request: {
      principal: { Service: 'elasticmapreduce.amazonaws.com' },
      action: 'sts:AssumeRole',
      resource:
        'arn:aws:iam::111122223333:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup',
    },
    expect: 'Allow',
  },
  {
    name: 'RCPs restrict a service assuming an ordinary role',
    page: `${RCPS}#actions-not-restricted-by-rcps`,
    policies: {
      identity: [],
      resource: doc({
        Effect: 'Allow',
        Principal: { Service: 'elasticmapreduce.amazonaws.com' },
        Action: 'sts:AssumeRole',
      }),
      rcp: [[doc(deny('sts:*', '*', { Principal: '*' }))]],
    },
    request: {
      principal: { Service: 'elasticmapreduce.amazonaws.com' },
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::111122223333:role/EMR_DefaultRole_V2',
    },
    expect: 'ExplicitDeny',
  },
  // Keys every signed request carries.
  {
    name: 'aws:PrincipalIsAWSService is false for an IAM user even when the request does not list it',
    page: `${KEYS}#condition-keys-principalisawsservice`,
    policies: {
      identity: [doc(allow('s3:GetObject'))],
      resource: doc(allow('s3:GetObject', `${BUCKET}/*`, { Principal: '*' })),
      rcp: [
        [
          doc(
            allow('*', '*', { Principal: '*' }),
            deny('s3:*', '*', {
              Principal: '*',
              Condition: {
                StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
                BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
              },
            }),
          ),
        ],
      ],
    },
    request: getObject(OTHER),
    expect: 'ExplicitDeny',
  },
  {
    name: 'aws:PrincipalIsAWSService is true for a service principal',
    page: `${KEYS}#condition-keys-principalisawsservice`,
    policies: {
      identity: [],
      resource: doc(
        allow('s3:GetObject', `${BUCKET}/*`, { Principal: { Service: 'cloudtrail.amazonaws.com' } }),
      ),
      rcp: [
        [
          doc(
            allow('*', '*', { Principal: '*' }),
            deny('s3:*', '*', {
              Principal: '*',
              Condition: {
                StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
                BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
              },
            }),
          ),
        ],
      ],
    },
    request: { ...getObject(''), principal: { Service: 'cloudtrail.amazonaws.com' } },
    expect: 'Allow',
  },
  {
    name: 'aws:ResourceAccount is the account that owns the resource',
    page: `${KEYS}#condition-keys-resourceaccount`,
    policies: {
      identity: [
        doc(
          allow('s3:GetObject', '*', {
            Condition: { StringEquals: { 'aws:ResourceAccount': '${aws:PrincipalAccount}' } },
          }),
        ),
      ],
    },
    request: getObject(ALICE),
    expect: 'Allow',
  },
  {
    name: 'aws:userid of the account root is the account id',
    page: `${VARIABLES}#principaltable`,
    policies: {
      identity: [doc(allow('s3:GetObject', `${BUCKET}/\${aws:userid}/*`))],
    },
    request: { ...getObject('arn:aws:iam::111122223333:root'), resource: `${BUCKET}/111122223333/x` },
    expect: 'Allow',
  },
  // The account root user.
  {
    name: 'the root user has full access to its account without any policy',
    page: DENYALLOW,
    policies: { identity: [] },
    request: getObject('arn:aws:iam::111122223333:root'),
    expect: 'Allow',
  },
  {
    name: 'an explicit deny still applies to the root user',
    page: DENYALLOW,
    policies: {
      identity: [],
      resource: doc(deny('s3:GetObject', `${BUCKET}/*`, { Principal: '*' })),
    },
    request: getObject('arn:aws:iam::111122223333:root'),
    expect: 'ExplicitDeny',
  },
  {
    name: 'the root user reaches another account only where its resource policy grants the account',
    page: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    policies: {
      identity: [],
      resource: doc(allow('s3:GetObject', `${BUCKET}/*`, { Principal: { AWS: '444455556666' } })),
    },
    request: getObject('arn:aws:iam::444455556666:root'),
    expect: 'Allow',
  },
  {
    name: 'the root user of another account without a grant is denied',
    page: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    policies: { identity: [] },
    request: getObject('arn:aws:iam::444455556666:root'),
    expect: 'ImplicitDeny',
  },
  {
    name: 'the root user cannot assume a role, whatever the trust policy says',
    page: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
    policies: {
      identity: [],
      resource: doc({ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'sts:AssumeRole' }),
    },
    request: { principal: 'arn:aws:iam::111122223333:root', action: 'sts:AssumeRole', resource: ROLE },
    expect: 'ImplicitDeny',
  },
  {
    name: 'the root user still needs the key policy of a KMS key',
    page: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
    policies: {
      identity: [],
      resource: doc(allow('kms:*', '*', { Principal: { AWS: ALICE } })),
    },
    request: { principal: 'arn:aws:iam::111122223333:root', action: 'kms:Decrypt', resource: KEY },
    expect: 'ImplicitDeny',
  },
];

describe('decision rules from AWS pages', () => {
  for (const row of rows) {
    it(row.name, () => {
      const s: Scenario = {
        name: row.name,
        policies: JSON.parse(JSON.stringify(row.policies)) as Scenario['policies'],
        request: row.request,
        expect: row.expect,
      };
      const now = row.now ?? Date.UTC(2026, 0, 1);
      const fast = runScenario(s, { now });
      const explained = runScenario(s, { now, explain: true });
      assert.deepEqual(fast.invalidPolicies, undefined, JSON.stringify(fast.invalidPolicies));
      assert.equal(
        fast.decision,
        row.expect,
        `${row.page}\n${JSON.stringify(explained.explanation, null, 1)}`,
      );
      assert.equal(explained.decision, fast.decision, 'explanations must not change the decision');
    });
  }
});
