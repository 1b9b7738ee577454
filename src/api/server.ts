/**
 * The HTTP endpoint: IAM (2010-05-08) and STS (2011-06-15) in the AWS query protocol on `POST /` (and
 * presigned `GET /`), and the JSON decision API on `POST /v1/authorize`. Every request is authenticated
 * with SigV4 and every call authorized by the engine before anything runs.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import Fastify, {
  LogController,
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
import { decisionAnswer } from './decision-api.js';
import { ACCESS_ROUTES, handleAccess } from './access-api.js';
import { toWireError, type WireError } from './errors.js';
import { answerJson, handleJson, sendError, type JsonResponder } from './json-endpoint.js';
import { QueryParams } from './form.js';
import { API_VERSIONS, NAMESPACES, type OperationContext, type WireService } from './operation.js';
import { checkRequestLimits } from './request-limits.js';
import type { IncomingSignedRequest } from './sigv4.js';
import { renderError, renderResponse } from './xml.js';
import { setOwn } from '../own-key.js';

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
 * One log line per request, when it has been answered: request id, path, the call (`iam:CreateRole`),
 * the caller's ARN, the decision and the status. Never the query string (presigned URLs hold signatures
 * and session tokens) nor headers (credentials).
 */
const REDACTED_LOGGER: FastifyLoggerOptions = {
  serializers: {
    req: (req) => ({ id: req.id, method: req.method, url: (req.url ?? '').split('?')[0] ?? '' }),
    res: (res) => ({ statusCode: res.statusCode }),
  },
};

