import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMR_RULES, lintEmrPolicy, toSarif, type EmrLintKind } from '../../src/analyze/index.js';
import { emrTemplate } from '../../src/knowledge/emr/index.js';
import { parsePolicy } from '../../src/policy/index.js';

function lint(p: unknown, kind: EmrLintKind, file?: string) {
  const r = parsePolicy(typeof p === 'string' ? p : JSON.stringify(p, null, 2), {
    kind: kind === 'trust' ? 'trust' : 'identity',
  });
  assert.ok(r.document, JSON.stringify(r.issues));
  return lintEmrPolicy(r.document, kind, file);
}
const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

for (const kind of ['studio', 'notebooks', 'serverless'] as const) {
  test(`${kind} template has no lint findings`, () => {
    const t = emrTemplate(kind, {
      account: '111122223333',
      region: 'eu-west-1',
      bucket: 'b/p',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      gitSecrets: true,
      glue: true,
      roleName: 'R',
    });
    assert.deepEqual(lint(t.trust, 'trust'), []);
    assert.deepEqual(lint(t.permissions, 'permissions'), []);
    if (t.passRole) assert.deepEqual(lint(t.passRole, 'permissions'), []);
  });
}

test('aws:ResourceTag on the ENI being created can never match; on the subnet it can', () => {
  const f = lint(
    doc(
      {
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: 'arn:aws:ec2:*:*:network-interface/*',
        Condition: { StringEquals: { 'aws:ResourceTag/for-use-with-amazon-emr-managed-policies': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: 'arn:aws:ec2:*:*:subnet/*',
        Condition: { StringEquals: { 'aws:ResourceTag/for-use-with-amazon-emr-managed-policies': 'true' } },
      },
    ),
    'permissions',
    'p.json',
  );
  // Line 10 of the pretty-printed document is the condition key of the first statement.
  assert.deepEqual(
    f.map((x) => [x.code, x.file, x.path, x.line]),
    [
      [
        'EMR-RESOURCETAG-ON-CREATE',
        'p.json',
        '$.Statement[0].Condition.StringEquals.aws:ResourceTag/for-use-with-amazon-emr-managed-policies',
        10,
      ],
    ],
  );
  assert.match(f[0]?.message ?? '', /aws:RequestTag\/for-use-with-amazon-emr-managed-policies/);
});

test('PassRole on every role, and without iam:PassedToService, are two findings', () => {
  const f = lint(doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }), 'permissions');
  assert.equal(f.length, 2);
  assert.ok(f.every((x) => x.code === 'EMR-PASSROLE-BROAD'));
  const scoped = lint(
    doc({
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::1:role/R',
      Condition: { StringEquals: { 'iam:PassedToService': 'emr-serverless.amazonaws.com' } },
    }),
    'permissions',
  );
  assert.deepEqual(scoped, []);
});

test('iam:* on * counts as PassRole; s3:* on a named bucket is not full access', () => {
  assert.deepEqual(
    lint(doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }), 'permissions').map((x) => x.code),
    ['EMR-PASSROLE-BROAD', 'EMR-PASSROLE-BROAD'],
  );
  assert.deepEqual(
    lint(doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }), 'permissions'),
    [],
  );
  assert.deepEqual(
    lint(doc({ Effect: 'Allow', Action: '*', Resource: '*' }), 'permissions').map((x) => x.code),
    ['EMR-S3-FULL-ACCESS', 'EMR-SECRET-UNSCOPED', 'EMR-PASSROLE-BROAD', 'EMR-PASSROLE-BROAD'],
  );
});

test('trust policies: EMR principals need the confused-deputy keys; other services are not flagged', () => {
  const trust = (service: string, Condition?: unknown) =>
    doc({
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      ...(Condition ? { Condition } : {}),
    });
  assert.deepEqual(
    lint(trust('emr-serverless.amazonaws.com'), 'trust').map((x) => x.code),
    ['EMR-TRUST-NO-SOURCE'],
  );
  assert.match(
    lint(trust('elasticmapreduce.amazonaws.com', { StringEquals: { 'aws:SourceAccount': '1' } }), 'trust')[0]
      ?.message ?? '',
    /`aws:SourceArn`/,
  );
  assert.deepEqual(lint(trust('ec2.amazonaws.com'), 'trust'), []);
});

test('kms:ReEncrypt matches no action; kms:ReEncrypt* does', () => {
  const f = lint(
    doc({ Effect: 'Allow', Action: ['kms:ReEncrypt', 'kms:ReEncrypt*'], Resource: '*' }),
    'permissions',
  );
  assert.deepEqual(
    f.map((x) => [x.code, x.severity, x.path]),
    [['EMR-UNKNOWN-ACTION', 'error', '$.Statement[0].Action[0]']],
  );
});

test('SARIF 2.1.0 log carries rule, level, file and region, and lists every EMR rule', () => {
  const f = lint(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), 'permissions', 'role.json');
  const log = toSarif(f, EMR_RULES, '9.9.9') as {
    version: string;
    runs: {
      tool: { driver: { version: string; rules: { id: string }[] } };
      results: {
        ruleId: string;
        level: string;
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
        }[];
      }[];
    }[];
  };
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0];
  // The rule list is the whole table, EMR-TRUST-EMPTY-SERVICE included, whatever fired.
  assert.deepEqual(run?.tool.driver.rules.map((r) => r.id).sort(), Object.keys(EMR_RULES).sort());
  assert.ok(run?.tool.driver.rules.some((r) => r.id === 'EMR-TRUST-EMPTY-SERVICE'));
  assert.equal(run?.tool.driver.version, '9.9.9');
  assert.equal(run?.results[0]?.level, 'warning');
  assert.equal(run?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri, 'role.json');
  assert.equal(run?.results[0]?.locations[0]?.physicalLocation.region.startLine, f[0]?.line);
});
