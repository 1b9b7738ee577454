/**
 * The typed policy document produced by the parser. Every node keeps where it came from (line:column
 * and JSON path) so that validation issues, explanations and lint findings can point at the source.
 */

export interface SourcePos {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** 0-based character offset into the text. */
  offset: number;
  /** JSON path of the node, for example `$.Statement[1].Action[0]`. */
  path: string;
}

/** A scalar from the document, normalised to a string, with its place. */
export interface Located<T = string> {
  value: T;
  pos: SourcePos;
}

/** Which policy a document is. Drives the rules on Principal/NotPrincipal and the allowed elements. */
export type PolicyKind = 'identity' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp' | 'trust';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

export type Effect = 'Allow' | 'Deny';

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

/** `"Principal": "*"` is `{ wildcard: true, entries: [] }`; a map is one entry per type. */
export interface PrincipalBlock {
  wildcard: boolean;
  entries: { type: PrincipalType; values: Located[] }[];
  pos: SourcePos;
}

export type ConditionSetQualifier = 'ForAllValues' | 'ForAnyValue';

/** One key under one operator: `"StringEquals": { "aws:ResourceTag/x": ["a", "b"] }` gives one clause. */
export interface ConditionClause {
  /** The operator as written, for example `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  /** The operator without qualifier and IfExists, for example `StringLike`. */
  baseOperator: ConditionOperator;
  qualifier?: ConditionSetQualifier;
  ifExists: boolean;
  /** The key as written. */
  key: string;
  /** Lower-cased key: context key names are case-insensitive. */
  keyLower: string;
  /** Values normalised to strings (JSON numbers and booleans are stringified). */
  values: Located[];
  pos: SourcePos;
}

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Statement {
  /** Position in the Statement array (0 when the document has a single statement object). */
  index: number;
  sid?: Located;
  effect: Effect;
  action?: Located[];
  notAction?: Located[];
  resource?: Located[];
  notResource?: Located[];
  principal?: PrincipalBlock;
  notPrincipal?: PrincipalBlock;
  conditions: ConditionClause[];
  pos: SourcePos;
}

export interface PolicyDocument {
  /** Absent when the document has no Version element (policy variables are then literal text). */
  version?: PolicyVersion;
  id?: Located;
  statements: Statement[];
  /** Whether Statement was a single object rather than an array (kept for faithful printing). */
  singleStatement: boolean;
}

export type IssueSeverity = 'error' | 'warning';

/** A problem found in a policy, as data. */
export interface PolicyIssue {
  /** Stable machine code, for example `UnknownConditionOperator`, `MissingEffect`, `DuplicateSid`. */
  code: string;
  severity: IssueSeverity;
  /** Follows AWS's MalformedPolicyDocument wording where AWS has one. */
  message: string;
  /** Help kept apart from the message (`did you mean \`StringLike\`?`). */
  hint?: string;
  path: string;
  line: number;
  column: number;
}

export interface ParseResult {
  /** Present when the text parsed into a document with no error-severity issue. */
  document?: PolicyDocument;
  issues: PolicyIssue[];
}

export interface ParseOptions {
  kind?: PolicyKind;
}
