/**
 * Whole-document checks: the Version element, empty Sids, empty Condition and Principal objects,
 * statements that repeat another, and the size quotas of each policy type.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
import { parseTree, type Node } from '../../policy/jsonc.js';
import { policySizeWithoutWhitespace, type Statement } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';

// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const QUOTAS: Partial<Record<CheckInput['kind'], { quota: number; code: ValidateCode; what: string }>> = {
  identity: { quota: 6144, code: 'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA', what: 'managed policy' },
  boundary: { quota: 6144, code: 'POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA', what: 'managed policy' },
  trust: {
    quota: 2048,
    code: 'POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA',
    what: 'role trust policy (default quota)',
  },
  scp: { quota: 5120, code: 'POLICY_SIZE_EXCEEDS_SCP_QUOTA', what: 'service control policy' },
};

/** A statement's meaning without its Sid and position, to find repeated statements. */
function canonical(s: Statement): string {
  const list = (l?: { value: string }[]) => (l ? l.map((x) => x.value).sort() : null);
  const principal = (p?: Statement['principal']) =>
    p ? { w: p.wildcard, e: p.entries.map((e) => [e.type, list(e.values)]).sort() } : null;
  return JSON.stringify([
    s.effect,
    list(s.action),
    list(s.notAction),
    list(s.resource),
    list(s.notResource),
    principal(s.principal),
    principal(s.notPrincipal),
    s.conditions.map((c) => [c.operator, c.keyLower, list(c.values)]).sort(),
  ]);
}

function member(node: Node | undefined, name: string): Node | undefined {
  return node?.children?.find((p) => p.children?.[0]?.value === name)?.children?.[1];
}

export function checkDocument(input: CheckInput, report: Report<ValidateCode>): void {
  const { doc } = input;
  const first = doc.statements[0];
  if (doc.version === undefined && first)
    report(
      'MISSING_VERSION',
      { line: 1, column: 1, path: '$' },
      'no `"Version": "2012-10-17"`: policy variables are literal text and newer features are off',
    );
  const seen = new Map<string, Statement>();
  for (const s of doc.statements) {
    if (s.sid?.value === '')
      report('EMPTY_SID_VALUE', s.sid.pos, 'the Sid is empty; give it a name or remove it', s);
    const key = canonical(s);
    const twin = seen.get(key);
    if (twin)
      report(
        'REDUNDANT_STATEMENT',
        s.pos,
        `the statement repeats statement ${twin.index}${twin.sid ? ` (\`${twin.sid.value}\`)` : ''}`,
        s,
      );
    else seen.set(key, s);
  }
  emptyObjects(input, report);
  const q = QUOTAS[input.kind];
  const size = policySizeWithoutWhitespace(input.text);
  if (q && size > q.quota)
    report(
      q.code,
      { line: 1, column: 1, path: '$' },
      `${size} characters without whitespace is over the ${q.quota} of a ${q.what}`,
    );
}

/** `"Condition": {}`, `"StringEquals": {}` and `"Principal": {}` parse to nothing; find them in the text. */
function emptyObjects(input: CheckInput, report: Report<ValidateCode>): void {
  const root = parseTree(input.text);
  const stmts = member(root, 'Statement');
  const nodes = stmts?.type === 'array' ? (stmts.children ?? []) : stmts ? [stmts] : [];
  for (const s of input.doc.statements) {
    const node = nodes[doc1(input, s)];
    const cond = member(node, 'Condition');
    const at = (n: Node, path: string) => {
      const before = input.text.slice(0, n.offset);
      const line = before.split('\n').length;
      return { line, column: n.offset - before.lastIndexOf('\n'), path };
    };
    if (cond?.type === 'object') {
      if ((cond.children ?? []).length === 0)
        report(
          'EMPTY_OBJECT_CONDITION',
          at(cond, `${s.pos.path}.Condition`),
          'the Condition block is empty',
          s,
        );
      for (const op of cond.children ?? []) {
        const v = op.children?.[1];
        if (v?.type === 'object' && (v.children ?? []).length === 0)
          report(
            'EMPTY_OBJECT_CONDITION',
            at(v, `${s.pos.path}.Condition.${String(op.children?.[0]?.value)}`),
            `\`${String(op.children?.[0]?.value)}\` has no keys`,
            s,
          );
      }
    }
    for (const name of ['Principal', 'NotPrincipal']) {
      const p = member(node, name);
      if (p?.type === 'object' && (p.children ?? []).length === 0)
        report('EMPTY_OBJECT_PRINCIPAL', at(p, `${s.pos.path}.${name}`), `the ${name} object is empty`, s);
    }
  }
}

const doc1 = (input: CheckInput, s: Statement) => (input.doc.singleStatement ? 0 : s.index);
