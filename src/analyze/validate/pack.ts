/**
 * The machinery every check pack runs on: a pack is a typed rule table and a function that reads a
 * parsed policy and reports codes of that table at a source position. Access Analyzer's checks are one
 * pack, the EMR rules another; output formats take the union of the packs' tables as their rule list.
 */
import type { PolicyDocument, PolicyKind, SourcePos, Statement } from '../../policy/index.js';
import { SEVERITY_OF, type Finding, type FindingType, type RuleInfo } from '../finding.js';

/** What a check reads: the document, its kind and the resource type it is attached to. */
export interface CheckInput {
  doc: PolicyDocument;
  kind: PolicyKind;
  /** CloudFormation-style resource type of a resource-based policy (`AWS::S3::Bucket`). */
  resourceType?: string;
  /** The policy text (sizes, variables in elements the document normalises). */
  text: string;
}

export type Report<C extends string> = (
  code: C,
  at: Pick<SourcePos, 'line' | 'column' | 'path'>,
  message: string,
  statement?: Statement,
  type?: FindingType,
) => void;

/** A pack: its rule table and a check that appends its findings for one policy. */
export interface CheckPack {
  name: string;
  rules: Readonly<Record<string, RuleInfo>>;
  check(input: CheckInput, out: Finding[], file?: string): void;
}

/** A pack whose run can report only the codes of its own table. */
export function definePack<C extends string>(
  name: string,
  rules: Readonly<Record<C, RuleInfo>>,
  run: (input: CheckInput, report: Report<C>) => void,
): CheckPack {
  return { name, rules, check: (input, out, file) => run(input, collector(rules, out, file)) };
}

/** Builds the findings of one file with the finding type and link of each code's table entry. */
export function collector<C extends string>(
  rules: Readonly<Record<C, RuleInfo>>,
  out: Finding[],
  file: string | undefined,
): Report<C> {
  return (code, at, message, statement, type) => {
    const rule = rules[code];
    const t = type ?? rule.type;
    const f: Finding = {
      code,
      type: t,
      severity: SEVERITY_OF[t],
      message,
      path: at.path,
      line: at.line,
      column: at.column,
      link: rule.link,
    };
    if (file !== undefined) f.file = file;
    if (statement?.sid) f.sid = statement.sid.value;
    out.push(f);
  };
}
