/**
 * Starts `rolecall serve`'s server in-process on loopback (ephemeral port, temporary SQLite store) and
 * reads the administrator credentials the first start wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { openApi, type OpenApi } from '../../src/api/index.js';
import { loadPolicyEngine } from '../../src/iam/index.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TestServer {
  url: string;
  dir: string;
  admin: Credentials;
  api: OpenApi;
  /** Moves the server's clock (milliseconds). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export function readCredentialsFile(file: string): Credentials {
  const text = fs.readFileSync(file, 'utf8');
  const accessKeyId = /aws_access_key_id\s*=\s*(\S+)/.exec(text)?.[1];
  const secretAccessKey = /aws_secret_access_key\s*=\s*(\S+)/.exec(text)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error(`no credentials in ${file}`);
  return { accessKeyId, secretAccessKey };
}

export async function startTestServer(
  options: { bodyLimit?: number; encodeDenials?: boolean } = {},
): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-api-'));
  let offset = 0;
  const api = await openApi({
    store: path.join(dir, 'rolecall.db'),
    credentialsFile: path.join(dir, 'credentials'),
    port: 0,
    host: '127.0.0.1',
    clock: () => Date.now() + offset,
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.encodeDenials !== undefined ? { encodeDenials: options.encodeDenials } : {}),
  });
  return {
    url: api.url,
    dir,
    api,
    admin: readCredentialsFile(path.join(dir, 'credentials')),
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A skip reason while the policy core (src/policy, src/eval) has not landed yet: only a missing module
 * skips; a core that loads but fails makes the suites fail.
 */
export async function coreMissing(): Promise<string | false> {
  try {
    await loadPolicyEngine();
    return false;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/Cannot find module|ERR_MODULE_NOT_FOUND/.test(message)) {
      const reason = `the policy core is not available yet: ${message.split('\n')[0] ?? ''}`;
      console.log(`# skipped: ${reason}`);
      return reason;
    }
    throw e;
  }
}

/** The headers of a POST of `body` to `path` signed with `creds` (region us-east-1), host included. */
export async function signedHeaders(
  url: string,
  creds: Credentials,
  opts: { path: string; contentType: string; body: string; service: string },
): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({
    credentials: creds,
    region: 'us-east-1',
    service: opts.service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: opts.path,
    query: {},
    headers: { host: u.host, 'content-type': opts.contentType },
    body: opts.body,
  });
  return signed.headers;
}

/** Signs `body` with `creds` and POSTs it to the server as the query protocol (bodies the SDK never sends). */
export async function signedPost(
  url: string,
  creds: Credentials,
  body: string,
  service: 'iam' | 'sts' = 'iam',
): Promise<{ status: number; text: string }> {
  const contentType = 'application/x-www-form-urlencoded';
  const headers = await signedHeaders(url, creds, { path: '/', contentType, body, service });
  const res = await fetch(url + '/', { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** Signs `body` (JSON) with `creds` and POSTs it to `path` (the JSON decision and access APIs). */
export async function signedJson(
  url: string,
  creds: Credentials,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = JSON.stringify(body);
  const contentType = 'application/json';
  const headers = await signedHeaders(url, creds, { path, contentType, body: text, service: 'rolecall' });
  const res = await fetch(url + path, { method: 'POST', headers, body: text });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
