import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowCache } from '../../src/api/iam-backend.js';

const env = { now: 1_000, sourceIp: '10.0.0.1', region: 'us-east-1' };
const call = { action: 'iam:SimulatePrincipalPolicy', resource: 'arn:aws:iam::111122223333:role/R' };

test('an allow is remembered for its key, call and environment only, for its time to live', () => {
  const cache = new AllowCache(1000);
  assert.equal(cache.has('AKIA1', call, env), false);
  cache.add('AKIA1', call, env);
  assert.equal(cache.has('AKIA1', call, env), true);
  assert.equal(cache.has('AKIA1', call, { ...env, now: env.now + 1000 }), true);
  // another key, action, resource, address, region, or identity-only check is another question
  assert.equal(cache.has('AKIA2', call, env), false);
  assert.equal(cache.has('AKIA1', { ...call, action: 'iam:GetRole' }, env), false);
  assert.equal(cache.has('AKIA1', { ...call, resource: `${call.resource}2` }, env), false);
  assert.equal(cache.has('AKIA1', call, { ...env, sourceIp: '10.0.0.2' }), false);
  assert.equal(cache.has('AKIA1', call, { ...env, region: 'eu-west-1' }), false);
  assert.equal(cache.has('AKIA1', { ...call, identityOnly: true }, env), false);
  // expired: forgotten, also for an earlier clock afterwards
  assert.equal(cache.has('AKIA1', call, { ...env, now: env.now + 1001 }), false);
  assert.equal(cache.has('AKIA1', call, env), false);
  cache.add('AKIA1', call, env);
  cache.clear();
  assert.equal(cache.has('AKIA1', call, env), false);
});

test('adding an allow again renews it; each key keeps its newest allows, and past the bound of keys it starts over', () => {
  const cache = new AllowCache(1000, 2, 2);
  cache.add('AKIA1', call, env);
  cache.add('AKIA1', call, { ...env, now: env.now + 900 });
  assert.equal(cache.has('AKIA1', call, { ...env, now: env.now + 1500 }), true);
  const other = (n: number) => ({ ...call, resource: `${call.resource}${n}` });
  cache.add('AKIA1', other(1), env);
  cache.add('AKIA1', other(2), env);
  assert.equal(cache.has('AKIA1', call, env), false, 'the oldest of three went');
  assert.equal(cache.has('AKIA1', other(1), env), true);
  assert.equal(cache.has('AKIA1', other(2), env), true);
  cache.add('AKIA2', call, env);
  cache.add('AKIA3', call, env);
  assert.equal(cache.has('AKIA1', other(1), env), false);
  assert.equal(cache.has('AKIA3', call, env), true);
});
