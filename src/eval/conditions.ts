/**
 * Condition operators and compiled conditions. Semantics:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * A compiled condition is plain data (its operator's shared definition, its values as written and as the
 * operator reads them) tested by the class's methods: no closures per condition, so a compiled policy
 * holds little. Its test allocates nothing per decision unless its values hold policy variables.
 */
import { arnColons, globMatch, matchArnPattern } from '../policy/wildcard.js';
import type {
  ConditionClause,
  ConditionOperator,
  ConditionSetQualifier,
  SourcePos,
} from '../policy/types.js';
import { parseDate, parseNumber } from './values.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip.js';
import { intern, internAll } from './intern.js';
import {
  addMissing,
  equalsLower,
  valueAt,
  valueCount,
  type MissingKeys,
  type PreparedRequest,
} from './request.js';
import type { ConditionExplanation, ContextValue } from './types.js';
import {
  addMissingKeys,
  parseTemplate,
  resolveTemplate,
  unescapeLiteral,
  type Template,
} from './variables.js';

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
function like(negated: boolean): OperatorDef<string> {
  // The pattern is kept as text: globMatch needs nothing compiled, and a policy holds no matcher per value.
  return {
    negated,
    variables: true,
    wildcards: true,
    prep: (v) => v,
    test: (c, p) => globMatch(p, c),
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
function arn(negated: boolean): OperatorDef<string> {
  // ArnEquals and ArnLike behave the same: part by part, wildcards allowed.
  return {
    negated,
    variables: true,
    wildcards: true,
    prep: (v) => v,
    test: (c, p) => matchArnPattern(p, c, arnColons(c, colonScratch)),
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

/** Each definition's operator name, for readers of a compiled condition (analysis, not decisions). */
const OPERATOR_NAMES = new Map<OperatorDef<never>, ConditionOperator>(
  Object.entries(OPERATORS).map(([name, def]) => [def, name as ConditionOperator]),
);

/** Null has no definition of its own: it tests presence, not values. */
const NULL_DEF: OperatorDef<never> = {
  negated: false,
  variables: false,
  wildcards: false,
  prep: () => undefined,
  test: () => false,
};
OPERATOR_NAMES.set(NULL_DEF, 'Null');

const FOR_ALL_VALUES = 1;
const FOR_ANY_VALUE = 2;
const IF_EXISTS = 4;
const NEGATED = 8;
/** Some value holds policy variables: resolved per decision. */
const DYNAMIC = 16;
const NULL = 32;
/** Null: `true` among its values (matches an absent key). */
const WANTS_ABSENT = 64;
/** Null: a value other than `true` among its values (matches a present key). */
const WANTS_PRESENT = 128;

const NO_VALUES: readonly unknown[] = Object.freeze([]);

export class CompiledCondition {
  /** The operator as written, for example `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  /** The key as written. */
  readonly key: string;
  /** Lower-cased key: context key names are case-insensitive. */
  readonly keyLower: string;
  /** The values as written (JSON numbers and booleans stringified). */
  readonly values: readonly string[];
  private readonly def: OperatorDef<unknown>;
  private readonly flags: number;
  /**
   * The values as the operator reads them, prepared once (the `values` array itself when that changes
   * nothing); undefined for a value with variables, and for one AWS cannot read as the operator's type,
   * which never matches.
   */
  private readonly fixed: readonly unknown[];
  /** Per value, its policy variables (only when some value has them). */
  private readonly templates: readonly (Template | undefined)[] | undefined;
  /** Values resolved for the current decision (decisions are synchronous: one buffer per condition). */
  private readonly resolved: (string | undefined)[] | undefined;
  /** The place of the key in the policy text; its JSON path is made when an explanation first shows it. */
  private readonly line: number;
  private readonly column: number;
  private readonly offset: number;
  private at: SourcePos | undefined;

  /** `statementPath`: the JSON path of the condition's statement, from which its own path is made. */
  constructor(clause: ConditionClause, variables: boolean, statementPath: string) {
    this.operator = intern(clause.operator);
    this.key = intern(clause.key);
    this.keyLower = intern(clause.keyLower);
    const raw = internAll(clause.values.map((v) => v.value));
    this.values = raw;
    this.line = clause.pos.line;
    this.column = clause.pos.column;
    this.offset = clause.pos.offset;
    // A clause built by other means than the parser may be placed elsewhere: keep its place.
    this.at = clause.pos.path === this.path(statementPath) ? undefined : { ...clause.pos };
    let flags =
      (clause.qualifier === 'ForAllValues' ? FOR_ALL_VALUES : 0) |
      (clause.qualifier === 'ForAnyValue' ? FOR_ANY_VALUE : 0) |
      (clause.ifExists ? IF_EXISTS : 0);
    if (clause.baseOperator === 'Null') {
      // Null: true matches an absent key, false a present one; several values are ORed.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
      if (raw.some((v) => v.toLowerCase() === 'true')) flags |= WANTS_ABSENT;
      if (raw.some((v) => v.toLowerCase() !== 'true')) flags |= WANTS_PRESENT;
      this.def = NULL_DEF;
      this.flags = flags | NULL;
      this.fixed = NO_VALUES;
      this.templates = undefined;
      this.resolved = undefined;
      return;
    }
    const def = OPERATORS[clause.baseOperator] as OperatorDef<unknown>;
    this.def = def;
    if (def.negated) flags |= NEGATED;
    const templates = variables && def.variables ? raw.map(parseTemplate) : undefined;
    const dynamic = templates !== undefined && templates.some((t) => t !== undefined);
    // A value AWS cannot read as the operator's type never matches.
    const fixed = raw.map((v, i): unknown => {
      if (dynamic && templates[i]) return undefined;
      const p = def.prep(v);
      return typeof p === 'string' ? intern(p) : p;
    });
    this.fixed = fixed.every((p, i) => p === raw[i]) ? raw : fixed;
    this.templates = dynamic ? templates : undefined;
    this.resolved = dynamic ? raw.map(() => undefined) : undefined;
    this.flags = dynamic ? flags | DYNAMIC : flags;
  }

  /** The operator without qualifier and IfExists, for example `StringLike`. */
  get baseOperator(): ConditionOperator {
    return OPERATOR_NAMES.get(this.def as OperatorDef<never>)!;
  }

  get qualifier(): ConditionSetQualifier | undefined {
    return this.flags & FOR_ALL_VALUES
      ? 'ForAllValues'
      : this.flags & FOR_ANY_VALUE
        ? 'ForAnyValue'
        : undefined;
  }

  get ifExists(): boolean {
    return (this.flags & IF_EXISTS) !== 0;
  }

  /** Where the key is in the policy, under the statement at `statementPath`. */
  position(statementPath: string): SourcePos {
    if (this.at === undefined)
      this.at = { line: this.line, column: this.column, offset: this.offset, path: this.path(statementPath) };
    return this.at;
  }

  /** The JSON path the parser gives the key. */
  private path(statementPath: string): string {
    return `${statementPath}.Condition.${this.operator}.${this.key}`;
  }

  test(req: PreparedRequest): boolean {
    return this.testValue(req.get(this.keyLower), req);
  }

  /** The test, given the request's value for the key. */
  private testValue(v: ContextValue | undefined, req: PreparedRequest): boolean {
    const f = this.flags;
    const n = v === undefined ? 0 : valueCount(v);
    if (f & NULL) return n === 0 ? (f & WANTS_ABSENT) !== 0 : (f & WANTS_PRESENT) !== 0;
    const neg = (f & NEGATED) !== 0;
    if (n === 0) {
      // IfExists: no key, no test. ForAllValues over nothing is true, ForAnyValue false. Otherwise a
      // missing key does not match, so a negated operator is true.
      if (f & IF_EXISTS) return true;
      if (f & FOR_ALL_VALUES) return true;
      if (f & FOR_ANY_VALUE) return false;
      return neg;
    }
    if (f & DYNAMIC) this.resolve(req);
    if (f & FOR_ALL_VALUES) {
      for (let i = 0; i < n; i++) if (this.matchesAny(valueAt(v!, i)) === neg) return false;
      return true;
    }
    if (f & FOR_ANY_VALUE) {
      for (let i = 0; i < n; i++) if (this.matchesAny(valueAt(v!, i)) !== neg) return true;
      return false;
    }
    // A single-valued operator over several values: any value matching satisfies a positive operator;
    // a negated one requires that none matches.
    for (let i = 0; i < n; i++) if (this.matchesAny(valueAt(v!, i))) return !neg;
    return neg;
  }

  private resolve(req: PreparedRequest): void {
    const templates = this.templates!;
    const resolved = this.resolved!;
    for (let i = 0; i < templates.length; i++) {
      const t = templates[i];
      // A variable with no value makes that policy value null: it equals and is like nothing.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
      if (t) resolved[i] = resolveTemplate(t, req, this.def.wildcards);
    }
  }

  /** Whether one context value matches any policy value (before negation). */
  private matchesAny(cv: string): boolean {
    const fixed = this.fixed;
    const def = this.def;
    for (let i = 0; i < fixed.length; i++) {
      const p = fixed[i];
      if (p !== undefined) {
        if (def.test(cv, p)) return true;
      } else if (this.flags & DYNAMIC && def.testResolved) {
        const r = this.resolved![i];
        if (r !== undefined && def.testResolved(cv, r)) return true;
      }
    }
    return false;
  }

  /**
   * The same test, recording the values it saw; keys it read that the request lacks go into `missing`.
   * `statementPath`: the JSON path of the condition's statement.
   */
  explain(req: PreparedRequest, missing: MissingKeys, statementPath: string): ConditionExplanation {
    const v = req.get(this.keyLower);
    if (v === undefined) addMissing(missing, this.key);
    let shown = this.values;
    const templates = this.templates;
    if (templates !== undefined) {
      for (const t of templates) if (t) addMissingKeys(t, req, missing);
      shown = this.values.map((r, i) => {
        const t = templates[i];
        if (!t) return r;
        const value = resolveTemplate(t, req, this.def.wildcards);
        return value === undefined ? `${r} (no value)` : unescapeLiteral(value);
      });
    }
    const { operator, key } = this;
    const values = shown as string[];
    const matched = this.testValue(v, req);
    const pos = this.position(statementPath);
    if (v === undefined) return { operator, key, values, matched, pos };
    const n = valueCount(v);
    const seen = new Array<string>(n);
    for (let i = 0; i < n; i++) seen[i] = valueAt(v, i);
    // Made at full size, `seen` last as explanations have always listed it.
    return { operator, key, values, matched, pos, seen };
  }
}
