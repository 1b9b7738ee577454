/**
 * An explanation as text, at three levels of detail. By default a decision shows the statements that
 * applied; `--explain` adds the step that decided and the near misses (statements whose action, resource
 * and principal matched but a condition did not, each failing condition with the values it wanted and the
 * values the request had); `--explain-all` lists every step, statement, element and condition. Statements
 * whose action did not match are noise for "why this decision" and appear only in the full listing.
 */
import type { Explanation, PolicyExplanation, StatementExplanation } from '../../eval/types.js';
import type { SourcePos } from '../../policy/types.js';

export type ExplainDetail = 'applied' | 'decided' | 'all';

export interface ExplainOptions {
  /** Names of policies that are files: their positions read `file:line:column`. */
  files?: ReadonlySet<string>;
}

/** Where a statement or condition is: `file:line:column` for a policy file, else `line:column`. */
function place(p: PolicyExplanation, pos: SourcePos, o: ExplainOptions): string {
  return p.name !== undefined && o.files?.has(p.name)
    ? `${p.name}:${pos.line}:${pos.column}`
    : `${pos.line}:${pos.column}`;
}

function label(p: PolicyExplanation, o: ExplainOptions): string {
  const level = p.level !== undefined ? ` level ${p.level}` : '';
  const named = p.name !== undefined && !o.files?.has(p.name) ? ` ${p.name}` : '';
  return `${p.slot}${level}${named}`;
}

/** Matched on action, resource and principal, and stopped only by a condition. */
function nearMiss(st: StatementExplanation): boolean {
  return (
    !st.applies &&
    st.action.matched &&
    st.resource?.matched !== false &&
    st.principal?.matched !== false &&
    st.conditions.some((c) => !c.matched)
  );
}

const shown = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

export function renderExplanation(
  e: Explanation,
  detail: ExplainDetail = 'all',
  o: ExplainOptions = {},
): string {
  const lines: string[] = [];
  const decidingStep = e.steps.at(-1);
  if (detail === 'all') for (const s of e.steps) lines.push(`step ${s.step}: ${s.outcome}`);
  else if (detail === 'decided' && decidingStep)
    lines.push(`decided by step ${decidingStep.step}: ${decidingStep.outcome}`);
  const missing = new Set<string>();
  for (const p of e.policies) {
    for (const st of p.statements) {
      const near = nearMiss(st);
      if (detail !== 'all' && !st.applies && !(detail === 'decided' && near)) continue;
      const id = st.sid ? `${st.sid}` : `#${st.index}`;
      const verdict = st.applies ? 'applies' : near ? 'condition not met' : 'no match';
      lines.push(`${verdict}: ${label(p, o)} statement ${id} (${st.effect}) at ${place(p, st.pos, o)}`);
      if (detail === 'applied' || (detail === 'decided' && st.applies)) continue;
      if (detail === 'all') {
        const by = st.action.matchedBy ? ` by \`${st.action.matchedBy}\`` : '';
        lines.push(`  ${st.action.element}: ${st.action.matched ? `matched${by}` : 'no match'}`);
        if (st.resource)
          lines.push(`  ${st.resource.element}: ${st.resource.matched ? 'matched' : 'no match'}`);
        if (st.principal)
          lines.push(`  ${st.principal.element}: ${st.principal.matched ? 'matched' : 'no match'}`);
      }
      for (const c of st.conditions) {
        if (detail === 'decided' && c.matched) continue;
        if (c.seen === undefined) missing.add(c.key);
        const seen = c.seen === undefined ? 'nothing (the key is absent)' : shown(c.seen);
        lines.push(
          `  ${c.operator} ${c.key}: wanted ${shown(c.values)}, saw ${seen} -> ${c.matched ? 'true' : 'false'} at ${place(p, c.pos, o)}`,
        );
      }
    }
  }
  const keys = detail === 'all' ? e.missingContextKeys : [...missing];
  if (detail !== 'applied' && keys.length > 0) lines.push(`missing context keys: ${keys.join(', ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The statements that applied, for a compact JSON decision. */
export function appliedStatements(
  e: Explanation,
  o: ExplainOptions = {},
): { policy: string; sid?: string; effect: string; at: string }[] {
  return e.policies.flatMap((p) =>
    p.statements
      .filter((st) => st.applies)
      .map((st) => ({
        policy: p.name !== undefined ? `${p.slot} ${p.name}` : p.slot,
        ...(st.sid !== undefined ? { sid: st.sid } : {}),
        effect: st.effect,
        at: place(p, st.pos, o),
      })),
  );
}
