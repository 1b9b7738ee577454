/**
 * Condition operators compiled into closures. Semantics:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
import { compileArnGlob, compileGlob, type Matcher } from '../policy/wildcard.js';
import type { ConditionClause, ConditionOperator } from '../policy/types.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import type { PreparedRequest, Values } from './request.js';
import type { ConditionExplanation } from './types.js';
import { parseTemplate, resolveTemplate, unescapeLiteral, type Template } from './variables.js';

interface OperatorDef<P> {
  /** A negated operator matches when no policy value matches (NOR), and when the key is absent. */
  negated: boolean;
  prep(policyValue: string): P | undefined;
  test(contextValue: string, p: P): boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
function parseNumber(s: string): number | undefined {
  return NUMBER.test(s.trim()) ? Number(s) : undefined;
}

/** ISO 8601 date/time, or epoch seconds. */
function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function str(negated: boolean, fold = false): OperatorDef<string> {
  return fold
    ? { negated, prep: (v) => unescapeLiteral(v).toLowerCase(), test: (c, p) => c.toLowerCase() === p }
    : { negated, prep: (v) => unescapeLiteral(v), test: (c, p) => c === p };
}
function like(negated: boolean): OperatorDef<Matcher> {
  return { negated, prep: (v) => compileGlob(v), test: (c, m) => m(c) };
}
function num(negated: boolean, rel: (c: number, p: number) => boolean): OperatorDef<number> {
  return {
    negated,
    prep: parseNumber,
    test: (c, p) => {
      const n = parseNumber(c);
      return n !== undefined && rel(n, p);
    },
  };
}
function date(negated: boolean, rel: (c: number, p: number) => boolean): OperatorDef<number> {
  return {
    negated,
    prep: parseDate,
    test: (c, p) => {
      const n = parseDate(c);
      return n !== undefined && rel(n, p);
    },
  };
}
function ip(negated: boolean): OperatorDef<Cidr> {
  return {
    negated,
    prep: parseCidr,
    test: (c, p) => {
      const v = parseIp(c.trim());
      return v !== undefined && cidrContains(p, v);
    },
  };
}
function arn(negated: boolean): OperatorDef<Matcher> {
  // ArnEquals and ArnLike behave the same: part-by-part, wildcards allowed.
  return { negated, prep: (v) => compileArnGlob(v), test: (c, m) => m(c) };
}

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

const OPERATORS: Record<Exclude<ConditionOperator, 'Null'>, OperatorDef<never>> = {
  StringEquals: str(false),
  StringNotEquals: str(true),
  StringEqualsIgnoreCase: str(false, true),
  StringNotEqualsIgnoreCase: str(true, true),
  StringLike: like(false),
  StringNotLike: like(true),
  NumericEquals: num(false, eq),
  NumericNotEquals: num(true, eq),
  NumericLessThan: num(false, lt),
  NumericLessThanEquals: num(false, le),
  NumericGreaterThan: num(false, gt),
  NumericGreaterThanEquals: num(false, ge),
  DateEquals: date(false, eq),
  DateNotEquals: date(true, eq),
  DateLessThan: date(false, lt),
  DateLessThanEquals: date(false, le),
  DateGreaterThan: date(false, gt),
  DateGreaterThanEquals: date(false, ge),
  // Bool compares the strings true/false without regard to case.
  Bool: str(false, true),
  BinaryEquals: str(false),
  IpAddress: ip(false),
  NotIpAddress: ip(true),
  ArnEquals: arn(false),
  ArnLike: arn(false),
  ArnNotEquals: arn(true),
  ArnNotLike: arn(true),
} as unknown as Record<Exclude<ConditionOperator, 'Null'>, OperatorDef<never>>;

export interface CompiledCondition {
  clause: ConditionClause;
  test(req: PreparedRequest): boolean;
  explain(req: PreparedRequest, missing: Set<string>): ConditionExplanation;
}

