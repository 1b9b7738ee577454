/**
 * Policy document → compiled policy: per statement its elements' text, what matching needs prepared once
 * (action patterns, completed resource patterns, policy variables, principal tests, conditions), and,
 * found on first sight of each action and kept, the statements whose Action matches it. Compiled once,
 * reused for any number of decisions.
 *
 * A compiled policy is held by every cached policy set, so it is kept small: statements and conditions are
 * plain data tested by their classes' methods (no closures per statement), their strings are interned
 * (./intern.ts), and the parser's positions are reduced to numbers, the JSON path being made again from
 * the statement's index when an explanation first shows it.
 */
import { completeArnPattern } from '../policy/arn.js';
import { globMatch, matchArnPattern } from '../policy/wildcard.js';
import type {
  Effect,
  Located,
  PolicyDocument,
  PrincipalBlock,
  SourcePos,
  Statement,
} from '../policy/types.js';
import { CompiledCondition } from './conditions.js';
import { intern, internAll } from './intern.js';
import {
  compileNotPrincipal,
  compilePrincipal,
  Grant,
  principalEntryFor,
  type CompiledPrincipal,
  type GrantLevel,
  type NotPrincipalTest,
  type PrincipalTest,
} from './principal.js';
import { equalsLower, type MissingKeys, type PreparedRequest } from './request.js';
import type {
  CompileOptions,
  CompiledPolicy,
  ConditionExplanation,
  MatchExplanation,
  StatementExplanation,
} from './types.js';
import { addMissingKeys, parseTemplate, resolveTemplate, type Template } from './variables.js';

export type { CompiledPrincipal };

/**
 * A statement's elements as text, and its place: what explanations and analyses read. The parser's
 * document keeps a position and JSON path per value, for validation and lint; a compiled policy does not.
 */
export interface CompiledSource {
  /** Position in the Statement array (0 when the document has a single statement object). */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly action: readonly string[] | undefined;
  readonly notAction: readonly string[] | undefined;
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly principal: CompiledPrincipal | undefined;
  readonly notPrincipal: CompiledPrincipal | undefined;
  readonly pos: SourcePos;
}

/** One Resource / NotResource entry as analyses read it: its text and the variables it reads. */
export interface ResourceEntry {
  pattern: string;
  keys: readonly string[];
}

const DENY = 1;
const NOT_ACTION = 2;
const HAS_RESOURCE = 4;
const NOT_RESOURCE = 8;
const HAS_PRINCIPAL = 16;
const NOT_PRINCIPAL = 32;
/** The document's Statement is one object: its path is `$.Statement`, not `$.Statement[0]`. */
const SINGLE = 64;

const NO_CONDITIONS: readonly CompiledCondition[] = Object.freeze([]);
const NO_KEYS: readonly string[] = Object.freeze([]);

export class CompiledStatement implements CompiledSource {
  readonly index: number;
  readonly sid: string | undefined;
  private readonly flags: number;
  /** The Action or NotAction entries as written. */
  private readonly actionText: readonly string[] | undefined;
  /**
   * The same entries as matched: a pattern with wildcards lower-cased, an action name as written (compared
   * without regard to case). The same array when that changes nothing.
   */
  readonly actions: readonly string[];
  /** The Resource or NotResource entries as written. */
  private readonly resourceText: readonly string[] | undefined;
  /** The same entries completed (`arn:aws:sqs` is `arn:aws:sqs:*:*:*`); the same array when that changes nothing. */
  private readonly resourcePatterns: readonly string[] | undefined;
  /** Per Resource entry, its policy variables; only when some entry has them. */
  private readonly resourceTemplates: readonly (Template | undefined)[] | undefined;
  private readonly principalBlock: CompiledPrincipal | undefined;
  private readonly principalTest: PrincipalTest | NotPrincipalTest | undefined;
  readonly conditions: readonly CompiledCondition[];
  private readonly line: number;
  private readonly column: number;
  private readonly offset: number;
  /** The statement's SourcePos, made when first asked for (or kept from the parser's, when not derivable). */
  private at: SourcePos | undefined;

