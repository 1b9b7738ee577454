/**
 * Request parsing costs time linear in the request's size, and the models' per-call limits (50 tags,
 * 50 tag keys, 10 session policy ARNs, 131072-character documents) are enforced before authorization:
 * counted on the parsed form, proven by counting work, never by timing. Each refused request leaves the
 * store as it was (its revision does not move).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryParams } from '../../src/api/form.js';
import { checkRequestLimits } from '../../src/api/request-limits.js';
import { readTags } from '../../src/api/wire-shapes.js';
import { isRolecallError } from '../../src/errors.js';
import { coreMissing, signedPost, startTestServer, type Credentials, type TestServer } from './harness.js';

const skip = await coreMissing();

/** A Map that counts every entry its iterators hand out and every lookup. */
class CountingMap extends Map<string, string> {
  work = 0;
  override get(key: string): string | undefined {
    this.work++;
    return super.get(key);
  }
  override has(key: string): boolean {
    this.work++;
    return super.has(key);
  }
  private *counted<T>(it: Iterable<T>): Generator<T> {
    for (const x of it) {
      this.work++;
      yield x;
    }
  }
  override entries(): MapIterator<[string, string]> {
    return this.counted(super.entries()) as MapIterator<[string, string]>;
  }
  override keys(): MapIterator<string> {
    return this.counted(super.keys()) as MapIterator<string>;
  }
  override values(): MapIterator<string> {
    return this.counted(super.values()) as MapIterator<string>;
  }
  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

function tagsForm(n: number): string {
  const parts = ['Action=TagRole', 'Version=2010-05-08', 'RoleName=target'];
  for (let i = 1; i <= n; i++) parts.push(`Tags.member.${i}.Key=k${i}`, `Tags.member.${i}.Value=v${i}`);
  return parts.join('&');
}

/** Parameter reads done to read every tag of a form with `n` tags, and to check it against the limits. */
function workFor(n: number): { read: number; limits: number } {
  const map = new CountingMap(QueryParams.parse(tagsForm(n)).entries());
  const tags = readTags(new QueryParams(map));
  assert.equal(tags.length, n);
  assert.deepEqual(tags[n - 1], { key: `k${n}`, value: `v${n}` });
  const read = map.work;
  const fresh = new CountingMap(map);
  try {
    checkRequestLimits(new QueryParams(fresh));
  } catch (e) {
    if (!isRolecallError(e) || e.code !== 'ValidationError') throw e;
  }
  return { read, limits: fresh.work };
}

test('reading Tags.member.N is linear in the number of tags (work counted, not timed)', () => {
  const small = workFor(500);
  const large = workFor(5000);
  const keys = 2 * 5000 + 3;
  // One pass over the parameters, whatever the number of members: ten times the tags, ten times the work.
  // Scanning the parameters once per member (the quadratic reading) would do 100 times the work here.
  assert.ok(large.read <= 2 * keys, `read ${large.read} parameters for ${keys}`);
  assert.ok(large.read <= 11 * small.read, `${small.read} -> ${large.read}`);
  assert.ok(large.limits <= 2 * keys, `limits checked ${large.limits} parameters for ${keys}`);
});

test('the limits count members without reading them, and pass what the models allow', () => {
  const refused = (form: string) => {
    try {
      checkRequestLimits(QueryParams.parse(form));
      return undefined;
    } catch (e) {
      if (isRolecallError(e)) return `${e.code}: ${e.message}`;
      throw e;
    }
  };
  assert.equal(refused(tagsForm(50)), undefined);
  assert.match(refused(tagsForm(51)) ?? '', /^ValidationError: .* at 'tags' .* less than or equal to 50$/);
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `TagKeys.member.${i + 1}=k${i}`).join('&');
  assert.equal(refused(keys(50)), undefined);
  assert.match(refused(keys(51)) ?? '', /at 'tagKeys' .* less than or equal to 50$/);
  const arns = (n: number) =>
    Array.from({ length: n }, (_, i) => `PolicyArns.member.${i + 1}.arn=arn:aws:iam::aws:policy/P${i}`).join(
      '&',
    );
  assert.equal(refused(arns(10)), undefined);
  assert.match(refused(arns(11)) ?? '', /at 'policyArns' .* less than or equal to 10$/);
  assert.equal(refused(`PolicyDocument=${'x'.repeat(131072)}`), undefined);
  assert.match(
    refused(`PolicyDocument=${'x'.repeat(131073)}`) ?? '',
    /at 'policyDocument' .* less than or equal to 131072$/,
  );
  assert.match(
    refused(`PolicyInputList.member.2=${'x'.repeat(131073)}`) ?? '',
    /at 'policyInputList' .* less than or equal to 131072$/,
  );
  // other lists have no per-call limit in the models
  assert.equal(
    refused(Array.from({ length: 200 }, (_, i) => `ActionNames.member.${i + 1}=s3:GetObject`).join('&')),
    undefined,
  );
});

