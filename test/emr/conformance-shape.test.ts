/**
 * The calls of the service model have the shape AWS's recorded EMR cases show: for every allowed case of
 * /work/shared/conformance/emr-roles.json, the model has a call with the same action, resource type and
 * context keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { emrCalls } from '../../src/analyze/emr-readiness.js';
import { openControlPlane } from '../../src/iam/index.js';
import { planImport } from '../../src/iam/import/index.js';
import { importEnvironment } from '../../src/iam/import/environment-file.js';
import { environmentTarget } from '../../src/iam/import/readiness.js';
import { EMR_TAG_KEY, type EmrEnvironment, type EmrKind } from '../../src/knowledge/emr/index.js';
import { sharedDir } from '../helpers/paths.js';

interface Case {
  name: string;
  request: { principal: unknown; action: string; resource: string; context: Record<string, unknown> };
  expect: string;
}
const cases = (
  JSON.parse(readFileSync(path.join(sharedDir, 'conformance', 'emr-roles.json'), 'utf8')) as { cases: Case[] }
).cases;

const tag = { [EMR_TAG_KEY]: 'true' };
const env: EmrEnvironment = {
  account: '111122223333',
  region: 'us-east-1',
  roleName: 'R',
  vpc: { id: 'vpc-1', tags: tag },
  subnets: [{ id: 'subnet-1', tags: tag }],
  securityGroups: [{ id: 'sg-1', tags: tag }],
  secrets: [{ arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:git-AbCdEf', tags: tag }],
  s3: { bucket: 'b' },
  key: { arn: 'arn:aws:kms:us-east-1:111122223333:key/k' },
  submitter: { arn: 'arn:aws:iam::111122223333:user/u', policies: [] },
  policies: [],
};

function shape(action: string, resource: string, context: Record<string, unknown>): string {
  const type = resource === '*' ? '*' : ((resource.split(':')[5] ?? '').split('/')[0] ?? '');
  const keys = Object.keys(context)
    .map((k) => k.toLowerCase())
    .sort();
  return `${action.toLowerCase()} ${resource.startsWith('arn:aws:s3:::') ? (resource.includes('/') ? 'object' : 'bucket') : type} ${keys.join(',')}`;
}

const kindOf = (name: string): EmrKind | undefined =>
  name.startsWith('studio')
    ? 'studio'
    : name.startsWith('nb')
      ? 'notebooks'
      : name.startsWith('sl') || name.startsWith('pass-role')
        ? 'serverless'
        : undefined;

test('every allowed EMR case has a call of the same shape in the service model', async () => {
  let compared = 0;
  // The context of each call as the resolver completes it from the store (resource tags, principal keys).
  const cp = await openControlPlane('memory');
  const shapes = new Map<EmrKind, Set<string>>();
  for (const kind of ['studio', 'notebooks', 'serverless'] as const) {
    await (
      await planImport(cp, importEnvironment({ ...env, roleName: `R-${kind}` }, undefined, kind))
    ).apply();
    const set = new Set<string>();
    for (const x of emrCalls(
      environmentTarget({ ...env, roleName: `R-${kind}` }, kind, {
        accounts: [],
        policies: [],
        groups: [],
        roles: [],
        users: [],
        resources: [],
      }),
    )) {
      const p = await cp.resolver.prepare({
        principal: x.principal,
        action: x.action,
        resource: x.resource,
        context: x.context,
      });
      const keys = Object.fromEntries(
        Object.entries(p.request.context ?? {}).filter(
          ([k]) => !/^aws:(Principal|userid|username|ResourceAccount|ResourceOrg)/i.test(k),
        ),
      );
      set.add(shape(x.action, x.resource, keys));
    }
    shapes.set(kind, set);
  }
  await cp.close();
  for (const c of cases) {
    const kind = kindOf(c.name);
    // Wildcard-action probes, other-service probes and data-plane reads outside the role's operations are not calls EMR makes.
    if (!kind || c.expect !== 'Allow' || /case-insensitive|s3-full|glue|samples|delete/.test(c.name))
      continue;
    const calls = shapes.get(kind) ?? new Set<string>();
    const want = shape(c.request.action, c.request.resource, c.request.context);
    const near = [...calls].filter((s) => s.startsWith(want.split(' ').slice(0, 2).join(' ')));
    assert.ok(
      calls.has(want) ||
        near.some((s) =>
          want
            .split(' ')[2]
            ?.split(',')
            .filter((k) => k !== '')
            .every((k) => s.split(' ')[2]?.split(',').includes(k)),
        ),
      `${c.name}: ${want} not among ${near.join(' | ') || 'no call of that action and type'}`,
    );
    compared++;
  }
  assert.ok(compared >= 12, `compared ${compared}`);
});
