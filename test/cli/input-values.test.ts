/** Account ids, ARNs, principals and action names on the command line: one-line errors, nothing written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { parsePolicy } from '../../src/policy/index.js';
import { validatePolicyText } from '../../src/analyze/index.js';

async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-inputs-'));
const allowAll = path.join(dir, 'allow.json');
fs.writeFileSync(
  allowAll,
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
);

const ROWS: { argv: string[]; error: RegExp }[] = [
  {
    argv: ['emr', 'template', 'studio', '--account', '12'],
    error: /`--account` takes a 12-digit account id, not `12` \(2 digits\)/,
  },
  {
    argv: ['emr', 'template', 'studio', '--kms-key', 'notanarn'],
    error: /`--kms-key`: `notanarn` is neither `\*` nor an ARN/,
  },
  {
    argv: ['emr', 'template', 'studio', '--kms-key', 'arn:aws:s3:::b'],
    error: /`--kms-key` takes an ARN of `kms`, not of `s3`/,
  },
  {
    argv: ['emr', 'template', 'studio', '--kms-key', 'arn:aws:kms:us-east-1:1234567890:key/k'],
    error: /account `1234567890` is not a 12-digit account id/,
  },
  {
    argv: ['simulate', '--policy', allowAll, '--principal', 'notanarn', '--action', 's3:GetObject'],
    error: /`--principal` takes a principal ARN/,
  },
  {
    argv: [
      'simulate',
      '--policy',
      allowAll,
      '--principal',
      'arn:aws:iam::1234567890:role/R',
      '--action',
      's3:GetObject',
    ],
    error: /account `1234567890` is not a 12-digit account id/,
  },
  {
    argv: [
      'simulate',
      '--policy',
      allowAll,
      '--principal',
      'arn:aws:iam::123456789012:role/R',
      '--action',
      's3GetObject',
    ],
    error: /takes `service:Action`.*not `s3GetObject`; did you mean `s3:GetObject`\?/,
  },
  {
    argv: [
      'simulate',
      '--policy',
      allowAll,
      '--principal',
      'arn:aws:iam::123456789012:role/R',
      '--action',
      's3:GetObjekt',
    ],
    error: /`s3:GetObjekt` is not an action of `s3`; did you mean `s3:GetObject`\?/,
  },
  {
    argv: [
      'simulate',
      '--policy',
      allowAll,
      '--principal',
      'arn:aws:iam::123456789012:role/R',
      '--action',
      's3:GetObject',
      '--resource',
      'my-bucket',
    ],
    error: /`--resource`: `my-bucket` is neither/,
  },
  {
    argv: [
      'simulate',
      '--policy',
      allowAll,
      '--principal',
      'arn:aws:iam::123456789012:role/R',
      '--action',
      's3:GetObject',
      '--resource-account',
      '1234',
    ],
    error: /`--resource-account` takes a 12-digit account id/,
  },
  {
    argv: ['role', 'list', '--store', 'memory', '--account', '12345'],
    error: /`--account` takes a 12-digit account id, not `12345`/,
  },
];

for (const r of ROWS)
  test(`${r.argv.slice(0, 2).join(' ')} ${r.argv.slice(-2).join(' ')}: one-line InvalidInput error`, async () => {
    const res = await cli(...r.argv);
    assert.equal(res.status, 1, res.stdout);
    assert.equal(res.stdout, '');
    const lines = res.stderr.trim().split('\n');
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0]!, /^rolecall: InvalidInput: /);
    assert.match(lines[0]!, r.error);
  });

test('emr template with a bad account writes no file', async () => {
  const out = path.join(dir, 'never');
  assert.equal((await cli('emr', 'template', 'serverless', '--account', '12', '--out', out)).status, 1);
  assert.equal(fs.existsSync(out), false);
});

test('simulate still decides valid input (and a service principal by name)', async () => {
  const ok = await cli(
    'simulate',
    '--policy',
    allowAll,
    '--principal',
    'arn:aws:iam::123456789012:role/R',
    '--action',
    's3:GetObject',
  );
  assert.equal(ok.status, 0, ok.stderr);
});

test('a role ARN with a 10-digit account is not a principal, as IAM says', () => {
  const doc = (aws: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }],
    });
  const bad = parsePolicy(doc('arn:aws:iam::1234567890:role/R'), { kind: 'trust' });
  assert.equal(bad.document, undefined);
  assert.deepEqual(
    bad.issues.map((i) => [i.code, i.path]),
    [['InvalidPrincipal', '$.Statement[0].Principal.AWS']],
  );
  assert.ok(parsePolicy(doc('arn:aws:iam::123456789012:role/R'), { kind: 'trust' }).document);
  assert.deepEqual(
    validatePolicyText(doc('arn:aws:iam::1234567890:role/R'), { kind: 'trust' }).map((f) => f.code),
    ['INVALID_PRINCIPAL_FORMAT'],
  );
});