let server: TestServer;
let nobody: Credentials;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const trust =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"elasticmapreduce.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
  const created = await signedPost(
    server.url,
    server.admin,
    `Action=CreateRole&Version=2010-05-08&RoleName=target&AssumeRolePolicyDocument=${encodeURIComponent(trust)}&Tags.member.1.Key=team&Tags.member.1.Value=emr`,
  );
  assert.equal(created.status, 200, created.text);
  assert.equal(
    (await signedPost(server.url, server.admin, 'Action=CreateUser&Version=2010-05-08&UserName=nobody'))
      .status,
    200,
  );
  const key = await signedPost(
    server.url,
    server.admin,
    'Action=CreateAccessKey&Version=2010-05-08&UserName=nobody',
  );
  nobody = {
    accessKeyId: /<AccessKeyId>(\w+)</.exec(key.text)![1]!,
    secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(key.text)![1]!,
  };
});
after(async () => {
  if (!skip) await server.close();
});

/** Sends `form` and asserts the answer's status and code, and that the store did not change. */
async function refusedUnchanged(creds: Credentials, form: string, status: number, code: string) {
  const before = await server.api.cp.store.revision();
  const r = await signedPost(server.url, creds, form);
  assert.equal(r.status, status, r.text);
  assert.match(r.text, new RegExp(`<Code>${code}</Code>`));
  assert.equal(await server.api.cp.store.revision(), before, 'the store changed');
  return r.text;
}

test(
  '10,000 tags on TagRole: ValidationError, counted before authorization, nothing stored',
  { skip },
  async () => {
    await refusedUnchanged(server.admin, tagsForm(10_000), 400, 'ValidationError');
    // a caller with no permissions at all gets the same answer: the limit comes before authorization
    await refusedUnchanged(nobody, tagsForm(10_000), 400, 'ValidationError');
    await refusedUnchanged(nobody, tagsForm(51), 400, 'ValidationError');
    // within the limit, the same caller is refused by authorization
    await refusedUnchanged(nobody, tagsForm(2), 403, 'AccessDenied');
    const tags = await signedPost(
      server.url,
      server.admin,
      'Action=ListRoleTags&Version=2010-05-08&RoleName=target',
    );
    assert.equal(tags.status, 200);
    assert.equal((tags.text.match(/<Key>/g) ?? []).length, 1, tags.text);
  },
);

test(
  'CreateRole with 51 tags and UntagRole with 51 keys: ValidationError, nothing stored',
  { skip },
  async () => {
    const trust = encodeURIComponent(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"elasticmapreduce.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    const create = tagsForm(51)
      .replace('Action=TagRole', 'Action=CreateRole')
      .replace('RoleName=target', `RoleName=fresh&AssumeRolePolicyDocument=${trust}`);
    await refusedUnchanged(server.admin, create, 400, 'ValidationError');
    const get = await signedPost(
      server.url,
      server.admin,
      'Action=GetRole&Version=2010-05-08&RoleName=fresh',
    );
    assert.match(get.text, /<Code>NoSuchEntity<\/Code>/);
    const untag = ['Action=UntagRole', 'Version=2010-05-08', 'RoleName=target'];
    for (let i = 1; i <= 51; i++) untag.push(`TagKeys.member.${i}=team`);
    await refusedUnchanged(server.admin, untag.join('&'), 400, 'ValidationError');
    const policy = `Action=CreatePolicy&Version=2010-05-08&PolicyName=big&PolicyDocument=${'x'.repeat(131073)}`;
    await refusedUnchanged(nobody, policy, 400, 'ValidationError');
  },
);
