/**
 * Scenario files (docs/scenario-format.md): load them with positions for errors, build the policy set a
 * case describes, and decide it. Read by the tests, the `simulate` command and the benchmarks.
 */
import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree, type Node, type ParseError } from '../policy/jsonc.js';
import { RolecallError, type ErrorPlace } from '../errors.js';
import { authorize, compilePolicy } from '../eval/index.js';
import type { CompiledPolicy, Decision, Explanation, PolicySet } from '../eval/types.js';
import { parsePolicy } from '../policy/parse.js';
import type { PolicyIssue, PolicyKind } from '../policy/types.js';
import type { Scenario, ScenarioPolicies } from './types.js';
import { editDistance } from '../policy/edit-distance.js';

export type { Scenario, ScenarioPolicies } from './types.js';

const DECISIONS: readonly Decision[] = ['Allow', 'ExplicitDeny', 'ImplicitDeny'];
const POLICY_KINDS: readonly string[] = ['identity', 'resource', 'boundary', 'session', 'scp', 'rcp'];
const REQUEST_FIELDS: readonly string[] = ['principal', 'action', 'resource', 'resourceAccount', 'context'];

function isContextValue(v: unknown): boolean {
  const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  return scalar(v) || (Array.isArray(v) && v.every(scalar));
}

/** `; did you mean \`x\`?` for the nearest known name (case-insensitive or one edit away), else nothing. */
function suggest(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const near = known.find((k) => k.toLowerCase() === lower) ?? known.find((k) => editDistance(k, lower) <= 2);
  return near === undefined ? '' : `; did you mean \`${near}\`?`;
}

const ASSUME =
  /^sts:(AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|TagSession|SetSourceIdentity|SetContext)$/i;

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Where a policy document of a scenario file is: its text as written, and its place in the file. */
interface PolicySource {
  file: string;
  text: string;
  line: number;
  column: number;
  path: string;
}

/**
 * The policy documents parseScenarios read, each to its source: a policy's problems are then placed in the
 * scenario file (file, line:column, the JSON path from the file's root), not in a re-serialized copy.
 */
const policySources = new WeakMap<object, PolicySource>();

