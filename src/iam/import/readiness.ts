/**
 * The store side of EMR readiness: the backend that decides each call through the control plane's resolver
 * (the principal's complete policy set and context, the resource's policy, account and tags, the
 * organization's SCP and RCP levels), forks of it over a copy of the setup with a fix applied (a memory
 * store each), and the EMR resources an imported setup holds, found as readiness targets: each Studio with
 * its service role, network and S3 location; each Serverless application with the roles passed to it; the
 * Notebooks default role.
 */
import {
  checkReadiness,
  type CallResult,
  type EmrFix,
  type PolicyRef,
  type EmrLocation,
  type EmrTarget,
  type ReadinessBackend,
  type ReadinessSetup,
} from '../../analyze/emr-readiness.js';
import { EMR_SERVICES, EMR_TAG_KEY, EMR_TAG_VALUE, type EmrKind } from '../../knowledge/emr/index.js';
import { getAwsManagedPolicy } from '../../knowledge/managed-policies.js';
import { openControlPlane, type OpenedControlPlane } from '../open.js';
import { planApply } from '../plan.js';
import { readState, type DeclaredState } from '../state.js';
import { environmentLocations, importEnvironment } from './environment-file.js';
import { planImport } from './index.js';
import type { SourceNode } from './source.js';
import type { EmrEnvironment } from '../../knowledge/emr/index.js';
import { placeKey, type ImportedSetup } from './setup.js';

export interface StoreBackend extends ReadinessBackend {
  readonly setup: DeclaredState;
  /** Closes the memory stores of the forks. */
  dispose(): Promise<void>;
}

/** A backend over `cp` (its state read once); forks load a changed copy into a memory store. */
export async function storeBackend(cp: OpenedControlPlane, now: number): Promise<StoreBackend> {
  const opened: OpenedControlPlane[] = [];
  const make = (c: OpenedControlPlane, setup: DeclaredState): StoreBackend => ({
    setup,
    decide: async (request) => (await c.decide(request, { now, explain: true })).result,
    fork: async (changed: ReadinessSetup) => {
      const mem = await openControlPlane('memory', { now: () => now });
      opened.push(mem);
      const plan = await planApply(mem, changed as DeclaredState);
      await plan.apply();
      return make(mem, changed as DeclaredState);
    },
    managedPolicy: async (arn) => {
      const p = await getAwsManagedPolicy(arn);
      return p ? { defaultVersionId: p.defaultVersionId, versions: p.versions } : undefined;
    },
    dispose: async () => {
      for (const o of opened.splice(0)) await o.close();
    },
  });
  return make(cp, await readState(cp));
}

const arnOf = (r: { account: string; path: string; name: string }) =>
  `arn:aws:iam::${r.account}:role${r.path}${r.name}`;

function splitS3(location: string): { bucket: string; prefix?: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!m) return undefined;
  const prefix = (m[2] ?? '').replace(/\/$/, '');
  return { bucket: m[1] as string, ...(prefix ? { prefix } : {}) };
}

function keyOf(state: DeclaredState, bucket: string): string | undefined {
  const k = state.resources.find((r) => r.arn === `arn:aws:s3:::${bucket}`)?.attributes['kms-key'];
  if (!k) return undefined;
  // An alias names a key of the setup only through the key itself; use the key ARN when one is declared.
  return k;
}

/** Documents of a role: inline and customer managed, as text. */
function roleDocs(state: DeclaredState, roleArn: string): string[] {
  const r = state.roles.find((x) => arnOf(x) === roleArn);
  if (!r) return [];
  return [
    ...r.inlinePolicies.map((p) => p.document),
    ...r.managedPolicies.flatMap((a) =>
      state.policies
        .filter((p) => `arn:aws:iam::${p.account}:policy${p.path}${p.name}` === a)
        .map((p) => p.document),
    ),
  ];
}

/** The setup's buckets a role's policies name (by ARN, not by wildcard), with the access they grant. */
function locationsNamed(state: DeclaredState, roleArn: string): EmrLocation[] {
  const text = roleDocs(state, roleArn).join('\n');
  const out: EmrLocation[] = [];
  for (const r of state.resources) {
    if (!r.arn.startsWith('arn:aws:s3:::')) continue;
    const bucket = r.arn.slice('arn:aws:s3:::'.length);
    if (!text.includes(`arn:aws:s3:::${bucket}`)) continue;
    const key = keyOf(state, bucket);
    out.push({
      bucket,
      access: /s3:(PutObject|\*)/i.test(text) ? 'read-write' : 'read',
      ...(key ? { key } : {}),
    });
  }
  return out;
}

