/**
 * `rolecall who-can ACTION RESOURCE`, `rolecall can-what PRINCIPAL` and `rolecall escalation [PRINCIPAL]`:
 * access questions over the store, every answer decided by the engine through the resolver
 * (src/iam/access-queries.ts). Exit codes: 0 answered, 1 error; `escalation` exits 2 when a path to
 * full control exists.
 */
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import {
  escalationReports,
  renderDot,
  renderEscalationText,
  renderMermaid,
  type EscalationEdge,
} from '../../analyze/index.js';
import { canWhat, escalationEdges, whoCan } from '../../iam/index.js';
import { exitCodes, type CommandContext } from '../context.js';
import { storeOptions, type StoreOptions, readControlPlane } from './control-plane-options.js';

interface Options extends StoreOptions {
  now?: string;
  graph?: string;
  target?: string;
}

function nowOf(text: string | undefined): number {
  if (text === undefined) return Date.now();
  const n = Date.parse(text);
  if (Number.isNaN(n)) throw new RolecallError('UsageError', `--now \`${text}\` is not an ISO 8601 time`);
  return n;
}

function principalOf(text: string): string | { Service: string } {
  return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(text) ? { Service: text } : text;
}

const scope = (opts: Options, now: number) => ({ now, ...(opts.account ? { account: opts.account } : {}) });

export function register(program: Command, ctx: CommandContext): void {
  storeOptions(
    program
      .command('who-can')
      .description(
        'every user and role of the store that can do ACTION on RESOURCE, with the statements and conditions',
      )
      .argument('<action>', 'action, for example iam:PassRole')
      .argument('<resource>', 'resource ARN'),
  )
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .option('--json', 'machine-readable output')
    .action(async (action: string, resource: string, opts: Options) => {
      const entries = await readControlPlane(opts, (cp) =>
        whoCan(cp, action, resource, scope(opts, nowOf(opts.now))),
      );
      if (opts.json) {
        ctx.out(`${JSON.stringify({ action, resource, principals: entries }, null, 2)}\n`);
        return;
      }
      if (entries.length === 0) ctx.out(`nobody in the store can ${action} on ${resource}\n`);
      for (const e of entries) {
        const when = Object.keys(e.conditions).length > 0 ? ` when ${JSON.stringify(e.conditions)}` : '';
        ctx.out(`${e.principal}${when}\n`);
        for (const s of e.statements) ctx.out(`  by ${s}\n`);
        for (const c of e.statementConditions)
          ctx.out(`  if ${c.operator} ${c.key} ${JSON.stringify(c.values)} (${c.statement})\n`);
      }
    });

  storeOptions(
    program
      .command('can-what')
      .description("a principal's effective permissions per service: actions, resource patterns, conditions")
      .argument('<principal>', 'user, role or assumed-role session ARN'),
  )
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .option('--json', 'machine-readable output')
    .action(async (principal: string, opts: Options) => {
      const perms = await readControlPlane(opts, (cp) =>
        canWhat(cp, principalOf(principal), scope(opts, nowOf(opts.now))),
      );
      if (opts.json) {
        ctx.out(`${JSON.stringify({ principal, permissions: perms }, null, 2)}\n`);
        return;
      }
      if (perms.length === 0) ctx.out(`${principal} can do nothing\n`);
      let last = '';
      for (const p of perms) {
        if (p.service !== last) ctx.out(`${p.service}\n`);
        last = p.service;
        ctx.out(`  ${p.actions.join(', ')}\n`);
        if (p.resources.length > 0) ctx.out(`    on ${p.resources.join(', ')}\n`);
        for (const c of p.conditions) ctx.out(`    if ${c}\n`);
        for (const s of p.statements) ctx.out(`    by ${s}\n`);
      }
    });

  storeOptions(
    program
      .command('escalation')
      .description(
        'privilege-escalation paths from a principal (or every principal) through the known IAM methods',
      )
      .argument('[principal]', 'user or role ARN (default: every user and role)'),
  )
    .option('--target <arn>', 'only paths that reach this principal (who can become it, and how)')
    .option('--graph <format>', 'print the decided edges as a graph: dot or mermaid')
    .option('--now <time>', 'evaluation time, ISO 8601 (default: now)')
    .option('--json', 'machine-readable output')
    .action(async (principal: string | undefined, opts: Options) => {
      if (opts.graph !== undefined && opts.graph !== 'dot' && opts.graph !== 'mermaid')
        throw new RolecallError('UsageError', `--graph \`${opts.graph}\` must be dot or mermaid`);
      const { edges, groupsOf } = await readControlPlane(opts, async (cp) => {
        // The principal must exist: the resolver says so with AWS's error when it does not.
        if (principal !== undefined) await cp.resolver.principal(principal);
        const lazy = principal !== undefined && opts.target === undefined;
        return escalationEdges(cp, {
          ...scope(opts, nowOf(opts.now)),
          ...(lazy ? { from: [principal] } : {}),
        });
      });
      const reports = escalationReports(edges, groupsOf, {
        ...(principal !== undefined ? { principal } : {}),
        ...(opts.target !== undefined ? { target: opts.target } : {}),
      });
      if (opts.graph !== undefined) {
        const used = new Set<EscalationEdge>();
        for (const r of reports)
          for (const p of [...r.reachable, ...r.fullControl]) for (const e of p.edges) used.add(e);
        const shown = principal === undefined && opts.target === undefined ? edges : [...used];
        ctx.out(opts.graph === 'dot' ? renderDot(shown) : renderMermaid(shown));
      } else if (opts.json) ctx.out(`${JSON.stringify({ reports, edges: edges.length }, null, 2)}\n`);
      else {
        if (reports.length === 0) ctx.out('no escalation path\n');
        for (const r of reports) ctx.out(renderEscalationText(r));
      }
      if (reports.some((r) => r.fullControl.length > 0)) ctx.exitCode = exitCodes.deny;
    });
}
