/**
 * `rolecall check-no-new-access EXISTING NEW` and `rolecall check-access-not-granted POLICY --action A...`:
 * Access Analyzer's custom policy checks, decided offline by the engine over the whole request space
 * (src/analyze/no-new-access.ts). Exit codes: 0 PASS, 2 FAIL, 3 invalid policy, 1 any other error.
 */
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import {
  ACCESS_POLICY_KINDS,
  checkAccessNotGranted,
  checkNoNewAccess,
  type AccessCheckResult,
  type AccessPolicyKind,
} from '../../analyze/index.js';
import { compilePolicy } from '../../eval/index.js';
import { DECISION_REASONS, type CompiledPolicy } from '../../eval/types.js';
import { actionsMatching } from '../../knowledge/service-data.js';
import { parsePolicy } from '../../policy/index.js';
import { exitCodes, type CommandContext } from '../context.js';
import { collect, readTextFile } from './control-plane-options.js';
import { renderIssue } from './simulate.js';
import { renderExplanation } from './explanation-text.js';

/** Access Analyzer's policy type names, accepted beside rolecall's kinds. */
const AWS_POLICY_TYPES = {
  IDENTITY_POLICY: 'identity',
  RESOURCE_POLICY: 'resource',
} as const satisfies Record<string, AccessPolicyKind>;

export function policyKindOf(text: string | undefined): AccessPolicyKind {
  if (text === undefined) return 'identity';
  const aws = (AWS_POLICY_TYPES as Record<string, AccessPolicyKind>)[text.toUpperCase()];
  if (aws) return aws;
  const k = ACCESS_POLICY_KINDS.find((x) => x === text.toLowerCase());
  if (!k)
    throw new RolecallError(
      'UsageError',
      `--type \`${text}\` is not one of ${ACCESS_POLICY_KINDS.join(', ')}, IDENTITY_POLICY, RESOURCE_POLICY`,
    );
  return k;
}

/** Reads and compiles a policy file; its problems are printed with file and line:column. */
function loadPolicy(file: string, kind: AccessPolicyKind, ctx: CommandContext): CompiledPolicy | undefined {
  const parsed = parsePolicy(readTextFile(file), { kind });
  for (const i of parsed.issues) ctx.err(`${renderIssue(file, i)}\n`);
  return parsed.document ? compilePolicy(parsed.document, { kind, name: file }) : undefined;
}