  constructor(s: Statement, single: boolean, variables: boolean) {
    this.index = s.index;
    this.sid = s.sid ? intern(s.sid.value) : undefined;
    const listed = s.action ?? s.notAction;
    this.actionText = listed ? text(listed) : undefined;
    const actions = (this.actionText ?? NO_KEYS).map((a) => (/[*?]/.test(a) ? intern(a.toLowerCase()) : a));
    this.actions =
      this.actionText && actions.every((a, i) => a === this.actionText![i]) ? this.actionText : actions;
    const resources = s.resource ?? s.notResource;
    this.resourceText = resources ? text(resources) : undefined;
    let patterns: readonly string[] | undefined;
    let templates: (Template | undefined)[] | undefined;
    if (this.resourceText) {
      const completed = this.resourceText.map((r) => intern(completeArnPattern(r)));
      patterns = completed.every((r, i) => r === this.resourceText![i]) ? this.resourceText : completed;
      const parsed = variables ? patterns.map(parseTemplate) : [];
      if (parsed.some((t) => t !== undefined)) templates = parsed;
    }
    this.resourcePatterns = patterns;
    this.resourceTemplates = templates;
    const block = s.principal ?? s.notPrincipal;
    this.principalBlock = block ? compiledPrincipal(block) : undefined;
    this.principalTest = s.principal
      ? compilePrincipal(this.principalBlock!)
      : s.notPrincipal
        ? compileNotPrincipal(this.principalBlock!)
        : undefined;
    // Where a statement had both forms (the parser refuses that), the positive one is the one kept.
    this.flags =
      (s.effect === 'Deny' ? DENY : 0) |
      (!s.action && s.notAction ? NOT_ACTION : 0) |
      (resources ? HAS_RESOURCE : 0) |
      (!s.resource && s.notResource ? NOT_RESOURCE : 0) |
      (s.principal ? HAS_PRINCIPAL : 0) |
      (!s.principal && s.notPrincipal ? NOT_PRINCIPAL : 0) |
      (single ? SINGLE : 0);
    this.line = s.pos.line;
    this.column = s.pos.column;
    this.offset = s.pos.offset;
    // A document built by other means than the parser may place its statements elsewhere: keep its place.
    const path = this.path;
    this.at = s.pos.path === path ? undefined : { ...s.pos };
    this.conditions =
      s.conditions.length === 0
        ? NO_CONDITIONS
        : s.conditions.map((c) => new CompiledCondition(c, variables, this.at?.path ?? path));
  }

  /** The statement as its elements' text (the statement itself: it keeps them). */
  get source(): CompiledSource {
    return this;
  }
  get effect(): Effect {
    return this.flags & DENY ? 'Deny' : 'Allow';
  }
  get deny(): boolean {
    return (this.flags & DENY) !== 0;
  }
  get action(): readonly string[] | undefined {
    return this.flags & NOT_ACTION ? undefined : this.actionText;
  }
  get notAction(): readonly string[] | undefined {
    return this.flags & NOT_ACTION ? this.actionText : undefined;
  }
  get resource(): readonly string[] | undefined {
    return this.flags & NOT_RESOURCE ? undefined : this.resourceText;
  }
  get notResource(): readonly string[] | undefined {
    return this.flags & NOT_RESOURCE ? this.resourceText : undefined;
  }
  get principal(): CompiledPrincipal | undefined {
    return this.flags & HAS_PRINCIPAL ? this.principalBlock : undefined;
  }
  get notPrincipal(): CompiledPrincipal | undefined {
    return this.flags & NOT_PRINCIPAL ? this.principalBlock : undefined;
  }
  get pos(): SourcePos {
    if (this.at === undefined)
      this.at = { line: this.line, column: this.column, offset: this.offset, path: this.path };
    return this.at;
  }
  /** The JSON path the parser gives the statement. */
  private get path(): string {
    return this.flags & SINGLE ? '$.Statement' : `$.Statement[${this.index}]`;
  }
  /** The Resource or NotResource entries with the variables each reads, for analyses. */
  get resources(): ResourceEntry[] {
    return (this.resourceText ?? []).map((pattern, i) => ({
      pattern,
      keys: this.resourceTemplates?.[i]?.keys ?? NO_KEYS,
    }));
  }
  /** Whether some Resource entry has policy variables (its match depends on the request's context). */
  get resourceVariables(): boolean {
    return this.resourceTemplates !== undefined;
  }

