/**
 * Privilege escalation: the known ways an IAM principal gets more permissions than its own, as a graph
 * whose edges the engine has decided (the store walk is src/iam/access-queries.ts), the paths from a
 * principal through it, and the graph as text, JSON, Graphviz dot or Mermaid.
 * An edge is one of three effects:
 * - becomes: the principal obtains another principal's permissions (assumes a role, makes an access key
 *   or console password for a user, runs code as a role it passes to a service);
 * - joins: the principal adds itself to a group and gains the group's policies;
 * - controls: the principal can give an entity any permission (puts or attaches a policy, writes a new
 *   default version of a managed policy attached to it).
 * A principal that reaches an entity it controls (or itself, or a group it is in) can grant itself any
 * permission.
 */
import type { Explanation } from '../eval/types.js';

export type EdgeEffect = 'becomes' | 'joins' | 'controls';
export type TargetKind = 'user' | 'role' | 'group' | 'policy';

interface MethodInfo {
  action: string;
  target: TargetKind;
  effect: EdgeEffect;
  source: string;
}

/** The escalation methods, each with the IAM action it needs and the AWS page describing it. */
export const ESCALATION_METHODS = {
  AssumeRole: {
    action: 'sts:AssumeRole',
    target: 'role',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html',
  },
  UpdateAssumeRolePolicy: {
    action: 'iam:UpdateAssumeRolePolicy',
    target: 'role',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html',
  },
  PassRole: {
    action: 'iam:PassRole',
    target: 'role',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
  },
  CreateAccessKey: {
    action: 'iam:CreateAccessKey',
    target: 'user',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html',
  },
  CreateLoginProfile: {
    action: 'iam:CreateLoginProfile',
    target: 'user',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html',
  },
  UpdateLoginProfile: {
    action: 'iam:UpdateLoginProfile',
    target: 'user',
    effect: 'becomes',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateLoginProfile.html',
  },
  AddUserToGroup: {
    action: 'iam:AddUserToGroup',
    target: 'group',
    effect: 'joins',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddUserToGroup.html',
  },
  PutUserPolicy: {
    action: 'iam:PutUserPolicy',
    target: 'user',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html',
  },
  AttachUserPolicy: {
    action: 'iam:AttachUserPolicy',
    target: 'user',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html',
  },
  PutRolePolicy: {
    action: 'iam:PutRolePolicy',
    target: 'role',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html',
  },
  AttachRolePolicy: {
    action: 'iam:AttachRolePolicy',
    target: 'role',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html',
  },
  PutGroupPolicy: {
    action: 'iam:PutGroupPolicy',
    target: 'group',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutGroupPolicy.html',
  },
  AttachGroupPolicy: {
    action: 'iam:AttachGroupPolicy',
    target: 'group',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachGroupPolicy.html',
  },
  CreatePolicyVersion: {
    action: 'iam:CreatePolicyVersion',
    target: 'policy',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html',
  },
  SetDefaultPolicyVersion: {
    action: 'iam:SetDefaultPolicyVersion',
    target: 'policy',
    effect: 'controls',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetDefaultPolicyVersion.html',
  },
} as const satisfies Record<string, MethodInfo>;
export type EscalationMethod = keyof typeof ESCALATION_METHODS;

/**
 * Services that run code with a role passed to them, and the calls that start that code (any one is
 * enough). https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 */
