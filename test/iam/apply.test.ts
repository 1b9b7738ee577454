/**
 * Declarative apply in process: plans, idempotence, deletions in a safe order (members and boundaries
 * before groups and policies), all-or-nothing on failure, and export round trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import {
  createControlPlane,
  formatStateFile,
  parseStateFile,
  planApply,
  readState,
  type ControlPlane,
} from '../../src/iam/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { postgresBackend, postgresUnavailable, sqliteBackend } from '../store/backends.js';
import { checkPolicy } from './checker.js';

const D = '{ Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:*", Resource: "*" }] }';
const T =
  '{ Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: "sts:AssumeRole" }] }';
const FIRST = `
account: "111122223333"
organization:
  managementAccount: "111122223333"
  root:
    units: [{ name: A, units: [{ name: B, accounts: ["222233334444"] }] }]
policies:
  - { name: Bound, document: ${D} }
  - { name: P2, document: ${D} }
roles:
  - { name: r1, trustPolicy: ${T}, permissionsBoundary: "arn:aws:iam::111122223333:policy/Bound", managedPolicies: ["arn:aws:iam::111122223333:policy/P2"] }
groups: [{ name: g1 }]
users: [{ name: u1, groups: [g1], permissionsBoundary: "arn:aws:iam::111122223333:policy/Bound" }]
`;
const SECOND = `
account: "111122223333"
organization:
  managementAccount: "111122223333"
  root: {}
policies:
  - { name: P2, document: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "s3:Get*", Resource: "*" }] } }
roles:
  - { name: r1, trustPolicy: ${T}, description: changed, managedPolicies: ["arn:aws:iam::111122223333:policy/P2"] }
`;

async function apply(cp: ControlPlane, text: string): Promise<string[]> {
  const plan = await planApply(cp, parseStateFile(text, 'state.yaml', checkPolicy));
  await plan.apply();
  return plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);
}

describe('apply', () => {
  it('creates, is idempotent, then updates and deletes in a safe order', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    assert.ok((await apply(cp, FIRST)).includes('create role 111122223333:/r1'));
    assert.deepEqual(await apply(cp, FIRST), []);
    const user = await cp.iam.getUser('111122223333', 'u1');
    assert.equal(user.permissionsBoundary, 'arn:aws:iam::111122223333:policy/Bound');
    assert.deepEqual(user.groups, ['g1']);
    await cp.iam.createAccessKey('111122223333', 'u1');
    const second = await apply(cp, SECOND);
    assert.deepEqual(second.slice(-3), [
      'delete group 111122223333:/g1',
      'delete user 111122223333:/u1',
      'delete policy arn:aws:iam::111122223333:policy/Bound',
    ]);
    assert.deepEqual(await apply(cp, SECOND), []);
    assert.equal((await cp.iam.getRole('111122223333', 'r1')).permissionsBoundary, undefined);
    assert.deepEqual(
      (await cp.iam.listPolicyVersions('arn:aws:iam::111122223333:policy/P2')).map((v) => [
        v.versionId,
        v.isDefault,
      ]),
      [
        ['v2', true],
        ['v1', false],
      ],
    );
    assert.deepEqual(await cp.org.listOrgUnits(), []);
    assert.equal(await cp.org.levels('222233334444'), undefined);
  });

  it('changes nothing when a step fails halfway (one transaction)', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy, quotas: { rolesPerAccount: 2 } });
    await apply(cp, FIRST);
    const before = formatStateFile(await readState(cp), 'yaml');
    const tooMany = FIRST.replace(
      'groups:',
      `  - { name: r2, trustPolicy: ${T} }\n  - { name: r3, trustPolicy: ${T} }\ngroups:`,
    );
    await assert.rejects(
      apply(cp, tooMany),
      (e: unknown) => e instanceof RolecallError && e.code === 'LimitExceeded',
    );
    assert.equal(formatStateFile(await readState(cp), 'yaml'), before);
  });

  it('exports a state that applies to an empty store exactly', async () => {
    const a = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(a, FIRST);
    const exported = formatStateFile(await readState(a), 'yaml');
    const b = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(b, exported);
    assert.equal(formatStateFile(await readState(b), 'yaml'), exported);
    assert.deepEqual(await apply(b, exported), []);
  });

  it('reports every problem with line:column and JSON path', () => {
    const bad =
      'roles:\n  - name: "x y"\n    trustPolicy: 3\nusers: [{ name: a, groups: [nope] }]\nextra: 1\n';
    assert.throws(
      () => parseStateFile(bad, 'bad.yaml', checkPolicy),
      (e: unknown) => {
        assert.ok(e instanceof RolecallError);
        assert.equal(e.code, 'InvalidFile');
        const lines = e
          .render()
          .split('\n')
          .slice(1)
          .map((l) => l.trim());
        assert.deepEqual(
          lines.map((l) => l.split(': ')[0]),
          [
            'bad.yaml:2:5 $.roles[0].account',
            'bad.yaml:2:11 $.roles[0].name',
            'bad.yaml:3:18 $.roles[0].trustPolicy',
            'bad.yaml:4:9 $.users[0].account',
            'bad.yaml:4:29 $.users[0].groups[0]',
            'bad.yaml:5:1 $.extra',
          ],
        );
        return true;
      },
    );
  });
});

describe('apply on the durable backends', () => {
  for (const backend of [sqliteBackend, postgresBackend]) {
    it(`${backend.name}: applies, is idempotent and exports the same state`, async (t) => {
      if (backend.name === 'postgres') {
        const why = await postgresUnavailable();
        if (why !== undefined) {
          if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${why}`);
          t.skip(`PostgreSQL not reachable: ${why}`);
          return;
        }
      }
      const store = await backend.open();
      try {
        const cp = createControlPlane(store, { checkPolicy });
        await apply(cp, FIRST);
        assert.deepEqual(await apply(cp, FIRST), []);
        const exported = formatStateFile(await readState(cp), 'yaml');
        const fresh = createControlPlane(new MemoryStore(), { checkPolicy });
        await apply(fresh, exported);
        assert.equal(formatStateFile(await readState(fresh), 'yaml'), exported);
      } finally {
        await backend.dispose(store);
      }
    });
  }
});