  matchesAction(req: PreparedRequest): boolean {
    if (this.actionText === undefined) return false;
    const any = anyAction(this.actions, req.actionLower);
    return this.flags & NOT_ACTION ? !any : any;
  }

  matchesResource(req: PreparedRequest): boolean {
    if (!(this.flags & HAS_RESOURCE)) return true; // trust policies: the role is the resource
    const any = this.firstResource(req) >= 0;
    return this.flags & NOT_RESOURCE ? !any : any;
  }

  /** The first Resource / NotResource entry that matches the request's resource, or -1. */
  firstResource(req: PreparedRequest): number {
    const patterns = this.resourcePatterns!;
    const templates = this.resourceTemplates;
    for (let i = 0; i < patterns.length; i++) {
      const t = templates?.[i];
      if (t === undefined) {
        if (matchArnPattern(patterns[i]!, req.resource, req.resourceColons)) return i;
        continue;
      }
      // A variable with no value matches no resource (so it excludes none under NotResource).
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
      const resolved = resolveTemplate(t, req, true);
      if (resolved !== undefined && matchArnPattern(resolved, req.resource, req.resourceColons)) return i;
    }
    return -1;
  }

  /** How the statement's Principal / NotPrincipal names the requester; Direct when it has neither. */
  grant(req: PreparedRequest): GrantLevel {
    const f = this.flags;
    if (f & HAS_PRINCIPAL) return (this.principalTest as PrincipalTest)(req.principal, req);
    if (f & NOT_PRINCIPAL) {
      const applies = (this.principalTest as NotPrincipalTest)(req.principal);
      // A Deny with NotPrincipal denies every principal that has a permissions boundary, whatever it lists.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
      return applies || (f & DENY && req.hasBoundary) ? Grant.Direct : Grant.None;
    }
    return Grant.Direct;
  }

  /** The i-th Resource or NotResource entry as written, for explanations. */
  resourceEntry(i: number): string {
    return this.resourceText![i]!;
  }

  /** Adds to `missing` the keys the Resource entries' variables read that the request lacks, in order. */
  addMissingResourceKeys(req: PreparedRequest, missing: MissingKeys): void {
    const templates = this.resourceTemplates;
    if (templates === undefined) return;
    for (const t of templates) if (t) addMissingKeys(t, req, missing);
  }
}

function text(xs: readonly Located[]): string[] {
  return internAll(xs.map((x) => x.value));
}

function compiledPrincipal(b: PrincipalBlock): CompiledPrincipal {
  return {
    wildcard: b.wildcard,
    entries: b.entries.map((e) => ({ type: e.type, values: text(e.values) })),
  };
}

export interface PolicyInternals {
  statements: CompiledStatement[];
  /**
   * Per action seen (lower-case): the statements whose Action/NotAction matches it, found through the
   * statements on first sight and kept, so a decision never matches actions again. Bounded; made on first use.
   */
  candidates: Map<string, readonly CompiledStatement[]> | undefined;
  /** Per action seen (lower-case): how each statement's Action/NotAction matches it, for explanations. Bounded. */
  actionFacts: Map<string, readonly MatchExplanation[]> | undefined;
  /**
   * Per resource seen: how each statement's Resource/NotResource matches it, for explanations; undefined
   * for a statement without the element or with policy variables in it (those depend on the context).
   * Bounded.
   */
  resourceFacts: Map<string, readonly (MatchExplanation | undefined)[]> | undefined;
}

const CANDIDATE_CACHE_SIZE = 2048;
const NO_STATEMENTS: readonly CompiledStatement[] = Object.freeze([]);

