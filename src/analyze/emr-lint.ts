/**
 * Lint for the policies of EMR roles: the mistakes the EMR pages invite (full S3 access, unscoped Git
 * secrets, PassRole to anything, trust policies open to confused deputies, tag conditions that can never
 * match, action names that do not exist).
 */
import { actionsMatching } from '../knowledge/service-data.js';
import { TRUST } from '../knowledge/emr/service-model.js';
import {
  compileGlob,
  type Located,
  type PolicyDocument,
  type SourcePos,
  type Statement,
} from '../policy/index.js';
import type { Finding, RuleInfo } from './finding.js';
import type { SarifRule } from './sarif.js';
import { collector, definePack, type CheckPack, type Report } from './validate/pack.js';

export type EmrLintKind = 'trust' | 'permissions';

const EMR_GUIDE = 'https://docs.aws.amazon.com/emr/latest/ManagementGuide/';
const IAM_GUIDE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/';

/** The EMR rules, one typed table: every code the pack reports is a key, so rule lists are complete. */
export const EMR_RULES = {
  'EMR-S3-FULL-ACCESS': {
    type: 'SECURITY_WARNING',
    description: 'an EMR role gets every S3 action on every bucket',
    link: `${EMR_GUIDE}emr-studio-service-role.html`,
  },
  'EMR-TRUST-NO-SOURCE': {
    type: 'SECURITY_WARNING',
    description: 'trust policy without aws:SourceAccount / aws:SourceArn for a service that sends them',
    link: `${IAM_GUIDE}confused-deputy.html`,
  },
  'EMR-TRUST-EMPTY-SERVICE': {
    type: 'ERROR',
    description: 'the trust policy names an empty service principal, so no service can assume the role',
    link: `${EMR_GUIDE}emr-managed-notebooks-service-role.html`,
  },
  'EMR-RESOURCETAG-ON-CREATE': {
    type: 'ERROR',
    description: 'aws:ResourceTag gates a create action on the resource being created',
    link: `${IAM_GUIDE}access_tags.html`,
  },
  'EMR-UNKNOWN-ACTION': {
    type: 'ERROR',
    description: 'an action pattern matches no action of the service',
    link: `${IAM_GUIDE}reference_policies_elements_action.html`,
  },
  'EMR-SECRET-UNSCOPED': {
    type: 'SECURITY_WARNING',
    description: 'secretsmanager:GetSecretValue on every secret without a tag condition',
    link: `${EMR_GUIDE}emr-studio-service-role.html`,
  },
  'EMR-PASSROLE-BROAD': {
    type: 'SECURITY_WARNING',
    description: 'iam:PassRole on every role or to any service',
    link: `${IAM_GUIDE}id_roles_use_passrole.html`,
  },
} as const satisfies Record<string, RuleInfo>;

export type EmrCode = keyof typeof EMR_RULES;

/** The rules as SARIF needs them (id and description), kept for callers of the older list. */
export const EMR_LINT_RULES: readonly SarifRule[] = Object.entries(EMR_RULES).map(([id, r]) => ({
  id,
  description: r.description,
}));

/** Services whose sts:AssumeRole requests carry aws:SourceAccount and aws:SourceArn. */
const SOURCE_SENDERS = new Set(
  Object.values(TRUST)
    .filter((t) => t.sendsSource)
    .map((t) => t.service),
);

/** Create actions and the resource type they create (whose tags do not exist yet at authorization). */
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
const CREATES: Record<string, string> = {
  'ec2:createnetworkinterface': 'network-interface',
  'ec2:createsecuritygroup': 'security-group',
  'ec2:runinstances': 'instance',
  'ec2:createvolume': 'volume',
};

function covers(patterns: readonly Located[] | undefined, action: string): Located | undefined {
  return patterns?.find((p) => compileGlob(p.value, true)(action));
}

function allResources(s: Statement): boolean {
  return s.notResource === undefined && (s.resource ?? []).some((r) => r.value === '*');
}

function hasKey(s: Statement, prefix: string): boolean {
  return s.conditions.some((c) => c.keyLower.startsWith(prefix));
}

/** The EMR rules as a pack of the validate machinery; a trust policy gets the trust rules. */
export const emrPack: CheckPack = definePack<EmrCode>('emr', EMR_RULES, (input, report) =>
  runEmr(input.doc, input.kind === 'trust' ? 'trust' : 'permissions', report),
);

export function lintEmrPolicy(doc: PolicyDocument, kind: EmrLintKind, file?: string): Finding[] {
  const out: Finding[] = [];
  runEmr(doc, kind, collector(EMR_RULES, out, file));
  return out;
}

