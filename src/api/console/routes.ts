/**
 * The web console under `/console` on the endpoint's port: the page and its bundle (built by
 * `npm run build` into `dist/console/`, never fetched from elsewhere), sign-in with an access key, and
 * `POST /console/api/call`, which runs an IAM, STS or console operation as the signed-in principal
 * through the endpoint's own dispatch: the engine authorizes each call as it authorizes a signed one.
 * Every response carries a Content-Security-Policy that allows this origin's script and style only.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRolecallError, RolecallError } from '../../errors.js';
import type { ApiBackend, ApiControlPlane } from '../backend.js';
import { operationIndex, runOperation, type Dispatchable } from '../dispatch.js';
import { toWireError } from '../errors.js';
import { QueryParams } from '../form.js';
import type { OperationContext } from '../operation.js';
import { XmlMap, isoTimestamp, type XmlValue } from '../xml.js';
import { consoleOperations, type ConsoleOperation } from './operations.js';
import { ConsoleSessions, SESSION_COOKIE, SESSION_TTL_MS } from './sessions.js';
import { setOwn } from '../../own-key.js';

export interface ConsoleOptions {
  controlPlane: ApiControlPlane;
  /** Where the built page lives; default `dist/console` of this package. */
  assetsDir?: string;
  /** Session lifetime in milliseconds (default one hour). */
  sessionTtlMs?: number;
}

export const CONSOLE_PATH = '/console';

/**
 * Operations whose results carry a secret (a secret access key or session credentials): the console never
 * runs them, so no secret reaches a page; use an SDK or the aws CLI for these.
 */
export const SECRET_RESULTS: ReadonlySet<string> = new Set([
  'iam:CreateAccessKey',
  'sts:AssumeRole',
  'sts:GetSessionToken',
  'sts:GetFederationToken',
]);

// No inline script or style, nothing from another origin, no framing.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The package root: the nearest directory above this file with rolecall's package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'rolecall') return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export function defaultAssetsDir(): string {
  return path.join(packageRoot(), 'dist', 'console');
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(dir: string): Map<string, Asset> | undefined {
  if (!fs.existsSync(path.join(dir, 'console.js'))) return undefined;
  const assets = new Map<string, Asset>();
  for (const name of fs.readdirSync(dir)) {
    const type = ASSET_TYPES[path.extname(name)];
    if (type === undefined) continue;
    const body = fs.readFileSync(path.join(dir, name));
    assets.set(name, {
      body,
      type,
      etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
    });
  }
  return assets;
}

function page(assets: Map<string, Asset>): string {
  const v = (name: string) => encodeURIComponent(assets.get(name)?.etag.slice(1, 13) ?? '');
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>rolecall console</title>' +
    // No icon: the browser would otherwise ask for /favicon.ico, which is not the console's.
    '<link rel="icon" href="data:,">' +
    `<link rel="stylesheet" href="${CONSOLE_PATH}/assets/console.css?v=${v('console.css')}">` +
    `<script type="module" src="${CONSOLE_PATH}/assets/console.js?v=${v('console.js')}"></script>` +
    '</head><body><div id="app"><noscript>The rolecall console needs JavaScript.</noscript></div></body></html>\n'
  );
}

/** XML result members as JSON: dates as AWS timestamps, maps as objects. */
export function xmlToJson(v: XmlValue): unknown {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return isoTimestamp(v);
  if (v instanceof XmlMap) return Object.fromEntries(v.entries.map(([k, x]) => [k, xmlToJson(x)]));
  if (Array.isArray(v)) return (v as readonly XmlValue[]).map(xmlToJson);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, XmlValue>)) {
      const j = xmlToJson(x);
      if (j !== undefined) setOwn(out, k, j);
    }
    return out;
  }
  return v;
}

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonBody(req: FastifyRequest): Record<string, unknown> {
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new RolecallError('ValidationError', 'the body must be `application/json`');
  }
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RolecallError('ValidationError', 'the body is not valid JSON', { path: '$' });
  }
  if (!isRecord(parsed)) throw new RolecallError('ValidationError', 'the body must be a JSON object');
  return parsed;
}