export const CODE_RUNNING_SERVICES = {
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
  'ec2.amazonaws.com': ['ec2:RunInstances'],
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
  'lambda.amazonaws.com': ['lambda:CreateFunction', 'lambda:UpdateFunctionConfiguration'],
  // https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html
  'glue.amazonaws.com': ['glue:CreateJob', 'glue:CreateDevEndpoint', 'glue:UpdateDevEndpoint'],
  // https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role.html
  'elasticmapreduce.amazonaws.com': ['elasticmapreduce:RunJobFlow', 'elasticmapreduce:CreateStudio'],
  // https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-role.html
  'emr-serverless.amazonaws.com': ['emr-serverless:StartJobRun'],
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
  'cloudformation.amazonaws.com': ['cloudformation:CreateStack', 'cloudformation:UpdateStack'],
  // https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html
  'sagemaker.amazonaws.com': ['sagemaker:CreateNotebookInstance', 'sagemaker:CreateTrainingJob'],
  // https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html
  'codebuild.amazonaws.com': ['codebuild:CreateProject'],
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
  'ecs-tasks.amazonaws.com': ['ecs:RunTask', 'ecs:RegisterTaskDefinition'],
  // https://docs.aws.amazon.com/datapipeline/latest/DeveloperGuide/dp-iam-roles.html
  'datapipeline.amazonaws.com': ['datapipeline:CreatePipeline'],
} as const satisfies Record<string, readonly string[]>;
export type CodeRunningService = keyof typeof CODE_RUNNING_SERVICES;

/** One decision behind an edge: the request, the engine's decision, the statements that allowed it. */
export interface EdgeStep {
  principal: string;
  action: string;
  resource: string;
  decision: string;
  statements: string[];
  /** Context the request had to carry (keys the store does not give), with their values. */
  conditions: Record<string, unknown>;
}

export interface EscalationEdge {
  from: string;
  to: string;
  method: EscalationMethod;
  effect: EdgeEffect;
  /** PassRole: the service the role is passed to. */
  service?: string;
  /** CreatePolicyVersion / SetDefaultPolicyVersion: the managed policy attached to `to`. */
  policy?: string;
  steps: EdgeStep[];
}

export interface EscalationPath {
  to: string;
  edges: EscalationEdge[];
}

export interface EscalationReport {
  principal: string;
  /** Every principal or group reachable through becomes/joins edges, by a shortest path. */
  reachable: EscalationPath[];
  /** Paths ending in a controls edge on an entity the principal reaches: it can grant itself anything. */
  fullControl: EscalationPath[];
}

/** The applying Allow statements of an explanation, as `slot name statement` labels. */
export function decidingStatements(e: Explanation | undefined): string[] {
  const out: string[] = [];
  for (const p of e?.policies ?? [])
    for (const s of p.statements)
      if (s.applies && s.effect === 'Allow')
        out.push(
          `${p.slot}${p.level !== undefined ? ` level ${p.level}` : ''} ${p.name ?? ''} ${s.sid ?? `#${s.index}`}`.replace(
            /\s+/g,
            ' ',
          ),
        );
  return out;
}

/**
 * Paths from `start`: shortest paths to every entity reachable through becomes and joins edges, and the
 * paths that end in controlling an entity that is reached (or a group a reached user is in).
 */
