/**
 * What an IAM or STS operation is to the endpoint: its wire name, the action and resource the engine
 * authorizes the caller for, and the handler that calls the control plane and returns the `…Result` members.
 */
import type { ContextValue } from '../eval/types.js';
import type { QueryParams } from './form.js';
import type { XmlValue } from './xml.js';

export type WireService = 'iam' | 'sts';

export const NAMESPACES: Record<WireService, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

export const API_VERSIONS: Record<WireService, string> = { iam: '2010-05-08', sts: '2011-06-15' };

/** The authenticated principal that signed the request. */
export interface Caller {
  /** `arn:aws:iam::ACCT:user/NAME`, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` or `arn:aws:iam::ACCT:root`. */
  arn: string;
  /** AWS's unique id: `AIDA…` for users, `AROA…:session` for role sessions, the account id for root. */
  userId: string;
  account: string;
  accessKeyId: string;
  /** Temporary (STS) credentials. */
  temporary: boolean;
  /** Temporary credentials of an IAM user from GetSessionToken (not a role session). */
  fromSessionToken?: boolean;
  /** A federated user session (GetFederationToken): it can call no IAM operation and no STS one but GetCallerIdentity. */
  federated?: boolean;
  /** A role session's source identity: it persists along a role chain and cannot change. */
  sourceIdentity?: string;
}

export interface OperationContext {
  caller: Caller;
  params: QueryParams;
  requestId: string;
  /** Region of the credential scope the client signed with. */
  region: string;
  /** Epoch milliseconds at the start of the request. */
  now: number;
  sourceIp: string;
}

/** One authorization the call needs; most operations need one, a few (AssumeRole) a special path. */
export interface CallAuthorization {
  action: string;
  resource: string;
  /** Request-specific context keys (aws:RequestTag/…, aws:TagKeys, iam:PolicyARN, iam:PermissionsBoundary). */
  context?: Record<string, ContextValue>;
  /**
   * The caller's identity-based policies must allow it, whatever the resource's policy says (as if it only
   * delegated to the caller's account): for the permissions AWS requires on both sides.
   */
  identityOnly?: true;
}

export type OperationResult = { readonly [name: string]: XmlValue } | undefined;

export interface Operation {
  service: WireService;
  name: string;
  /**
   * The authorization(s) to check before running, computed from the parameters. An empty list means none
   * is needed (GetCallerIdentity). Called after authentication.
   */
  authorize(ctx: OperationContext): CallAuthorization[] | Promise<CallAuthorization[]>;
  run(ctx: OperationContext): Promise<OperationResult>;
}
