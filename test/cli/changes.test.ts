/**
 * Commands that change the store say what changed: one line on stdout, `--quiet` for none, `--json` for
 * the resulting entity, and a line saying so when the entity was already as asked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-changes-'));
const store = path.join(dir, 'rolecall.db');
const file = (name: string, value: unknown) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(value));
  return p;
};
const trust = file('trust.json', {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const read = file('read.json', {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
});
const cli = (...args: string[]) => {
  const r = runCli([...args, '--store', store], { env: { ROLECALL_SECRET_KEY: '' } });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return r.stdout;
};
const READONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

describe('what a change prints', () => {
  it('one line per change, and `no change` when the entity was already so', () => {
    assert.match(
      cli('role', 'create', 'app', '--trust-policy', trust),
      /^created arn:aws:iam::\d{12}:role\/app /,
    );
    assert.equal(cli('role', 'put-policy', 'app', 'read', read), 'put inline policy `read` on role `app`\n');
    assert.equal(cli('role', 'put-policy', 'app', 'read', read), 'no change to role `app`\n');
    assert.equal(cli('role', 'attach', 'app', READONLY), `attached ${READONLY} to role \`app\`\n`);
    assert.equal(cli('role', 'attach', 'app', READONLY), 'no change to role `app`\n');
    assert.equal(cli('role', 'tag', 'app', 'team=data'), 'tagged role `app`\n');
    assert.equal(cli('role', 'untag', 'app', 'absent'), 'no change to role `app`\n');
    assert.equal(cli('role', 'update', 'app', '--description', 'the app'), 'updated role `app`\n');
    assert.equal(cli('role', 'detach', 'app', READONLY), `detached ${READONLY} from role \`app\`\n`);
    assert.equal(cli('role', 'delete-policy', 'app', 'read'), 'deleted inline policy `read` of role `app`\n');
    assert.equal(cli('user', 'create', 'ana', '--quiet'), '');
    assert.equal(cli('group', 'create', 'devs', '-q'), '');
    assert.equal(cli('group', 'add-user', 'devs', 'ana'), 'added user `ana` to group `devs`\n');
    assert.equal(cli('user', 'update', 'ana', '--new-name', 'bea'), 'updated user `ana` (now `bea`)\n');
    assert.equal(cli('group', 'remove-user', 'devs', 'bea'), 'removed user `bea` from group `devs`\n');
    assert.equal(cli('group', 'delete', 'devs'), 'deleted group `devs`\n');
  });

  it('--json prints the resulting entity, --quiet nothing', () => {
    cli('role', 'create', 'etl', '--trust-policy', trust, '-q');
    const role = JSON.parse(cli('role', 'attach', 'etl', READONLY, '--json')) as {
      name: string;
      attachedPolicies: { arn: string }[];
    };
    assert.equal(role.name, 'etl');
    assert.deepEqual(
      role.attachedPolicies.map((p) => p.arn),
      [READONLY],
    );
    assert.equal(cli('role', 'detach', 'etl', READONLY, '--quiet'), '');
    assert.deepEqual(JSON.parse(cli('role', 'delete', 'etl', '--json')), { deleted: 'etl' });
  });

  it('an update that asks for nothing is a usage error, not a silent success', () => {
    cli('role', 'create', 'idle', '--trust-policy', trust, '-q');
    const r = runCli(['role', 'update', 'idle', '--store', store], { env: { ROLECALL_SECRET_KEY: '' } });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^rolecall: UsageError: give --description, --max-session-duration or --trust-policy\n$/,
    );
  });
});