/** The statements of a policy whose Action or NotAction element matches the request's action. */
export function candidatesFor(p: PolicyInternals, req: PreparedRequest): readonly CompiledStatement[] {
  const hit = p.candidates?.get(req.actionLower);
  return hit !== undefined ? hit : findCandidates(p, req);
}

/**
 * Found once per action by testing every statement (in document order), then kept. Kept apart from
 * candidatesFor: a closure over `req` there would make every call, cache hits too, allocate a context.
 */
function findCandidates(p: PolicyInternals, req: PreparedRequest): readonly CompiledStatement[] {
  let out: readonly CompiledStatement[] = p.statements.filter((st) => st.matchesAction(req));
  if (out.length === 0) out = NO_STATEMENTS;
  const cache = (p.candidates ??= new Map());
  if (cache.size >= CANDIDATE_CACHE_SIZE) cache.clear();
  cache.set(req.actionLower, out);
  return out;
}

/**
 * The explanation's `action` of each statement for the request's action, found once per action and kept
 * (frozen: every explanation of that action shows the same object).
 */
export function actionFactsFor(p: PolicyInternals, req: PreparedRequest): readonly MatchExplanation[] {
  const hit = p.actionFacts?.get(req.actionLower);
  if (hit !== undefined) return hit;
  const out = p.statements.map((st): MatchExplanation => {
    const element = st.notAction ? 'NotAction' : 'Action';
    const matched = st.matchesAction(req);
    const source = st.action ?? st.notAction ?? NO_KEYS;
    for (let i = 0; i < st.actions.length; i++) {
      // The entry that matched the action: for Action the one that grants it, for NotAction the one that excludes it.
      if (matchesActionPattern(st.actions[i]!, req.actionLower))
        return Object.freeze({ element, matched, matchedBy: source[i]! });
    }
    return Object.freeze({ element, matched });
  });
  const cache = (p.actionFacts ??= new Map());
  if (cache.size >= CANDIDATE_CACHE_SIZE) cache.clear();
  cache.set(req.actionLower, out);
  return out;
}

/** Each statement's explanation `resource` for the request's resource (see PolicyInternals.resourceFacts). */
export function resourceFactsFor(
  p: PolicyInternals,
  req: PreparedRequest,
): readonly (MatchExplanation | undefined)[] {
  const hit = p.resourceFacts?.get(req.resource);
  if (hit !== undefined) return hit;
  const out = p.statements.map((st) =>
    st.resource || st.notResource
      ? st.resourceVariables
        ? undefined
        : Object.freeze(resourceFactOf(st, req))
      : undefined,
  );
  const cache = (p.resourceFacts ??= new Map());
  if (cache.size >= CANDIDATE_CACHE_SIZE) cache.clear();
  cache.set(req.resource, out);
  return out;
}

/**
 * In one pass: the first entry that matches is the one shown, and Resource matches when one does,
 * NotResource when none does.
 */
function resourceFactOf(st: CompiledStatement, req: PreparedRequest): MatchExplanation {
  const by = st.firstResource(req);
  const element = st.resource ? 'Resource' : 'NotResource';
  const matched = st.resource ? by >= 0 : by < 0;
  return by >= 0 ? { element, matched, matchedBy: st.resourceEntry(by) } : { element, matched };
}

/** An entry of CompiledStatement.actions against an action (lower-case). */
function matchesActionPattern(pattern: string, action: string): boolean {
  return pattern.includes('*') || pattern.includes('?')
    ? globMatch(pattern, action)
    : equalsLower(pattern, action);
}

function anyAction(patterns: readonly string[], action: string): boolean {
  for (let i = 0; i < patterns.length; i++) if (matchesActionPattern(patterns[i]!, action)) return true;
  return false;
}

export function compilePolicy(doc: PolicyDocument, opts: CompileOptions = {}): CompiledPolicy {
  // Policy variables are substituted only under Version 2012-10-17.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
  const variables = doc.version === '2012-10-17';
  const single = doc.singleStatement;
  const internals: PolicyInternals = {
    statements: doc.statements.map((s) => new CompiledStatement(s, single, variables)),
    candidates: undefined,
    actionFacts: undefined,
    resourceFacts: undefined,
  };
  return { name: opts.name, kind: opts.kind, _compiled: internals };
}

