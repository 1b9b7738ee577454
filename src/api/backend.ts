/**
 * What the endpoint needs from the control plane, kept narrow so the HTTP layer (signatures, envelopes,
 * errors) does not depend on how identities and policies are stored.
 */
import type { AuthzRequest, AuthzResult } from '../eval/types.js';
import type { AccessControlPlane, ControlPlane, PolicyEngine, Resolver } from '../iam/index.js';
import type { Sealer } from './authorization-message.js';
import type { CallAuthorization, Caller, Operation } from './operation.js';

export interface StoredCredential {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials issued by STS. */
  sessionToken?: string;
  /** Epoch milliseconds after which temporary credentials are expired. */
  expiresAt?: number;
  /** An access key made Inactive by UpdateAccessKey. */
  active: boolean;
  caller: Caller;
}

export interface CallEnvironment {
  now: number;
  sourceIp: string;
  region: string;
}

export interface ApiBackend {
  /** The credential of an access key id; without waiting (not a promise) when the cache holds it. */
  findCredential(accessKeyId: string): StoredCredential | undefined | Promise<StoredCredential | undefined>;
  /**
   * Authorizes the caller for one API call as AWS would, with the explanation when `explain` is set;
   * without waiting (not a promise) when the allow is cached.
   */
  authorizeCall(
    caller: Caller,
    call: CallAuthorization,
    env: CallEnvironment,
    explain: boolean,
  ): AuthzResult | Promise<AuthzResult>;
  /**
   * The decision API: evaluates a request for a principal known to the store; `credential` names the
   * session (access key id) whose own record decides.
   */
  decide(
    request: AuthzRequest,
    env: CallEnvironment,
    explain: boolean,
    options?: { credential?: string },
  ): Promise<AuthzResult>;
  /**
   * The decision API's requests, in order, against one environment: the store's revision is checked
   * once, and each request whose policy set the resolver holds is decided without waiting (the result is
   * then an array, not a promise). `credentials[i]`, when set, names the session of `requests[i]`.
   */
  decideAll(
    requests: readonly AuthzRequest[],
    env: CallEnvironment,
    explain: boolean,
    credentials?: readonly (string | undefined)[],
  ): AuthzResult[] | Promise<AuthzResult[]>;
  /** The operations acting in one account (the caller's): built once per account and cached by the server. */
  operations(account: string): readonly Operation[];
  /** Seals encoded authorization messages with a key kept outside the database. */
  sealer: Sealer;
  /** The identities, resolver and engine the access analyses (who-can, escalation) read. */
  access: AccessControlPlane;
}

/** The control plane with the engine and the resolver the endpoint decides with. */
export interface ApiControlPlane extends ControlPlane {
  engine: PolicyEngine;
  resolver: Resolver;
}
