/** `policy diff` per statement: actions, resources, principals and conditions added and removed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPolicies, formatPolicyDiff } from '../../src/analyze/policy-diff.js';
import { main } from '../../src/cli/main.js';
import { parsePolicy, type PolicyDocument } from '../../src/policy/index.js';

const doc = (Statement: unknown[]): PolicyDocument => {
  const r = parsePolicy({ Version: '2012-10-17', Statement }, { kind: 'resource' });
  assert.ok(r.document, JSON.stringify(r.issues));
  return r.document;
};

test('statements pair by Sid; each element shows what was added and removed', () => {
  const a = doc([
    {
      Sid: 'Read',
      Effect: 'Allow',
      Principal: { AWS: '111122223333' },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: 'arn:aws:s3:::b/*',
    },
    { Sid: 'Old', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: '*' },
  ]);
  const b = doc([
    {
      Sid: 'New',
      Effect: 'Allow',
      Principal: { Service: 'logs.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::b/logs/*',
    },
    {
      Sid: 'Read',
      Effect: 'Allow',
      Principal: { AWS: ['111122223333', '444455556666'] },
      Action: ['S3:GETOBJECT', 's3:GetObjectVersion'],
      Resource: 'arn:aws:s3:::b/*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } },
    },
  ]);
  const d = diffPolicies(a, b);
  assert.deepEqual(
    d.map((x) => [x.sid, x.status, x.added, x.removed]),
    [
      [
        'New',
        'added',
        {
          Effect: ['Allow'],
          Action: ['s3:PutObject'],
          Resource: ['arn:aws:s3:::b/logs/*'],
          Principal: ['Service:logs.amazonaws.com'],
        },
        {},
      ],
      [
        'Read',
        'changed',
        // Action names compare case-insensitively: S3:GETOBJECT is s3:GetObject.
        {
          Action: ['s3:GetObjectVersion'],
          Principal: ['AWS:444455556666'],
          Condition: ['StringEquals aws:PrincipalOrgID o-1'],
        },
        { Action: ['s3:ListBucket'] },
      ],
      [
        'Old',
        'removed',
        {},
        { Effect: ['Deny'], Action: ['s3:DeleteObject'], Resource: ['*'], Principal: ['*'] },
      ],
    ],
  );
  assert.match(
    formatPolicyDiff(d),
    /^@@ statement `Read` \(\$\.Statement\[1\]\) changed @@\n- Action s3:ListBucket\n\+ Action s3:GetObjectVersion\n\+ Principal AWS:444455556666\n/m,
  );
  assert.equal(formatPolicyDiff(diffPolicies(a, a)), 'no change in permissions\n');
});

test('policy diff of an AWS managed policy is per statement; emr policies lists versions oldest first', async () => {
  let out = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (out += s) };
  const code = await main(
    [
      'policy',
      'diff',
      'arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceEditorsRole',
      'v1',
      'v2',
      '--store',
      'memory',
    ],
    io,
  );
  assert.equal(code, 0, out);
  assert.match(out, /^--- .*v1\n\+\+\+ .*v2\n@@ statement \$\.Statement\[0\] changed @@\n(\+ Action \S+\n)+/);
  out = '';
  assert.equal(await main(['emr', 'policies', '--json'], io), 0);
  const policies = (JSON.parse(out) as { policies: { name: string; versions: { versionId: string }[] }[] })
    .policies;
  for (const p of policies) {
    const ids = p.versions.map((v) => Number(v.versionId.slice(1)));
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => x - y),
      p.name,
    );
  }
});
