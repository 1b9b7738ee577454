/**
 * Two CreatePolicyVersion racing for the fifth (last) slot: exactly one succeeds, the other gets AWS's
 * LimitExceeded, on every backend: memory (one process), SQLite (two processes on one file) and
 * PostgreSQL (two connections).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { createControlPlane } from '../../src/iam/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { repoRoot } from '../helpers/paths.js';
import { sourceExecArgv, sourceModule } from '../helpers/source-process.js';
import { memoryBackend, postgresBackend, postgresUnavailable, tempDir } from '../store/backends.js';
import { checkPolicy } from './checker.js';

const ACCT = '111122223333';
const doc = (a: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: a, Resource: '*' }] });

async function fourVersions(store: Store): Promise<string> {
  const cp = createControlPlane(store, { checkPolicy });
  const p = await cp.iam.createPolicy({ account: ACCT, name: 'raced', document: doc('s3:A') });
  for (const a of ['s3:B', 's3:C', 's3:D']) await cp.iam.createPolicyVersion(p.arn, doc(a));
  return p.arn;
}

/**
 * A racer: opens the SQLite store DB, reads POLICY_ARN once (everything loaded and connected), prints
 * `ready`, waits for a line on stdin (go), then adds one version to the policy. A script of its own, to
 * run the compiled source when dist/ is current (test/helpers/source-process.ts).
 */
const racer = `
  import { RolecallError } from ${JSON.stringify(sourceModule('errors'))};
  import { createControlPlane, loadPolicyEngine } from ${JSON.stringify(sourceModule('iam/index'))};
  import { SqliteStore } from ${JSON.stringify(sourceModule('store/index'))};

  const [db, arn, action] = process.argv.slice(1);
  const store = new SqliteStore(db, { keyFile: db + '.key' });
  const cp = createControlPlane(store, { checkPolicy: (await loadPolicyEngine()).checkPolicy });
  const doc = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
  });
  await cp.iam.listPolicyVersions(arn);
  const go = new Promise((resolve) => process.stdin.once('data', () => resolve()));
  process.stdout.write('ready\\n');
  await go;
  process.stdin.destroy();
  try {
    const v = await cp.iam.createPolicyVersion(arn, doc);
    process.stdout.write('ok ' + v.versionId + '\\n');
  } catch (e) {
    process.stdout.write(
      e instanceof RolecallError ? 'error ' + e.code + ': ' + e.message + '\\n' : 'crash ' + String(e) + '\\n',
    );
  }
  await store.close();`;

function outcome(r: PromiseSettledResult<unknown>): string {
  if (r.status === 'fulfilled') return 'ok';
  return r.reason instanceof RolecallError ? r.reason.code : `crash ${String(r.reason)}`;
}

describe('the race for the fifth policy version', () => {
  it('memory: one success, one LimitExceeded', async () => {
    const store = await memoryBackend.open();
    const arn = await fourVersions(store);
    const cp = createControlPlane(store, { checkPolicy });
    const results = await Promise.allSettled([
      cp.iam.createPolicyVersion(arn, doc('s3:X')),
      cp.iam.createPolicyVersion(arn, doc('s3:Y')),
    ]);
    assert.deepEqual(results.map(outcome).sort(), ['LimitExceeded', 'ok']);
    assert.equal((await cp.iam.listPolicyVersions(arn)).length, 5);
  });

  it('SQLite, two processes on one file: one success, one LimitExceeded', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'rolecall.db');
    const setup = new SqliteStore(db, { keyFile: `${db}.key` });
    const arn = await fourVersions(setup);
    await setup.close();
    // A ready/go handshake: each child prints `ready` once its store is open and the policy read, and
    // both are told to go only when both are ready, so the two writes are in flight together.
    const children = ['s3:X', 's3:Y'].map((a) => {
      const c = spawn(process.execPath, [...sourceExecArgv, '--input-type=module', '-e', racer, db, arn, a], {
        cwd: repoRoot,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      let onReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve, reject) => {
        onReady = resolve;
        c.on('exit', (code) => reject(new Error(`racer exited (${code}) before ready: ${out}`)));
      });
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready\n')) onReady();
      });
      const done = new Promise<string>((resolve, reject) => {
        c.on('error', reject);
        c.on('exit', () => resolve(out.replace(/^ready\n/, '').trim()));
      });
      return { c, ready, done };
    });
    await Promise.all(children.map((x) => x.ready));
    for (const x of children) x.c.stdin.write('go\n');
    const outs = await Promise.all(children.map((x) => x.done));
    const ok = outs.filter((o) => o.startsWith('ok v5'));
    const limited = outs.filter(
      (o) => o === 'error LimitExceeded: Cannot exceed quota for PolicyVersionsPerPolicy: 5',
    );
    assert.equal(ok.length, 1, outs.join(' | '));
    assert.equal(limited.length, 1, outs.join(' | '));
    const check = new SqliteStore(db, { keyFile: `${db}.key` });
    try {
      const cp = createControlPlane(check, { checkPolicy });
      assert.equal((await cp.iam.listPolicyVersions(arn)).length, 5);
    } finally {
      await check.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL, two connections: one success, one LimitExceeded', async (t) => {
    const why = await postgresUnavailable();
    if (why !== undefined) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${why}`);
      t.skip(`PostgreSQL not reachable: ${why}`);
      return;
    }
    const a = await postgresBackend.open();
    const b = await postgresBackend.reopen!(a);
    try {
      const arn = await fourVersions(a);
      const results = await Promise.allSettled([
        createControlPlane(a, { checkPolicy }).iam.createPolicyVersion(arn, doc('s3:X')),
        createControlPlane(b, { checkPolicy }).iam.createPolicyVersion(arn, doc('s3:Y')),
      ]);
      assert.deepEqual(results.map(outcome).sort(), ['LimitExceeded', 'ok']);
      assert.equal((await createControlPlane(a, { checkPolicy }).iam.listPolicyVersions(arn)).length, 5);
    } finally {
      await b.close();
      await postgresBackend.dispose(a);
    }
  });
});
