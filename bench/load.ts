/**
 * Load test of `rolecall serve` on loopback: the decision API (`POST /v1/authorize`, one decision per
 * request and batches) and signed IAM/STS query calls, each driven by autocannon for a bounded time.
 * Prints requests/s, decisions/s and latency percentiles. The server runs in its own process (started the
 * way a user starts it) so that the load generator does not share its event loop. The peer, measured in
 * the same run with the same connections: a bare fastify server in its own process answering the same
 * JSON to the same POST (no signature, no decision); the ratio is rolecall's requests/s over its.
 *
 *   npm run bench:load                 # 5 s per scenario
 *   ROLECALL_BENCH_SECONDS=10 npm run bench:load
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Math.min(Math.max(Number(process.env.ROLECALL_BENCH_SECONDS ?? 5), 1), 60);

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

function readCredentials(file: string): Creds {
  const text = fs.readFileSync(file, 'utf8');
  const id = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
  const secret = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
  if (!id || !secret) throw new Error(`no credentials in ${file}`);
  return { accessKeyId: id, secretAccessKey: secret };
}

async function startServer(dir: string): Promise<{ url: string; child: ChildProcess }> {
  // The compiled CLI (`npm run build`) when present, as `npm start` runs it; else from source through tsx.
  const compiled = path.join(root, 'dist/src/cli/main.js');
  const entry = fs.existsSync(compiled)
    ? [path.join(root, 'bin/rolecall.js')]
    : ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
  console.log(
    `server: ${fs.existsSync(compiled) ? 'compiled (dist/)' : 'from source via tsx (run `npm run build` first for compiled figures)'}`,
  );
  const child = spawn(
    process.execPath,
    [
      ...entry,
      'serve',
      '--port',
      '0',
      '--store',
      path.join(dir, 'rolecall.db'),
      '--credentials-file',
      path.join(dir, 'credentials'),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ROLECALL_SECRET_KEY: '' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

/** The peer: fastify answering a constant decision-shaped JSON to POST /v1/authorize, nothing else. */
async function startEcho(): Promise<{ url: string; child: ChildProcess }> {
  const code = `
    import Fastify from 'fastify';
    import { randomUUID } from 'node:crypto';
    const app = Fastify({ logger: false, genReqId: () => randomUUID() });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/v1/authorize', (req, reply) => {
      JSON.parse(req.body.toString('utf8'));
      return reply.header('x-amzn-RequestId', req.id).send({ decision: 'Allow', reason: 'identityAllow', requestId: req.id });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log('listening on http://127.0.0.1:' + app.server.address().port);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`echo server exited with ${c}: ${out}`)));
  });
  return { url, child };
}

async function signed(
  url: string,
  creds: Creds,
  service: string,
  pathName: string,
  contentType: string,
  body: string,
): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service, sha256: Sha256 });
  const req = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: pathName,
    query: {},
    headers: { host: u.host, 'content-type': contentType },
    body,
  });
  return req.headers;
}

interface Row {
  scenario: string;
  requestsPerSec: number;
  decisionsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function run(
  scenario: string,
  url: string,
  pathName: string,
  headers: Record<string, string>,
  body: string,
  decisionsPerRequest: number,
  connections: number,
): Promise<Row> {
  const result = await autocannon({
    url: url + pathName,
    method: 'POST',
    headers,
    body,
    connections,
    duration: seconds,
  });
  return {
    scenario: `${scenario}, ${connections} connections`,
    requestsPerSec: Math.round(result.requests.average),
    decisionsPerSec: Math.round(result.requests.average * decisionsPerRequest),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-load-'));
  const { url, child } = await startServer(dir);
  const echo = await startEcho();
  try {
    const creds = readCredentials(path.join(dir, 'credentials'));
    const form = 'application/x-www-form-urlencoded';
    // A role to read back: created through the API itself.
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'elasticmapreduce.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    const createBody = `Action=CreateRole&Version=2010-05-08&RoleName=EMR_DefaultRole&AssumeRolePolicyDocument=${encodeURIComponent(trust)}`;
    const created = await fetch(url + '/', {
      method: 'POST',
      headers: await signed(url, creds, 'iam', '/', form, createBody),
      body: createBody,
    });
    if (created.status !== 200)
      throw new Error(`CreateRole failed: ${created.status} ${await created.text()}`);
    const who = await fetch(url + '/', {
      method: 'POST',
      headers: await signed(url, creds, 'sts', '/', form, 'Action=GetCallerIdentity&Version=2011-06-15'),
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    const principal = /<Arn>([^<]+)<\/Arn>/.exec(await who.text())?.[1];
    if (!principal) throw new Error('GetCallerIdentity gave no Arn');

    const one = JSON.stringify({
      principal,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::emr-logs/j-1/stdout',
      context: { 'aws:SourceIp': '10.0.0.1' },
    });
    const batchSize = 20;
    const big = JSON.stringify({
      requests: Array.from({ length: 1000 }, (_, i) => ({
        principal,
        action: i % 2 ? 's3:GetObject' : 'ec2:CreateNetworkInterface',
        resource: `arn:aws:s3:::emr-logs/j-${i}/stdout`,
      })),
    });
    const batch = JSON.stringify({
      requests: Array.from({ length: batchSize }, (_, i) => ({
        principal,
        action: i % 2 ? 's3:GetObject' : 'ec2:CreateNetworkInterface',
        resource: `arn:aws:s3:::emr-logs/j-${i}/stdout`,
      })),
    });
    const getRole = 'Action=GetRole&Version=2010-05-08&RoleName=EMR_DefaultRole';
    const callerId = 'Action=GetCallerIdentity&Version=2011-06-15';
    const json = 'application/json';
    const rows: Row[] = [];
    const oneHeaders = await signed(url, creds, 'rolecall', '/v1/authorize', json, one);
    const batchHeaders = await signed(url, creds, 'rolecall', '/v1/authorize', json, batch);
    const bigHeaders = await signed(url, creds, 'rolecall', '/v1/authorize', json, big);
    // Signed requests are replayed unchanged: SigV4 has no nonce, only the 15-minute window. Each
    // connection count runs rolecall and the echo peer back to back, so that both see the same machine.
    const ratios: string[] = [];
    for (const c of [8, 32]) {
      const ours = await run('decision API, 1 decision/request', url, '/v1/authorize', oneHeaders, one, 1, c);
      const peer = await run(
        'bare fastify JSON echo (peer)',
        echo.url,
        '/v1/authorize',
        oneHeaders,
        one,
        1,
        c,
      );
      rows.push(ours, peer);
      ratios.push(
        `${c} connections: rolecall / bare fastify = ${(ours.requestsPerSec / peer.requestsPerSec).toFixed(2)}x`,
      );
    }
    for (const c of [4, 8]) {
      rows.push(
        await run(
          `decision API, batch of ${batchSize}`,
          url,
          '/v1/authorize',
          batchHeaders,
          batch,
          batchSize,
          c,
        ),
      );
    }
    rows.push(await run('decision API, batch of 1000', url, '/v1/authorize', bigHeaders, big, 1000, 2));
    const getRoleHeaders = await signed(url, creds, 'iam', '/', form, getRole);
    rows.push(await run('IAM GetRole (signed)', url, '/', getRoleHeaders, getRole, 1, 8));
    const callerHeaders = await signed(url, creds, 'sts', '/', form, callerId);
    rows.push(await run('STS GetCallerIdentity (signed)', url, '/', callerHeaders, callerId, 1, 8));

    console.log(`\nrolecall serve on loopback, ${os.cpus().length} CPUs, ${seconds}s per scenario\n`);
    console.log('| scenario | requests/s | decisions/s | p50 ms | p99 ms | errors | non-2xx |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.requestsPerSec} | ${r.decisionsPerSec} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
      );
    }
    console.log(`\none decision per request against the peer, same run:\n  ${ratios.join('\n  ')}`);
    if (rows.some((r) => r.errors > 0 || r.non2xx > 0)) process.exitCode = 1;
  } finally {
    echo.child.kill('SIGTERM');
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