function printResult(
  ctx: CommandContext,
  r: AccessCheckResult,
  labels: { allowed: string; other?: string; headline: string },
  json: boolean,
  ms: number,
): number {
  if (json) {
    ctx.out(`${JSON.stringify({ ...r, milliseconds: Math.round(ms) }, null, 2)}\n`);
    return r.result === 'PASS' ? exitCodes.ok : exitCodes.deny;
  }
  if (r.result === 'PASS') ctx.out(`PASS: ${labels.headline}\n`);
  else if (r.witness) {
    const w = r.witness;
    ctx.out(`FAIL: ${labels.headline}\n`);
    ctx.out(`witness request:\n`);
    ctx.out(
      `  principal: ${typeof w.request.principal === 'string' ? w.request.principal : `service ${w.request.principal.Service}`}\n`,
    );
    ctx.out(`  action: ${w.request.action}\n  resource: ${w.request.resource}\n`);
    for (const [k, v] of Object.entries(w.request.context ?? {})) {
      const absent = Array.isArray(v) && v.length === 0;
      ctx.out(`  context ${k}: ${absent ? '(absent)' : JSON.stringify(v)}\n`);
    }
    ctx.out(`${labels.allowed}: ${w.allowedBy.decision}\n`);
    if (w.allowedBy.explanation) ctx.out(indent(renderExplanation(w.allowedBy.explanation, 'decided')));
    if (w.notAllowedBy && labels.other) {
      ctx.out(`${labels.other}: ${w.notAllowedBy.decision} (${DECISION_REASONS[w.notAllowedBy.reason]})\n`);
      if (w.notAllowedBy.explanation)
        ctx.out(indent(renderExplanation(w.notAllowedBy.explanation, 'decided')));
    }
  }
  for (const a of r.approximations) ctx.out(`approximated: ${a}\n`);
  ctx.out(
    `searched ${r.stats.nodes} partial requests in ${Math.round(ms)} ms (${r.exact ? 'exact' : 'not exact'})\n`,
  );
  return r.result === 'PASS' ? exitCodes.ok : exitCodes.deny;
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

function parseNow(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const n = Date.parse(text);
  if (Number.isNaN(n)) throw new RolecallError('UsageError', `--now \`${text}\` is not an ISO 8601 time`);
  return n;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('check-no-new-access')
    .description(
      'PASS when NEW allows no request that EXISTING does not (any action, resource, principal, context)',
    )
    .argument('<existing>', 'the existing policy (file, - for stdin)')
    .argument('<new>', 'the new policy (file)')
    .option('--type <kind>', `policy type: ${ACCESS_POLICY_KINDS.join(', ')} (default identity)`)
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .option('--json', 'machine-readable output')
    .action(
      (existingFile: string, newFile: string, opts: { type?: string; now?: string; json?: boolean }) => {
        const kind = policyKindOf(opts.type);
        const existing = loadPolicy(existingFile, kind, ctx);
        const updated = loadPolicy(newFile, kind, ctx);
        if (!existing || !updated) {
          ctx.exitCode = exitCodes.invalidPolicy;
          return;
        }
        const started = performance.now();
        const r = checkNoNewAccess(existing, updated, { kind, now: parseNow(opts.now) });
        ctx.exitCode = printResult(
          ctx,
          r,
          {
            headline:
              r.result === 'PASS'
                ? `\`${newFile}\` allows nothing \`${existingFile}\` does not`
                : `\`${newFile}\` allows a request \`${existingFile}\` does not`,
            allowed: `under ${newFile}`,
            other: `under ${existingFile}`,
          },
          opts.json === true,
          performance.now() - started,
        );
      },
    );

  program
    .command('check-access-not-granted')
    .description(
      'PASS when POLICY allows none of the actions (on the resources) under any principal and context',
    )
    .argument('<policy>', 'the policy (file, - for stdin)')
    .option('--action <action>', 'action that must not be allowed (repeatable, wildcards allowed)', collect)
    .option('--resource <arn>', 'only requests on this resource (repeatable, wildcards allowed)', collect)
    .option('--type <kind>', `policy type: ${ACCESS_POLICY_KINDS.join(', ')} (default identity)`)
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .option('--json', 'machine-readable output')
    .action(
      (
        file: string,
        opts: { action?: string[]; resource?: string[]; type?: string; now?: string; json?: boolean },
      ) => {
        const kind = policyKindOf(opts.type);
        if (!opts.action && !opts.resource)
          throw new RolecallError('UsageError', 'give at least one --action or --resource');
        for (const a of opts.action ?? []) {
          const known = actionsMatching(a);
          if (!known || known.length === 0)
            throw new RolecallError('UsageError', `--action \`${a}\` names no action of the service data`);
        }
        const policy = loadPolicy(file, kind, ctx);
        if (!policy) {
          ctx.exitCode = exitCodes.invalidPolicy;
          return;
        }
        const started = performance.now();
        const r = checkAccessNotGranted(policy, {
          kind,
          now: parseNow(opts.now),
          access: {
            ...(opts.action ? { actions: opts.action } : {}),
            ...(opts.resource ? { resources: opts.resource } : {}),
          },
        });
        const what = `${opts.action ? opts.action.join(', ') : 'any action'}${opts.resource ? ` on ${opts.resource.join(', ')}` : ''}`;
        ctx.exitCode = printResult(
          ctx,
          r,
          {
            headline:
              r.result === 'PASS' ? `\`${file}\` allows none of ${what}` : `\`${file}\` allows ${what}`,
            allowed: `under ${file}`,
          },
          opts.json === true,
          performance.now() - started,
        );
      },
    );
}
