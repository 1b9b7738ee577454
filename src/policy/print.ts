/**
 * A parsed document back to policy JSON. Parsing the printed text gives the same document (apart from
 * positions): single values print as strings, statements keep their order, a single-statement document
 * stays a single object, and condition clauses regroup under their operator in their original order.
 */
import type { ConditionClause, Located, PolicyDocument, PrincipalBlock, Statement } from './types.js';

type Json = string | Json[] | { [key: string]: Json };

const list = (l: Located[]): Json => (l.length === 1 ? l[0]!.value : l.map((v) => v.value));

function principalJson(b: PrincipalBlock): Json {
  if (b.wildcard) return '*';
  const out: Record<string, Json> = {};
  for (const e of b.entries) out[e.type] = list(e.values);
  return out;
}

function conditionJson(clauses: ConditionClause[]): Json {
  const out: Record<string, Record<string, Json>> = {};
  for (const c of clauses) {
    const byKey = (out[c.operator] ??= {});
    // An empty list must stay a list: `[]` and a string mean different things to ForAllValues.
    byKey[c.key] = c.values.length === 1 ? c.values[0]!.value : c.values.map((v) => v.value);
  }
  return out;
}

function statementJson(s: Statement): Json {
  const out: Record<string, Json> = {};
  if (s.sid) out.Sid = s.sid.value;
  out.Effect = s.effect;
  if (s.principal) out.Principal = principalJson(s.principal);
  if (s.notPrincipal) out.NotPrincipal = principalJson(s.notPrincipal);
  if (s.action) out.Action = list(s.action);
  if (s.notAction) out.NotAction = list(s.notAction);
  if (s.resource) out.Resource = list(s.resource);
  if (s.notResource) out.NotResource = list(s.notResource);
  if (s.conditions.length > 0) out.Condition = conditionJson(s.conditions);
  return out;
}

/** The document as policy JSON text, indented by `indent` spaces (0: one line). */
export function printPolicy(doc: PolicyDocument, indent = 2): string {
  const out: Record<string, Json> = {};
  if (doc.version) out.Version = doc.version;
  if (doc.id) out.Id = doc.id.value;
  const statements = doc.statements.map(statementJson);
  out.Statement = doc.singleStatement && statements.length === 1 ? statements[0]! : statements;
  return JSON.stringify(out, null, indent);
}