/**
 * Cross-site requests are refused whatever they carry: a browser names the page's origin in `Origin`
 * and `Sec-Fetch-Site` on every POST (https://fetch.spec.whatwg.org/#origin-header).
 */
function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

const forbidden = (message: string) => new RolecallError('AccessDenied', message);

export function registerConsole(
  app: FastifyInstance,
  backend: ApiBackend,
  clock: () => number,
  options: ConsoleOptions,
): void {
  const ttl = options.sessionTtlMs ?? SESSION_TTL_MS;
  const sessions = new ConsoleSessions(backend, options.controlPlane.store, clock, ttl);
  const assetsDir = options.assetsDir ?? defaultAssetsDir();
  let assets: Map<string, Asset> | undefined;
  const assetsNow = () => (assets ??= loadAssets(assetsDir));
  const endpointOps = operationIndex(backend);
  const consoleOps = new Map<string, Map<string, ConsoleOperation>>();
  const consoleOpsOf = (account: string) => {
    let ops = consoleOps.get(account);
    if (ops === undefined) {
      ops = new Map(consoleOperations(options.controlPlane, backend, account).map((o) => [o.name, o]));
      consoleOps.set(account, ops);
    }
    return ops;
  };

  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-resource-policy', 'same-origin');

  const sendError = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    const wire = toWireError(e);
    if (wire.status >= 500) req.log.error({ err: e }, 'console request failed');
    return secure(reply)
      .status(wire.status)
      .header('cache-control', 'no-store')
      .send({
        error: {
          code: wire.code,
          message: wire.message,
          // Each problem of a document the page sent (an environment file), at its line:column.
          ...(isRolecallError(e) && e.details.length > 0
            ? {
                details: e.details.map((d) => ({
                  message: d.message,
                  ...(d.place?.line !== undefined ? { line: d.place.line, column: d.place.column ?? 1 } : {}),
                  ...(d.place?.path !== undefined ? { path: d.place.path } : {}),
                })),
              }
            : {}),
        },
        requestId: req.id,
      });
  };

  const sessionCookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${value}; Path=${CONSOLE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;

  /** The signed-in session of a request, with its CSRF token checked for state-changing calls. */
  const signedIn = async (req: FastifyRequest, checkCsrf: boolean) => {
    const found = await sessions.find(cookieValue(req, SESSION_COOKIE));
    if (found === undefined) throw new RolecallError('MissingAuthenticationToken', 'sign in first');
    if (checkCsrf) {
      const token = req.headers['x-csrf-token'];
      if (
        !sameOrigin(req) ||
        !ConsoleSessions.csrfMatches(found.session, typeof token === 'string' ? token : undefined)
      ) {
        throw forbidden('the request is missing the console session token (CSRF)');
      }
    }
    return found;
  };

  const sendPage = (_req: FastifyRequest, reply: FastifyReply) => {
    const built = assetsNow();
    secure(reply).header('cache-control', 'no-store');
    if (built === undefined) {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('the console is not built: run `npm run build`\n');
    }
    return reply.type('text/html; charset=utf-8').send(page(built));
  };
  app.get(CONSOLE_PATH, sendPage);
  app.get(`${CONSOLE_PATH}/`, sendPage);

  app.get<{ Params: { name: string } }>(`${CONSOLE_PATH}/assets/:name`, (req, reply) => {
    const asset = assetsNow()?.get(req.params.name);
    secure(reply);
    if (asset === undefined) {
      return reply.status(404).type('text/plain; charset=utf-8').send('no such asset\n');
    }
    reply.header('etag', asset.etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  });

  app.post(`${CONSOLE_PATH}/api/sign-in`, async (req, reply) => {
    try {
      if (!sameOrigin(req)) throw forbidden('cross-site sign-in is refused');
      const body = jsonBody(req);
      const { accessKeyId, secretAccessKey, sessionToken } = body;
      if (typeof accessKeyId !== 'string' || accessKeyId === '') {
        throw new RolecallError('ValidationError', '`accessKeyId` is required', { path: '$.accessKeyId' });
      }
      if (typeof secretAccessKey !== 'string' || secretAccessKey === '') {
        throw new RolecallError('ValidationError', '`secretAccessKey` is required', {
          path: '$.secretAccessKey',
        });
      }
      if (sessionToken !== undefined && typeof sessionToken !== 'string') {
        throw new RolecallError('ValidationError', '`sessionToken` must be a string', {
          path: '$.sessionToken',
        });
      }
      const { session, caller } = await sessions.signIn({
        accessKeyId: accessKeyId.trim(),
        secretAccessKey,
        ...(sessionToken !== undefined && sessionToken !== '' ? { sessionToken } : {}),
      });
      const maxAge = Math.max(1, Math.ceil((session.expiresAt - clock()) / 1000));
      return secure(reply)
        .header('cache-control', 'no-store')
        .header('set-cookie', sessionCookie(session.id, maxAge))
        .send({
          principal: caller.arn,
          account: caller.account,
          csrfToken: session.csrfToken,
          expiresAt: new Date(session.expiresAt).toISOString(),
        });
    } catch (e) {
      return sendError(req, reply, e);
    }
  });

  app.get(`${CONSOLE_PATH}/api/session`, async (req, reply) => {
    try {
      const { session, caller } = await signedIn(req, false);
      return secure(reply)
        .header('cache-control', 'no-store')
        .send({
          principal: caller.arn,
          account: caller.account,
          csrfToken: session.csrfToken,
          expiresAt: new Date(session.expiresAt).toISOString(),
        });
    } catch (e) {
      return sendError(req, reply, e);
    }
  });

  app.post(`${CONSOLE_PATH}/api/sign-out`, async (req, reply) => {
    try {
      const { session } = await signedIn(req, true);
      await sessions.signOut(session.id);
      return secure(reply)
        .header('cache-control', 'no-store')
        .header('set-cookie', sessionCookie('', 0))
        .send({ signedOut: true });
    } catch (e) {
      return sendError(req, reply, e);
    }
  });

  app.post(`${CONSOLE_PATH}/api/call`, async (req, reply) => {
    try {
      const { caller } = await signedIn(req, true);
      const body = jsonBody(req);
      const { service, action, params } = body;
      if (service !== 'iam' && service !== 'sts' && service !== 'console') {
        throw new RolecallError('ValidationError', '`service` must be `iam`, `sts` or `console`', {
          path: '$.service',
        });
      }
      if (typeof action !== 'string') {
        throw new RolecallError('ValidationError', '`action` is required', { path: '$.action' });
      }
      const map = new Map<string, string>();
      if (params !== undefined) {
        if (!isRecord(params)) throw new RolecallError('ValidationError', '`params` must be an object');
        for (const [k, v] of Object.entries(params)) {
          if (typeof v !== 'string') {
            throw new RolecallError('ValidationError', `parameter \`${k}\` must be a string`, {
              path: `$.params.${k}`,
            });
          }
          map.set(k, v);
        }
      }
      if (SECRET_RESULTS.has(`${service}:${action}`)) {
        throw new RolecallError(
          'InvalidAction',
          `\`${service}:${action}\` is not available in the console: its result holds a secret`,
        );
      }
      const op: Dispatchable<unknown> | undefined =
        service === 'console'
          ? consoleOpsOf(caller.account).get(action)
          : endpointOps(caller.account).get(`${service}:${action}`);
      if (op === undefined) {
        throw new RolecallError('InvalidAction', `Could not find operation ${action} of ${service}`);
      }
      const ctx: OperationContext = {
        caller,
        params: new QueryParams(map),
        requestId: req.id,
        region: 'us-east-1',
        now: clock(),
        sourceIp: req.ip,
      };
      const result = await runOperation(backend, op, ctx);
      return secure(reply)
        .header('cache-control', 'no-store')
        .send({
          result: service === 'console' ? result : (xmlToJson(result as XmlValue) ?? {}),
          requestId: req.id,
        });
    } catch (e) {
      return sendError(req, reply, e);
    }
  });
}
