/**
 * Policy document → compiled policy: statements indexed by the service prefix of their actions, patterns
 * pre-compiled, conditions turned into closures, variables pre-parsed. Compiled once, reused for any
 * number of decisions.
 */
import { completeArnPattern } from '../policy/arn.js';
import { compileArnPartsGlob, compileGlob, matchArnPattern, type Matcher } from '../policy/wildcard.js';
import type { Located, PolicyDocument, Statement } from '../policy/types.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import {
  compileNotPrincipal,
  compilePrincipal,
  Grant,
  principalEntryFor,
  type GrantLevel,
} from './principal.js';
import type { PreparedRequest } from './request.js';
import type {
  CompileOptions,
  CompiledPolicy,
  ConditionExplanation,
  MatchExplanation,
  StatementExplanation,
} from './types.js';
import { parseTemplate, resolveTemplate } from './variables.js';

export interface CompiledStatement {
  source: Statement;
  deny: boolean;
  matchesAction(req: PreparedRequest): boolean;
  matchesResource(req: PreparedRequest): boolean;
  /** How the statement's Principal / NotPrincipal names the requester; Direct when it has neither. */
  grant(req: PreparedRequest): GrantLevel;
  conditions: CompiledCondition[];
  /** The Resource or NotResource entries one by one, for explanations. */
  resources: ResourceEntry[];
  /** The Action or NotAction entries one by one, compiled, for explanations (`matchedBy`). */
  actions: ActionEntry[];
}

interface ActionEntry {
  pattern: string;
  test: Matcher;
}

export interface PolicyInternals {
  statements: CompiledStatement[];
  /** Statements by each action they name without wildcards (lower-case): their Action is known to match. */
  byAction: Map<string, CompiledStatement[]>;
  /** Statements with an action pattern (wildcards) in a named service, by lower-case service prefix. */
  byService: Map<string, CompiledStatement[]>;
  /** Statements that may match any service (NotAction, `*`, wildcards in the service part). */
  anyService: CompiledStatement[];
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
  if (hit !== undefined) return hit;
  const out: CompiledStatement[] = [...(p.byAction.get(req.actionLower) ?? [])];
  for (const st of [...(p.byService.get(req.service) ?? []), ...p.anyService])
    if (!out.includes(st) && st.matchesAction(req)) out.push(st);
  out.sort((a, b) => a.source.index - b.source.index);
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
    for (const a of st.actions) {
      if (a.test(req.actionLower)) {
        matchedBy = a.pattern;
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

function actionEntries(patterns: Located[]): ActionEntry[] {
  return patterns.map((p) => ({ pattern: p.value, test: compileGlob(p.value.toLowerCase()) }));
}

function actionMatcher(entries: ActionEntry[]): Matcher {
  const ms = entries.map((e) => e.test);
  if (ms.length === 1) return ms[0]!;
  return (a) => {
    for (let i = 0; i < ms.length; i++) if (ms[i]!(a)) return true;
    return false;
  };
}

/** One Resource / NotResource entry: its text, the variables it reads, and its test. */
interface ResourceEntry {
  pattern: string;
  keys: string[];
  /** The same keys lower-cased, as the request looks them up. */
  keysLower: string[];
  test: (req: PreparedRequest) => boolean;
}

/** Resource patterns, with policy variables where the version allows. */
function resourceEntries(patterns: Located[], variables: boolean): ResourceEntry[] {
  return patterns.map((p): ResourceEntry => {
    const pattern = completeArnPattern(p.value);
    const t = variables ? parseTemplate(pattern) : undefined;
    if (!t) {
      const m = compileArnPartsGlob(pattern);
      return {
        pattern: p.value,
        keys: [],
        keysLower: [],
        test: (req) => m(req.resource, req.resourceColons),
      };
    }
    // A variable with no value matches no resource (so it excludes none under NotResource).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
    return {
      pattern: p.value,
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

function compileStatement(s: Statement, variables: boolean): CompiledStatement {
  let matchesAction: (req: PreparedRequest) => boolean;
  const actions = actionEntries(s.action ?? s.notAction ?? []);
  if (s.action) {
    const m = actionMatcher(actions);
    matchesAction = (req) => m(req.actionLower);
  } else if (s.notAction) {
    const m = actionMatcher(actions);
    matchesAction = (req) => !m(req.actionLower);
  } else matchesAction = () => false;

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
    conditions: s.conditions.map((c) => compileCondition(c, variables)),
    resources,
    actions,
  };
}

/** The service prefix an action pattern names exactly, or undefined when it could match several. */
function exactService(pattern: string): string | undefined {
  const colon = pattern.indexOf(':');
  if (colon <= 0) return undefined;
  const svc = pattern.slice(0, colon);
  return /[*?]/.test(svc) ? undefined : svc.toLowerCase();
}

export function compilePolicy(doc: PolicyDocument, opts: CompileOptions = {}): CompiledPolicy {
  // Policy variables are substituted only under Version 2012-10-17.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
  const variables = doc.version === '2012-10-17';
  const statements = doc.statements.map((s) => compileStatement(s, variables));
  const byAction = new Map<string, CompiledStatement[]>();
  const byService = new Map<string, CompiledStatement[]>();
  const anyService: CompiledStatement[] = [];
  const add = (index: Map<string, CompiledStatement[]>, key: string, st: CompiledStatement) => {
    const list = index.get(key);
    if (!list) index.set(key, [st]);
    else if (list[list.length - 1] !== st) list.push(st);
  };
  for (const st of statements) {
    const actions = st.source.action;
    if (!actions || actions.some((a) => exactService(a.value) === undefined)) {
      anyService.push(st);
      continue;
    }
    // A statement may sit in both indexes (one exact action, one pattern): visiting it twice for one
    // request only repeats the same answer.
    for (const a of actions) {
      if (/[*?]/.test(a.value)) add(byService, exactService(a.value)!, st);
      else add(byAction, a.value.toLowerCase(), st);
    }
  }
  const internals: PolicyInternals = {
    statements,
    byAction,
    byService,
    anyService,
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
  if (s.sid) e.sid = s.sid.value;
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
