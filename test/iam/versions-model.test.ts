/**
 * Model-based property: under random sequences of CreatePolicyVersion, DeletePolicyVersion and
 * SetDefaultPolicyVersion, the control plane (on memory and SQLite) agrees with a small model of AWS's
 * rules: at most five versions, exactly one default that cannot be deleted, version ids never reused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RolecallError } from '../../src/errors.js';
import { createControlPlane } from '../../src/iam/index.js';
import { memoryBackend, sqliteBackend } from '../store/backends.js';
import { checkPolicy } from './checker.js';

type Cmd =
  | { op: 'create'; setDefault: boolean }
  | { op: 'delete'; version: number }
  | { op: 'setDefault'; version: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), setDefault: fc.boolean() }),
  fc.record({ op: fc.constant('delete' as const), version: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ op: fc.constant('setDefault' as const), version: fc.integer({ min: 1, max: 9 }) }),
);

const doc = (n: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: `s3:Action${n}`, Resource: '*' }],
  });

for (const backend of [memoryBackend, sqliteBackend]) {
  describe(`policy versions model: ${backend.name}`, () => {
    it('agrees with the model under random command sequences', async () => {
      const store = await backend.open();
      const cp = createControlPlane(store, { checkPolicy });
      let round = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(cmd, { maxLength: 20 }), async (cmds) => {
            round++;
            const p = await cp.iam.createPolicy({
              account: '111122223333',
              name: `p${round}`,
              document: doc(0),
            });
            const model = { versions: [1], def: 1, next: 2 };
            for (const c of cmds) {
              let outcome: string;
              try {
                if (c.op === 'create') await cp.iam.createPolicyVersion(p.arn, doc(model.next), c.setDefault);
                else if (c.op === 'delete') await cp.iam.deletePolicyVersion(p.arn, `v${c.version}`);
                else await cp.iam.setDefaultPolicyVersion(p.arn, `v${c.version}`);
                outcome = 'ok';
              } catch (e) {
                if (!(e instanceof RolecallError)) throw e;
                outcome = e.code;
              }
              let expected: string;
              if (c.op === 'create') {
                if (model.versions.length >= 5) expected = 'LimitExceeded';
                else {
                  model.versions.push(model.next);
                  if (c.setDefault) model.def = model.next;
                  model.next++;
                  expected = 'ok';
                }
              } else if (!model.versions.includes(c.version)) expected = 'NoSuchEntity';
              else if (c.op === 'delete') {
                if (c.version === model.def) expected = 'DeleteConflict';
                else {
                  model.versions = model.versions.filter((v) => v !== c.version);
                  expected = 'ok';
                }
              } else {
                model.def = c.version;
                expected = 'ok';
              }
              assert.equal(outcome, expected, `${JSON.stringify(c)}`);
            }
            const listed = await cp.iam.listPolicyVersions(p.arn);
            assert.deepEqual(
              listed.map((v) => [v.versionId, v.isDefault]),
              [...model.versions].reverse().map((v) => [`v${v}`, v === model.def]),
            );
          }),
          { numRuns: 40 },
        );
      } finally {
        await backend.dispose(store);
      }
    });
  });
}
