/** `rolecall validate` and `emr lint` end to end, in-process: outputs, thresholds, configuration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VALIDATE_CHECKS, EMR_RULES } from '../../src/analyze/index.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from '../helpers/paths.js';

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-validate-'));
const write = (name: string, content: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
};
const version = (
  JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
).version;

// The three mistakes of the issue: NotAction iam:* on *, an object action on a bucket, StringEquals on an IP key.
const issue = write('issue.json', {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Broad', Effect: 'Allow', NotAction: 'iam:*', Resource: '*' },
    { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::my-bucket' },
    {
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::my-bucket',
      Condition: { StringEquals: { 'aws:SourceIp': '203.0.113.0/24' } },
    },
  ],
});

test('validate: each finding with file:line:column, type, code and JSON path; exit 2 at SECURITY_WARNING', async () => {
  const r = await cli('validate', issue);
  assert.equal(r.status, 2, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    `${issue}:7:20 SECURITY_WARNING ALLOW_WITH_NOT_ACTION Allow with NotAction on every resource allows every action of every service except \`iam:*\` ($.Statement[0].NotAction)`,
    `${issue}:13:19 WARNING RESOURCE_NOT_SUPPORTED_BY_ACTIONS none of \`s3:GetObject\` acts on \`arn:aws:s3:::my-bucket\`, so it grants nothing ($.Statement[1].Resource)`,
    `${issue}:21:11 WARNING TYPE_MISMATCH \`aws:SourceIp\` is of type IPAddress; compare it with IpAddress operators, not \`StringEquals\` ($.Statement[2].Condition.StringEquals.aws:SourceIp)`,
    '3 findings',
  ]);
  assert.equal((await cli('validate', '--fail-on', 'ERROR', issue)).status, 0);
  assert.equal((await cli('validate', '--fail-on', 'none', issue)).status, 0);
  const bad = await cli('validate', '--fail-on', 'WARN', issue);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /UsageError: `--fail-on` is one of .*; did you mean `WARNING`\?/);
});

test('validate --sarif: SARIF 2.1.0 with the version of package.json and every rule of the table', async () => {
  const r = await cli('validate', '--sarif', issue);
  const log = JSON.parse(r.stdout) as {
    version: string;
    runs: {
      tool: { driver: { version: string; rules: { id: string; helpUri: string }[] } };
      results: {
        ruleId: string;
        level: string;
        locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[];
      }[];
    }[];
  };
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.version, version);
  assert.deepEqual(run.tool.driver.rules.map((x) => x.id).sort(), Object.keys(VALIDATE_CHECKS).sort());
  assert.match(
    run.tool.driver.rules.find((x) => x.id === 'TYPE_MISMATCH')!.helpUri,
    /access-analyzer-reference-policy-checks\.html#access-analyzer-reference-policy-checks-general-warning-type-mismatch$/,
  );
  assert.deepEqual(
    run.results.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.region.startLine]),
    [
      ['ALLOW_WITH_NOT_ACTION', 'warning', 7],
      ['RESOURCE_NOT_SUPPORTED_BY_ACTIONS', 'warning', 13],
      ['TYPE_MISMATCH', 'warning', 21],
    ],
  );
});

test('validate --junit and --github', async () => {
  const junit = (await cli('validate', '--junit', issue)).stdout;
  assert.match(junit, /^<\?xml version="1.0"/);
  assert.match(junit, /<testsuite name="rolecall validate" tests="1" failures="1">/);
  assert.match(
    junit,
    /<failure type="ALLOW_WITH_NOT_ACTION" message="SECURITY_WARNING ALLOW_WITH_NOT_ACTION">/,
  );
  assert.match(junit, /<system-out>WARNING TYPE_MISMATCH /);
  const gh = (await cli('validate', '--github', issue)).stdout.trim().split('\n');
  assert.equal(gh.length, 3);
  assert.ok(
    gh[0]!.startsWith(`::error file=${issue},line=7,col=20,title=SECURITY_WARNING ALLOW_WITH_NOT_ACTION::`),
    gh[0],
  );
  assert.ok(gh[2]!.startsWith(`::warning file=${issue},line=21,col=11,`), gh[2]);
  const two = await cli('validate', '--json', '--sarif', issue);
  assert.equal(two.status, 1);
  assert.match(two.stderr, /choose one output format/);
});

test('.rolecall.yaml: ignore by code, Sid or file, change a type, set the threshold', async () => {
  const config = write(
    'ok.yaml',
    [
      'failOn: WARNING',
      'ignore:',
      '  - sid: Broad',
      '  - code: TYPE_MISMATCH',
      '    file: "*issue.json"',
      'severity:',
      '  RESOURCE_NOT_SUPPORTED_BY_ACTIONS: SUGGESTION',
      '',
    ].join('\n'),
  );
  const r = await cli('validate', '--json', '--config', config, issue);
  const findings = JSON.parse(r.stdout) as { code: string; type: string }[];
  assert.deepEqual(
    findings.map((f) => [f.code, f.type]),
    [['RESOURCE_NOT_SUPPORTED_BY_ACTIONS', 'SUGGESTION']],
  );
  // failOn WARNING; the only finding left is a SUGGESTION.
  assert.equal(r.status, 0);
});

test('.rolecall.yaml problems are reported with line:column and a suggestion', async () => {
  const config = write(
    'bad.yaml',
    [
      'failOn: WARNINGS',
      'ignores:',
      '  - code: PASS_ROLE_WITH_STAR_IN_RESOURSE',
      'severity:',
      '  MISSING_VERSION: LOUD',
      '',
    ].join('\n'),
  );
  const r = await cli('validate', '--config', config, issue);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.match(
    lines[0]!,
    new RegExp(
      `^rolecall: ${config}:1:9 \\$\\.failOn: InvalidFile: .*not \`WARNINGS\`; did you mean \`WARNING\`\\?$`,
    ),
  );
  assert.match(
    lines[1]!,
    new RegExp(`${config}:2:1 \\$\\.ignores: unknown field \`ignores\`; did you mean \`ignore\`\\?$`),
  );
  assert.match(lines[2]!, /:5:20 \$\.severity\.MISSING_VERSION: a finding type is one of/);
  const codes = write('codes.yaml', 'ignore:\n  - code: PASS_ROLE_WITH_STAR_IN_RESOURSE\n');
  const c = await cli('validate', '--config', codes, issue);
  assert.match(
    c.stderr,
    /:2:11 \$\.ignore\[0\]\.code: InvalidFile: unknown finding code `PASS_ROLE_WITH_STAR_IN_RESOURSE`; did you mean `PASS_ROLE_WITH_STAR_IN_RESOURCE`\?/,
  );
});

test('emr lint accepts every file emr template writes, the key-policy statement included', async () => {
  const out = path.join(dir, 'tpl');
  for (const kind of ['studio', 'notebooks', 'serverless']) {
    const t = await cli(
      'emr',
      'template',
      kind,
      '--kms-key',
      'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      '--git-secrets',
      '--glue',
      '--out',
      out,
    );
    assert.equal(t.status, 0, t.stderr);
  }
  const files = fs.readdirSync(out).map((f) => path.join(out, f));
  assert.ok(files.some((f) => f.endsWith('-key-policy-statement.json')));
  const lint = await cli('emr', 'lint', ...files);
  assert.equal(lint.stdout, '0 findings\n', lint.stderr);
  assert.equal(lint.status, 0);
  const v = await cli('validate', ...files);
  assert.equal(v.stdout, '0 findings\n');
});

test('emr lint: findings in a bare statement point into that file; SARIF lists every EMR rule', async () => {
  const stmt = write('statement.json', {
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::123456789012:role/R' },
    Action: ['kms:Decrypt', 'kms:ReEncrypt'],
    Resource: '*',
  });
  const r = await cli('emr', 'lint', stmt);
  assert.equal(r.status, 2);
  assert.equal(
    r.stdout.split('\n')[0],
    `${stmt}:8:5 ERROR EMR-UNKNOWN-ACTION action \`kms:ReEncrypt\` matches no action (use kms:ReEncryptFrom and kms:ReEncryptTo, or kms:ReEncrypt*) ($.Action[1])`,
  );
  const sarif = JSON.parse((await cli('emr', 'lint', '--sarif', stmt)).stdout) as {
    runs: { tool: { driver: { version: string; rules: { id: string }[] } } }[];
  };
  const driver = sarif.runs[0]!.tool.driver;
  assert.equal(driver.version, version);
  assert.ok(driver.rules.some((x) => x.id === 'EMR-TRUST-EMPTY-SERVICE'));
  for (const id of Object.keys(EMR_RULES))
    assert.ok(
      driver.rules.some((x) => x.id === id),
      id,
    );
});

test('validate reads the policies of a CloudFormation template and a Terraform plan, placed in the file', async () => {
  const fixtures = path.join(repoRoot, 'test/emr/fixtures');
  const clean = await cli(
    'validate',
    path.join(fixtures, 'cloudformation/studio.yaml'),
    path.join(fixtures, 'terraform/serverless.plan.json'),
  );
  assert.equal(clean.stdout, '0 findings\n', clean.stderr);
  const text = fs.readFileSync(path.join(fixtures, 'cloudformation/studio.yaml'), 'utf8');
  const broken = write(
    'studio.yaml',
    text.replace('Action: ec2:CreateNetworkInterface\n', 'Action: ec2:CreateNetworkInterfaces\n'),
  );
  const r = await cli('validate', '--json', broken);
  const f = (
    JSON.parse(r.stdout) as { code: string; file: string; line: number; path: string; message: string }[]
  ).find((x) => x.code === 'INVALID_ACTION');
  assert.ok(f, r.stdout);
  const statementLine =
    text
      .split('\n')
      .findIndex(
        (l, i, all) => all[i + 2]?.includes('Action: ec2:CreateNetworkInterface') && l.includes('- Sid:'),
      ) + 1;
  assert.equal(f.file, broken);
  assert.equal(f.line, statementLine);
  assert.match(
    f.path,
    /^\$\.Resources\.StudioServiceRole\.Properties\.Policies\[0\]\.PolicyDocument\.Statement\[\d+\]\.Action$/,
  );
  assert.match(f.message, /^AWS::IAM::Role StudioServiceRole inline StudioServiceRolePolicy: /);
});
