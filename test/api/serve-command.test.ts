/**
 * `rolecall serve` as a user starts it: first start creates the administrator key in a credentials file
 * readable only by its owner and prints how to use it; the key works; a second start keeps it; SIGTERM
 * stops the server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { repoRoot } from '../helpers/paths.js';
import { coreMissing, readCredentialsFile } from './harness.js';

const skip = await coreMissing();

interface Started {
  url: string;
  output: () => string;
  /** Resolves once the output matches `re` (each chunk of output is checked as it arrives). */
  waitFor: (re: RegExp) => Promise<RegExpExecArray>;
  stop: () => Promise<number | null>;
}

/** `rolecall serve` from the installed bin (the built bundle), as a user starts it. */
const bin = path.join(repoRoot, 'bin/rolecall.cjs');

async function serve(dir: string, ...extra: string[]): Promise<Started> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--store', path.join(dir, 'rolecall.db'), ...extra],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROLECALL_SECRET_KEY: '' } },
  );
  let out = '';
  const waiting = new Set<() => void>();
  const read = (c: Buffer) => {
    out += c.toString('utf8');
    for (const check of waiting) check();
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no ${String(re)} from serve in 60 s:\n${out}`)), 60_000);
      const done = (error: Error | undefined, m?: RegExpExecArray) => {
        clearTimeout(timer);
        waiting.delete(check);
        if (m) resolve(m);
        else reject(error ?? new Error('unreachable'));
      };
      const check = () => {
        const m = re.exec(out);
        if (m) done(undefined, m);
      };
      void exited.then(() => done(new Error(`serve exited:\n${out}`)));
      waiting.add(check);
      check();
    });
  // Ready when the server says where it listens.
  const url = (await waitFor(/listening on (http:\/\/\S+)/))[1]!;
  return {
    url,
    output: () => out,
    waitFor,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test(
  'first start writes a 0600 credentials file that signs real SDK calls; restart keeps the key',
  { skip },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-serve-'));
    try {
      const first = await serve(dir);
      const credentialsFile = path.join(dir, 'credentials');
      let creds;
      try {
        assert.match(first.output(), /administrator credentials written to .*credentials/);
        assert.match(first.output(), /aws iam list-roles --endpoint-url http:\/\/127\.0\.0\.1:\d+/);
        assert.equal(fs.statSync(credentialsFile).mode & 0o777, 0o600);
        creds = readCredentialsFile(credentialsFile);
        // The secret is in the file, never on the console.
        assert.ok(!first.output().includes(creds.secretAccessKey));
        const who = await new STSClient({
          endpoint: first.url,
          region: 'us-east-1',
          credentials: creds,
        }).send(new GetCallerIdentityCommand({}));
        assert.match(who.Arn ?? '', /^arn:aws:iam::\d{12}:user\/rolecall-admin$/);
      } finally {
        assert.equal(await first.stop(), 0);
      }
      assert.match(first.output(), /rolecall: stopped/);
      const second = await serve(dir, '--log');
      try {
        assert.doesNotMatch(second.output(), /administrator credentials written/);
        // Every start says how to use the key, not only the first.
        assert.match(second.output(), /administrator credentials in .*credentials/);
        assert.match(second.output(), /aws iam list-roles --endpoint-url http:\/\/127\.0\.0\.1:\d+/);
        const who = await new STSClient({
          endpoint: second.url,
          region: 'us-east-1',
          credentials: creds,
        }).send(new GetCallerIdentityCommand({}));
        assert.match(who.Arn ?? '', /user\/rolecall-admin$/);
        const health = await fetch(`${second.url}/health`);
        assert.equal(health.status, 200);
        assert.deepEqual(await health.json(), { status: 'ok' });
        // The call log names the call, the caller and the decision, one JSON line per request (written
        // as the answer goes out: the client may read the answer before the line arrives here).
        await second.waitFor(/^\{.*"action":"sts:GetCallerIdentity".*\}$/m);
        const lines = second
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const logged = lines.find((l) => l.action === 'sts:GetCallerIdentity');
        assert.ok(logged, second.output());
        assert.equal(logged.principal, who.Arn);
        assert.equal(logged.decision, 'Allow');
        assert.equal(logged.status, 200);
        assert.ok(!second.output().includes(creds.secretAccessKey));
        // A start that cannot listen (the port is taken) fails before it writes a store or a key.
        const other = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-serve-'));
        const port = new URL(second.url).port;
        const busy = spawnSync(
          process.execPath,
          [bin, 'serve', '--port', port, '--store', path.join(other, 'rolecall.db')],
          { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
        );
        assert.equal(busy.status, 1);
        assert.equal(busy.stderr, `rolecall: UsageError: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`);
        assert.deepEqual(fs.readdirSync(other), []);
        fs.rmSync(other, { recursive: true, force: true });
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