/** Records where each policy document of a case's `policies` is written. */
function recordPolicySources(
  policies: Record<string, unknown>,
  node: Node | undefined,
  path: string,
  source: { file: string; text: string },
): void {
  const record = (doc: unknown, at: (string | number)[], sub: string) => {
    const n = node && findNodeAtLocation(node, at);
    if (typeof doc !== 'object' || doc === null || !n) return;
    policySources.set(doc, {
      file: source.file,
      text: source.text.slice(n.offset, n.offset + n.length),
      ...lineColumn(source.text, n.offset),
      path: `${path}${sub}`,
    });
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  list(policies.identity).forEach((d, i) => record(d, ['identity', i], `.identity[${i}]`));
  for (const k of ['resource', 'boundary', 'session'] as const) record(policies[k], [k], `.${k}`);
  for (const k of ['scp', 'rcp'] as const)
    list(policies[k]).forEach((lvl, l) =>
      list(lvl).forEach((d, i) => record(d, [k, l, i], `.${k}[${l}][${i}]`)),
    );
}

/** Reads a scenario file: `{"cases": [...]}` or a bare array. Throws InvalidScenario with the place. */
export function loadScenarioFile(file: string): Scenario[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RolecallError(
      'InvalidFile',
      `cannot read \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { file },
    );
  }
  return parseScenarios(text, file);
}

export function parseScenarios(text: string, file = '<input>'): Scenario[] {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || !root) {
    const at = lineColumn(text, errors[0]?.offset ?? 0);
    throw new RolecallError('InvalidScenario', 'not valid JSON', { file, ...at, path: '$' });
  }
  const place = (node: Node | undefined, path: string): ErrorPlace => ({
    file,
    path,
    ...lineColumn(text, node?.offset ?? 0),
  });
  let casesNode: Node | undefined = root;
  let casesPath = '$';
  if (root.type === 'object') {
    casesNode = findNodeAtLocation(root, ['cases']);
    casesPath = '$.cases';
  }
  if (!casesNode || casesNode.type !== 'array') {
    throw new RolecallError(
      'InvalidScenario',
      'expected `{"cases": [...]}` or an array of cases',
      place(root, '$'),
    );
  }
  const value = JSON.parse(text) as unknown;
  const cases = (Array.isArray(value) ? value : (value as { cases: unknown[] }).cases) as unknown[];
  return cases.map((c, i) => {
    const path = `${casesPath}[${i}]`;
    const node = casesNode.children?.[i];
    const at = (sub: (string | number)[], subPath: string) =>
      place(node && (findNodeAtLocation(node, sub) ?? node), `${path}${subPath}`);
    if (typeof c !== 'object' || c === null || Array.isArray(c))
      throw new RolecallError('InvalidScenario', 'a case must be an object', at([], ''));
    const s = c as Record<string, unknown>;
    const name = typeof s.name === 'string' ? s.name : `case ${i + 1}`;
    const fail = (msg: string, sub: (string | number)[], subPath: string): never => {
      throw new RolecallError('InvalidScenario', `case \`${name}\`: ${msg}`, at(sub, subPath));
    };
    if (typeof s.name !== 'string') fail('`name` must be a string', ['name'], '.name');
    if (typeof s.expect !== 'string' || !DECISIONS.includes(s.expect as Decision)) {
      fail(
        `unknown decision \`${String(s.expect)}\`; expected Allow, ExplicitDeny or ImplicitDeny`,
        ['expect'],
        '.expect',
      );
    }
    const req = s.request as Record<string, unknown> | undefined;
    if (typeof req !== 'object' || req === null) fail('`request` must be an object', ['request'], '.request');
    const r = req as Record<string, unknown>;
    const principalOk =
      typeof r.principal === 'string' ||
      (typeof r.principal === 'object' &&
        r.principal !== null &&
        typeof (r.principal as { Service?: unknown }).Service === 'string');
    if (!principalOk)
      fail(
        '`request.principal` must be an ARN or {"Service": "..."}',
        ['request', 'principal'],
        '.request.principal',
      );
    if (typeof r.action !== 'string')
      fail('`request.action` must be a string', ['request', 'action'], '.request.action');
    if (typeof r.resource !== 'string')
      fail('`request.resource` must be a string', ['request', 'resource'], '.request.resource');
    if (r.resourceAccount !== undefined && typeof r.resourceAccount !== 'string')
      fail(
        '`request.resourceAccount` must be a string',
        ['request', 'resourceAccount'],
        '.request.resourceAccount',
      );
    if (
      r.context !== undefined &&
      (typeof r.context !== 'object' || r.context === null || Array.isArray(r.context))
    ) {
      fail('`request.context` must be an object', ['request', 'context'], '.request.context');
    }
    for (const [k, v] of Object.entries((r.context ?? {}) as Record<string, unknown>)) {
      if (!isContextValue(v))
        fail(
          `context key \`${k}\` must be a string, number, boolean or an array of them`,
          ['request', 'context', k],
          `.request.context[${JSON.stringify(k)}]`,
        );
    }
    for (const k of Object.keys(r)) {
      // A misspelt request field would silently change the question: refuse it.
      if (!REQUEST_FIELDS.includes(k))
        fail(`unknown request field \`${k}\`${suggest(k, REQUEST_FIELDS)}`, ['request', k], `.request.${k}`);
    }
    const pol = s.policies ?? {};
    if (typeof pol !== 'object' || pol === null || Array.isArray(pol))
      fail('`policies` must be an object', ['policies'], '.policies');
    const p = pol as Record<string, unknown>;
    for (const k of Object.keys(p)) {
      // A misspelt policy kind would silently drop a policy from the decision: refuse it.
      if (!POLICY_KINDS.includes(k))
        fail(`unknown policy kind \`${k}\`${suggest(k, POLICY_KINDS)}`, ['policies', k], `.policies.${k}`);
    }
    if (p.identity !== undefined && !Array.isArray(p.identity))
      fail('`policies.identity` must be an array', ['policies', 'identity'], '.policies.identity');
    for (const k of ['scp', 'rcp'] as const) {
      if (p[k] !== undefined && (!Array.isArray(p[k]) || !(p[k] as unknown[]).every(Array.isArray))) {
        fail(
          `\`policies.${k}\` must be an array of levels, each an array of policies`,
          ['policies', k],
          `.policies.${k}`,
        );
      }
    }
    recordPolicySources(p, node && findNodeAtLocation(node, ['policies']), `${path}.policies`, {
      file,
      text,
    });
    return { ...s, policies: p } as unknown as Scenario;
  });
}