function passers(state: DeclaredState, roleArn: string): string[] {
  const mentions = (docs: string[]) =>
    docs.some((d) => /iam:PassRole/i.test(d) && (d.includes(roleArn) || /"Resource"\s*:\s*"\*"/.test(d)));
  return [
    ...state.users
      .filter((u) => mentions(u.inlinePolicies.map((p) => p.document)))
      .map((u) => `arn:aws:iam::${u.account}:user${u.path}${u.name}`),
    ...state.roles
      .filter((r) => arnOf(r) !== roleArn && mentions(r.inlinePolicies.map((p) => p.document)))
      .map(arnOf),
  ];
}

/** The EMR resources of an imported setup (state as in the store), as readiness targets. */
export function discoverTargets(
  setup: Pick<ImportedSetup, 'account' | 'region' | 'studios' | 'applications'>,
  state: DeclaredState,
): EmrTarget[] {
  const out: EmrTarget[] = [];
  const secrets = state.resources
    .filter((r) => r.arn.includes(':secretsmanager:') && r.account === setup.account)
    .map((r) => r.arn);
  for (const s of setup.studios) {
    if (!s.serviceRole) continue;
    const loc = s.s3Location ? splitS3(s.s3Location) : undefined;
    const key = loc ? keyOf(state, loc.bucket) : undefined;
    out.push({
      kind: 'studio',
      name: `Studio ${s.name}`,
      account: setup.account,
      region: setup.region,
      role: s.serviceRole,
      sourceArn: s.arn,
      ...(s.vpc ? { vpc: s.vpc } : {}),
      subnets: s.subnets,
      securityGroups: s.securityGroups,
      secrets,
      locations: loc ? [{ ...loc, access: 'read-write', ...(key ? { key } : {}) }] : [],
      // Studio tags the network interfaces and default security groups it creates with EMR's tag.
      // https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html
      createdTags: { [EMR_TAG_KEY]: EMR_TAG_VALUE },
      submitters: [],
      glue: false,
    });
  }
  for (const a of setup.applications)
    for (const role of a.runtimeRoles) {
      const docs = roleDocs(state, role).join('\n');
      out.push({
        kind: 'serverless',
        name: `Serverless application ${a.name} with ${role.slice(role.lastIndexOf('/') + 1)}`,
        account: setup.account,
        region: setup.region,
        role,
        sourceArn: `${a.arn}/jobruns/00example`,
        subnets: a.subnets,
        securityGroups: a.securityGroups,
        secrets: [],
        locations: locationsNamed(state, role),
        createdTags: {},
        submitters: passers(state, role),
        glue: /"glue:/i.test(docs),
      });
    }
  // The Notebooks default role, or a role with the Notebooks managed policy attached.
  for (const r of state.roles) {
    if (r.account !== setup.account) continue;
    const editors = r.managedPolicies.some((m) => m.endsWith('/AmazonElasticMapReduceEditorsRole'));
    if (r.name !== EMR_SERVICES.notebooks.defaultRoleName && !editors) continue;
    const role = arnOf(r);
    const named = locationsNamed(state, role);
    const ec2 = (type: string) =>
      state.resources
        .filter((x) => x.account === setup.account && x.arn.includes(`:${type}/`))
        .map((x) => x.arn.slice(x.arn.lastIndexOf('/') + 1));
    const vpcs = ec2('vpc');
    out.push({
      kind: 'notebooks',
      name: `Notebooks role ${r.name}`,
      account: setup.account,
      region: setup.region,
      role,
      sourceArn: EMR_SERVICES.notebooks.exampleSourceArn(setup.account, setup.region),
      ...(vpcs.length === 1 ? { vpc: vpcs[0] as string } : {}),
      subnets: ec2('subnet'),
      securityGroups: ec2('security-group'),
      secrets,
      locations:
        named.length > 0
          ? named
          : state.resources
              .filter((x) => x.arn.startsWith('arn:aws:s3:::') && x.account === setup.account)
              .map((x) => {
                const bucket = x.arn.slice('arn:aws:s3:::'.length);
                const key = keyOf(state, bucket);
                return { bucket, access: 'read-write' as const, ...(key ? { key } : {}) };
              }),
      createdTags: {},
      submitters: [],
      glue: false,
    });
  }
  return out;
}

/** The target an environment file describes. */
export function environmentTarget(env: EmrEnvironment, kind: EmrKind, state: DeclaredState): EmrTarget {
  const svc = EMR_SERVICES[kind];
  const roleName = env.roleName ?? svc.defaultRoleName;
  const r = state.roles.find((x) => x.account === env.account && x.name === roleName);
  const role = `arn:aws:iam::${env.account}:role${r?.path ?? '/'}${roleName}`;
  const sourceArn =
    env.sourceArn ??
    (env.applicationId
      ? `arn:aws:emr-serverless:${env.region}:${env.account}:/applications/${env.applicationId}/jobruns/00run`
      : svc.exampleSourceArn(env.account, env.region));
  return {
    kind,
    name: `${kind} role ${roleName}`,
    account: env.account,
    region: env.region,
    role,
    sourceArn:
      kind === 'serverless' && /\/applications\/[^/]+$/.test(sourceArn)
        ? `${sourceArn}/jobruns/00run`
        : sourceArn,
    ...(env.vpc ? { vpc: env.vpc.id } : {}),
    subnets: (env.subnets ?? []).map((s) => s.id),
    securityGroups: (env.securityGroups ?? []).map((s) => s.id),
    secrets: (env.secrets ?? []).map((s) => s.arn),
    locations: environmentLocations(env).map((l) => ({
      bucket: l.bucket,
      ...(l.prefix !== undefined ? { prefix: l.prefix } : {}),
      access: l.access ?? 'read-write',
      ...(l.key ? { key: l.key.arn } : {}),
    })),
    createdTags: env.createdTags ?? (kind === 'studio' ? { [EMR_TAG_KEY]: EMR_TAG_VALUE } : {}),
    submitters: [...(env.submitters ?? []), ...(env.submitter ? [env.submitter] : [])].map((s) => s.arn),
    glue: env.glue ?? false,
  };
}

