/**
 * A trust or resource policy that names an IAM user or role by ARN must name one that exists when it is
 * saved (AWS binds the ARN to the principal's unique id then): CreateRole / UpdateAssumeRolePolicy answer
 * MalformedPolicyDocument "Invalid principal in policy", S3 and KMS their own wording, and nothing is
 * stored. Accounts rolecall does not know, account principals, `*` and sessions are not checked.
 * https://repost.aws/knowledge-center/iam-trust-policy-error
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
import { planImport, type ImportedSetup } from '../../src/iam/import/index.js';
import { MemoryStore, TABLES } from '../../src/store/index.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const OTHER = '444455556666';
const trusting = (aws: string | string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }],
  });
const SERVICE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const granting = (aws: string, action: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: action, Resource: '*' }],
  });

async function plane(): Promise<ControlPlane> {
  const cp = createControlPlane(new MemoryStore(), { checkPolicy, now: () => Date.UTC(2026, 10, 22, 12) });
  await cp.iam.createUser({ account: ACCT, name: 'Alice', path: '/staff/' });
  await cp.iam.createRole({ account: ACCT, name: 'Builder', trustPolicy: SERVICE });
  return cp;
}

async function snapshot(cp: ControlPlane): Promise<string> {
  return JSON.stringify(
    await cp.store.withTransaction(async (tx) => Promise.all(TABLES.map((t) => tx.list(t))), {
      readOnly: true,
    }),
  );
}

/** The call fails with MalformedPolicyDocument `message` at `path`, and the store is as before. */
async function refused(cp: ControlPlane, p: () => Promise<unknown>, message: string, path: string) {
  const before = await snapshot(cp);
  await assert.rejects(p(), (e: unknown) => {
    assert.ok(e instanceof RolecallError, String(e));
    assert.equal(e.code, 'MalformedPolicyDocument');
    assert.equal(e.message, message);
    assert.equal(e.place.path, path);
    assert.ok((e.place.line ?? 0) >= 1);
    return true;
  });
  assert.equal(await snapshot(cp), before, 'the store changed');
}

