/**
 * Instance profiles in `apply` state files and `export`: read with the same validation and places as the
 * other entities, planned around the roles they hold (created after them, emptied before a role leaves or
 * is deleted), and round-tripped.
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
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const T =
  '{ Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: "sts:AssumeRole" }] }';
const FILE = `
account: "${ACCT}"
roles:
  - { name: EMR_EC2_DefaultRole, trustPolicy: ${T} }
  - { name: Other, trustPolicy: ${T} }
instanceProfiles:
  - { name: EMR_EC2_DefaultRole, roles: [EMR_EC2_DefaultRole], tags: { team: data } }
  - { name: Spare, path: /emr/ }
`;

async function apply(cp: ControlPlane, text: string): Promise<string[]> {
  const plan = await planApply(cp, parseStateFile(text, 'state.yaml', checkPolicy));
  await plan.apply();
  return plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);
}

describe('instance profiles in state files', () => {
  it('applies, is idempotent, moves a role between profiles and deletes what the file drops', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    const first = await apply(cp, FILE);
    assert.ok(first.includes(`create instance profile ${ACCT}:/EMR_EC2_DefaultRole`));
    assert.ok(first.includes(`create instance profile ${ACCT}:/emr/Spare`));
    assert.deepEqual(await apply(cp, FILE), []);
    const profile = await cp.iam.instanceProfiles.getInstanceProfile(ACCT, 'EMR_EC2_DefaultRole');
    assert.deepEqual(
      profile.roles.map((r) => r.name),
      ['EMR_EC2_DefaultRole'],
    );
    assert.deepEqual(profile.tags, [{ key: 'team', value: 'data' }]);

    // The role moves to Spare, and the role Other is deleted along with nothing else.
    const moved = `
account: "${ACCT}"
roles:
  - { name: EMR_EC2_DefaultRole, trustPolicy: ${T} }
instanceProfiles:
  - { name: EMR_EC2_DefaultRole }
  - { name: Spare, path: /emr/, roles: [EMR_EC2_DefaultRole] }
`;
    await apply(cp, moved);
    assert.deepEqual(
      (await cp.iam.instanceProfiles.listInstanceProfilesForRole(ACCT, 'EMR_EC2_DefaultRole')).map(
        (p) => p.name,
      ),
      ['Spare'],
    );
    assert.deepEqual(await apply(cp, moved), []);
    // Dropping the profiles and the role together: the profiles are emptied first.
    await apply(cp, `account: "${ACCT}"\nusers: [{ name: keep }]\n`);
    assert.deepEqual(await cp.iam.instanceProfiles.listInstanceProfiles(ACCT), []);
    assert.deepEqual(await cp.iam.listRoles(ACCT), []);
  });

  it('replaces a role a kept profile holds in one apply, and a failed apply leaves both as they were', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(cp, FILE);
    const before = await readState(cp);
    // The role's path changes (AWS cannot move a role: it is deleted and created again) while its
    // profile is unchanged; a role in a profile cannot be deleted, so the profile lets go of it first.
    const moved = FILE.replace(
      '{ name: EMR_EC2_DefaultRole, trustPolicy',
      '{ name: EMR_EC2_DefaultRole, path: /emr/, trustPolicy',
    );
    const failing = moved.replace(
      `  - { name: Other, trustPolicy: ${T} }`,
      `  - name: Other\n    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::${ACCT}:user/ghost" }, Action: "sts:AssumeRole" }] }`,
    );
    assert.notEqual(failing, moved);
    // A later step fails (the trust policy names a user that does not exist): nothing is written.
    await assert.rejects(
      apply(cp, failing),
      (e: unknown) => e instanceof RolecallError && /Invalid principal in policy/.test(e.message),
    );
    assert.deepEqual(await readState(cp), before);

    const changes = await apply(cp, moved);
    assert.ok(changes.includes(`create role ${ACCT}:/emr/EMR_EC2_DefaultRole`), changes.join('\n'));
    assert.ok(changes.includes(`update instance profile ${ACCT}:/EMR_EC2_DefaultRole`), changes.join('\n'));
    assert.equal((await cp.iam.getRole(ACCT, 'EMR_EC2_DefaultRole')).path, '/emr/');
    assert.deepEqual(
      (await cp.iam.instanceProfiles.listInstanceProfilesForRole(ACCT, 'EMR_EC2_DefaultRole')).map(
        (p) => p.name,
      ),
      ['EMR_EC2_DefaultRole'],
    );
    assert.deepEqual(await apply(cp, moved), []);

    // The same when the state does not speak of instance profiles (an import): they keep their roles.
    const state = await readState(cp);
    delete state.instanceProfiles;
    state.roles = state.roles.map((r) => (r.name === 'EMR_EC2_DefaultRole' ? { ...r, path: '/' } : r));
    await (await planApply(cp, state)).apply();
    assert.equal((await cp.iam.getRole(ACCT, 'EMR_EC2_DefaultRole')).path, '/');
    assert.deepEqual(
      (await cp.iam.instanceProfiles.getInstanceProfile(ACCT, 'EMR_EC2_DefaultRole')).roles.map(
        (r) => r.path,
      ),
      ['/'],
    );
  });

  it('export writes them and applies to an empty store exactly', async () => {
    const a = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(a, FILE);
    const exported = formatStateFile(await readState(a), 'yaml');
    assert.match(exported, /instanceProfiles:/);
    const b = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(b, exported);
    assert.equal(formatStateFile(await readState(b), 'yaml'), exported);
    assert.deepEqual(await apply(b, exported), []);
    const json = formatStateFile(await readState(a), 'json');
    const c = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(c, json);
    assert.equal(formatStateFile(await readState(c), 'yaml'), exported);
  });

  it('reports bad names, paths, unknown fields, duplicates and undeclared roles with their places', () => {
    const bad = `account: "${ACCT}"
roles: [{ name: r, trustPolicy: ${T} }]
instanceProfiles:
  - { name: "bad name", path: nope, roles: [ghost], color: red }
  - { name: dup }
  - { name: DUP }
`;
    assert.throws(
      () => parseStateFile(bad, 'bad.yaml', checkPolicy),
      (e: unknown) => {
        assert.ok(e instanceof RolecallError);
        assert.equal(e.code, 'InvalidFile');
        assert.deepEqual(
          e.details.map((d) => `${d.place?.line}:${d.place?.column} ${d.place?.path}`),
          [
            '4:13 $.instanceProfiles[0].name',
            '4:31 $.instanceProfiles[0].path',
            '4:45 $.instanceProfiles[0].roles[0]',
            '4:53 $.instanceProfiles[0].color',
            '6:5 $.instanceProfiles[2]',
          ],
        );
        assert.match(e.details[2]?.message ?? '', /role `ghost` is not declared in roles/);
        return true;
      },
    );
  });

  it('a state without instance profiles (an import) leaves them as they are', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    await apply(cp, FILE);
    const state = await readState(cp);
    delete state.instanceProfiles;
    assert.deepEqual((await planApply(cp, state)).changes, []);
  });
});
