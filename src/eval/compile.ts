/**
 * Policy document → compiled policy: statements indexed by the service prefix of their actions, patterns
 * pre-compiled, conditions turned into closures, variables pre-parsed. Compiled once, reused for any
 * number of decisions.
 */
import { completeArnPattern } from '../policy/arn.js';
import { compileArnPartsGlob, globMatch, matchArnPattern } from '../policy/wildcard.js';
import type {
  ConditionClause,
  Effect,
  Located,
  PolicyDocument,
  PrincipalBlock,
  SourcePos,
  Statement,
} from '../policy/types.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import {
  compileNotPrincipal,
  compilePrincipal,
  Grant,
  principalEntryFor,
  type GrantLevel,
} from './principal.js';
import { equalsLower, type PreparedRequest } from './request.js';
import type {
  CompileOptions,
  CompiledPolicy,
  ConditionExplanation,
  MatchExplanation,
  StatementExplanation,
} from './types.js';
import { parseTemplate, resolveTemplate } from './variables.js';

/**
 * A statement as the compiled form keeps it: its elements' values as text, the place of the statement (and,
 * in each condition, the condition's), which is what explanations show. The parser's document keeps a
 * position and JSON path per value, for validation and lint; a compiled policy does not hold them.
 */
export interface CompiledSource {
  /** Position in the Statement array (0 when the document has a single statement object). */
  index: number;
  sid?: string;
  effect: Effect;
  action?: readonly string[];
  notAction?: readonly string[];
  resource?: readonly string[];
  notResource?: readonly string[];
  principal?: PrincipalBlock;
  notPrincipal?: PrincipalBlock;
  pos: SourcePos;
}

export interface CompiledStatement {
  source: CompiledSource;
  deny: boolean;
  matchesAction(req: PreparedRequest): boolean;
  matchesResource(req: PreparedRequest): boolean;
  /** How the statement's Principal / NotPrincipal names the requester; Direct when it has neither. */
  grant(req: PreparedRequest): GrantLevel;
  conditions: CompiledCondition[];
  /** The Resource or NotResource entries one by one, for explanations. */
  resources: ResourceEntry[];
  /**
   * The Action or NotAction entries in order, as matched: a pattern with wildcards lower-cased, an action
   * name as written (compared without regard to case).
   */
  actions: readonly string[];
}

export interface PolicyInternals {
  statements: CompiledStatement[];
  /**
   * Per action seen (lower-case): the statements whose Action/NotAction matches it, found through the
   * indexes on first sight and kept, so a decision never matches actions again. Bounded.
   */
  candidates: Map<string, readonly CompiledStatement[]>;
  /** Per action seen (lower-case): how each statement's Action/NotAction matches it, for explanations. Bounded. */
  actionFacts: Map<string, readonly ActionFact[]>;
  /**
   * Per resource seen: how each statement's Resource/NotResource matches it, for explanations; undefined
   * for a statement without the element or with policy variables in it (those depend on the context).
   * Bounded.
   */
  resourceFacts: Map<string, readonly (ActionFact | undefined)[]>;
}

/** How a statement's Action or NotAction element matches one action: the explanation's `action` facts. */
export interface ActionFact {
  matched: boolean;
  /** The entry that matched the action: for Action the one that grants it, for NotAction the one that excludes it. */
  matchedBy?: string;
}
const UNMATCHED: ActionFact = Object.freeze({ matched: false });

const CANDIDATE_CACHE_SIZE = 2048;

/** The statements of a policy whose Action or NotAction element matches the request's action. */
export function candidatesFor(p: PolicyInternals, req: PreparedRequest): readonly CompiledStatement[] {
  const hit = p.candidates.get(req.actionLower);
  return hit !== undefined ? hit : findCandidates(p, req);
}

/**
 * Found once per action by testing every statement (in document order), then kept. Kept apart from
 * candidatesFor: a closure over `req` there would make every call, cache hits too, allocate a context.
 */
function findCandidates(p: PolicyInternals, req: PreparedRequest): readonly CompiledStatement[] {
  const out = p.statements.filter((st) => st.matchesAction(req));
  if (p.candidates.size >= CANDIDATE_CACHE_SIZE) p.candidates.clear();
  p.candidates.set(req.actionLower, out);
  return out;
}

