/**
 * The console's HTTP contract without a browser: sign-in, the session cookie's attributes, CSRF and
 * cross-site refusal, expiry, a deactivated key ending its sessions, and console calls authorized by the
 * engine like signed ones; sessions kept in the store, known to every server on it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { buildConsole } from '../../console/build.js';
import { openApi, type OpenApi } from '../../src/api/index.js';
import { consoleCall, consolePost, consoleSignIn, type ConsoleSession } from '../console/client.js';
import { readCredentialsFile, startTestServer, type Credentials, type TestServer } from './harness.js';

type Session = ConsoleSession;

describe('console sessions', () => {
  let server: TestServer;
  let viewer: Credentials;

  before(async () => {
    await buildConsole();
    server = await startTestServer();
    const iam = new IAMClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: server.admin,
      maxAttempts: 1,
    });
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'viewer' }));
    iam.destroy();
    viewer = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  });
  after(() => server.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    consolePost(server.url, path, body, headers);
  const signIn = (creds: Credentials) => consoleSignIn(server.url, creds);
  const callAs = (s: Session, action: string, params: Record<string, string> = {}, extra = {}) =>
    consoleCall(server.url, s, 'iam', action, params, extra);

  test('sign-in sets an HttpOnly, SameSite=Strict, expiring cookie and returns no secret', async () => {
    const s = await signIn(server.admin);
    assert.match(
      s.setCookie,
      /^rolecall_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=3600$/,
    );
    assert.equal(s.body.principal, 'arn:aws:iam::123456789012:user/rolecall-admin');
    assert.ok(!JSON.stringify(s.body).includes(server.admin.secretAccessKey));
    const res = await callAs(s, 'ListRoles');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.deepEqual(((await res.json()) as { result: unknown }).result, { Roles: [], IsTruncated: false });
  });

  test('a wrong secret, an unknown key and a cross-site sign-in are refused', async () => {
    const wrong = await post('sign-in', { accessKeyId: server.admin.accessKeyId, secretAccessKey: 'x' });
    assert.equal(wrong.status, 403);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'InvalidClientTokenId');
    const unknown = await post('sign-in', { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' });
    assert.equal(unknown.status, 403);
    const crossSite = await post(
      'sign-in',
      { accessKeyId: server.admin.accessKeyId, secretAccessKey: server.admin.secretAccessKey },
      { origin: 'http://attacker.example' },
    );
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.headers.get('set-cookie'), null);
    const form = await fetch(`${server.url}/console/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `accessKeyId=${server.admin.accessKeyId}&secretAccessKey=${server.admin.secretAccessKey}`,
    });
    assert.equal(form.status, 400);
  });

  test('the page is served with a CSP, its assets with ETags; operations that return secrets are refused', async () => {
    assert.equal(server.api.consoleUrl, `${server.url}/console`);
    const page = await fetch(server.api.consoleUrl);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    const html = await page.text();
    assert.doesNotMatch(
      html,
      /<script>|style=|https?:\/\//,
      'no inline script or style, nothing from elsewhere',
    );
    const src = /src="([^"]+)"/.exec(html)?.[1] ?? '';
    const js = await fetch(`${server.url}${src}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    const etag = js.headers.get('etag') ?? '';
    const again = await fetch(`${server.url}${src}`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${server.url}/console/assets/..%2Fpackage.json`)).status, 404);

    const s = await signIn(server.admin);
    for (const [service, action] of [
      ['iam', 'CreateAccessKey'],
      ['sts', 'AssumeRole'],
      ['sts', 'GetSessionToken'],
    ]) {
      const res = await post(
        'call',
        { service, action, params: {} },
        { cookie: s.cookie, 'x-csrf-token': s.csrf },
      );
      assert.equal(res.status, 400, action);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /holds a secret/);
    }
  });

  test('calls need the CSRF token and the same origin', async () => {
    const s = await signIn(server.admin);
    const none = await post('call', { service: 'iam', action: 'ListRoles' }, { cookie: s.cookie });
    assert.equal(none.status, 403);
    const wrong = await callAs(s, 'ListRoles', {}, { 'x-csrf-token': 'nope' });
    assert.equal(wrong.status, 403);
    const crossSite = await callAs(s, 'ListRoles', {}, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    const noCookie = await post('call', { service: 'iam', action: 'ListRoles' }, { 'x-csrf-token': s.csrf });
    assert.equal(noCookie.status, 403);
    assert.equal(
      ((await noCookie.json()) as { error: { code: string } }).error.code,
      'MissingAuthenticationToken',
    );
  });

  test('a principal is authorized by the engine: the viewer may not list roles', async () => {
    const s = await signIn(viewer);
    const res = await callAs(s, 'ListRoles');
    assert.equal(res.status, 403);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'AccessDenied');
    assert.match(error.message, /user\/viewer is not authorized to perform: iam:ListRoles/);
    const org = await post(
      'call',
      { service: 'console', action: 'ListAccounts' },
      { cookie: s.cookie, 'x-csrf-token': s.csrf },
    );
    assert.equal(org.status, 403);
    assert.match(
      ((await org.json()) as { error: { message: string } }).error.message,
      /organizations:ListAccounts/,
    );
  });

  test('sessions expire, end at sign-out, and end when the key is deactivated', async () => {
    const expiring = await signIn(server.admin);
    server.advance(60 * 60 * 1000 + 1);
    assert.equal((await callAs(expiring, 'ListRoles')).status, 403);

    const out = await signIn(server.admin);
    const signOut = await post('sign-out', {}, { cookie: out.cookie, 'x-csrf-token': out.csrf });
    assert.equal(signOut.status, 200);
    assert.match(signOut.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await callAs(out, 'ListRoles')).status, 403);

    const s = await signIn(viewer);
    const admin = await signIn(server.admin);
    const deactivate = await callAs(admin, 'UpdateAccessKey', {
      UserName: 'viewer',
      AccessKeyId: viewer.accessKeyId,
      Status: 'Inactive',
    });
    assert.equal(deactivate.status, 200);
    const after = await post(
      'call',
      { service: 'sts', action: 'GetCallerIdentity' },
      { cookie: s.cookie, 'x-csrf-token': s.csrf },
    );
    assert.equal(after.status, 403);
  });
});

describe('console sessions live in the store', () => {
  let dir: string;
  let first: OpenApi;
  let admin: Credentials;
  before(async () => {
    await buildConsole();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-console-'));
    first = await serve();
    admin = readCredentialsFile(path.join(dir, 'credentials'));
  });
  after(async () => {
    await first.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `rolecall serve` on the suite's SQLite file (the first start writes the administrator key). */
  function serve(): Promise<OpenApi> {
    return openApi({
      store: path.join(dir, 'rolecall.db'),
      credentialsFile: path.join(dir, 'credentials'),
      port: 0,
      host: '127.0.0.1',
    });
  }
  const identity = (url: string, s: ConsoleSession, csrf = s.csrf) =>
    consoleCall(url, { ...s, csrf }, 'sts', 'GetCallerIdentity');

  test('a second server on the same file knows them, a restart keeps them, sign-out ends them on both', async () => {
    const second = await serve();
    try {
      const s = await consoleSignIn(first.url, admin);
      const there = await identity(second.url, s);
      assert.equal(there.status, 200);
      assert.match(JSON.stringify(await there.json()), /user\/rolecall-admin/);
      const session = await fetch(`${second.url}/console/api/session`, { headers: { cookie: s.cookie } });
      assert.equal(((await session.json()) as { csrfToken: string }).csrfToken, s.csrf);

      // The CSRF token is bound to its session: another session's token is refused.
      const other = await consoleSignIn(second.url, admin);
      assert.equal((await identity(second.url, s, other.csrf)).status, 403);
      assert.equal((await identity(first.url, other)).status, 200);

      // Only a hash of each token is stored, with the key id and the expiry; neither token is.
      const records = await first.cp.store.withTransaction((tx) => tx.list('console-session'), {
        readOnly: true,
      });
      assert.equal(records.length, 2);
      const stored = JSON.stringify(records);
      for (const x of [s, other]) {
        const token = x.cookie.slice(x.cookie.indexOf('=') + 1);
        assert.ok(!stored.includes(token) && !stored.includes(x.csrf));
      }
      for (const r of records) {
        assert.match(r.key, /^[0-9a-f]{64}$/);
        assert.deepEqual(Object.keys(r.value as object).sort(), ['accessKeyId', 'expiresAt']);
      }

      // Signing out on one server ends the session on the other.
      const out = await consolePost(
        second.url,
        'sign-out',
        {},
        { cookie: other.cookie, 'x-csrf-token': other.csrf },
      );
      assert.equal(out.status, 200);
      assert.equal((await identity(first.url, other)).status, 403);
      assert.equal((await identity(second.url, s)).status, 200);
    } finally {
      await second.close();
    }

    // A restart (the first server gone, a new one on the file) keeps the session that was not ended.
    const s = await consoleSignIn(first.url, admin);
    await first.close();
    first = await serve();
    assert.equal((await identity(first.url, s)).status, 200);
  });
});
