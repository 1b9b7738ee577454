/**
 * AccessDenied from IAM and STS in AWS's form, and encoded authorization messages (only with
 * `rolecall serve --encode-denials`) that DecodeAuthorizationMessage opens for callers of the account the
 * denied request was made in, never for another account's administrator.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html
 */
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapAdministrator } from '../../src/api/bootstrap.js';
import { iamControl } from '../../src/api/iam-control.js';
import {
  coreMissing,
  readCredentialsFile,
  signedPost,
  startTestServer,
  type Credentials,
  type TestServer,
} from './harness.js';

const skip = await coreMissing();
const OTHER = '210987654321';
let plain: TestServer;
let encoding: TestServer;

/** A user without any policy, with an access key, in the server's first account. */
async function powerlessUser(server: TestServer, name: string): Promise<Credentials> {
  const created = await signedPost(
    server.url,
    server.admin,
    `Action=CreateUser&Version=2010-05-08&UserName=${name}`,
  );
  assert.equal(created.status, 200, created.text);
  const key = await signedPost(
    server.url,
    server.admin,
    `Action=CreateAccessKey&Version=2010-05-08&UserName=${name}`,
  );
  return {
    accessKeyId: /<AccessKeyId>(\w+)</.exec(key.text)![1]!,
    secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(key.text)![1]!,
  };
}

before(async () => {
  if (skip) return;
  plain = await startTestServer();
  encoding = await startTestServer({ encodeDenials: true });
});
after(async () => {
  if (skip) return;
  await plain.close();
  await encoding.close();
});

test(
  "IAM's AccessDenied: who, what, on which resource, which policy type; no encoded message",
  { skip },
  async () => {
    const dev = await powerlessUser(plain, 'dev');
    const r = await signedPost(plain.url, dev, 'Action=GetRole&Version=2010-05-08&RoleName=missing');
    assert.equal(r.status, 403, r.text);
    const message = /<Message>([^<]*)<\/Message>/.exec(r.text)?.[1];
    assert.equal(
      message,
      `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:GetRole on resource: arn:aws:iam::123456789012:role/missing because no identity-based policy allows the iam:GetRole action`,
    );
    const sts = await signedPost(
      plain.url,
      dev,
      'Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=x',
      'sts',
    );
    assert.equal(sts.status, 403);
    assert.match(
      sts.text,
      /is not authorized to perform: sts:DecodeAuthorizationMessage on resource: \* because no identity-based policy allows the sts:DecodeAuthorizationMessage action<\/Message>/,
    );
  },
);

test(
  '--encode-denials: the same account decodes, another account cannot, and nothing changes',
  { skip },
  async () => {
    const dev = await powerlessUser(encoding, 'dev');
    const denied = await signedPost(encoding.url, dev, 'Action=ListUsers&Version=2010-05-08');
    assert.equal(denied.status, 403);
    assert.match(
      denied.text,
      /because no identity-based policy allows the iam:ListUsers action\. Encoded authorization failure message: /,
    );
    const encoded = /Encoded authorization failure message: (\S+?)<\/Message>/.exec(denied.text)?.[1] ?? '';
    assert.ok(encoded, denied.text);
    const decode = `Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=${encoded}`;

    const mine = await signedPost(encoding.url, encoding.admin, decode, 'sts');
    assert.equal(mine.status, 200, mine.text);
    const doc = JSON.parse(
      /<DecodedMessage>([^<]*)</
        .exec(mine.text)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    ) as {
      context: { action: string; principal: { arn: string } };
    };
    assert.equal(doc.context.action, 'iam:ListUsers');
    assert.equal(doc.context.principal.arn, 'arn:aws:iam::123456789012:user/dev');

    // An administrator of another account on the same server (same sealing key) gets the message refused.
    await encoding.api.cp.iam.createAccount({ id: OTHER });
    const file = path.join(encoding.dir, 'other-credentials');
    await bootstrapAdministrator(iamControl(encoding.api.cp.iam, OTHER), file);
    const other = readCredentialsFile(file);
    const who = await signedPost(encoding.url, other, 'Action=GetCallerIdentity&Version=2011-06-15', 'sts');
    assert.match(who.text, new RegExp(`<Account>${OTHER}</Account>`));
    const revision = await encoding.api.cp.store.revision();
    const theirs = await signedPost(encoding.url, other, decode, 'sts');
    assert.equal(theirs.status, 400, theirs.text);
    assert.match(theirs.text, /<Code>InvalidAuthorizationMessageException<\/Code>/);
    assert.doesNotMatch(theirs.text, /ListUsers|user\/dev/);
    assert.equal(await encoding.api.cp.store.revision(), revision, 'the store changed');
  },
);