/** Each statement's action facts for the request's action, found once per action and kept. */
export function actionFactsFor(p: PolicyInternals, req: PreparedRequest): readonly ActionFact[] {
  const hit = p.actionFacts.get(req.actionLower);
  if (hit !== undefined) return hit;
  const out = p.statements.map((st): ActionFact => {
    const matched = st.matchesAction(req);
    let matchedBy: string | undefined;
    const source = st.source.action ?? st.source.notAction ?? [];
    for (let i = 0; i < st.actions.length; i++) {
      if (matchesActionPattern(st.actions[i]!, req.actionLower)) {
        matchedBy = source[i]!;
        break;
      }
    }
    if (!matched && matchedBy === undefined) return UNMATCHED;
    return Object.freeze(matchedBy !== undefined ? { matched, matchedBy } : { matched });
  });
  if (p.actionFacts.size >= CANDIDATE_CACHE_SIZE) p.actionFacts.clear();
  p.actionFacts.set(req.actionLower, out);
  return out;
}

/** Each statement's resource facts for the request's resource (see PolicyInternals.resourceFacts). */
export function resourceFactsFor(
  p: PolicyInternals,
  req: PreparedRequest,
): readonly (ActionFact | undefined)[] {
  const hit = p.resourceFacts.get(req.resource);
  if (hit !== undefined) return hit;
  const out = p.statements.map((st): ActionFact | undefined => {
    const s = st.source;
    if (!(s.resource || s.notResource) || st.resources.some((r) => r.keys.length > 0)) return undefined;
    return resourceFactOf(st, req);
  });
  if (p.resourceFacts.size >= CANDIDATE_CACHE_SIZE) p.resourceFacts.clear();
  p.resourceFacts.set(req.resource, out);
  return out;
}

/**
 * In one pass: the first entry that matches is the one shown, and Resource matches when one does,
 * NotResource when none does.
 */
function resourceFactOf(st: CompiledStatement, req: PreparedRequest): ActionFact {
  let by: ResourceEntry | undefined;
  for (const r of st.resources) {
    if (r.test(req)) {
      by = r;
      break;
    }
  }
  const matched = st.source.resource ? by !== undefined : by === undefined;
  return by !== undefined ? { matched, matchedBy: by.pattern } : { matched };
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

/** One Resource / NotResource entry: its text, the variables it reads, and its test. */
interface ResourceEntry {
  pattern: string;
  keys: readonly string[];
  /** The same keys lower-cased, as the request looks them up. */
  keysLower: readonly string[];
  test: (req: PreparedRequest) => boolean;
}

const NO_KEYS: readonly string[] = Object.freeze([]);
const ANY_RESOURCE = (): boolean => true;

/** Resource patterns, with policy variables where the version allows. */
function resourceEntries(patterns: readonly string[], variables: boolean): ResourceEntry[] {
  return patterns.map((text): ResourceEntry => {
    const pattern = completeArnPattern(text);
    const t = variables ? parseTemplate(pattern) : undefined;
    if (!t) {
      const m = compileArnPartsGlob(pattern);
      if (pattern === '*') return { pattern: text, keys: NO_KEYS, keysLower: NO_KEYS, test: ANY_RESOURCE };
      return {
        pattern: text,
        keys: NO_KEYS,
        keysLower: NO_KEYS,
        test: (req) => m(req.resource, req.resourceColons),
      };
    }
    // A variable with no value matches no resource (so it excludes none under NotResource).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
    return {
      pattern: text,
      keys: t.keys,
      keysLower: t.keys.map((k) => k.toLowerCase()),
      test: (req) => {
        const resolved = resolveTemplate(t, req, true);
        return resolved !== undefined && matchArnPattern(resolved, req.resource, req.resourceColons);
      },
    };
  });
}

function anyEntry(entries: ResourceEntry[]): (req: PreparedRequest) => boolean {
  const tests = entries.map((e) => e.test);
  if (tests.length === 1) return tests[0]!;
  return (req) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(req)) return true;
    return false;
  };
}

function compileStatement(
  { source: s, conditions }: { source: CompiledSource; conditions: ConditionClause[] },
  variables: boolean,
): CompiledStatement {
  let matchesAction: (req: PreparedRequest) => boolean;
  const listed = s.action ?? s.notAction ?? [];
  const actions = listed.map((a) => (/[*?]/.test(a) ? a.toLowerCase() : a));
  if (s.action) matchesAction = (req) => anyAction(actions, req.actionLower);
  else if (s.notAction) matchesAction = (req) => !anyAction(actions, req.actionLower);
  else matchesAction = () => false;

  let matchesResource: (req: PreparedRequest) => boolean;
  const resources = resourceEntries(s.resource ?? s.notResource ?? [], variables);
  if (s.resource) matchesResource = anyEntry(resources);
  else if (s.notResource) {
    const m = anyEntry(resources);
    matchesResource = (req) => !m(req);
  } else matchesResource = () => true; // trust policies: the role is the resource

  let grant: (req: PreparedRequest) => GrantLevel;
  if (s.principal) {
    const g = compilePrincipal(s.principal);
    grant = (req) => g(req.principal, req);
  } else if (s.notPrincipal) {
    const n = compileNotPrincipal(s.notPrincipal);
    // A Deny with NotPrincipal denies every principal that has a permissions boundary, whatever it lists.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    grant =
      s.effect === 'Deny'
        ? (req) => (req.hasBoundary || n(req.principal) ? Grant.Direct : Grant.None)
        : (req) => (n(req.principal) ? Grant.Direct : Grant.None);
  } else grant = () => Grant.Direct;

  return {
    source: s,
    deny: s.effect === 'Deny',
    matchesAction,
    matchesResource,
    grant,
    conditions: conditions.map((c) => compileCondition(c, variables)),
    resources,
    actions,
  };
}

