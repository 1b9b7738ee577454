/** Analyses of policies: `validate` (check packs), the EMR lint, CI outputs, and access checks decided by the engine. */
export {
  FINDING_TYPES,
  FINDING_RANK,
  SEVERITY_OF,
  type Finding,
  type FindingSeverity,
  type FindingType,
  type RuleInfo,
} from './finding.js';
export { toSarif, type SarifRule } from './sarif.js';
export { toJUnit, toGithubAnnotations, fails } from './ci-formats.js';
export {
  lintEmrPolicy,
  emrPack,
  EMR_RULES,
  EMR_LINT_RULES,
  type EmrLintKind,
  type EmrCode,
} from './emr-lint.js';
export {
  validatePolicyText,
  rulesOf,
  accessAnalyzerPack,
  definePack,
  VALIDATE_CHECKS,
  RESOURCE_TYPES,
  type ValidateCode,
  type ValidateOptions,
  type CheckPack,
  type CheckInput,
} from './validate/index.js';
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
  escalationReports,
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
