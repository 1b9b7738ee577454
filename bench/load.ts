/**
 * Load test of `rolecall serve` on loopback: the decision API (`POST /v1/authorize`, one decision per
 * request and batches) and signed IAM/STS query calls, each driven by autocannon for a bounded time.
 * The server runs in its own process (started the way a user starts it) so that the load generator does
 * not share its event loop. The peer: a bare fastify server in its own process answering a decision-shaped
 * JSON to the same POST (no signature, no decision). Each round measures rolecall and the peer with the
 * same connections in alternating one-second slices, so both see the same machine however its load
 * changes; the ratios are per round, and their median is printed. Besides requests/s, the CPU time each
 * server process spent per request (user + system, from /proc, all its threads) is printed: on a shared
 * machine it is the steadier of the two figures.
 *
 * How to read the two ratios: near idle, the measured server has a core to itself (autocannon runs on the
 * other, and the server not being measured waits), so its requests/s is one over its CPU per request and
 * the requests/s ratio comes close to the CPU ratio. Under load, every process gets a time share; the load
 * generator's share caps both servers alike and the requests/s ratio moves towards 1. The CPU ratio does
 * not depend on the load: it is the figure to compare across runs.
 *
 * The peer does what any JSON endpoint on fastify must: the same fastify version and request id (a UUID),
 * the body kept raw and parsed as JSON, and the same answer (same members, same length, same headers:
 * content-type, content-length, x-amzn-RequestId, keep-alive). rolecall answers this request on Node's
 * http directly, in front of fastify (src/api/server.ts, decisionRoute); the peer stays the fastify
 * endpoint that issue 13's target is stated against.
 *
 * Every response is checked: the decision of each answer (and of each member of a batch) against the one
 * the bench expects from the role's policy below; a mismatch fails the run.
 *
 *   npm run bench:load                          # 5 s per measurement, 3 rounds
 *   ROLECALL_BENCH_SECONDS=10 ROLECALL_BENCH_ROUNDS=5 npm run bench:load
 *   ROLECALL_BENCH_ONLY=one npm run bench:load  # one of: one, batch, query
 *   ROLECALL_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:load
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { staleSource } from '../scripts/stale-dist.js';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}
type Autocannon = (opts: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  verifyBody: (body: string) => boolean;
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bounded = (v: string | undefined, dflt: number, max: number) =>
  Math.min(Math.max(Math.round(Number(v ?? dflt)) || dflt, 1), max);
const seconds = bounded(process.env.ROLECALL_BENCH_SECONDS, 5, 60);
const rounds = bounded(process.env.ROLECALL_BENCH_ROUNDS, 3, 20);
const only = process.env.ROLECALL_BENCH_ONLY;

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

interface Server {
  url: string;
  child: ChildProcess;
}

function waitForListening(child: ChildProcess, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

const compiled = path.join(root, 'dist/rolecall.cjs');

async function startServer(dir: string): Promise<Server> {
  // The compiled CLI (`npm run build`) when present, as `npm start` runs it; else from source through tsx.
  const useCompiled = fs.existsSync(compiled);
  const entry = useCompiled
    ? [path.join(root, 'bin/rolecall.cjs')]
    : ['--import', 'tsx', path.join(root, 'src/cli/main.ts')];
  console.log(
    `server: ${useCompiled ? 'compiled (dist/)' : 'from source via tsx (run `npm run build` first for compiled figures)'}`,
  );
  const child = spawn(
    process.execPath,
    [
      ...(process.env.ROLECALL_BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []),
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
  return { url: await waitForListening(child, 'rolecall serve'), child };
}

/** The peer: fastify answering rolecall's JSON for the bench's request to POST /v1/authorize, nothing else. */
async function startEcho(): Promise<Server> {
  const code = `
    import Fastify from 'fastify';
    import { randomUUID } from 'node:crypto';
    const app = Fastify({ logger: false, genReqId: () => randomUUID() });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.post('/v1/authorize', (req, reply) => {
      JSON.parse(req.body.toString('utf8'));
      return reply.header('x-amzn-RequestId', req.id).send({ decision: 'Allow', reason: 'Allowed', requestId: req.id });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log('listening on http://127.0.0.1:' + app.server.address().port);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { url: await waitForListening(child, 'echo peer'), child };
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

/** CPU seconds (user + system) a process has used so far; undefined where /proc is not available. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Measure {
  scenario: string;
  requestsPerSec: number;
  decisionsPerSec: number;
  /** Server CPU microseconds per decision (per request when one decision per request). */
  cpuUsPerDecision: number | undefined;
  p50: number;
  p99: number;
  failures: number;
}

/** What one autocannon run measured, to be added up with others. */
interface Sample {
  requests: number;
  seconds: number;
  /** CPU seconds of the server process; undefined without /proc. */
  cpu: number | undefined;
  p50: number[];
  p99: number;
  failures: number;
}

interface Load {
  scenario: string;
  server: Server;
  pathName: string;
  headers: Record<string, string>;
  body: string;
  decisionsPerRequest: number;
  connections: number;
  /** True when the response body is the expected answer. */
  verify: (body: string) => boolean;
}

async function sample(load: Load, duration: number): Promise<Sample> {
  const before = cpuSeconds(load.server.child.pid);
  const result = await autocannon({
    url: load.server.url + load.pathName,
    method: 'POST',
    headers: load.headers,
    body: load.body,
    connections: load.connections,
    duration,
    verifyBody: load.verify,
  });
  const after = cpuSeconds(load.server.child.pid);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    cpu: before !== undefined && after !== undefined ? after - before : undefined,
    p50: [result.latency.p50],
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}

function add(a: Sample, b: Sample): Sample {
  return {
    requests: a.requests + b.requests,
    seconds: a.seconds + b.seconds,
    cpu: a.cpu !== undefined && b.cpu !== undefined ? a.cpu + b.cpu : undefined,
    p50: [...a.p50, ...b.p50],
    p99: Math.max(a.p99, b.p99),
    failures: a.failures + b.failures,
  };
}

function summary(load: Load, s: Sample): Measure {
  const decisions = s.requests * load.decisionsPerRequest;
  return {
    scenario: `${load.scenario}, ${load.connections} conn.`,
    requestsPerSec: Math.round(s.requests / s.seconds),
    decisionsPerSec: Math.round(decisions / s.seconds),
    cpuUsPerDecision: s.cpu !== undefined && decisions > 0 ? (s.cpu * 1e6) / decisions : undefined,
    p50: median(s.p50),
    p99: s.p99,
    failures: s.failures,
  };
}

async function measure(load: Load, duration = seconds): Promise<Measure> {
  return summary(load, await sample(load, duration));
}

/**
 * Two loads in alternating one-second slices, `seconds` of each: both see the same machine, however its
 * load changes while they run.
 */
async function interleaved(a: Load, b: Load): Promise<[Measure, Measure]> {
  let sa = await sample(a, 1);
  let sb = await sample(b, 1);
  for (let i = 1; i < seconds; i++) {
    sa = add(sa, await sample(a, 1));
    sb = add(sb, await sample(b, 1));
  }
  return [summary(a, sa), summary(b, sb)];
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined ? 'n/a' : x.toFixed(digits));

/** The decision the bench expects for an action, from the role's policy (POLICY below). */
function expectedDecision(action: string): string {
  if (action === 's3:GetObject') return 'Allow';
  if (action === 's3:DeleteObject') return 'ExplicitDeny';
  return 'ImplicitDeny';
}

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::emr-logs/*' },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
  ],
});
const ACTIONS = ['s3:GetObject', 'ec2:CreateNetworkInterface', 's3:DeleteObject'];

/** `{results: [...]}` whose decisions are `expected`, in order. */
function batchVerifier(expected: string[]): (body: string) => boolean {
  return (body) => {
    try {
      const parsed = JSON.parse(body) as { results?: { decision?: string }[] };
      const results = parsed.results;
      return (
        Array.isArray(results) &&
        results.length === expected.length &&
        results.every((r, i) => r.decision === expected[i])
      );
    } catch {
      return false;
    }
  };
}

function singleVerifier(expected: string): (body: string) => boolean {
  return (body) => {
    try {
      return (JSON.parse(body) as { decision?: string }).decision === expected;
    } catch {
      return false;
    }
  };
}

/** Fails unless both servers answer `body` with the same members, length and header names. */
async function checkSameAnswer(
  a: Server,
  b: Server,
  headers: Record<string, string>,
  body: string,
): Promise<void> {
  const answer = async (srv: Server) => {
    const res = await fetch(`${srv.url}/v1/authorize`, { method: 'POST', headers, body });
    const text = await res.text();
    const members = Object.keys(JSON.parse(text) as object).join(',');
    const names = [...res.headers.keys()].filter((h) => h !== 'date').join(',');
    return { status: res.status, length: text.length, members, names, text };
  };
  const [x, y] = [await answer(a), await answer(b)];
  if (x.status !== y.status || x.length !== y.length || x.members !== y.members || x.names !== y.names) {
    throw new Error(
      `the peer does not answer what rolecall answers:\n  rolecall ${x.status} [${x.names}] ${x.text}\n  peer     ${y.status} [${y.names}] ${y.text}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-load-'));
  const server = await startServer(dir);
  const echo = await startEcho();
  try {
    const creds = readCredentials(path.join(dir, 'credentials'));
    const url = server.url;
    const form = 'application/x-www-form-urlencoded';
    const call = async (service: string, body: string): Promise<string> => {
      const res = await fetch(url + '/', {
        method: 'POST',
        headers: await signed(url, creds, service, '/', form, body),
        body,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${body.split('&')[0]} failed: ${res.status} ${text}`);
      return text;
    };
    // The role asked about, created through the API itself, with an Allow, an explicit Deny and (every
    // other action) an implicit deny.
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
    const created = await call(
      'iam',
      `Action=CreateRole&Version=2010-05-08&RoleName=EMR_DefaultRole&AssumeRolePolicyDocument=${encodeURIComponent(trust)}`,
    );
    const principal = /<Arn>([^<]+)<\/Arn>/.exec(created)?.[1];
    if (!principal) throw new Error('CreateRole gave no Arn');
    await call(
      'iam',
      `Action=PutRolePolicy&Version=2010-05-08&RoleName=EMR_DefaultRole&PolicyName=logs&PolicyDocument=${encodeURIComponent(POLICY)}`,
    );

    const json = 'application/json';
    const one = JSON.stringify({
      principal,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::emr-logs/j-1/stdout',
      context: { 'aws:SourceIp': '10.0.0.1' },
    });
    const batchOf = (n: number) => {
      const requests = Array.from({ length: n }, (_, i) => ({
        principal,
        action: ACTIONS[i % ACTIONS.length]!,
        resource: `arn:aws:s3:::emr-logs/j-${i}/stdout`,
      }));
      return {
        body: JSON.stringify({ requests }),
        expected: requests.map((r) => expectedDecision(r.action)),
      };
    };
    // Signed requests are replayed unchanged: SigV4 has no nonce, only the 15-minute window.
    const authorize = async (body: string) => signed(url, creds, 'rolecall', '/v1/authorize', json, body);
    const oneHeaders = await authorize(one);
    const loads: { kind: string; load: Load }[] = [];
    const oneDecision = (connections: number, srv: Server, scenario: string): Load => ({
      scenario,
      server: srv,
      pathName: '/v1/authorize',
      headers: oneHeaders,
      body: one,
      decisionsPerRequest: 1,
      connections,
      verify: singleVerifier('Allow'),
    });
    for (const size of [20, 1000]) {
      const b = batchOf(size);
      loads.push({
        kind: 'batch',
        load: {
          scenario: `decision API, batch of ${size}`,
          server,
          pathName: '/v1/authorize',
          headers: await authorize(b.body),
          body: b.body,
          decisionsPerRequest: size,
          connections: size > 100 ? 4 : 8,
          verify: batchVerifier(b.expected),
        },
      });
    }
    const getRole = 'Action=GetRole&Version=2010-05-08&RoleName=EMR_DefaultRole';
    const callerId = 'Action=GetCallerIdentity&Version=2011-06-15';
    loads.push(
      {
        kind: 'query',
        load: {
          scenario: 'IAM GetRole (signed)',
          server,
          pathName: '/',
          headers: await signed(url, creds, 'iam', '/', form, getRole),
          body: getRole,
          decisionsPerRequest: 1,
          connections: 8,
          verify: (b) => b.includes(`<Arn>${principal}</Arn>`),
        },
      },
      {
        kind: 'query',
        load: {
          scenario: 'STS GetCallerIdentity (signed)',
          server,
          pathName: '/',
          headers: await signed(url, creds, 'sts', '/', form, callerId),
          body: callerId,
          decisionsPerRequest: 1,
          connections: 8,
          verify: (b) => b.includes('<GetCallerIdentityResult>'),
        },
      },
    );

    // A fair peer answers what rolecall answers: the same members, the same length, the same headers.
    if (only === undefined || only === 'one') await checkSameAnswer(server, echo, oneHeaders, one);

    // Warm-up (the JIT, the resolver's caches), not reported.
    const warm = (load: Load) => measure(load, 1);
    if (only === undefined || only === 'one') {
      await warm(oneDecision(8, server, ''));
      await warm(oneDecision(8, echo, ''));
    }
    for (const { kind, load } of loads) if (only === undefined || only === kind) await warm(load);

    const rows: Measure[] = [];
    const ratios = new Map<number, { rps: number[]; cpu: number[] }>();
    const decisionRates = new Map<string, { dps: number[]; cpu: number[] }>();
    for (let round = 0; round < rounds; round++) {
      if (only === undefined || only === 'one') {
        for (const c of [8, 32]) {
          const [ours, peer] = await interleaved(
            oneDecision(c, server, 'decision API, 1 decision/request'),
            oneDecision(c, echo, 'bare fastify JSON echo (peer)'),
          );
          rows.push(ours, peer);
          const r = ratios.get(c) ?? { rps: [], cpu: [] };
          r.rps.push(ours.requestsPerSec / peer.requestsPerSec);
          if (ours.cpuUsPerDecision !== undefined && peer.cpuUsPerDecision !== undefined) {
            r.cpu.push(peer.cpuUsPerDecision / ours.cpuUsPerDecision);
          }
          ratios.set(c, r);
        }
      }
      for (const { kind, load } of loads) {
        if (only !== undefined && only !== kind) continue;
        const m = await measure(load);
        rows.push(m);
        const d = decisionRates.get(m.scenario) ?? { dps: [], cpu: [] };
        d.dps.push(m.decisionsPerSec);
        if (m.cpuUsPerDecision !== undefined) d.cpu.push(m.cpuUsPerDecision);
        decisionRates.set(m.scenario, d);
      }
    }

    const [load1] = os.loadavg();
    console.log(
      `\nrolecall serve on loopback, ${os.cpus().length} CPUs, load average ${fmt(load1, 2)}, ${seconds}s per measurement, ${rounds} rounds\n`,
    );
    console.log(
      '| scenario | requests/s | decisions/s | server CPU µs/decision | p50 ms | p99 ms | failed |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.requestsPerSec} | ${r.decisionsPerSec} | ${fmt(r.cpuUsPerDecision)} | ${r.p50} | ${r.p99} | ${r.failures} |`,
      );
    }
    if (ratios.size > 0) {
      console.log(
        '\none decision per request, rolecall against the bare fastify peer (median of the rounds):',
      );
      for (const [c, r] of ratios) {
        console.log(
          `  ${c} connections: requests/s ${fmt(median(r.rps), 2)}x (rounds ${r.rps.map((x) => fmt(x, 2)).join(', ')}); ` +
            `CPU per request ${r.cpu.length > 0 ? `${fmt(median(r.cpu), 2)}x (peer's CPU/request over rolecall's)` : 'n/a'}`,
        );
      }
    }
    if (decisionRates.size > 0) {
      console.log('\ndecisions/s and server CPU µs per decision (median of the rounds):');
      for (const [scenario, d] of decisionRates) {
        const cpu = d.cpu.length > 0 ? median(d.cpu) : undefined;
        console.log(
          `  ${scenario}: ${Math.round(median(d.dps))}/s; ${fmt(cpu, 2)} µs CPU each` +
            (cpu !== undefined ? ` (${Math.round(1e6 / cpu)}/s per core)` : ''),
        );
      }
    }
    const failed = rows.reduce((n, r) => n + r.failures, 0);
    if (failed > 0) {
      console.log(`\n${failed} responses failed (error, non-2xx or an unexpected decision)`);
      process.exitCode = 1;
    } else {
      console.log('\nevery response carried the expected decision');
    }
  } finally {
    echo.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A dist/ older than the source would measure code that is no longer there: refused.
const stale = fs.existsSync(compiled) ? staleSource(root, compiled) : undefined;
if (stale !== undefined) {
  console.error(`bench:load: dist/ is older than ${path.relative(root, stale)}; run \`npm run build\` first`);
  process.exitCode = 1;
} else {
  await main();
}