/** The statement's CompiledSource; condition values carry their condition's place instead of their own. */
function slim(s: Statement): { source: CompiledSource; conditions: ConditionClause[] } {
  const text = (xs: readonly Located[]) => xs.map((x) => x.value);
  const source: CompiledSource = { index: s.index, effect: s.effect, pos: s.pos };
  if (s.sid) source.sid = s.sid.value;
  if (s.action) source.action = text(s.action);
  if (s.notAction) source.notAction = text(s.notAction);
  if (s.resource) source.resource = text(s.resource);
  if (s.notResource) source.notResource = text(s.notResource);
  if (s.principal) source.principal = s.principal;
  if (s.notPrincipal) source.notPrincipal = s.notPrincipal;
  const conditions = s.conditions.map((c) => ({
    ...c,
    values: c.values.map((v) => ({ value: v.value, pos: c.pos })),
  }));
  return { source, conditions };
}

export function compilePolicy(doc: PolicyDocument, opts: CompileOptions = {}): CompiledPolicy {
  // Policy variables are substituted only under Version 2012-10-17.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
  const variables = doc.version === '2012-10-17';
  const statements = doc.statements.map((s) => compileStatement(slim(s), variables));
  const internals: PolicyInternals = {
    statements,
    candidates: new Map(),
    actionFacts: new Map(),
    resourceFacts: new Map(),
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

/** Where the keys of statements about other actions go: they are not missing for this request. */
const UNASKED = new Set<string>();

/** The same evaluation, recording what matched and what did not. `fact`, `resourceFact`: from actionFactsFor and resourceFactsFor. */
export function explainStatement(
  st: CompiledStatement,
  req: PreparedRequest,
  missing: Set<string>,
  fact: ActionFact,
  resourceFact: ActionFact | undefined,
): { grant: GrantLevel; explanation: StatementExplanation } {
  const s = st.source;
  const action: MatchExplanation = { element: s.action ? 'Action' : 'NotAction', matched: fact.matched };
  if (fact.matchedBy !== undefined) action.matchedBy = fact.matchedBy;
  // A statement whose action does not match cannot apply whatever the context holds: the keys it reads
  // are not missing for this request. Missing context values are the keys the simulated evaluation of the
  // action requires and no input gave (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html,
  // MissingContextValues); a key read only by statements about other actions is not required for it.
  let asked = missing;
  if (!action.matched) {
    UNASKED.clear();
    asked = UNASKED;
  }
  const conditions: ConditionExplanation[] = [];
  let allConditions = true;
  for (const c of st.conditions) {
    const ce = c.explain(req, asked);
    if (!ce.matched) allConditions = false;
    conditions.push(ce);
  }
  const e: StatementExplanation = {
    index: s.index,
    effect: s.effect,
    applies: false,
    action,
    conditions,
    pos: s.pos,
  };
  if (s.sid !== undefined) e.sid = s.sid;
  if (s.resource || s.notResource) {
    for (const r of st.resources)
      for (let i = 0; i < r.keys.length; i++)
        if (req.get(r.keysLower[i]!) === undefined) asked.add(r.keys[i]!);
    const rf = resourceFact ?? resourceFactOf(st, req);
    e.resource = { element: s.resource ? 'Resource' : 'NotResource', matched: rf.matched };
    if (rf.matchedBy !== undefined) e.resource.matchedBy = rf.matchedBy;
  }
  const g = st.grant(req);
  if (s.principal || s.notPrincipal) {
    e.principal = { element: s.principal ? 'Principal' : 'NotPrincipal', matched: g !== Grant.None };
    const by = s.principal ? principalEntryFor(s.principal, req.principal, req) : undefined;
    if (by !== undefined) e.principal.matchedBy = by;
  }
  const applies = action.matched && (e.resource?.matched ?? true) && g !== Grant.None && allConditions;
  e.applies = applies;
  return { grant: applies ? g : Grant.None, explanation: e };
}
