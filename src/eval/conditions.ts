/**
 * Condition operators compiled into closures. Semantics:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * A compiled condition's test allocates nothing per decision unless its values hold policy variables.
 */
import {
  arnColons,
  compileArnGlob,
  compileGlob,
  globMatch,
  matchArnPattern,
  type Matcher,
} from '../policy/wildcard.js';
import type { ConditionClause, ConditionOperator } from '../policy/types.js';
import { parseDate, parseNumber } from './values.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { equalsLower, valueAt, valueCount, type PreparedRequest } from './request.js';
import type { ConditionExplanation, ContextValue } from './types.js';
import { parseTemplate, resolveTemplate, unescapeLiteral, type Template } from './variables.js';

interface OperatorDef<P> {
  /** A negated operator matches when no policy value matches (NOR), and when the key is absent. */
  negated: boolean;
  /** The policy value in the form `test` wants; undefined when AWS cannot read it as the operator's type. */
  prep(policyValue: string): P | undefined;
  test(contextValue: string, p: P): boolean;
  /**
   * Only String, Bool and ARN operators substitute policy variables; under the others `${...}` is text.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
   */
  variables: boolean;
  /** Whether a resolved variable value is a pattern (its own `*` and `?` must then stay literal). */
  wildcards: boolean;
  /** Tests a value resolved at decision time, without compiling it (no closure per decision). */
  testResolved?: (contextValue: string, resolved: string) => boolean;
}

function str(negated: boolean): OperatorDef<string> {
  return {
    negated,
    variables: true,
    wildcards: false,
    prep: (v) => v,
    test: (c, p) => c === p,
    testResolved: (c, p) => c === p,
  };
}
function strFold(negated: boolean): OperatorDef<string> {
  return {
    negated,
    variables: true,
    wildcards: false,
    prep: (v) => v.toLowerCase(),
    test: (c, p) => equalsLower(c, p),
    testResolved: (c, p) => equalsLower(c, p.toLowerCase()),
  };
}
function like(negated: boolean): OperatorDef<Matcher> {
  return {
    negated,
    variables: true,
    wildcards: true,
    prep: (v) => compileGlob(v),
    test: (c, m) => m(c),
    testResolved: (c, p) => globMatch(p, c),
  };
}
function num(negated: boolean, rel: (c: number, p: number) => boolean): OperatorDef<number> {
  return {
    negated,
    variables: false,
    wildcards: false,
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
    variables: false,
    wildcards: false,
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
    variables: false,
    wildcards: false,
    prep: (v) => parseCidr(v.trim()),
    test: (c, p) => {
      const v = parseIp(c.trim());
      return v !== undefined && cidrContains(p, v);
    },
  };
}
function arn(negated: boolean): OperatorDef<Matcher> {
  // ArnEquals and ArnLike behave the same: part by part, wildcards allowed.
  return {
    negated,
    variables: true,
    wildcards: true,
    prep: (v) => compileArnGlob(v),
    test: (c, m) => m(c),
    testResolved: (c, p) => matchArnPattern(p, c, arnColons(c, colonScratch)),
  };
}

/** Colon offsets of the value being matched (decisions are synchronous: one shared buffer). */
const colonScratch: number[] = [0, 0, 0, 0, 0];

const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;