/** What the call log says of one request, filled in as the request is handled. */
interface CallRecord {
  action?: string;
  principal?: string;
  decision?: 'Allow' | 'Deny';
}

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
      setOwn(query, k, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
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

/**
 * The decision route's answers, written together once the event loop has run the I/O callbacks of its
 * turn (an immediate runs after the poll phase) rather than each as soon as it is decided. A write to a
 * client that waits for it wakes that client, and on loopback the writer pays the wake-up in its own
 * system time: measured with perf under `npm run bench:load`, the wake-up inside writev was the largest
 * single cost of answering one decision. Written together, the first answer of a turn wakes the client
 * and the others find it awake. No answer waits beyond the turn it was decided in (the requests read in
 * that same turn are decided first), and answers on one connection keep their order (Node queues a
 * pipelined request's answer behind the one before).
 */
class AnswerBatch {
  private readonly responses: http.ServerResponse[] = [];
  private readonly statuses: number[] = [];
  private readonly ids: string[] = [];
  private readonly texts: string[] = [];
  private readonly flushAll = () => this.flush();
  private scheduled = false;

  add(res: http.ServerResponse, status: number, requestId: string, json: string): void {
    this.responses.push(res);
    this.statuses.push(status);
    this.ids.push(requestId);
    this.texts.push(json);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const { responses, statuses, ids, texts } = this;
    for (let i = 0; i < responses.length; i++) {
      const res = responses[i]!;
      try {
        res.writeHead(statuses[i]!, {
          'x-amzn-requestid': ids[i]!,
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(texts[i]!),
        });
        res.end(texts[i]);
      } catch {
        // The connection failed under the answer: it has no one to answer; the others still go out.
        res.destroy();
      }
    }
    responses.length = 0;
    statuses.length = 0;
    ids.length = 0;
    texts.length = 0;
  }
}

/** The media types a decision request comes with on the server's own route (fastify takes the others). */
const DECISION_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * `POST /v1/authorize` answered on Node's http directly, the one route where fastify's per-request work
 * (its request and reply objects, routing, the content-type parser, the hooks' chain) was a measurable
 * share of a decision's cost. It takes only what it answers exactly as fastify does: that path without a
 * query string, a JSON media type, a Content-Length within the body limit and no Transfer-Encoding, while
 * the server is not closing; fastify answers every other request (chunked or oversized bodies, other
 * media types, the 503 while closing) and every request when the call log is on. The answer is fastify's:
 * the same status, headers (x-amzn-requestid, content-type, content-length) and body, the request id a
 * UUID; the body is copied out of the parser's chunks as fastify copies it. Returns false for a request it
 * does not take.
 */
function decisionRoute(
  backend: ApiBackend,
  clock: () => number,
  bodyLimit: number,
  closing: () => boolean,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const answers = new AnswerBatch();
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/authorize' || closing()) return false;
    const headers = req.headers;
    const declared = headers['content-length'];
    const type = headers['content-type'];
    if (
      declared === undefined ||
      headers['transfer-encoding'] !== undefined ||
      type === undefined ||
      !DECISION_TYPES.has(type)
    )
      return false;
    const length = Number(declared);
    if (!(length <= bodyLimit)) return false;
    const requestId = randomUUID();
    let answered = false;
    const respond: JsonResponder = (status, id, json) => {
      answered = true;
      answers.add(res, status, id, json);
    };
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    // A request cut short ends with an error and no 'end': there is no one to answer.
    req.on('error', () => undefined);
    req.on('end', () => {
      try {
        // The parser frames the body by Content-Length; a mismatch is fastify's 400 all the same.
        if (received !== length) {
          sendError(respond, requestId, { statusCode: 400 });
          return;
        }
        const request = {
          id: requestId,
          method: 'POST',
          url: '/v1/authorize',
          headers,
          body: Buffer.concat(chunks, received),
          ip: req.socket.remoteAddress ?? '',
        };
        answerJson(backend, request, respond, clock(), decisionAnswer)?.catch(() => res.destroy());
      } catch (e) {
        if (!answered) sendError(respond, requestId, e);
        else res.destroy();
      }
    });
    return true;
  };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { backend } = options;
  const clock = options.clock ?? Date.now;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const logCalls = options.logger === true;
  let closing = false;
  // The call log is written by fastify's onResponse hook: with it on, fastify answers every request.
  const decisions = logCalls ? undefined : decisionRoute(backend, clock, bodyLimit, () => closing);
  const app = Fastify({
    // Fastify's own server, with the decision route in front of its handler (the settings are those
    // fastify gives the server it creates).
    serverFactory: (handler, opts) => {
      const settings = opts as {
        keepAliveTimeout?: number;
        requestTimeout?: number;
        connectionTimeout?: number;
      };
      const server = http.createServer(
        decisions === undefined ? handler : (req, res) => decisions(req, res) || handler(req, res),
      );
      server.keepAliveTimeout = settings.keepAliveTimeout ?? 72_000;
      server.requestTimeout = settings.requestTimeout ?? 0;
      server.setTimeout(settings.connectionTimeout ?? 0);
      return server;
    },
    logger: logCalls ? REDACTED_LOGGER : false,
    // The call log below replaces fastify's two lines per request (`POST /` tells nothing).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Request ids are AWS's (a UUID per request), generated below.
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  const operationsOf = operationIndex(backend);
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  // Bodies are kept raw: the signature covers the exact bytes received.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const sendXmlError = (reply: FastifyReply, service: WireService, requestId: string, err: WireError) =>
    reply
      .status(err.status)
      .header('x-amzn-RequestId', requestId)
      .type('text/xml')
      .send(renderError(err, NAMESPACES[service], requestId));

  const calls = new WeakMap<FastifyRequest, CallRecord>();
  if (logCalls) {
    app.addHook('onResponse', (req, reply, done) => {
      const call = calls.get(req);
      req.log.info(
        {
          path: req.url.split('?')[0] ?? '',
          ...call,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        call?.action ?? `${req.method} ${req.url.split('?')[0] ?? ''}`,
      );
      done();
    });
  }

  const handleQuery = async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = req.id;
    const call: CallRecord = {};
    if (logCalls) calls.set(req, call);
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
      call.principal = caller.arn;
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
      call.action = `${service}:${action}`;
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
      call.decision = 'Allow';
      return reply
        .status(200)
        .header('x-amzn-RequestId', requestId)
        .type('text/xml')
        .send(renderResponse(op.name, NAMESPACES[service], requestId, result));
    } catch (e) {
      const wire = toWireError(e);
      if (wire.code === 'AccessDenied') call.decision = 'Deny';
      if (wire.status >= 500) req.log.error({ err: e }, 'request failed');
      return sendXmlError(reply, service, requestId, wire);
    }
  };

  app.post('/', handleQuery);
  app.get('/', handleQuery);
  app.post('/v1/authorize', (req, reply) => handleJson(backend, req, reply, clock(), decisionAnswer));
  for (const route of ACCESS_ROUTES)
    app.post(route, (req, reply) => handleAccess(backend, req, reply, clock()));
  if (options.console !== undefined) registerConsole(app, backend, clock, options.console);
  // For load balancers and scripts waiting for the start: unsigned, and it says nothing about the store.
  app.get('/health', (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

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

function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new RolecallError('UsageError', `cannot listen on ${host}:${port}: ${code}`);
  }
  return e;
}

/**
 * Fails as `startServer` would when the address cannot be listened on, before anything is opened or
 * written (a start that cannot serve leaves no store and no credentials behind).
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (e) {
    throw listenError(e, host, port);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
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
    throw listenError(e, host, options.port ?? 4599);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 4599);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}`, port, close: () => app.close() };
}
