/**
 * `rolecall simulate`: run scenario files, or decide one request ad hoc from policy files (or, without
 * --policy, from the policies in the store). Exit codes: 0 every case passes / Allow, 2 deny,
 * 3 invalid policy, 1 any other error or a failing case.
 */
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import { accountId, actionValue, arnValue, principalValue } from './input-values.js';
import { authorize, compilePolicy } from '../../eval/index.js';
import {
  DECISION_REASONS,
  type AuthzResult,
  type CompiledPolicy,
  type ContextValue,
  type PolicySet,
} from '../../eval/types.js';
import { parsePolicy } from '../../policy/parse.js';
import type { PolicyIssue, PolicyKind } from '../../policy/types.js';
import { exitCodes, type CommandContext } from '../context.js';
import { readTextFile } from './read-text-file.js';
import { appliedStatements, renderExplanation, type ExplainDetail } from './explanation-text.js';
import { setOwn } from '../../own-key.js';

interface SimulateOptions {
  policy?: string[];
  resourcePolicy?: string;
  boundary?: string;
  session?: string[];
  scp?: string[];
  principal?: string;
  accessKeyId?: string;
  action?: string;
  resource?: string;
  resourceAccount?: string;
  context?: string[];
  explain?: boolean;
  explainAll?: boolean;
  json?: boolean;
  store?: string;
  now?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** An access key id: AKIA for a long-term key, ASIA for a temporary one (IAM's AccessKeyId pattern `[\w]+`). */
const ACCESS_KEY_ID = /^A[KS]IA[A-Z0-9]{12,124}$/;

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('simulate')
    .description('run scenario files, or decide one request from policy files or the store')
    .argument('[files...]', 'scenario files (format v1)')
    .option('--policy <file>', 'identity-based policy file (repeatable)', collect)
    .option('--resource-policy <file>', "the resource's policy (a role's trust policy for sts:AssumeRole)")
    .option('--boundary <file>', 'permissions boundary policy file')
    .option('--session <file>', 'session policy file (repeatable)', collect)
    .option('--scp <file>', 'SCP file, one organization level each, root first (repeatable)', collect)
    .option(
      '--principal <arn>',
      'principal ARN, or a service principal such as elasticmapreduce.amazonaws.com',
    )
    .option(
      '--access-key-id <id>',
      "decide as the store's credential with this access key id (AKIA... or ASIA...): its principal and session",
    )
    .option('--action <action>', 'action, for example s3:GetObject')
    .option('--resource <arn>', 'resource ARN (default *)')
    .option('--resource-account <id>', 'account that owns the resource, when its ARN does not say')
    .option(
      '--context <key=value>',
      'request context entry (repeatable; a key given twice is multivalued)',
      collect,
    )
    .option(
      '--explain',
      'explain the decision: the step that decided, the statements that applied and the conditions that failed (for files: each failing case)',
    )
    .option('--explain-all', 'explain with every step, statement and condition evaluated')
    .option('--json', 'machine-readable output')
    .option('--store <location>', 'store to decide with when no --policy is given')
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .action(async (files: string[], opts: SimulateOptions) => {
      const now = opts.now ? Date.parse(opts.now) : Date.now();
      if (Number.isNaN(now))
        throw new RolecallError('UsageError', `--now \`${opts.now}\` is not an ISO 8601 time`);
      if (files.length > 0) {
        if (opts.policy || opts.principal || opts.accessKeyId)
          throw new RolecallError('UsageError', 'give scenario files or an ad hoc request, not both');
        ctx.exitCode = await runFiles(files, opts, ctx, now);
        return;
      }
      ctx.exitCode = await runAdHoc(opts, ctx, now);
    });
}

// Scenario files and the store each load their modules when used: one ad hoc decision from policy
// files, the common case at a prompt, loads neither.
async function runFiles(
  files: string[],
  opts: SimulateOptions,
  ctx: CommandContext,
  now: number,
): Promise<number> {
  const { loadScenarioFile, runScenario } = await import('../../scenario/index.js');
  const results: { name: string; decision: string; expect: string; pass: boolean }[] = [];
  for (const file of files) {
    for (const s of loadScenarioFile(file)) {
      const r = runScenario(s, { explain: explainDetail(opts) !== 'applied', now });
      results.push({ name: r.name, decision: r.decision, expect: r.expect, pass: r.pass });
      // With --json, stdout keeps the documented shape; the policy problems still reach the user.
      const say = opts.json ? ctx.err : ctx.out;
      if (!opts.json) say(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}  ${r.decision} (expected ${r.expect})\n`);
      for (const i of r.invalidPolicies ?? []) {
        say(
          `      ${i.file ?? file}:${i.line}:${i.column}: ${i.path}: ${i.code}: ${i.message}${i.hint ? ` (${i.hint})` : ''} (case \`${r.name}\`, ${i.policy})\n`,
        );
      }
      if (opts.json) continue;
      if (!r.pass && explainDetail(opts) !== 'applied' && r.explanation)
        ctx.out(indent(renderExplanation(r.explanation, explainDetail(opts)), 6));
    }
  }
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;
  if (opts.json) ctx.out(`${JSON.stringify({ results, passed, failed }, null, 2)}\n`);
  else ctx.out(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? exitCodes.ok : exitCodes.error;
}

/** Reads and compiles one policy file; every problem is reported with the file and line:column. */
function loadPolicy(file: string, kind: PolicyKind, problems: string[]): CompiledPolicy | undefined {
  const parsed = parsePolicy(readTextFile(file), { kind });
  for (const i of parsed.issues) problems.push(renderIssue(file, i));
  return parsed.document ? compilePolicy(parsed.document, { kind, name: file }) : undefined;
}

export function renderIssue(file: string, i: PolicyIssue): string {
  return `${file}:${i.line}:${i.column}: ${i.path}: ${i.severity === 'warning' ? 'warning: ' : ''}${i.code}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
}

function parseContext(entries: string[] = []): Record<string, ContextValue> {
  const out: Record<string, string | string[]> = {};
  for (const e of entries) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new RolecallError('UsageError', `--context \`${e}\` must be key=value`);
    const k = e.slice(0, eq);
    const v = e.slice(eq + 1);
    const prev = out[k];
    setOwn(out, k, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
  }
  return out;
}