function runEmr(doc: PolicyDocument, kind: EmrLintKind, report: Report<EmrCode>): void {
  const add = (
    code: EmrCode,
    severity: 'error' | 'warning',
    message: string,
    pos: SourcePos,
    s?: Statement,
  ) =>
    report(
      code,
      pos,
      message,
      s,
      severity === 'warning' && code === 'EMR-UNKNOWN-ACTION' ? 'WARNING' : undefined,
    );

  for (const s of doc.statements) {
    for (const a of s.action ?? []) {
      const matched = actionsMatching(a.value);
      if (matched === undefined)
        add(
          'EMR-UNKNOWN-ACTION',
          'warning',
          `service of action \`${a.value}\` is not in AWS's service data`,
          a.pos,
        );
      else if (matched.length === 0) {
        const hint =
          a.value.toLowerCase() === 'kms:reencrypt'
            ? ' (use kms:ReEncryptFrom and kms:ReEncryptTo, or kms:ReEncrypt*)'
            : '';
        add('EMR-UNKNOWN-ACTION', 'error', `action \`${a.value}\` matches no action${hint}`, a.pos);
      }
    }
    if (s.effect !== 'Allow') continue;

    if (kind === 'trust') {
      const services =
        s.principal?.entries.filter((e) => e.type === 'Service').flatMap((e) => e.values) ?? [];
      const assumes = covers(s.action, 'sts:AssumeRole');
      for (const svc of services) {
        if (svc.value.trim() === '') {
          add(
            'EMR-TRUST-EMPTY-SERVICE',
            'error',
            'the service principal is empty; no service can assume the role',
            svc.pos,
          );
          continue;
        }
        if (!assumes || !SOURCE_SENDERS.has(svc.value.toLowerCase())) continue;
        const missing = ['aws:SourceAccount', 'aws:SourceArn'].filter((k) => !hasKey(s, k.toLowerCase()));
        // Confused-deputy protection for service roles.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
        if (missing.length > 0)
          add(
            'EMR-TRUST-NO-SOURCE',
            'warning',
            `\`${svc.value}\` may assume the role without ${missing.map((m) => `\`${m}\``).join(' or ')}; any account's resource could use it`,
            svc.pos,
          );
      }
      continue;
    }

    const s3All = covers(s.action, 's3:*') ?? s.action?.find((a) => a.value === '*');
    if (s3All && (s3All.value === '*' || s3All.value.toLowerCase() === 's3:*') && allResources(s))
      add(
        'EMR-S3-FULL-ACCESS',
        'warning',
        `\`${s3All.value}\` on \`*\` gives the role every bucket; name the workspace and data buckets`,
        s3All.pos,
      );

    for (const [action, type] of Object.entries(CREATES)) {
      const a = covers(s.action, action);
      if (!a) continue;
      const created = (s.resource ?? []).find((r) => r.value.includes(`:${type}/`));
      const cond = s.conditions.find((c) => c.keyLower.startsWith('aws:resourcetag/'));
      // A resource being created has no tags yet; its tags in the request are aws:RequestTag.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html
      if (created && cond)
        add(
          'EMR-RESOURCETAG-ON-CREATE',
          'error',
          `\`${cond.key}\` can never match \`${a.value}\` on the ${type} being created (\`${created.value}\`); use \`aws:RequestTag/${cond.key.slice('aws:ResourceTag/'.length)}\``,
          cond.pos,
        );
    }

    const secret = covers(s.action, 'secretsmanager:GetSecretValue');
    const secretAll =
      s.notResource === undefined &&
      (s.resource ?? []).some((r) => r.value === '*' || /:secret:\*$/.test(r.value));
    if (secret && secretAll && !hasKey(s, 'aws:resourcetag/') && !hasKey(s, 'secretsmanager:resourcetag/'))
      add(
        'EMR-SECRET-UNSCOPED',
        'warning',
        `\`${secret.value}\` on every secret; add the \`aws:ResourceTag/for-use-with-amazon-emr-managed-policies\` condition or name the secrets`,
        secret.pos,
      );

    const pass = covers(s.action, 'iam:PassRole');
    if (pass) {
      if (allResources(s))
        add(
          'EMR-PASSROLE-BROAD',
          'warning',
          `\`${pass.value}\` on every role; name the roles to pass`,
          pass.pos,
        );
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
      if (!hasKey(s, 'iam:passedtoservice'))
        add(
          'EMR-PASSROLE-BROAD',
          'warning',
          `\`${pass.value}\` without an \`iam:PassedToService\` condition lets the role go to any service`,
          pass.pos,
        );
    }
  }
}
