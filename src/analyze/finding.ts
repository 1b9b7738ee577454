/**
 * A finding of an analysis: what is wrong, how bad (Access Analyzer's four finding types), and where
 * (file, JSON path, line:column), with a link to the page that explains it.
 * https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicyFinding.html
 */
export const FINDING_TYPES = ['ERROR', 'SECURITY_WARNING', 'WARNING', 'SUGGESTION'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

/** SARIF levels and the older lint severities, derived from the finding type. */
export type FindingSeverity = 'error' | 'warning' | 'note';

export const SEVERITY_OF: Record<FindingType, FindingSeverity> = {
  ERROR: 'error',
  SECURITY_WARNING: 'warning',
  WARNING: 'warning',
  SUGGESTION: 'note',
};

/** Ordered from the most to the least severe, for thresholds such as `--fail-on`. */
export const FINDING_RANK: Record<FindingType, number> = {
  ERROR: 0,
  SECURITY_WARNING: 1,
  WARNING: 2,
  SUGGESTION: 3,
};

export interface Finding {
  /** Stable machine code: Access Analyzer's issue code (`PASS_ROLE_WITH_STAR_IN_RESOURCE`) or a pack's. */
  code: string;
  type: FindingType;
  severity: FindingSeverity;
  message: string;
  file?: string;
  path: string;
  line: number;
  column: number;
  /** The page that explains the code. */
  link?: string;
  /** The Sid of the statement the finding is in, when it has one. */
  sid?: string;
}

/** What a rule table says of each code: its finding type, a one-line description and its page. */
export interface RuleInfo {
  type: FindingType;
  description: string;
  link: string;
}