async function runAdHoc(opts: SimulateOptions, ctx: CommandContext, now: number): Promise<number> {
  if ((!opts.principal && !opts.accessKeyId) || !opts.action) {
    throw new RolecallError(
      'UsageError',
      'give scenario files, or --principal (or --access-key-id) and --action (with --policy files or a store)',
    );
  }
  if (opts.accessKeyId !== undefined) {
    if (opts.policy)
      throw new RolecallError(
        'UsageError',
        '--access-key-id names a credential of the store: decide with the store (--store), not --policy files',
      );
    if (!ACCESS_KEY_ID.test(opts.accessKeyId))
      throw new RolecallError(
        'UsageError',
        `--access-key-id \`${opts.accessKeyId}\` is not an access key id (AKIA... for a user's key, ASIA... for a session's)`,
      );
  }
  // A typo in a principal, action or ARN would be decided as written: reject it instead.
  if (opts.principal !== undefined) principalValue(opts.principal, '--principal');
  actionValue(opts.action, '--action');
  if (opts.resource !== undefined && opts.resource !== '*') arnValue(opts.resource, '--resource');
  if (opts.resourceAccount !== undefined) accountId(opts.resourceAccount, '--resource-account');
  const principal =
    opts.principal === undefined
      ? ''
      : /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(opts.principal)
        ? { Service: opts.principal }
        : opts.principal;
  const request = {
    principal,
    action: opts.action,
    resource: opts.resource ?? '*',
    context: parseContext(opts.context),
    ...(opts.resourceAccount ? { resourceAccount: opts.resourceAccount } : {}),
  };
  let result: AuthzResult;
  if (opts.policy) {
    const problems: string[] = [];
    const assume = /^sts:(AssumeRole\w*|TagSession|SetSourceIdentity|SetContext)$/i.test(opts.action);
    const set: PolicySet = {
      identity: opts.policy.map((f) => loadPolicy(f, 'identity', problems)).filter((p) => p !== undefined),
    };
    if (opts.resourcePolicy) {
      const r = loadPolicy(opts.resourcePolicy, assume ? 'trust' : 'resource', problems);
      if (r) set.resource = r;
    }
    if (opts.boundary) {
      const b = loadPolicy(opts.boundary, 'boundary', problems);
      if (b) set.boundary = b;
    }
    if (opts.session)
      set.session = opts.session
        .map((f) => loadPolicy(f, 'session', problems))
        .filter((p) => p !== undefined);
    if (opts.scp)
      set.scp = opts.scp.map((f) => [loadPolicy(f, 'scp', problems)].filter((p) => p !== undefined));
    const errors = problems.filter((p) => !p.includes(': warning: '));
    for (const p of problems) ctx.err(`${p}\n`);
    if (errors.length > 0) {
      ctx.err(
        `rolecall: ${errors.length} invalid polic${errors.length === 1 ? 'y' : 'ies'}: nothing decided\n`,
      );
      return exitCodes.invalidPolicy;
    }
    result = authorize(request, set, { now, explain: true });
  } else {
    const { existingStoreOrEmpty, withControlPlane } = await import('./control-plane-options.js');
    // A principal's decision reads policies, never a secret: the store is opened without its secret key
    // (whose check belongs to the commands that use it). A credential's record is read with its secrets
    // (the resolver reads it as the endpoint does), so --access-key-id opens the store with its key.
    const store = { ...(opts.store ? { store: opts.store } : {}) };
    // A store that does not exist yet is decided as the empty one, and not created by a question.
    result = await withControlPlane(
      existingStoreOrEmpty(store),
      async (cp) => {
        // A credential is decided through the resolver's credential path, as the endpoint decides a signed
        // request: its own principal and session (gone or expired: allowed nothing). With --principal too,
        // the resolver refuses a principal that is not the credential's.
        const credential = opts.accessKeyId;
        if (credential === undefined) return (await cp.decide(request, { now, explain: true })).result;
        const own = opts.principal ?? (await cp.resolver.credentialPrincipal(credential)).principal;
        return (await cp.decide({ ...request, principal: own }, { now, explain: true }, { credential }))
          .result;
      },
      { noSecrets: opts.accessKeyId === undefined },
    );
  }
  const detail = explainDetail(opts);
  const where = { files: new Set(policyFiles(opts)) };
  if (opts.json) {
    // Without --explain, the decision and the statements that made it; with it, the whole evaluation.
    const compact = {
      decision: result.decision,
      reason: result.reason,
      message: reasonText(result),
      statements: result.explanation ? appliedStatements(result.explanation, where) : [],
    };
    ctx.out(`${JSON.stringify(detail === 'applied' ? compact : result, null, 2)}\n`);
  } else {
    ctx.out(`${result.decision}: ${reasonText(result)}\n`);
    if (result.explanation) ctx.out(renderExplanation(result.explanation, detail, where));
  }
  return result.decision === 'Allow' ? exitCodes.ok : exitCodes.deny;
}

function explainDetail(opts: SimulateOptions): ExplainDetail {
  return opts.explainAll ? 'all' : opts.explain ? 'decided' : 'applied';
}

/** The policy files of an ad hoc request: an explanation places their statements as file:line:column. */
function policyFiles(opts: SimulateOptions): string[] {
  return [
    ...(opts.policy ?? []),
    ...(opts.resourcePolicy ? [opts.resourcePolicy] : []),
    ...(opts.boundary ? [opts.boundary] : []),
    ...(opts.session ?? []),
    ...(opts.scp ?? []),
  ];
}

function reasonText(r: AuthzResult): string {
  return DECISION_REASONS[r.reason];
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text.replace(/^(?=.)/gm, pad);
}
