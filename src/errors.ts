/**
 * One error vocabulary for the whole project. Codes reuse AWS's error codes where AWS has one, so the
 * API layer can map them to the wire without parsing message text (see src/api/errors.ts for the map).
 */
export type ErrorCode =
  // IAM (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and per-operation errors)
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'LimitExceeded'
  | 'DeleteConflict'
  | 'ConcurrentModification'
  | 'MalformedPolicyDocument'
  | 'InvalidInput'
  | 'UnmodifiableEntity'
  | 'PolicyNotAttachable'
  | 'ServiceFailure'
  // STS
  | 'PackedPolicyTooLarge'
  | 'ExpiredToken'
  | 'InvalidAuthorizationMessageException'
  | 'RegionDisabledException'
  // common
  | 'AccessDenied'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'IncompleteSignature'
  | 'MissingAuthenticationToken'
  | 'RequestExpired'
  | 'InvalidAction'
  | 'MissingParameter'
  | 'ValidationError'
  | 'InvalidParameterValue'
  | 'RequestEntityTooLarge'
  // rolecall's own (never sent on the AWS wire as such)
  | 'InvalidScenario'
  | 'InvalidFile'
  | 'StoreUnavailable'
  /** The store did not finish a statement in time (PostgreSQL's statement timeout); nothing was written. */
  | 'StoreTimeout'
  | 'UsageError';

export interface ErrorPlace {
  file?: string;
  /** JSON path such as `$.Statement[0].Condition`. */
  path?: string;
  line?: number;
  column?: number;
}

/** An error a user caused or can act on: rendered at the edge as one line, never as a stack trace. */
export class RolecallError extends Error {
  override readonly name = 'RolecallError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly place: ErrorPlace = {},
    readonly details: readonly { message: string; place?: ErrorPlace }[] = [],
  ) {
    super(message);
  }

  /** `file:line:column: JSON path: CODE: message`, the parts that are known. */
  render(): string {
    const lines = [`${formatPlace(this.place)}${this.code}: ${this.message}`];
    for (const d of this.details) lines.push(`  ${formatPlace(d.place ?? {})}${d.message}`);
    return lines.join('\n');
  }
}

export function formatPlace(place: ErrorPlace): string {
  let out = '';
  if (place.file !== undefined) out += place.file;
  if (place.line !== undefined) out += `${out ? ':' : ''}${place.line}:${place.column ?? 1}`;
  if (place.path !== undefined) out += `${out ? ' ' : ''}${place.path}`;
  return out ? `${out}: ` : '';
}

export function isRolecallError(e: unknown): e is RolecallError {
  return e instanceof RolecallError;
}