/** Checks the target an environment describes, in a memory store (what `emr check --env` runs). */
export async function checkEnvironment(
  env: EmrEnvironment,
  kind: EmrKind,
  o: { now?: number; root?: SourceNode } = {},
): Promise<{ target: EmrTarget; results: CallResult[]; setup: ImportedSetup }> {
  const now = o.now ?? 0;
  const setup = importEnvironment(env, o.root, kind);
  const cp = await openControlPlane('memory', { now: () => now });
  try {
    await (await planImport(cp, setup)).apply();
    const backend = await storeBackend(cp, now);
    const target = environmentTarget(env, kind, backend.setup);
    const results = await checkReadiness(target, backend);
    await backend.dispose();
    return { target, results, setup };
  } finally {
    await cp.close();
  }
}

/** A fix in the user's own terms: a CloudFormation Tags entry, a Terraform tags entry, or an AWS CLI command. */
export function describeFix(f: EmrFix, setup: ImportedSetup | undefined): string[] {
  switch (f.kind) {
    case 'tag-resource': {
      const name = setup?.names.get(placeKey.resource(f.arn));
      const id = f.arn.slice(f.arn.lastIndexOf('/') + 1);
      if (setup?.format === 'cloudformation' && name)
        return [`add to the Tags of ${name}:`, `  - Key: ${f.key}`, `    Value: "${f.value}"`];
      if (setup?.format === 'terraform-plan' && name)
        return [`add to the tags of ${name}:`, `  "${f.key}" = "${f.value}"`];
      if (f.arn.includes(':secretsmanager:'))
        return [`aws secretsmanager tag-resource --secret-id ${f.arn} --tags Key=${f.key},Value=${f.value}`];
      return [`aws ec2 create-tags --resources ${id} --tags Key=${f.key},Value=${f.value}`];
    }
    case 'condition-key':
      return [
        `in statement ${f.statement} of ${policyName(f.policy)}, test \`${f.to}\` instead of \`${f.from}\` (the resource is being created, so it has no tags yet)`,
      ];
    case 'condition-value':
      return [
        `in statement ${f.statement} of ${policyName(f.policy)}, set ${f.operator} \`${f.key}\` to \`${f.to}\` (was ${f.from.map((v) => `\`${v}\``).join(', ')}); keep the condition, it protects against the confused deputy`,
      ];
    case 'trust-service':
      return [
        `add to the trust policy of ${f.role}: allow \`${f.service}\` to sts:AssumeRole with StringEquals aws:SourceAccount \`${f.account}\` and ArnLike aws:SourceArn \`${f.sourceArnPattern}\``,
      ];
    case 'managed-policy-version':
      return [
        `replace ${policyName(f.policy)} (a copy of ${f.managed} ${f.versionId}) by attaching ${f.managed}, whose current version ${f.current} has the permission`,
      ];
    case 'add-permission':
      return [`allow \`${f.action}\` on \`${f.resource}\` in a policy of ${f.role}`];
    case 'key-policy':
      return [
        `add to the key policy of ${f.key}: allow ${f.principal} \`${f.action}\`${f.viaService ? ` with kms:ViaService \`${f.viaService}\`` : ''}`,
      ];
    case 'bucket-policy':
      return [
        `add to the bucket policy of ${f.bucket}: allow ${f.principal} \`${f.action}\` on \`${f.resource}\``,
      ];
    case 'boundary-statement':
      return [`add to the permissions boundary ${f.boundary}: allow \`${f.action}\` on \`${f.resource}\``];
    case 'pass-role':
      return [
        `allow ${f.principal} \`iam:PassRole\` on ${f.role} with StringEquals iam:PassedToService \`${f.service}\``,
      ];
  }
}

function policyName(p: PolicyRef): string {
  if (p.kind === 'inline') return `the inline policy \`${p.policy}\` of ${p.owner} ${p.name}`;
  if (p.kind === 'managed') return `the managed policy ${p.arn}`;
  return `the trust policy of ${p.role}`;
}