const OPERATORS: Record<Exclude<ConditionOperator, 'Null'>, OperatorDef<never>> = {
  StringEquals: str(false),
  StringNotEquals: str(true),
  StringEqualsIgnoreCase: strFold(false),
  StringNotEqualsIgnoreCase: strFold(true),
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
  Bool: strFold(false),
  BinaryEquals: { ...str(false), variables: false },
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

function absent(v: ContextValue | undefined): boolean {
  return v === undefined || valueCount(v) === 0;
}

export function compileCondition(clause: ConditionClause, variables: boolean): CompiledCondition {
  const key = clause.keyLower;
  const raw = clause.values.map((v) => v.value);

  if (clause.baseOperator === 'Null') {
    // Null: true matches an absent key, false a present one; several values are ORed.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    const wantsAbsent = raw.some((v) => v.toLowerCase() === 'true');
    const wantsPresent = raw.some((v) => v.toLowerCase() !== 'true');
    const test = (req: PreparedRequest) => (absent(req.get(key)) ? wantsAbsent : wantsPresent);
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
  const neg = def.negated;
  const qualifier = clause.qualifier;
  const ifExists = clause.ifExists;
  const templates: (Template | undefined)[] =
    variables && def.variables ? raw.map(parseTemplate) : raw.map(() => undefined);
  const dynamic = templates.some((t) => t !== undefined);
  // Values prepared once; a value AWS cannot read as the operator's type never matches.
  const fixed: unknown[] = raw.map((v, i) => (templates[i] ? undefined : def.prep(v)));
  // Values resolved for the current decision (decisions are synchronous: one buffer per condition).
  const resolved: (string | undefined)[] = raw.map(() => undefined);
  const testResolved = def.testResolved;

  const resolve = (req: PreparedRequest): void => {
    for (let i = 0; i < templates.length; i++) {
      const t = templates[i];
      // A variable with no value makes that policy value null: it equals and is like nothing.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
      if (t) resolved[i] = resolveTemplate(t, req, def.wildcards);
    }
  };

  /** Whether one context value matches any policy value (before negation). */
  const matchesAny = (cv: string): boolean => {
    for (let i = 0; i < fixed.length; i++) {
      const p = fixed[i];
      if (p !== undefined) {
        if (def.test(cv, p)) return true;
      } else if (dynamic && testResolved) {
        const r = resolved[i];
        if (r !== undefined && testResolved(cv, r)) return true;
      }
    }
    return false;
  };

  const test = (req: PreparedRequest): boolean => {
    const v = req.get(key);
    const n = v === undefined ? 0 : valueCount(v);
    if (n === 0) {
      // IfExists: no key, no test. ForAllValues over nothing is true, ForAnyValue false. Otherwise a
      // missing key does not match, so a negated operator is true.
      if (ifExists) return true;
      if (qualifier === 'ForAllValues') return true;
      if (qualifier === 'ForAnyValue') return false;
      return neg;
    }
    if (dynamic) resolve(req);
    if (qualifier === 'ForAllValues') {
      for (let i = 0; i < n; i++) if (matchesAny(valueAt(v!, i)) === neg) return false;
      return true;
    }
    if (qualifier === 'ForAnyValue') {
      for (let i = 0; i < n; i++) if (matchesAny(valueAt(v!, i)) !== neg) return true;
      return false;
    }
    // A single-valued operator over several values: any value matching satisfies a positive operator;
    // a negated one requires that none matches.
    for (let i = 0; i < n; i++) if (matchesAny(valueAt(v!, i))) return !neg;
    return neg;
  };

  return {
    clause,
    test,
    explain: (req, missing) => {
      const v = req.get(key);
      if (v === undefined) missing.add(clause.key);
      for (const t of templates)
        if (t) for (const k of t.keys) if (req.get(k.toLowerCase()) === undefined) missing.add(k);
      const shown = dynamic
        ? raw.map((r, i) => {
            const t = templates[i];
            if (!t) return r;
            const value = resolveTemplate(t, req, def.wildcards);
            return value === undefined ? `${r} (no value)` : unescapeLiteral(value);
          })
        : raw;
      return explanation(clause, shown, v, test(req));
    },
  };
}

function explanation(
  clause: ConditionClause,
  values: string[],
  seen: ContextValue | undefined,
  matched: boolean,
): ConditionExplanation {
  const e: ConditionExplanation = {
    operator: clause.operator,
    key: clause.key,
    values,
    matched,
    pos: clause.pos,
  };
  if (seen !== undefined) {
    const out: string[] = [];
    for (let i = 0; i < valueCount(seen); i++) out.push(valueAt(seen, i));
    e.seen = out;
  }
  return e;
}
