/** Analyses of policies that report findings: the EMR lint, and SARIF output shared by analysis commands. */
export type { Finding, FindingSeverity } from './finding.js';
export { toSarif, type SarifRule } from './sarif.js';
export { lintEmrPolicy, EMR_LINT_RULES, type EmrLintKind } from './emr-lint.js';