export function compileCondition(clause: ConditionClause, variables: boolean): CompiledCondition {
  const key = clause.keyLower;
  const raw = clause.values.map((v) => v.value);

  if (clause.baseOperator === 'Null') {
    // Null: true matches an absent key, false a present one; several values are ORed.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    const wantAbsent = raw.map((v) => v.toLowerCase() === 'true');
    const test = (req: PreparedRequest) => {
      const v = req.get(key);
      const absent = v === undefined || v.length === 0;
      return wantAbsent.some((w) => w === absent);
    };
    return {
      clause,
      test,
      explain: (req, missing) => {
        const v = req.get(key);
        if (v === undefined) missing.add(clause.key);
        return explanation(clause, raw, v, test(req));
      },
    };
  }

  const def = OPERATORS[clause.baseOperator] as OperatorDef<unknown>;
  const templates: (Template | undefined)[] = variables ? raw.map(parseTemplate) : raw.map(() => undefined);
  const hasTemplates = templates.some((t) => t !== undefined);
  // Values prepared once; a value AWS cannot read as the operator's type never matches.
  const fixed = hasTemplates ? undefined : raw.map((v) => def.prep(v));

  /** Policy values for this request; undefined when a variable cannot be resolved (the statement is then invalid). */
  const policyValues = (req: PreparedRequest): unknown[] | undefined => {
    if (fixed) return fixed;
    const out: unknown[] = [];
    for (let i = 0; i < raw.length; i++) {
      const t = templates[i];
      if (!t) {
        out.push(def.prep(raw[i]!));
        continue;
      }
      const resolved = resolveTemplate(t, req);
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html (unresolvable variable)
      if (resolved === undefined) return undefined;
      out.push(def.prep(resolved));
    }
    return out;
  };

  const matchesAny = (cv: string, pvs: unknown[]): boolean => {
    for (let i = 0; i < pvs.length; i++) {
      const p = pvs[i];
      if (p !== undefined && def.test(cv, p)) return true;
    }
    return false;
  };

  const test = (req: PreparedRequest): boolean => {
    const cvs = req.get(key);
    if (cvs === undefined || cvs.length === 0) {
      // IfExists: no key, no test. ForAllValues over nothing is true, ForAnyValue false.
      // A missing key does not match; a negated operator is then true.
      if (clause.ifExists) return true;
      if (clause.qualifier === 'ForAllValues') return true;
      if (clause.qualifier === 'ForAnyValue') return false;
      return def.negated;
    }
    const pvs = policyValues(req);
    if (!pvs) return false;
    const neg = def.negated;
    if (clause.qualifier === 'ForAllValues') {
      for (const cv of cvs) if (matchesAny(cv, pvs) === neg) return false;
      return true;
    }
    if (clause.qualifier === 'ForAnyValue') {
      for (const cv of cvs) if (matchesAny(cv, pvs) !== neg) return true;
      return false;
    }
    if (neg) {
      for (const cv of cvs) if (matchesAny(cv, pvs)) return false;
      return true;
    }
    for (const cv of cvs) if (matchesAny(cv, pvs)) return true;
    return false;
  };

  return {
    clause,
    test,
    explain: (req, missing) => {
      const v = req.get(key);
      if (v === undefined) missing.add(clause.key);
      for (const t of templates)
        if (t) for (const k of t.keys) if (req.get(k.toLowerCase()) === undefined) missing.add(k);
      const shown = hasTemplates
        ? raw.map((r, i) => {
            const t = templates[i];
            return t ? unescapeLiteral(resolveTemplate(t, req) ?? r) : r;
          })
        : raw;
      return explanation(clause, shown, v, test(req));
    },
  };
}

function explanation(
  clause: ConditionClause,
  values: string[],
  seen: Values | undefined,
  matched: boolean,
): ConditionExplanation {
  const e: ConditionExplanation = {
    operator: clause.operator,
    key: clause.key,
    values,
    matched,
    pos: clause.pos,
  };
  if (seen !== undefined) e.seen = [...seen];
  return e;
}
