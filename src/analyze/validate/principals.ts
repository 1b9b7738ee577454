/**
 * Principal checks: service principal names, federated principals and the STS action each needs, the
 * conditions an OIDC provider (GitHub in particular) needs, IAM Roles Anywhere's three actions, service
 * principals in resource policies scoped by source, and assumed-role principals next to their role.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
 */
import { compileGlob, type Located, type Statement } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';

const SERVICE_PRINCIPAL =
  /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|amazon\.com|c2s\.ic\.gov|sc2s\.sgov\.gov)$/;
const GITHUB = 'token.actions.githubusercontent.com';
const SOURCE_KEYS = ['aws:sourcearn', 'aws:sourceaccount', 'aws:sourceorgid', 'aws:sourceorgpaths'];

const values = (s: Statement, type: string): Located[] =>
  s.principal?.entries.filter((e) => e.type === type).flatMap((e) => e.values) ?? [];

const allows = (s: Statement, action: string): boolean =>
  (s.action ?? []).some((a) => compileGlob(a.value, true)(action));

type Provider = { kind: 'saml' } | { kind: 'oidc'; host: string } | undefined;

/** A Federated value: a SAML provider ARN, an OIDC provider ARN or a provider's domain name. */
function provider(v: string): Provider {
  const saml = /^arn:[^:]+:iam::\d{12}:saml-provider\/.+$/.exec(v);
  if (saml) return { kind: 'saml' };
  const oidc = /^arn:[^:]+:iam::\d{12}:oidc-provider\/(.+)$/.exec(v);
  if (oidc) return { kind: 'oidc', host: oidc[1]! };
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(\/[^\s]*)?$/i.test(v)) return { kind: 'oidc', host: v };
  return undefined;
}

export function checkPrincipals(input: CheckInput, report: Report<ValidateCode>): void {
  const { kind } = input;
  for (const s of input.doc.statements) {
    for (const v of [
      ...values(s, 'Service'),
      ...(s.notPrincipal?.entries.filter((e) => e.type === 'Service').flatMap((e) => e.values) ?? []),
    ])
      if (!v.value.includes('${') && !SERVICE_PRINCIPAL.test(v.value))
        report(
          'INVALID_SERVICE_PRINCIPAL_FORMAT',
          v.pos,
          v.value === ''
            ? 'the service principal is empty'
            : `\`${v.value}\` is not a service principal such as \`ec2.amazonaws.com\``,
          s,
        );
    const federated = values(s, 'Federated');
    if (federated.length > 0 && kind !== 'trust') {
      for (const v of federated)
        report(
          'FEDERATED_PRINCIPAL_NOT_SUPPORTED',
          v.pos,
          'only a role trust policy can name a federated principal',
          s,
        );
    }
    if (kind === 'trust') trust(s, federated, report);
    if (kind === 'resource' && s.effect === 'Allow') serviceSource(s, report);
    if (kind === 'trust' || kind === 'resource') redundantSession(s, report);
    if (kind === 'trust' && s.principal?.wildcard)
      report(
        'ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL',
        s.principal.pos,
        '`"Principal": "*"` in a role trust policy; name the accounts, roles or services that may assume it',
        s,
      );
  }
}

function trust(s: Statement, federated: Located[], report: Report<ValidateCode>): void {
  const onlyFederated =
    s.principal !== undefined &&
    !s.principal.wildcard &&
    s.principal.entries.every((e) => e.type === 'Federated');
  for (const v of federated) {
    const p = provider(v.value);
    if (!p) {
      report(
        'INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY',
        v.pos,
        `\`${v.value}\` is neither a provider domain nor a SAML or OIDC provider ARN`,
        s,
      );
      continue;
    }
    if (onlyFederated) {
      const literal = (s.action ?? []).filter((a) => !/[*?]/.test(a.value)).map((a) => a.value.toLowerCase());
      const wrong =
        p.kind === 'saml'
          ? literal.filter((a) => a === 'sts:assumerole' || a === 'sts:assumerolewithwebidentity')
          : literal.filter((a) => a === 'sts:assumerole' || a === 'sts:assumerolewithsaml');
      if (wrong.length > 0)
        report(
          'MISMATCHED_ACTION_FOR_PRINCIPAL',
          v.pos,
          `\`${v.value}\` assumes roles with \`${p.kind === 'saml' ? 'sts:AssumeRoleWithSAML' : 'sts:AssumeRoleWithWebIdentity'}\`, not ${wrong.map((w) => `\`${w}\``).join(', ')}`,
          s,
        );
    }
    if (p.kind !== 'oidc' || s.effect !== 'Allow') continue;
    const host = p.host.toLowerCase();
    const claims = s.conditions.filter((c) => c.keyLower.startsWith(`${host}:`));
    if (host === GITHUB) {
      const sub = claims.filter((c) => c.keyLower === `${GITHUB}:sub`);
      if (sub.length === 0)
        report(
          'MISSING_GITHUB_REPO_CONDITION_KEY',
          v.pos,
          `any GitHub repository can assume the role; add a \`${GITHUB}:sub\` condition naming the repository and branch`,
          s,
        );
      for (const c of sub)
        for (const x of c.values)
          if (x.value.includes('*'))
            report(
              'SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED',
              x.pos,
              `\`${x.value}\` lets more repositories or branches assume the role than one; name them`,
              s,
            );
    } else if (claims.length === 0)
      report(
        'MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL',
        v.pos,
        `any identity of \`${p.host}\` can assume the role; add a condition on its \`${p.host}:\` claims`,
        s,
      );
  }
  for (const v of values(s, 'Service')) {
    if (v.value.toLowerCase() !== 'rolesanywhere.amazonaws.com' || s.effect !== 'Allow') continue;
    const missing = ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'].filter(
      (a) => !allows(s, a),
    );
    if (missing.length > 0)
      report(
        'MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY',
        v.pos,
        `IAM Roles Anywhere also needs ${missing.map((m) => `\`${m}\``).join(', ')}`,
        s,
      );
  }
}

/** A resource policy that lets a service in should say for which source (confused deputy). */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
function serviceSource(s: Statement, report: Report<ValidateCode>): void {
  const services = values(s, 'Service');
  if (services.length === 0 || s.conditions.some((c) => SOURCE_KEYS.includes(c.keyLower))) return;
  const other = s.conditions.find((c) => c.keyLower.startsWith('aws:'));
  for (const v of services) {
    if (other)
      report(
        'RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL',
        other.pos,
        `scope \`${v.value}\` with \`aws:SourceArn\` or \`aws:SourceAccount\` rather than \`${other.key}\``,
        s,
      );
    else
      report(
        'RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL',
        v.pos,
        `\`${v.value}\` may act for any account's resource; add an \`aws:SourceArn\` or \`aws:SourceAccount\` condition`,
        s,
      );
  }
}

function redundantSession(s: Statement, report: Report<ValidateCode>): void {
  const aws = values(s, 'AWS');
  const roles = new Set(
    aws
      .map((v) => /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(v.value))
      .flatMap((m) => (m ? [`${m[2]}/${m[3]}`] : [])),
  );
  for (const v of aws) {
    const m = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(v.value);
    if (m && roles.has(`${m[1]}/${m[2]}`))
      report(
        'REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY',
        v.pos,
        `\`${v.value}\` is a session of a role the statement already names`,
        s,
      );
  }
}
