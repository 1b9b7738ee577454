/**
 * The console's only way to the server: JSON calls to `/console/api/…` with the session cookie (sent by
 * the browser, never readable here) and the CSRF token the server handed out at sign-in.
 */

/** A problem of a document the page sent, at its place. */
export interface ErrorDetail {
  message: string;
  line?: number;
  column?: number;
  path?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface SessionInfo {
  principal: string;
  account: string;
  csrfToken: string;
  expiresAt: string;
}

let csrfToken = '';

/** Fires `signed-out` when the server no longer knows the session (expired, signed out, key deactivated). */
export const sessionEvents = new EventTarget();

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-csrf-token': csrfToken };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/console/api/${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: ErrorDetail[] };
  } & Record<string, unknown>;
  if (!res.ok || json.error !== undefined) {
    if (json.error?.code === 'MissingAuthenticationToken' && path !== 'session') {
      sessionEvents.dispatchEvent(new Event('signed-out'));
    }
    throw new ApiError(
      json.error?.code ?? 'Error',
      json.error?.message ?? res.statusText,
      res.status,
      json.error?.details ?? [],
    );
  }
  return json as T;
}

export async function currentSession(): Promise<SessionInfo | undefined> {
  try {
    const s = await request<SessionInfo>('GET', 'session');
    csrfToken = s.csrfToken;
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return undefined;
    throw e;
  }
}

export async function signIn(accessKeyId: string, secretAccessKey: string, sessionToken: string) {
  const s = await request<SessionInfo>('POST', 'sign-in', {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== '' ? { sessionToken } : {}),
  });
  csrfToken = s.csrfToken;
  return s;
}

export async function signOut(): Promise<void> {
  await request('POST', 'sign-out', {});
  csrfToken = '';
}

export type Json = Record<string, unknown>;

/** Runs one IAM, STS or console operation as the signed-in principal. */
export async function call<T = Json>(
  service: 'iam' | 'sts' | 'console',
  action: string,
  params: Record<string, string> = {},
): Promise<T> {
  const r = await request<{ result: T }>('POST', 'call', { service, action, params });
  return r.result;
}

/** Every page of an IAM list operation (`Marker` / `IsTruncated`). */
export async function callAll<T = Json>(
  action: string,
  listKey: string,
  params: Record<string, string> = {},
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await call<Json>('iam', action, {
      ...params,
      MaxItems: '1000',
      ...(marker !== undefined ? { Marker: marker } : {}),
    });
    out.push(...((r[listKey] as T[] | undefined) ?? []));
    if (r.IsTruncated !== true || typeof r.Marker !== 'string') break;
    marker = r.Marker;
  }
  return out;
}

/** Policy documents travel URL-encoded on the IAM wire. */
export function decodeDocument(doc: unknown): string {
  if (typeof doc !== 'string') return '';
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
}

/** A wire value as text: strings as they are, numbers and booleans printed, nothing as an empty string. */
export function text(v: unknown, absent = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === undefined || v === null ? absent : JSON.stringify(v);
}

export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
