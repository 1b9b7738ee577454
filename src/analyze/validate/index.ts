/**
 * `validate`: one policy text in, findings out. The text is parsed (grammar issues become findings
 * under Access Analyzer's codes) and, when it parses, every pack asked for runs over the document.
 * Findings are sorted by position so that output is stable.
 */
import { findNodeAtLocation, parseTree, type Segment } from '../../policy/jsonc.js';
import { parsePolicy, type PolicyKind } from '../../policy/index.js';
import type { Finding, RuleInfo } from '../finding.js';
import { accessAnalyzerPack } from './access-analyzer.js';
import { VALIDATE_CHECKS, type ValidateCode } from './checks.js';
import { grammarCode } from './grammar.js';
import { collector, type CheckPack } from './pack.js';

export { VALIDATE_CHECKS, type ValidateCode } from './checks.js';
export { accessAnalyzerPack } from './access-analyzer.js';
export { RESOURCE_TYPES } from './resource-types.js';
export { definePack } from './pack.js';
export type { CheckPack, CheckInput, Report } from './pack.js';

export interface ValidateOptions {
  kind: PolicyKind;
  resourceType?: string;
  file?: string;
  /** The packs to run; Access Analyzer's by default. */
  packs?: readonly CheckPack[];
}

/** `$.Statement[0].Action[1]` → JSON segments, to read the value a parser issue is about. */
function segments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

export function validatePolicyText(text: string, opts: ValidateOptions): Finding[] {
  const out: Finding[] = [];
  const grammar = collector<ValidateCode>(VALIDATE_CHECKS, out, opts.file);
  const parsed = parsePolicy(text, { kind: opts.kind });
  const tree = parsed.issues.length > 0 ? parseTree(text) : undefined;
  for (const issue of parsed.issues) {
    const node = tree ? findNodeAtLocation(tree, segments(issue.path)) : undefined;
    const value = node?.type === 'string' ? (node.value as string) : undefined;
    const code = grammarCode(issue, opts.kind, value);
    const message = issue.hint ? `${issue.message} (${issue.hint})` : issue.message;
    // IAM rejects the whole document on a grammar error, whatever Access Analyzer calls the finding.
    // A parser warning (an RCP Allow outside RCPFullAWSAccess) stays a warning.
    const type =
      issue.severity === 'warning' ? 'WARNING' : code === 'ALLOW_WITH_NOT_PRINCIPAL' ? undefined : 'ERROR';
    grammar(code, issue, message, undefined, type);
  }
  if (parsed.document) {
    const input = {
      doc: parsed.document,
      kind: opts.kind,
      text,
      ...(opts.resourceType === undefined ? {} : { resourceType: opts.resourceType }),
    };
    for (const pack of opts.packs ?? [accessAnalyzerPack]) pack.check(input, out, opts.file);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
}

/** The rule table of a set of packs (with the grammar codes), for SARIF and JUnit rule lists. */
export function rulesOf(packs: readonly CheckPack[]): Record<string, RuleInfo> {
  const out: Record<string, RuleInfo> = { ...VALIDATE_CHECKS };
  for (const p of packs) Object.assign(out, p.rules);
  return out;
}