describe('principals named by ARN must exist', () => {
  it('CreateRole and UpdateAssumeRolePolicy refuse a user or role that does not exist', async () => {
    const cp = await plane();
    const ghost = `arn:aws:iam::${ACCT}:user/ghost`;
    await refused(
      cp,
      () => cp.iam.createRole({ account: ACCT, name: 'R', trustPolicy: trusting(ghost) }),
      `Invalid principal in policy: "AWS":"${ghost}"`,
      '$.Statement[0].Principal.AWS',
    );
    const gone = `arn:aws:iam::${ACCT}:role/Gone`;
    await refused(
      cp,
      () => cp.iam.updateTrustPolicy(ACCT, 'Builder', trusting([`arn:aws:iam::${ACCT}:root`, gone])),
      `Invalid principal in policy: "AWS":"${gone}"`,
      '$.Statement[0].Principal.AWS[1]',
    );
  });

  it('the ARN must match exactly: path and case are part of it, and a role cannot trust itself at creation', async () => {
    const cp = await plane();
    for (const arn of [
      `arn:aws:iam::${ACCT}:user/Alice`, // the user's path is /staff/
      `arn:aws:iam::${ACCT}:user/staff/alice`, // names in ARNs are case sensitive
      `arn:aws:iam::${ACCT}:role/Self`, // not created yet
    ]) {
      await refused(
        cp,
        () => cp.iam.createRole({ account: ACCT, name: 'Self', trustPolicy: trusting(arn) }),
        `Invalid principal in policy: "AWS":"${arn}"`,
        '$.Statement[0].Principal.AWS',
      );
    }
    // Once it exists, a role may name itself.
    await cp.iam.createRole({ account: ACCT, name: 'Self', trustPolicy: SERVICE });
    await cp.iam.updateTrustPolicy(ACCT, 'Self', trusting(`arn:aws:iam::${ACCT}:role/Self`));
  });

  it('accepts existing principals and what it cannot check', async () => {
    const cp = await plane();
    const ok = [
      `arn:aws:iam::${ACCT}:user/staff/Alice`,
      `arn:aws:iam::${ACCT}:role/Builder`,
      `arn:aws:iam::${ACCT}:root`,
      ACCT,
      '*',
      `arn:aws:sts::${ACCT}:assumed-role/Builder/any-session`,
      `arn:aws:sts::${ACCT}:federated-user/anyone`,
      // An account rolecall does not know may hold any principal.
      `arn:aws:iam::${OTHER}:role/Theirs`,
      `arn:aws:iam::${OTHER}:user/them`,
    ];
    const r = await cp.iam.createRole({ account: ACCT, name: 'Trusting', trustPolicy: trusting(ok) });
    assert.deepEqual(
      (JSON.parse(r.trustPolicy) as { Statement: [{ Principal: unknown }] }).Statement[0].Principal,
      {
        AWS: ok,
      },
    );
    // Once rolecall knows the other account, its principals are checked as well.
    await cp.iam.createAccount({ id: OTHER });
    await refused(
      cp,
      () => cp.iam.updateTrustPolicy(ACCT, 'Trusting', trusting(ok)),
      `Invalid principal in policy: "AWS":"arn:aws:iam::${OTHER}:role/Theirs"`,
      '$.Statement[0].Principal.AWS[7]',
    );
  });

  it('bucket and key policies: each service’s wording, on put and on a policy change', async () => {
    const cp = await plane();
    const ghost = `arn:aws:iam::${ACCT}:role/ghost`;
    await refused(
      cp,
      () =>
        cp.resources.put({
          arn: 'arn:aws:s3:::data',
          account: ACCT,
          policy: granting(ghost, 's3:GetObject'),
        }),
      'Invalid principal in policy',
      '$.Statement[0].Principal.AWS',
    );
    // NotPrincipal is held to the same rule.
    const denyAllBut = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: ghost }, Action: 's3:*', Resource: '*' }],
    });
    await refused(
      cp,
      () => cp.resources.put({ arn: 'arn:aws:s3:::data', account: ACCT, policy: denyAllBut }),
      'Invalid principal in policy',
      '$.Statement[0].NotPrincipal.AWS',
    );
    const key = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    await cp.resources.put({ arn: key, policy: granting(`arn:aws:iam::${ACCT}:role/Builder`, 'kms:*') });
    await refused(
      cp,
      () => cp.resources.setPolicy(key, granting(ghost, 'kms:*')),
      'Policy contains a statement with one or more invalid principals.',
      '$.Statement[0].Principal.AWS',
    );
  });

  it('apply: a file may name users and roles it creates (itself included), never one that does not exist', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    const file = (extra: string) => `
account: "${ACCT}"
users: [{ name: dev }]
roles:
  - name: a
    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: ["arn:aws:iam::${ACCT}:role/b", "arn:aws:iam::${ACCT}:user/dev", "arn:aws:iam::${ACCT}:role/a"] }, Action: "sts:AssumeRole" }] }
  - name: b
    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::${ACCT}:role/a" }, Action: "sts:AssumeRole" }] }
${extra}`;
    await (await planApply(cp, parseStateFile(file(''), 'state.yaml', checkPolicy))).apply();
    assert.equal((await cp.iam.listRoles(ACCT)).length, 2);
    const before = formatStateFile(await readState(cp), 'yaml');
    const bad = file(`resources:
  - arn: "arn:aws:s3:::bucket"
    account: "${ACCT}"
    policy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::${ACCT}:user/nobody" }, Action: "s3:GetObject", Resource: "*" }] }
`);
    await assert.rejects(
      async () => (await planApply(cp, parseStateFile(bad, 'state.yaml', checkPolicy))).apply(),
      (e: unknown) => e instanceof RolecallError && e.message === 'Invalid principal in policy',
    );
    assert.equal(formatStateFile(await readState(cp), 'yaml'), before);
    // Dropping user dev while role a still names it is refused too (the whole apply is undone).
    const noDev = file('').replace('users: [{ name: dev }]', '');
    await assert.rejects(
      async () => (await planApply(cp, parseStateFile(noDev, 'state.yaml', checkPolicy))).apply(),
      (e: unknown) => e instanceof RolecallError && e.code === 'MalformedPolicyDocument',
    );
    assert.equal(formatStateFile(await readState(cp), 'yaml'), before);
  });

  it('an import describes part of an account: principals it does not describe are not checked', async () => {
    const cp = createControlPlane(new MemoryStore(), { checkPolicy });
    const state = parseStateFile(
      `account: "${ACCT}"
roles:
  - { name: r, trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Principal: { AWS: "arn:aws:iam::${ACCT}:user/admin" }, Action: "sts:AssumeRole" }] } }
`,
      'setup.yaml',
      checkPolicy,
    );
    // Only the declared state matters to the plan.
    await (await planImport(cp, { state } as ImportedSetup)).apply();
    assert.equal((await cp.iam.getRole(ACCT, 'r')).name, 'r');
  });
});
