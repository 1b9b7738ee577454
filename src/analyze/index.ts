/** Analyses of policies: the EMR lint, SARIF output, and access checks decided by the engine. */
export type { Finding, FindingSeverity } from './finding.js';
export { toSarif, type SarifRule } from './sarif.js';
export { lintEmrPolicy, EMR_LINT_RULES, type EmrLintKind } from './emr-lint.js';
export { ACCESS_POLICY_KINDS, aloneSet, type AccessPolicyKind } from './policy-alone.js';
export {
  checkNoNewAccess,
  checkAccessNotGranted,
  type AccessCheckOptions,
  type AccessCheckResult,
  type AccessNotGrantedOptions,
  type AccessWitness,
  type CheckVerdict,
} from './no-new-access.js';
export { allowedUnderSome, allowedActionPatterns, type AllowedUnder } from './allowed-under-some.js';
export {
  CODE_RUNNING_SERVICES,
  ESCALATION_METHODS,
  decidingStatements,
  escalationPaths,
  renderDot,
  renderEscalationText,
  renderMermaid,
  type CodeRunningService,
  type EdgeEffect,
  type EdgeStep,
  type EscalationEdge,
  type EscalationMethod,
  type EscalationPath,
  type EscalationReport,
} from './escalation.js';
