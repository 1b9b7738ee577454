/**
 * The one place where domain errors become wire errors: HTTP status, AWS error code and Sender/Receiver.
 * Statuses follow the `awsQueryError` traits of the IAM and STS models and AWS's common errors pages.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
import { isRolecallError, type ErrorCode, type ErrorPlace } from '../errors.js';

export interface WireError {
  status: number;
  /** The AWS error code put in `<Code>`. */
  code: string;
  type: 'Sender' | 'Receiver';
  message: string;
}

const WIRE: Record<ErrorCode, { status: number; code?: string }> = {
  NoSuchEntity: { status: 404 },
  EntityAlreadyExists: { status: 409 },
  LimitExceeded: { status: 409 },
  DeleteConflict: { status: 409 },
  ConcurrentModification: { status: 409 },
  MalformedPolicyDocument: { status: 400 },
  InvalidInput: { status: 400 },
  UnmodifiableEntity: { status: 400 },
  PolicyNotAttachable: { status: 400 },
  ServiceFailure: { status: 500 },
  PackedPolicyTooLarge: { status: 400 },
  ExpiredToken: { status: 403 },
  InvalidAuthorizationMessageException: { status: 400 },
  RegionDisabledException: { status: 403 },
  AccessDenied: { status: 403 },
  InvalidClientTokenId: { status: 403 },
  SignatureDoesNotMatch: { status: 403 },
  // Both 400 on the Common Errors pages above: a signature that does not follow SigV4's form, and an input
  // that fails a constraint of the operation (a missing member, a length, a pattern, an enum).
  IncompleteSignature: { status: 400 },
  MissingAuthenticationToken: { status: 403 },
  RequestExpired: { status: 400 },
  InvalidAction: { status: 400 },
  MissingParameter: { status: 400 },
  ValidationError: { status: 400 },
  InvalidParameterValue: { status: 400 },
  RequestEntityTooLarge: { status: 413 },
  // rolecall's own codes should not reach the wire; if one does, it is the caller's input that was wrong.
  InvalidScenario: { status: 400, code: 'InvalidInput' },
  InvalidFile: { status: 400, code: 'InvalidInput' },
  UsageError: { status: 400, code: 'InvalidInput' },
  StoreUnavailable: { status: 503, code: 'ServiceUnavailable' },
  StoreTimeout: { status: 503, code: 'ServiceUnavailable' },
};

/**
 * Where in the caller's input the error is, appended to AWS's message: the JSON path and, for a document,
 * the line:column (a JSON syntax error is only at `$`, so its line and column are the place).
 */
function wirePlace(place: ErrorPlace): string {
  const parts: string[] = [];
  if (place.path !== undefined && (place.path !== '$' || place.line === undefined)) parts.push(place.path);
  if (place.line !== undefined) parts.push(`line ${place.line}, column ${place.column ?? 1}`);
  return parts.length > 0 ? ` (at ${parts.join(', ')})` : '';
}

/** Turns anything thrown while serving a request into the error AWS would send; never leaks a stack. */
export function toWireError(e: unknown): WireError {
  if (isRolecallError(e)) {
    const w = WIRE[e.code];
    const place = wirePlace(e.place);
    return {
      status: w.status,
      code: w.code ?? e.code,
      type: w.status >= 500 ? 'Receiver' : 'Sender',
      message: `${e.message}${place}`,
    };
  }
  const status = httpStatusOf(e);
  if (status === 413) {
    return {
      status: 413,
      code: 'RequestEntityTooLarge',
      type: 'Sender',
      message: 'request body is larger than the limit',
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return { status: 400, code: 'ValidationError', type: 'Sender', message: 'the request could not be read' };
  }
  // IAM's wording for an unexpected failure (ServiceFailure); the details stay in the server.
  return {
    status: 500,
    code: 'ServiceFailure',
    type: 'Receiver',
    message: 'The request processing has failed because of an unknown error, exception or failure.',
  };
}

/** Fastify's own errors (body too large, bad content length) carry a statusCode. */
function httpStatusOf(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'statusCode' in e) {
    const s = e.statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}
