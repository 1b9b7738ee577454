/**
 * What every JSON endpoint under `/v1/` shares: SigV4 authentication of the request as it arrived, a
 * JSON object body, one authorization step decided by the engine like every IAM call, and errors as
 * `{"error": {"code", "message"}, "requestId"}` with AWS's status codes (src/api/errors.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RolecallError } from '../errors.js';
import { setOwn } from '../own-key.js';
import type { ApiBackend, CallEnvironment } from './backend.js';
import { authenticate, authorizeOperation, type Authenticated } from './call-auth.js';
import { toWireError } from './errors.js';
import { QueryParams } from './form.js';
import type { CallAuthorization, Caller, OperationContext } from './operation.js';
import { EMPTY_QUERY, type IncomingSignedRequest } from './sigv4.js';

export interface JsonCall {
  backend: ApiBackend;
  caller: Caller;
  body: Record<string, unknown>;
  env: CallEnvironment;
  ctx: OperationContext;
  /** Checks that the caller may make these calls (AccessDenied otherwise), as an IAM operation would. */
  authorize: (calls: CallAuthorization[]) => void | Promise<void>;
}

/** An answer already rendered: the members of a JSON object, without its braces (requestId is added). */
export class JsonMembers {
  constructor(readonly text: string) {}
}

const NO_PARAMS = new QueryParams(new Map());
const EMPTY_BODY = Buffer.alloc(0);

/** One authenticated call (a class: built on every request, its `authorize` only when asked for). */
class SignedJsonCall implements JsonCall {
  readonly ctx: OperationContext;
  constructor(
    readonly backend: ApiBackend,
    readonly caller: Caller,
    readonly body: Record<string, unknown>,
    requestId: string,
    region: string,
    now: number,
    sourceIp: string,
  ) {
    this.ctx = { caller, params: NO_PARAMS, requestId, region, now, sourceIp };
  }
  /** The context has the environment's members. */
  get env(): CallEnvironment {
    return this.ctx;
  }
  get authorize(): JsonCall['authorize'] {
    return (calls) => authorizeOperation(this.backend, { authorize: () => calls }, this.ctx);
  }
}

export function invalidInput(message: string, path: string): RolecallError {
  return new RolecallError('ValidationError', message, { path });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `f(value)`: at once when `value` is not a promise (nothing to wait for), else when it resolves. Not
 * named `then`: a module that exports `then` has a thenable namespace, so `import()` of it calls that
 * export with the promise's resolve and reject functions and rejects with the resolve function.
 */
export function whenResolved<T, R>(value: T | Promise<T>, f: (v: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

type Answer = Record<string, unknown> | JsonMembers;

/** What a JSON endpoint reads of a request (a fastify request has it; so has the decision route's own). */
export interface JsonRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body, as received (anything else is an empty body). */
  readonly body: unknown;
  readonly ip: string;
}

/** Sends one JSON answer: its status, the request id (the x-amzn-RequestId header) and the JSON text. */
export type JsonResponder = (status: number, requestId: string, json: string) => void;

/** `handleJson` through fastify's reply. */
export function handleJson(
  backend: ApiBackend,
  req: FastifyRequest,
  reply: FastifyReply,
  now: number,
  run: (call: JsonCall) => Answer | Promise<Answer>,
): Promise<FastifyReply> | undefined {
  const respond: JsonResponder = (status, requestId, json) => {
    void reply
      .status(status)
      .header('x-amzn-RequestId', requestId)
      .type('application/json; charset=utf-8')
      .send(json);
  };
  return answerJson(backend, req, respond, now, run)?.then(() => reply);
}

/**
 * Answers one signed JSON request with `run`'s result (and the request id). When nothing has to wait (the
 * credential and the caller's allow cached, `run` answering at once), the reply is sent before this returns
 * and the result is undefined; otherwise a promise of the reply.
 */
export function answerJson(
  backend: ApiBackend,
  req: JsonRequest,
  respond: JsonResponder,
  now: number,
  run: (call: JsonCall) => Answer | Promise<Answer>,
): Promise<void> | undefined {
  const requestId = req.id;
  let answer: Answer | Promise<Answer>;
  try {
    const q = req.url.indexOf('?');
    let query: Record<string, string> = EMPTY_QUERY;
    if (q >= 0) {
      query = {};
      for (const [k, v] of new URLSearchParams(req.url.slice(q + 1)))
        if (!Object.hasOwn(query, k)) setOwn(query, k, v);
    }
    const incoming: IncomingSignedRequest = {
      method: req.method,
      path: q >= 0 ? req.url.slice(0, q) : req.url,
      query,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : EMPTY_BODY,
    };
    const authenticated = authenticate(backend, incoming, now);
    answer =
      authenticated instanceof Promise
        ? authenticated.then((a) => runCall(backend, req, incoming.body, now, a, run))
        : runCall(backend, req, incoming.body, now, authenticated, run);
  } catch (e) {
    sendError(respond, requestId, e);
    return undefined;
  }
  if (answer instanceof Promise) {
    return answer.then(
      (a) => send(respond, requestId, a),
      (e: unknown) => sendError(respond, requestId, e),
    );
  }
  send(respond, requestId, answer);
  return undefined;
}

/** `run` for an authenticated caller, on the body parsed as a JSON object. */
function runCall(
  backend: ApiBackend,
  req: JsonRequest,
  body: Buffer,
  now: number,
  { caller, claim }: Authenticated,
  run: (call: JsonCall) => Answer | Promise<Answer>,
): Answer | Promise<Answer> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidInput('the body is not valid JSON', '$');
  }
  if (!isRecord(parsed)) throw invalidInput('the body must be a JSON object', '$');
  return run(new SignedJsonCall(backend, caller, parsed, req.id, claim.region, now, req.ip));
}

function send(respond: JsonResponder, requestId: string, answer: Answer): void {
  respond(
    200,
    requestId,
    answer instanceof JsonMembers
      ? `{${answer.text},"requestId":${JSON.stringify(requestId)}}`
      : JSON.stringify({ ...answer, requestId }),
  );
}

/** An error as `{"error": {"code", "message"}, "requestId"}` with its status. */
export function sendError(respond: JsonResponder, requestId: string, e: unknown): void {
  const wire = toWireError(e);
  respond(
    wire.status,
    requestId,
    JSON.stringify({ error: { code: wire.code, message: wire.message }, requestId }),
  );
}