export function internalsOf(p: CompiledPolicy): PolicyInternals {
  return p._compiled as PolicyInternals;
}

/** Whether every element and condition beyond Action matches: the statement is a candidate for the action. */
export function appliesBeyondAction(st: CompiledStatement, req: PreparedRequest): GrantLevel {
  if (!st.matchesResource(req)) return Grant.None;
  const g = st.grant(req);
  if (g === Grant.None) return Grant.None;
  const cs = st.conditions;
  for (let i = 0; i < cs.length; i++) if (!cs[i]!.test(req)) return Grant.None;
  return g;
}

const NO_CONDITION_EXPLANATIONS: ConditionExplanation[] = Object.freeze(
  [],
) as unknown as ConditionExplanation[];

/**
 * The same evaluation, recording what matched and what did not into `out[at]`; returns the statement's
 * grant when it applies (None otherwise). `action`, `resource`: from actionFactsFor and resourceFactsFor.
 */
export function explainStatement(
  st: CompiledStatement,
  req: PreparedRequest,
  missing: string[],
  action: MatchExplanation,
  resource: MatchExplanation | undefined,
  out: StatementExplanation[],
  at: number,
): GrantLevel {
  // A statement whose action does not match cannot apply whatever the context holds: the keys it reads
  // are not missing for this request. Missing context values are the keys the simulated evaluation of the
  // action requires and no input gave (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html,
  // MissingContextValues); a key read only by statements about other actions is not required for it.
  const asked = action.matched ? missing : undefined;
  const pos = st.pos;
  const cs = st.conditions;
  let conditions = NO_CONDITION_EXPLANATIONS;
  let allConditions = true;
  if (cs.length > 0) {
    conditions = new Array<ConditionExplanation>(cs.length);
    for (let i = 0; i < cs.length; i++) {
      const ce = cs[i]!.explain(req, asked, pos.path);
      if (!ce.matched) allConditions = false;
      conditions[i] = ce;
    }
  }
  let res: MatchExplanation | undefined;
  if (st.resource || st.notResource) {
    st.addMissingResourceKeys(req, asked);
    res = resource ?? resourceFactOf(st, req);
  }
  const g = st.grant(req);
  let principal: MatchExplanation | undefined;
  const block = st.principal;
  if (block || st.notPrincipal) {
    const by = block ? principalEntryFor(block, req.principal, req) : undefined;
    const element = block ? 'Principal' : 'NotPrincipal';
    principal =
      by !== undefined
        ? { element, matched: g !== Grant.None, matchedBy: by }
        : { element, matched: g !== Grant.None };
  }
  const applies = action.matched && (res?.matched ?? true) && g !== Grant.None && allConditions;
  out[at] = statementExplanation(st, applies, action, conditions, pos, res, principal);
  return applies ? g : Grant.None;
}

/**
 * One object literal per combination of the optional fields, so that each is made at its full size
 * (properties added afterwards would each grow it), in the order explanations have always listed them.
 */
function statementExplanation(
  st: CompiledStatement,
  applies: boolean,
  action: MatchExplanation,
  conditions: ConditionExplanation[],
  pos: SourcePos,
  resource: MatchExplanation | undefined,
  principal: MatchExplanation | undefined,
): StatementExplanation {
  const { index, effect, sid } = st;
  if (sid !== undefined) {
    if (resource !== undefined)
      return principal !== undefined
        ? { index, effect, applies, action, conditions, pos, sid, resource, principal }
        : { index, effect, applies, action, conditions, pos, sid, resource };
    return principal !== undefined
      ? { index, effect, applies, action, conditions, pos, sid, principal }
      : { index, effect, applies, action, conditions, pos, sid };
  }
  if (resource !== undefined)
    return principal !== undefined
      ? { index, effect, applies, action, conditions, pos, resource, principal }
      : { index, effect, applies, action, conditions, pos, resource };
  return principal !== undefined
    ? { index, effect, applies, action, conditions, pos, principal }
    : { index, effect, applies, action, conditions, pos };
}