export function escalationPaths(
  edges: readonly EscalationEdge[],
  start: string,
  groupsOf: ReadonlyMap<string, readonly string[]>,
): EscalationReport {
  const out = new Map<string, EscalationEdge[]>();
  for (const e of edges) {
    const list = out.get(e.from);
    if (list) list.push(e);
    else out.set(e.from, [e]);
  }
  const paths = new Map<string, EscalationEdge[]>([[start, []]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const e of out.get(node) ?? []) {
      if (e.effect === 'controls' || paths.has(e.to)) continue;
      paths.set(e.to, [...paths.get(node)!, e]);
      queue.push(e.to);
    }
  }
  // Entities whose permissions the start ends up using: every reached principal and group, and the
  // groups the reached users are members of.
  const uses = new Set(paths.keys());
  for (const n of paths.keys()) for (const g of groupsOf.get(n) ?? []) uses.add(g);
  const fullControl: EscalationPath[] = [];
  const seen = new Set<string>();
  for (const [node, path] of paths) {
    for (const e of out.get(node) ?? []) {
      if (e.effect !== 'controls' || !uses.has(e.to)) continue;
      const key = `${e.from} ${e.method} ${e.to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      fullControl.push({ to: e.to, edges: [...path, e] });
    }
  }
  fullControl.sort((a, b) => a.edges.length - b.edges.length);
  return {
    principal: start,
    reachable: [...paths]
      .filter(([to]) => to !== start)
      .map(([to, edges]) => ({ to, edges }))
      .sort((a, b) => a.edges.length - b.edges.length || a.to.localeCompare(b.to)),
    fullControl,
  };
}

function edgeLabel(e: EscalationEdge): string {
  return `${e.method}${e.service ? ` to ${e.service}` : ''}${e.policy ? ` on ${e.policy}` : ''}`;
}

/** A report as text: each path with its edges and, under each edge, the statements that allow it. */
export function renderEscalationText(r: EscalationReport): string {
  const lines: string[] = [`${r.principal}`];
  const edgeLines = (e: EscalationEdge, pad: string) => {
    lines.push(`${pad}-> ${e.to}  (${edgeLabel(e)})`);
    for (const s of e.steps) {
      const cond = Object.keys(s.conditions).length > 0 ? ` when ${JSON.stringify(s.conditions)}` : '';
      lines.push(`${pad}     ${s.action} on ${s.resource}: ${s.decision}${cond}`);
      for (const st of s.statements) lines.push(`${pad}       by ${st}`);
    }
  };
  if (r.fullControl.length > 0) {
    for (const p of r.fullControl) {
      lines.push(`  can grant itself any permission: ${p.edges.map(edgeLabel).join(' + ')}`);
      for (const e of p.edges) edgeLines(e, '    ');
    }
  }
  for (const p of r.reachable) {
    lines.push(`  reaches ${p.to} in ${p.edges.length} step${p.edges.length === 1 ? '' : 's'}`);
    for (const e of p.edges) edgeLines(e, '    ');
  }
  if (r.reachable.length === 0 && r.fullControl.length === 0) lines.push('  no escalation path');
  return `${lines.join('\n')}\n`;
}

function nodeName(arn: string): string {
  return arn.slice(arn.indexOf(':', arn.indexOf(':', arn.indexOf(':', arn.indexOf(':') + 1) + 1) + 1) + 1);
}

/** The edges as a Graphviz digraph. */
export function renderDot(edges: readonly EscalationEdge[]): string {
  const lines = ['digraph escalation {', '  rankdir=LR;', '  node [shape=box];'];
  for (const e of edges)
    lines.push(
      `  ${JSON.stringify(e.from)} -> ${JSON.stringify(e.to)} [label=${JSON.stringify(edgeLabel(e))}${e.effect === 'controls' ? ', style=dashed' : ''}];`,
    );
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The edges as a Mermaid flowchart. */
export function renderMermaid(edges: readonly EscalationEdge[]): string {
  const ids = new Map<string, string>();
  const id = (arn: string) => {
    let v = ids.get(arn);
    if (!v) {
      v = `n${ids.size}`;
      ids.set(arn, v);
    }
    return v;
  };
  const lines = ['flowchart LR'];
  for (const e of edges) {
    const arrow = e.effect === 'controls' ? '-.->' : '-->';
    lines.push(`  ${id(e.from)}${arrow}|${edgeLabel(e).replace(/[|"]/g, ' ')}|${id(e.to)}`);
  }
  for (const [arn, v] of ids) lines.push(`  ${v}["${nodeName(arn).replace(/"/g, "'")}"]`);
  return `${lines.join('\n')}\n`;
}

/**
 * The reports of `principal` (default: every principal with an edge), kept to the paths that reach
 * `target` when one is given.
 */
export function escalationReports(
  edges: readonly EscalationEdge[],
  groupsOf: ReadonlyMap<string, readonly string[]>,
  opts: { principal?: string; target?: string },
): EscalationReport[] {
  const starts =
    opts.principal !== undefined ? [opts.principal] : [...new Set(edges.map((e) => e.from))].sort();
  const reports = starts.map((s) => escalationPaths(edges, s, groupsOf));
  const t = opts.target;
  if (t === undefined) return reports;
  return reports
    .map((r) => ({
      ...r,
      reachable: r.reachable.filter((p) => p.to === t),
      fullControl: r.fullControl.filter((p) => p.edges.some((e) => e.to === t)),
    }))
    .filter((r) => r.reachable.length > 0 || r.fullControl.length > 0);
}
