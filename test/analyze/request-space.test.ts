import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/eval/index.js';
import { parsePolicy } from '../../src/policy/index.js';
import { requestSpace } from '../../src/analyze/request-space.js';

function trustPolicy(statements: object[]) {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), {
    kind: 'trust',
  });
  assert.ok(parsed.document, JSON.stringify(parsed.issues));
  return compilePolicy(parsed.document, { kind: 'trust', name: 'trust' });
}

describe('request space: principals', () => {
  it('tries a Federated text shaped like `service:<name>` and the service principal of that name, both', () => {
    const policy = trustPolicy([
      {
        Effect: 'Allow',
        Principal: { Federated: 'service:elasticmapreduce.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
      { Effect: 'Allow', Principal: { Service: 'elasticmapreduce.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const principals = requestSpace([policy], { kind: 'trust' }).dimensions.get('principal')!.values;
    assert.ok(principals.includes('service:elasticmapreduce.amazonaws.com'), JSON.stringify(principals));
    assert.ok(
      principals.some(
        (p) =>
          typeof p === 'object' &&
          p !== null &&
          'Service' in p &&
          p.Service === 'elasticmapreduce.amazonaws.com',
      ),
      JSON.stringify(principals),
    );
  });
});
