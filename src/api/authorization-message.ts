/**
 * AccessDenied messages and the encoded authorization message that STS DecodeAuthorizationMessage turns
 * back into the explanation. The message is sealed (AES-256-GCM, the store's secret key) with the account
 * the denied request was made in, so that only a caller of that account allowed
 * `sts:DecodeAuthorizationMessage` can read which policies and conditions were involved.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html
 */
import { RolecallError } from '../errors.js';
import type { AuthzResult, ContextValue, PolicySlot } from '../eval/types.js';

export interface DeniedCall {
  principalArn: string;
  principalId: string;
  action: string;
  resource: string;
  context: Readonly<Record<string, ContextValue>>;
}

const SLOT_WORDS: Record<PolicySlot, string> = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  scp: 'service control policy',
  rcp: 'resource control policy',
};

function withArticle(words: string): string {
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;
}

/** The slot of the first statement that explicitly denied, from the explanation. */
function denyingSlot(result: AuthzResult): PolicySlot | undefined {
  for (const p of result.explanation?.policies ?? []) {
    if (p.statements.some((s) => s.applies && s.effect === 'Deny')) return p.slot;
  }
  return undefined;
}

/**
 * AWS's AccessDenied wording: who, what action on which resource, and the policy type that decided.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 */
export function accessDeniedMessage(call: DeniedCall, result: AuthzResult): string {
  const head = `User: ${call.principalArn} is not authorized to perform: ${call.action} on resource: ${call.resource}`;
  switch (result.reason) {
    case 'ExplicitDeny':
      return `${head} with an explicit deny in ${withArticle(SLOT_WORDS[denyingSlot(result) ?? 'identity'])}`;
    case 'ScpNoAllow':
      return `${head} because no service control policy allows the ${call.action} action`;
    case 'RcpNoAllow':
      return `${head} because no resource control policy allows the ${call.action} action`;
    case 'BoundaryNoAllow':
      return `${head} because no permissions boundary allows the ${call.action} action`;
    case 'SessionNoAllow':
      return `${head} because no session policy allows the ${call.action} action`;
    case 'CrossAccountNeedsBoth':
    case 'TrustPolicyRequired':
    case 'KeyPolicyRequired':
    case 'KmsNotCrossAccount':
      return `${head} because no resource-based policy allows the ${call.action} action`;
    default:
      return `${head} because no identity-based policy allows the ${call.action} action`;
  }
}

/** The decoded document, shaped like AWS's (allowed, explicitDeny, matchedStatements, context) plus the explanation. */
export function decodedDocument(call: DeniedCall, result: AuthzResult): Record<string, unknown> {
  const matched = (result.explanation?.policies ?? []).flatMap((p) =>
    p.statements
      .filter((s) => s.applies)
      .map((s) => ({
        policySlot: p.slot,
        ...(p.name !== undefined ? { policyName: p.name } : {}),
        statementIndex: s.index,
        ...(s.sid !== undefined ? { sid: s.sid } : {}),
        effect: s.effect,
        position: { line: s.pos.line, column: s.pos.column },
      })),
  );
  return {
    allowed: result.decision === 'Allow',
    explicitDeny: result.decision === 'ExplicitDeny',
    matchedStatements: { items: matched },
    failures: { items: [] },
    context: {
      principal: { id: call.principalId, arn: call.principalArn },
      action: call.action,
      resource: call.resource,
      conditions: {
        items: Object.entries(call.context).map(([key, value]) => ({
          key,
          values: { items: (Array.isArray(value) ? value : [value]).map((v) => ({ value: String(v) })) },
        })),
      },
    },
    decision: result.decision,
    reason: result.reason,
    ...(result.explanation !== undefined ? { explanation: result.explanation } : {}),
  };
}

/** Seals and opens text with a key kept outside the database (the store's secret box). */
export interface Sealer {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

const PREFIX = 'rcam1.';

/** What a token holds: the account the denied request was made in, and the decoded document. */
interface SealedMessage {
  account: string;
  document: unknown;
}

/** Seals a JSON document, for callers of `account` only, into an opaque token. */
export function sealMessage(document: unknown, account: string, sealer: Sealer): string {
  const sealed: SealedMessage = { account, document };
  return PREFIX + Buffer.from(sealer.encrypt(JSON.stringify(sealed)), 'utf8').toString('base64url');
}

/**
 * Opens a sealed token for a caller of `account` and returns the decoded document as JSON text. A token
 * not sealed with this key, or sealed for another account, is InvalidAuthorizationMessageException: the
 * message of another account's request is not that caller's to read.
 */
export function openMessage(token: string, account: string, sealer: Sealer): string {
  const invalid = new RolecallError(
    'InvalidAuthorizationMessageException',
    'The error message is not a valid encoded authorization message',
  );
  if (!token.startsWith(PREFIX) || !/^[A-Za-z0-9_-]+$/.test(token.slice(PREFIX.length))) throw invalid;
  let sealed: SealedMessage;
  try {
    sealed = JSON.parse(
      sealer.decrypt(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8')),
    ) as SealedMessage;
  } catch {
    throw invalid;
  }
  if (typeof sealed !== 'object' || sealed === null || sealed.account !== account) throw invalid;
  return JSON.stringify(sealed.document);
}
