/**
 * What changed between two versions of a policy, statement by statement: actions, resources,
 * principals and conditions added and removed, and statements added or removed. Statements are paired
 * by Sid, then by position among those without a Sid; values compare as IAM compares them (action
 * names case-insensitively, the rest exactly).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
 */
import type { PolicyDocument, Statement } from '../policy/index.js';

export const DIFF_ELEMENTS = [
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
] as const;
export type DiffElement = (typeof DIFF_ELEMENTS)[number];

export type ElementChanges = Partial<Record<DiffElement, string[]>>;

export interface StatementDiff {
  status: 'added' | 'removed' | 'changed';
  sid?: string;
  /** JSON paths of the statement in the old and the new document. */
  from?: string;
  to?: string;
  added: ElementChanges;
  removed: ElementChanges;
}

/** Each element of a statement as a list of comparable entries. */
function entries(s: Statement): Record<DiffElement, Map<string, string>> {
  const set = (values: string[], fold = false) => new Map(values.map((v) => [fold ? v.toLowerCase() : v, v]));
  const principal = (p: Statement['principal']) =>
    p ? (p.wildcard ? ['*'] : p.entries.flatMap((e) => e.values.map((v) => `${e.type}:${v.value}`))) : [];
  return {
    Effect: set([s.effect]),
    Action: set(
      (s.action ?? []).map((a) => a.value),
      true,
    ),
    NotAction: set(
      (s.notAction ?? []).map((a) => a.value),
      true,
    ),
    Resource: set((s.resource ?? []).map((r) => r.value)),
    NotResource: set((s.notResource ?? []).map((r) => r.value)),
    Principal: set(principal(s.principal)),
    NotPrincipal: set(principal(s.notPrincipal)),
    // One entry per operator, key and value: a value added to a key shows as itself.
    Condition: new Map(
      s.conditions.flatMap((c) =>
        (c.values.length > 0 ? c.values.map((v) => v.value) : ['[]']).map((v) => {
          const text = `${c.operator} ${c.key} ${v}`;
          return [`${c.operator} ${c.keyLower} ${v}`, text] as const;
        }),
      ),
    ),
  };
}

function compare(a: Statement | undefined, b: Statement | undefined): StatementDiff | undefined {
  const ea = a ? entries(a) : undefined;
  const eb = b ? entries(b) : undefined;
  const added: ElementChanges = {};
  const removed: ElementChanges = {};
  for (const el of DIFF_ELEMENTS) {
    const x = ea?.[el] ?? new Map<string, string>();
    const y = eb?.[el] ?? new Map<string, string>();
    const plus = [...y].filter(([k]) => !x.has(k)).map(([, v]) => v);
    const minus = [...x].filter(([k]) => !y.has(k)).map(([, v]) => v);
    if (plus.length > 0) added[el] = plus;
    if (minus.length > 0) removed[el] = minus;
  }
  const status = !a ? 'added' : !b ? 'removed' : 'changed';
  if (status === 'changed' && Object.keys(added).length === 0 && Object.keys(removed).length === 0)
    return undefined;
  const sid = (b ?? a)?.sid?.value;
  return {
    status,
    ...(sid !== undefined ? { sid } : {}),
    ...(a ? { from: a.pos.path } : {}),
    ...(b ? { to: b.pos.path } : {}),
    added,
    removed,
  };
}

/** The statements that changed, in the order of the new document, then those removed. */
export function diffPolicies(from: PolicyDocument, to: PolicyDocument): StatementDiff[] {
  const oldBySid = new Map(from.statements.filter((s) => s.sid).map((s) => [s.sid!.value, s]));
  const oldUnnamed = from.statements.filter((s) => !s.sid);
  const used = new Set<Statement>();
  const out: StatementDiff[] = [];
  let unnamed = 0;
  for (const s of to.statements) {
    const match = s.sid ? oldBySid.get(s.sid.value) : oldUnnamed[unnamed++];
    if (match) used.add(match);
    const d = compare(match, s);
    if (d) out.push(d);
  }
  for (const s of from.statements) if (!used.has(s)) out.push(compare(s, undefined)!);
  return out;
}

/** The diff as text: a header per statement, `+`/`-` lines per element entry. */
export function formatPolicyDiff(diff: readonly StatementDiff[]): string {
  let out = '';
  for (const d of diff) {
    const name = d.sid !== undefined ? `\`${d.sid}\`` : (d.to ?? d.from ?? '');
    const where = d.status === 'removed' ? d.from : d.to;
    out += `@@ statement ${name}${d.sid !== undefined ? ` (${where})` : ''} ${d.status} @@\n`;
    for (const el of DIFF_ELEMENTS) {
      for (const v of d.removed[el] ?? []) out += `- ${el} ${v}\n`;
      for (const v of d.added[el] ?? []) out += `+ ${el} ${v}\n`;
    }
  }
  return out === '' ? 'no change in permissions\n' : out;
}