/**
 * A problem in a scenario's policy, with the slot it came from. For a case read from a file, `file`, the
 * line:column and the JSON path are the scenario file's; otherwise they are the policy document's own.
 */
export type ScenarioPolicyIssue = PolicyIssue & { policy: string; file?: string };

export interface BuiltPolicySet {
  set: PolicySet;
  issues: ScenarioPolicyIssue[];
}

/** An issue found in a policy's own text, placed in the scenario file that holds the text. */
function inFile(i: PolicyIssue, src: PolicySource): PolicyIssue & { file: string } {
  return {
    ...i,
    file: src.file,
    line: src.line + i.line - 1,
    column: i.line === 1 ? src.column + i.column - 1 : i.column,
    path: `${src.path}${i.path.slice(1)}`,
  };
}

/** Parses and compiles every policy of a case with its kind. */
export function buildPolicySet(policies: ScenarioPolicies, action = ''): BuiltPolicySet {
  const issues: BuiltPolicySet['issues'] = [];
  const compile = (doc: unknown, kind: PolicyKind, name: string): CompiledPolicy | undefined => {
    // The text as written when the case came from a file: its places are the file's.
    const src = typeof doc === 'object' && doc !== null ? policySources.get(doc) : undefined;
    const parsed = parsePolicy(src ? src.text : doc, { kind });
    for (const i of parsed.issues)
      if (i.severity === 'error') issues.push({ ...(src ? inFile(i, src) : i), policy: name });
    return parsed.document ? compilePolicy(parsed.document, { kind, name }) : undefined;
  };
  const defined = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);
  const set: PolicySet = {
    identity: defined((policies.identity ?? []).map((d, i) => compile(d, 'identity', `identity[${i}]`))),
  };
  if (policies.resource !== undefined) {
    const r = compile(policies.resource, ASSUME.test(action) ? 'trust' : 'resource', 'resource');
    if (r) set.resource = r;
  }
  if (policies.boundary !== undefined) {
    const b = compile(policies.boundary, 'boundary', 'boundary');
    if (b) set.boundary = b;
  }
  if (policies.session !== undefined) {
    const s = compile(policies.session, 'session', 'session');
    if (s) set.session = [s];
  }
  if (policies.scp)
    set.scp = policies.scp.map((lvl, l) => defined(lvl.map((d, i) => compile(d, 'scp', `scp[${l}][${i}]`))));
  if (policies.rcp)
    set.rcp = policies.rcp.map((lvl, l) => defined(lvl.map((d, i) => compile(d, 'rcp', `rcp[${l}][${i}]`))));
  return { set, issues };
}

export interface ScenarioResult {
  name: string;
  decision: Decision;
  expect: Decision;
  pass: boolean;
  explanation?: Explanation;
  invalidPolicies?: ScenarioPolicyIssue[];
}

/** Decides one case. A case whose policies do not parse is reported with its issues and never passes. */
export function runScenario(s: Scenario, opts: { explain?: boolean; now?: number } = {}): ScenarioResult {
  const { set, issues } = buildPolicySet(s.policies, s.request.action);
  const result = authorize(s.request, set, {
    now: opts.now ?? Date.UTC(2026, 0, 1),
    explain: opts.explain ?? false,
  });
  const out: ScenarioResult = {
    name: s.name,
    decision: result.decision,
    expect: s.expect,
    pass: issues.length === 0 && result.decision === s.expect,
  };
  if (result.explanation) out.explanation = result.explanation;
  if (issues.length > 0) out.invalidPolicies = issues;
  return out;
}
