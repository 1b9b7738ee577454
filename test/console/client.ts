/** A console client without a browser: sign-in (cookie and CSRF token), then calls as the signed-in principal. */
import assert from 'node:assert/strict';
import type { Credentials } from '../api/harness.js';

export interface ConsoleSession {
  cookie: string;
  csrf: string;
  setCookie: string;
  body: Record<string, unknown>;
}

export function consolePost(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/console/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

export async function consoleSignIn(url: string, creds: Credentials): Promise<ConsoleSession> {
  const res = await consolePost(url, 'sign-in', {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
  });
  assert.equal(res.status, 200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as Record<string, unknown>;
  return { cookie: setCookie.split(';')[0] ?? '', csrf: String(body.csrfToken), setCookie, body };
}

/** One call through `/console/api/call` with the session's cookie and CSRF token. */
export function consoleCall(
  url: string,
  s: ConsoleSession,
  service: 'iam' | 'sts' | 'console',
  action: string,
  params: Record<string, string> = {},
  extra: Record<string, string> = {},
): Promise<Response> {
  return consolePost(
    url,
    'call',
    { service, action, params },
    { cookie: s.cookie, 'x-csrf-token': s.csrf, ...extra },
  );
}
