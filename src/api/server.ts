/**
 * The HTTP endpoint: IAM (2010-05-08) and STS (2011-06-15) in the AWS query protocol on `POST /` (and
 * presigned `GET /`), and the JSON decision API on `POST /v1/authorize`. Every request is authenticated
 * with SigV4 and every call authorized by the engine before anything runs.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type FastifyLoggerOptions,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { RolecallError } from '../errors.js';
import type { ApiBackend } from './backend.js';
import { authenticate } from './call-auth.js';
import { registerConsole, type ConsoleOptions } from './console/routes.js';
import { operationIndex, runOperation } from './dispatch.js';
import { handleDecision } from './decision-api.js';
import { toWireError, type WireError } from './errors.js';
import { QueryParams } from './form.js';
import { API_VERSIONS, NAMESPACES, type OperationContext, type WireService } from './operation.js';
import { checkRequestLimits } from './request-limits.js';
import type { IncomingSignedRequest } from './sigv4.js';
import { renderError, renderResponse } from './xml.js';

export interface ServerOptions {
  backend: ApiBackend;
  /** Largest accepted body in bytes (default 1 MiB); larger answers 413 RequestEntityTooLarge. */
  bodyLimit?: number;
  /** Epoch milliseconds; the server's clock, replaceable in tests. */
  clock?: () => number;
  /** Fastify request logging (secrets are never logged: only method, URL and status). */
  logger?: boolean;
  /** AccessDenied carries an encoded authorization message (local debugging; AWS's IAM and STS do not). */
  encodeDenials?: boolean;
  /** Serve the web console under `/console` (it reads the control plane through console operations). */
  console?: ConsoleOptions;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Request logs carry id, method, path and status only: presigned URLs hold signatures and session tokens
 * in their query string, and headers hold credentials, so neither is logged.
 */
const REDACTED_LOGGER: FastifyLoggerOptions = {
  serializers: {
    req: (req) => ({ id: req.id, method: req.method, url: (req.url ?? '').split('?')[0] ?? '' }),
    res: (res) => ({ statusCode: res.statusCode }),
  },
};

function serviceOfVersion(version: string | undefined): WireService | undefined {
  if (version === API_VERSIONS.iam) return 'iam';
  if (version === API_VERSIONS.sts) return 'sts';
  return undefined;
}

function toIncoming(req: FastifyRequest): IncomingSignedRequest {
  const q = req.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return {
    method: req.method,
    path: q >= 0 ? req.url.slice(0, q) : req.url,
    query,
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { backend } = options;
  const clock = options.clock ?? Date.now;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: options.logger === true ? REDACTED_LOGGER : false,
    bodyLimit,
    // Request ids are AWS's (a UUID per request), generated below.
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  const operationsOf = operationIndex(backend);

  // Bodies are kept raw: the signature covers the exact bytes received.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const sendXmlError = (reply: FastifyReply, service: WireService, requestId: string, err: WireError) =>
    reply
      .status(err.status)
      .header('x-amzn-RequestId', requestId)
      .type('text/xml')
      .send(renderError(err, NAMESPACES[service], requestId));

  const handleQuery = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = req.id;
    const now = clock();
    const incoming = toIncoming(req);
    const contentType = String(req.headers['content-type'] ?? '');
    const formBody = contentType.startsWith('application/x-www-form-urlencoded')
      ? incoming.body.toString('utf8')
      : '';
    const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
    const params = QueryParams.parse(formBody, rawQuery);
    let service: WireService = serviceOfVersion(params.string('Version')) ?? 'iam';
    try {
      const { caller, claim } = await authenticate(backend, incoming, now);
      if (claim.service !== 'iam' && claim.service !== 'sts') {
        throw new RolecallError(
          'SignatureDoesNotMatch',
          `Credential should be scoped to correct service: '${service}'. `,
        );
      }
      service = claim.service;
      const action = params.string('Action');
      if (action === undefined) {
        throw new RolecallError('MissingParameter', 'The request must contain the parameter Action');
      }
      const version = params.string('Version');
      const op = operationsOf(caller.account).get(`${service}:${action}`);
      if (op === undefined || (version !== undefined && version !== API_VERSIONS[service])) {
        throw new RolecallError(
          'InvalidAction',
          `Could not find operation ${action} for version ${version ?? API_VERSIONS[service]}`,
        );
      }
      // The model's limits are checked before anything reads the parameters (authorization builds a
      // context from tags): the cost of a refused request stays linear in its size
      checkRequestLimits(params);
      const ctx: OperationContext = {
        caller,
        params,
        requestId,
        // IAM has one endpoint, in us-east-1, whatever region the client signed for
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion)
        region: service === 'iam' ? 'us-east-1' : claim.region,
        now,
        sourceIp: req.ip,
      };
      const result = await runOperation(backend, op, ctx, { encodeDenials: options.encodeDenials === true });
      return reply
        .status(200)
        .header('x-amzn-RequestId', requestId)
        .type('text/xml')
        .send(renderResponse(op.name, NAMESPACES[service], requestId, result));
    } catch (e) {
      const wire = toWireError(e);
      if (wire.status >= 500) req.log.error({ err: e }, 'request failed');
      return sendXmlError(reply, service, requestId, wire);
    }
  };

  app.post('/', handleQuery);
  app.get('/', handleQuery);
  app.post('/v1/authorize', (req, reply) => handleDecision(backend, req, reply, clock()));
  if (options.console !== undefined) registerConsole(app, backend, clock, options.console);

  app.setNotFoundHandler((req, reply) =>
    sendXmlError(reply, 'iam', req.id, {
      status: 404,
      code: 'NotFound',
      type: 'Sender',
      message: `no such endpoint \`${req.method} ${req.url.split('?')[0] ?? ''}\``,
    }),
  );
  // Errors raised before a handler runs (body too large, unreadable body) still answer AWS XML.
  app.setErrorHandler((error, req, reply) => {
    const wire = toWireError(error);
    if (req.url.startsWith('/v1/')) {
      return reply
        .status(wire.status)
        .header('x-amzn-RequestId', req.id)
        .send({ error: { code: wire.code, message: wire.message }, requestId: req.id });
    }
    return sendXmlError(reply, 'iam', req.id, wire);
  });
  return app;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds and listens; port 0 picks an ephemeral port. */
export async function startServer(
  options: ServerOptions & { port?: number; host?: string },
): Promise<RunningServer> {
  const app = await buildServer(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 4599, host });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new RolecallError('UsageError', `cannot listen on ${host}:${options.port ?? 4599}: ${code}`);
    }
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 4599);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, port, close: () => app.close() };
}
