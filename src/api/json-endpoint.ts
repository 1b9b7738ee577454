/**
 * What every JSON endpoint under `/v1/` shares: SigV4 authentication of the request as it arrived, a
 * JSON object body, one authorization step decided by the engine like every IAM call, and errors as
 * `{"error": {"code", "message"}, "requestId"}` with AWS's status codes (src/api/errors.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RolecallError } from '../errors.js';
import type { ApiBackend, CallEnvironment } from './backend.js';
import { authenticate, authorizeOperation } from './call-auth.js';
import { toWireError } from './errors.js';
import { QueryParams } from './form.js';
import type { CallAuthorization, Caller, OperationContext } from './operation.js';

export interface JsonCall {
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
const NO_QUERY: Record<string, string> = Object.freeze({});
const EMPTY_BODY = Buffer.alloc(0);

export function invalidInput(message: string, path: string): RolecallError {
  return new RolecallError('ValidationError', message, { path });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `f(value)`: at once when `value` is not a promise (nothing to wait for), else when it resolves. */
export function then<T, R>(value: T | Promise<T>, f: (v: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

type Answer = Record<string, unknown> | JsonMembers;

/**
 * Answers one signed JSON request with `run`'s result (and the request id). When nothing has to wait (the
 * credential and the caller's allow cached, `run` answering at once), the reply is sent before this returns
 * and the result is undefined; otherwise a promise of the reply.
 */
export function handleJson(
  backend: ApiBackend,
  req: FastifyRequest,
  reply: FastifyReply,
  now: number,
  run: (call: JsonCall) => Answer | Promise<Answer>,
): Promise<FastifyReply> | undefined {
  const requestId = req.id;
  let answer: Answer | Promise<Answer>;
  try {
    const q = req.url.indexOf('?');
    const query: Record<string, string> = q >= 0 ? {} : NO_QUERY;
    if (q >= 0) for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) query[k] ??= v;
    const body = Buffer.isBuffer(req.body) ? req.body : EMPTY_BODY;
    const incoming = {
      method: req.method,
      path: q >= 0 ? req.url.slice(0, q) : req.url,
      query,
      headers: req.headers,
      body,
    };
    answer = then(authenticate(backend, incoming, now), ({ caller, claim }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw invalidInput('the body is not valid JSON', '$');
      }
      if (!isRecord(parsed)) throw invalidInput('the body must be a JSON object', '$');
      const sourceIp = req.ip;
      const ctx: OperationContext = {
        caller,
        params: NO_PARAMS,
        requestId,
        region: claim.region,
        now,
        sourceIp,
      };
      return run({
        caller,
        body: parsed,
        env: { now, sourceIp, region: claim.region },
        ctx,
        authorize: (calls) => authorizeOperation(backend, { authorize: () => calls }, ctx),
      });
    });
  } catch (e) {
    sendError(reply, requestId, e);
    return undefined;
  }
  if (answer instanceof Promise) {
    return answer.then(
      (a) => send(reply, requestId, a),
      (e: unknown) => sendError(reply, requestId, e),
    );
  }
  send(reply, requestId, answer);
  return undefined;
}

function send(reply: FastifyReply, requestId: string, answer: Answer): FastifyReply {
  if (answer instanceof JsonMembers) {
    return reply
      .header('x-amzn-RequestId', requestId)
      .type('application/json; charset=utf-8')
      .send(`{${answer.text},"requestId":${JSON.stringify(requestId)}}`);
  }
  return reply.header('x-amzn-RequestId', requestId).send({ ...answer, requestId });
}

function sendError(reply: FastifyReply, requestId: string, e: unknown): FastifyReply {
  const wire = toWireError(e);
  return reply
    .status(wire.status)
    .header('x-amzn-RequestId', requestId)
    .send({ error: { code: wire.code, message: wire.message }, requestId });
}
