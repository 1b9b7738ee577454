/**
 * No false positives: the scenario corpus's policies (AWS's documentation examples, valid ones), the
 * templates rolecall writes and the EMR managed policies get no finding they do not deserve; the seed
 * policies get exactly the findings of their defects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { emrPack, validatePolicyText, accessAnalyzerPack } from '../../src/analyze/index.js';
import { emrTemplate, type EmrKind } from '../../src/knowledge/emr/index.js';
import { parsePolicy, type PolicyKind } from '../../src/policy/index.js';
import { repoRoot, sharedDir } from '../helpers/paths.js';
import { seedPolicies } from '../emr/seed-policies.js';

interface Case {
  name: string;
  policies?: {
    identity?: unknown[];
    resource?: unknown;
    boundary?: unknown;
    session?: unknown;
    scp?: unknown[][];
    rcp?: unknown[][];
  };
  request?: { action?: string };
}

function corpus(): { where: string; kind: PolicyKind; text: string }[] {
  const out: { where: string; kind: PolicyKind; text: string }[] = [];
  const seen = new Set<string>();
  for (const dir of [path.join(repoRoot, 'test/scenarios'), path.join(sharedDir, 'conformance')])
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const j = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Case[] | { cases: Case[] };
      for (const c of Array.isArray(j) ? j : j.cases) {
        const p = c.policies ?? {};
        const trust = (c.request?.action ?? '').toLowerCase().startsWith('sts:assumerole');
        const items: [PolicyKind, unknown][] = [
          ...(p.identity ?? []).map((d) => ['identity', d] as [PolicyKind, unknown]),
          ...(p.resource ? [[trust ? 'trust' : 'resource', p.resource] as [PolicyKind, unknown]] : []),
          ...(p.boundary ? [['boundary', p.boundary] as [PolicyKind, unknown]] : []),
          ...(p.session ? [['session', p.session] as [PolicyKind, unknown]] : []),
          ...(p.scp ?? []).flat().map((d) => ['scp', d] as [PolicyKind, unknown]),
          ...(p.rcp ?? []).flat().map((d) => ['rcp', d] as [PolicyKind, unknown]),
        ];
        for (const [kind, doc] of items) {
          const text = JSON.stringify(doc, null, 2);
          if (seen.has(kind + text)) continue;
          seen.add(kind + text);
          // Only policies AWS accepts: the corpus also holds invalid ones on purpose.
          if (parsePolicy(text, { kind }).document) out.push({ where: `${file}:${c.name}`, kind, text });
        }
      }
    }
  return out;
}

test('valid corpus policies: the only errors are real defects of their examples', () => {
  const errors = corpus().flatMap(({ where, kind, text }) =>
    validatePolicyText(text, { kind })
      .filter((f) => f.type === 'ERROR')
      .map((f) => `${where} ${f.code}`),
  );
  assert.deepEqual(errors.sort(), [
    // The EMR Studio pages name `elasticmapreduce:OpenEditorConsole`; the service has OpenEditorInConsole.
    'emr-fine-grained-cluster-access.json:create-notebook-tagged-with-own-userid INVALID_ACTION',
    // The EMR Serverless page's PassRole example uses a 10-digit account.
    'emr-roles.json:pass-role-to-emr-serverless INVALID_ARN_ACCOUNT',
    'emr-studio-user-permissions.json:create-workspace INVALID_ACTION',
    // A key named `__proto__` (no service prefix) is decided like any other key; the validator flags its form.
    'iam-condition-logic.json:null-true-on-a-key-named-__proto__-that-is-present INVALID_CONDITION_KEY_FORMAT',
    'iam-condition-logic.json:stringequals-on-a-key-named-__proto__ INVALID_CONDITION_KEY_FORMAT',
    // The operator page's placeholder key.
    'iam-condition-operators-bool-null-binary.json:binaryequals-same INVALID_CONDITION_KEY_FORMAT',
    // IAM completes an incomplete ARN with wildcards, which these cases show; the validator still flags it.
    'iam-incomplete-arns.json:account-only-arn-matches-no-other-account MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:account-only-arn-matches-that-account MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:notresource-with-incomplete-arn-excludes-every-queue MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:region-only-arn-matches-that-region MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:sqs-service-only-arn-in-deny MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:sqs-service-only-arn-matches-any-queue MISSING_ARN_FIELD',
    'iam-incomplete-arns.json:sqs-service-only-arn-matches-no-other-service MISSING_ARN_FIELD',
    // Variables without Version 2012-10-17 are literal: that is what these cases show.
    'iam-policy-variables.json:no-version-literal VARIABLE_UNSUPPORTED_IN_VERSION',
    'iam-policy-variables.json:version-2008-literal VARIABLE_UNSUPPORTED_IN_VERSION',
  ]);
});

const OPTIONS = {
  account: '111122223333',
  region: 'eu-west-1',
  bucket: 'b/p',
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  gitSecrets: true,
  glue: true,
  roleName: 'R',
};

for (const kind of ['studio', 'notebooks', 'serverless'] as EmrKind[])
  test(`${kind} template: no finding of either pack on any file it writes`, () => {
    const t = emrTemplate(kind, OPTIONS);
    const files: [PolicyKind, unknown][] = [
      ['trust', t.trust],
      ['identity', t.permissions],
      ...(t.passRole ? [['identity', t.passRole] as [PolicyKind, unknown]] : []),
      ...(t.keyPolicyStatement
        ? [
            ['resource', { Version: '2012-10-17', Statement: [t.keyPolicyStatement] }] as [
              PolicyKind,
              unknown,
            ],
          ]
        : []),
    ];
    for (const [k, doc] of files)
      assert.deepEqual(
        validatePolicyText(JSON.stringify(doc, null, 2), { kind: k, packs: [accessAnalyzerPack, emrPack] }),
        [],
      );
  });

const codesOf = (doc: unknown, kind: PolicyKind) =>
  validatePolicyText(JSON.stringify(doc, null, 2), { kind, packs: [accessAnalyzerPack, emrPack] }).map(
    (f) => `${f.code} ${f.path}`,
  );

test('seed policies: exactly the findings their defects deserve', () => {
  const [studioTrust, studioPerms] = seedPolicies('emr-studio-service-role.txt');
  // As printed, the trust policies name the empty service: no service can assume the role.
  assert.deepEqual(codesOf(studioTrust, 'trust'), [
    'EMR-TRUST-EMPTY-SERVICE $.Statement[0].Principal.Service',
    'INVALID_SERVICE_PRINCIPAL_FORMAT $.Statement[0].Principal.Service',
  ]);
  assert.deepEqual(codesOf(studioPerms, 'identity'), []);
  const [nbTrust, editors, s3Full, secret] = seedPolicies('emr-notebooks-service-role.txt');
  assert.deepEqual(codesOf(nbTrust, 'trust'), [
    'EMR-TRUST-EMPTY-SERVICE $.Statement[0].Principal.Service',
    'INVALID_SERVICE_PRINCIPAL_FORMAT $.Statement[0].Principal.Service',
  ]);
  assert.deepEqual(codesOf(editors, 'identity'), []);
  assert.deepEqual(codesOf(s3Full, 'identity'), ['EMR-S3-FULL-ACCESS $.Statement[0].Action']);
  assert.deepEqual(codesOf(secret, 'identity'), ['EMR-SECRET-UNSCOPED $.Statement[0].Action']);
  const [runtime, passRole] = seedPolicies('emr-serverless-job-runtime-roles.txt');
  assert.deepEqual(codesOf(runtime, 'identity'), []);
  // The PassRole example's account has ten digits.
  assert.deepEqual(codesOf(passRole, 'identity'), ['INVALID_ARN_ACCOUNT $.Statement[0].Resource']);
});
