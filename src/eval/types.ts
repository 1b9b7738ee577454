/**
 * The decision engine's contract: a request, a set of compiled policies, an environment in; a decision
 * (and, on request, the explanation the evaluation itself recorded) out. Vocabulary is the scenario
 * format's (../../docs/scenario-format.md) and AWS's.
 */
import type { PolicyKind, SourcePos } from '../policy/types.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** An ARN (user, role, assumed-role session, account root) or a service principal as written in a policy. */
export type RequestPrincipal = string | { Service: string };

export type ContextScalar = string | number | boolean;
export type ContextValue = ContextScalar | readonly ContextScalar[];

export interface AuthzRequest {
  principal: RequestPrincipal;
  action: string;
  resource: string;
  /** Account that owns the resource where its ARN does not say (S3). */
  resourceAccount?: string;
  /** Request context; key names are case-insensitive. */
  context?: Readonly<Record<string, ContextValue>>;
}

/** Where a compiled policy sits in a policy set. `trust` is a role's trust policy used as the resource policy. */
export type PolicySlot = 'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp';

export interface CompileOptions {
  kind?: PolicyKind;
  /** Shown in explanations: a policy name or ARN. */
  name?: string;
}

/**
 * A policy compiled into an evaluable form. Opaque outside `eval/`: build with `compilePolicy`.
 * Compiled once and reused for any number of decisions.
 */
export interface CompiledPolicy {
  readonly name: string | undefined;
  readonly kind: PolicyKind | undefined;
  /** Implementation detail of eval/. */
  readonly _compiled: unknown;
}

export interface PolicySet {
  identity: readonly CompiledPolicy[];
  /** The target's resource-based policy: bucket policy, key policy, the role's trust policy for sts:AssumeRole*. */
  resource?: CompiledPolicy;
  boundary?: CompiledPolicy;
  /** Session policies of an assumed-role or federated session (inline and managed ARNs). */
  session?: readonly CompiledPolicy[];
  /** One array per organization level of the principal's account, root first. Absent: no organization. */
  scp?: readonly (readonly CompiledPolicy[])[];
  /** One array per organization level of the resource's account, root first. */
  rcp?: readonly (readonly CompiledPolicy[])[];
  /** The principal is a service-linked role (SCPs do not restrict it). */
  serviceLinkedRole?: boolean;
}

export interface AuthzEnv {
  /** Epoch milliseconds; the engine never reads the clock (aws:CurrentTime / aws:EpochTime come from here). */
  now: number;
  /** Record the explanation; off on the hot path. */
  explain?: boolean;
}

/** Which step of AWS's evaluation flow produced the decision. Closed table of reason codes. */
export const DECISION_REASONS = {
  ExplicitDeny: 'a statement explicitly denies the request',
  RcpNoAllow: 'a resource control policy level has no statement that allows the request',
  ScpNoAllow: 'a service control policy level has no statement that allows the request',
  NoAllow: 'no identity-based or resource-based policy allows the request',
  CrossAccountNeedsBoth: 'cross-account access needs both an identity-based and a resource-based allow',
  BoundaryNoAllow: 'the permissions boundary does not allow the request',
  SessionNoAllow: 'the session policy does not allow the request',
  KeyPolicyRequired:
    'a KMS key is only accessible when its key policy allows it (directly or by enabling IAM policies)',
  KmsNotCrossAccount:
    'this KMS operation cannot be called on a key of another account, whatever the key policy says',
  TrustPolicyRequired: 'assuming a role needs its trust policy to allow the principal',
  RootCannotAssumeRole: 'the account root user cannot assume a role',
  Allowed: 'allowed',
} as const;
export type DecisionReason = keyof typeof DECISION_REASONS;

export interface MatchExplanation {
  matched: boolean;
  /** The patterns of the element (Action, NotAction, Resource, ...), and which one matched, if any. */
  element: 'Action' | 'NotAction' | 'Resource' | 'NotResource' | 'Principal' | 'NotPrincipal';
  matchedBy?: string;
}

export interface ConditionExplanation {
  operator: string;
  key: string;
  /** Policy values after variable substitution. */
  values: string[];
  /** The value(s) the request context had for the key; absent when the key was missing. */
  seen?: string[];
  matched: boolean;
  pos: SourcePos;
}

export interface StatementExplanation {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Whether every element and condition matched. */
  applies: boolean;
  action: MatchExplanation;
  resource?: MatchExplanation;
  principal?: MatchExplanation;
  conditions: ConditionExplanation[];
  pos: SourcePos;
}

export interface PolicyExplanation {
  slot: PolicySlot;
  name?: string;
  /** Organization level for scp / rcp (0 = root). */
  level?: number;
  statements: StatementExplanation[];
}

export interface Explanation {
  /** The named steps of the flow in the order they ran, with their outcome. */
  steps: { step: string; outcome: string }[];
  policies: PolicyExplanation[];
  /** Context keys that conditions asked for and the request did not carry. */
  missingContextKeys: string[];
}

export interface AuthzResult {
  decision: Decision;
  reason: DecisionReason;
  explanation?: Explanation;
}
