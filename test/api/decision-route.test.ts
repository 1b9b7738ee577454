// POST /v1/authorize is answered on Node's http directly when the request is of the form that route takes
// (JSON media type, Content-Length within the limit): its answers are fastify's, which answers the rest.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { coreMissing, signedHeaders, signedPost, startTestServer, type TestServer } from './harness.js';

const skip = await coreMissing();
let server: TestServer;
let small: TestServer;
let admin = '';

before(async () => {
  if (skip) return;
  server = await startTestServer();
  small = await startTestServer({ bodyLimit: 300 });
  const who = await signedPost(
    server.url,
    server.admin,
    'Action=GetCallerIdentity&Version=2011-06-15',
    'sts',
  );
  admin = /<Arn>([^<]+)<\/Arn>/.exec(who.text)?.[1] ?? '';
  assert.notEqual(admin, '', who.text);
});
after(async () => {
  if (skip) return;
  await server.close();
  await small.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
}

/** Sends `body` signed with `contentType`, with a Content-Length or (`chunked`) in two chunks. */
async function send(
  srv: TestServer,
  contentType: string,
  body: string,
  opts: { chunked?: boolean; secret?: string } = {},
): Promise<Answer> {
  const u = new URL(srv.url);
  const creds = { ...srv.admin, secretAccessKey: opts.secret ?? srv.admin.secretAccessKey };
  const signed = await signedHeaders(srv.url, creds, {
    path: '/v1/authorize',
    contentType,
    body,
    service: 'rolecall',
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/v1/authorize',
        headers: opts.chunked
          ? { ...signed, 'transfer-encoding': 'chunked' }
          : { ...signed, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.chunked) {
      req.write(body.slice(0, 10));
      req.end(body.slice(10));
    } else req.end(body);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The answer without what differs per request (the request id, the date). */
function shape(a: Answer): unknown {
  assert.match(String(a.headers['x-amzn-requestid']), UUID);
  assert.equal(a.json.requestId, a.headers['x-amzn-requestid']);
  const { date: _date, 'x-amzn-requestid': _id, ...headers } = a.headers;
  const { requestId: _requestId, ...json } = a.json;
  return { status: a.status, headers, json };
}

describe('the decision route', { skip }, () => {
  const decision = () =>
    JSON.stringify({
      principal: admin,
      action: 'iam:GetRole',
      resource: 'arn:aws:iam::123456789012:role/R',
    });

  test('answers as fastify does: decisions, bad JSON, bad signatures, other media types', async () => {
    for (const [body, secret] of [
      [decision(), undefined],
      ['{"principal":', undefined],
      ['[1]', undefined],
      [decision(), 'not-the-secret'],
    ] as const) {
      const own = await send(server, 'application/json', body, secret ? { secret } : {});
      const viaFastify = await send(server, 'application/json;charset=utf-8', body, secret ? { secret } : {});
      assert.deepEqual(shape(own), shape(viaFastify), body);
    }
    const allowed = await send(server, 'application/json', decision());
    assert.equal(allowed.status, 200);
    assert.equal(allowed.json.decision, 'Allow');
    assert.equal(allowed.headers['content-type'], 'application/json; charset=utf-8');
    const bad = await send(server, 'application/json', '{"principal":');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.error, {
      code: 'ValidationError',
      message: 'the body is not valid JSON (at $)',
    });
  });

  test('answers decided in one turn go out together, each to its own request, in order per connection', async () => {
    // Three requests pipelined on one connection (written at once, read in one turn): about the admin,
    // about a role that does not exist (an error) and the admin again; the answers come back in order.
    const principals = [admin, 'arn:aws:iam::123456789012:role/NoSuchRole', admin];
    const u = new URL(server.url);
    const raw: string[] = [];
    const bodyOf = (principal: string) =>
      JSON.stringify({ principal, action: 'iam:GetRole', resource: 'arn:aws:iam::123456789012:role/R' });
    for (const principal of principals) {
      const body = bodyOf(principal);
      const headers = await signedHeaders(server.url, server.admin, {
        path: '/v1/authorize',
        contentType: 'application/json',
        body,
        service: 'rolecall',
      });
      const lines = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)) }).map(
        ([k, v]) => `${k}: ${v}`,
      );
      raw.push(`POST /v1/authorize HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
    }
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(u.port), u.hostname, () => socket.write(raw.join('')));
      let got = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => {
        got += c;
        if ((got.match(/HTTP\/1\.1 /g) ?? []).length === principals.length && got.endsWith('}')) {
          socket.end();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    const answers = [...text.matchAll(/\r\n\r\n(\{[^\r]*?\})(?=HTTP\/1\.1 |$)/g)].map((m) => {
      const { requestId, ...rest } = JSON.parse(m[1]!) as Record<string, unknown>;
      return { requestId, rest };
    });
    const expected: unknown[] = [];
    for (const principal of principals) {
      const { requestId: _id, ...rest } = (await send(server, 'application/json', bodyOf(principal))).json;
      expected.push(rest);
    }
    assert.notDeepEqual(expected[0], expected[1]);
    assert.deepEqual(
      answers.map((a) => a.rest),
      expected,
      text,
    );
    assert.equal(new Set(answers.map((a) => a.requestId)).size, principals.length);
    // Many connections at once: each answer carries the request id of its own response's header.
    const many = await Promise.all(
      Array.from({ length: 20 }, () => send(server, 'application/json', decision())),
    );
    for (const a of many) {
      assert.equal(a.json.decision, 'Allow');
      assert.equal(a.json.requestId, a.headers['x-amzn-requestid']);
    }
    assert.equal(new Set(many.map((a) => a.json.requestId)).size, many.length);
  });

  test('a chunked body and a body over the limit are fastify’s, answered the same way', async () => {
    const chunked = await send(server, 'application/json', decision(), { chunked: true });
    assert.equal(chunked.json.decision, 'Allow');
    const large = JSON.stringify({ principal: 'x', action: 'a:b', resource: 'r'.repeat(400) });
    const refused = await send(small, 'application/json', large);
    assert.equal(refused.status, 413);
    assert.equal((refused.json.error as { code: string }).code, 'RequestEntityTooLarge');
    const within = await send(small, 'application/json', decision());
    assert.equal(within.json.decision, 'Allow');
  });
});
