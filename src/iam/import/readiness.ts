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
import { RolecallError, type ErrorPlace } from '../../errors.js';
import type { ControlPlane } from '../control-plane.js';
import { decideRequest } from '../decide.js';
import type { PolicyEngine } from '../engine.js';
import { openControlPlane } from '../open.js';
import { planApply } from '../plan.js';
import type { Resolver } from '../resolver.js';
import { readState, type DeclaredState } from '../state.js';
import { emrResourcesOf } from './emr-resources.js';
import { environmentLocations, importEnvironment, suggestion } from './environment-file.js';
import { mergeState, planImport } from './index.js';
import { get, type SourceNode, type SourcePlace } from './source.js';
import type { EmrEnvironment } from '../../knowledge/emr/index.js';
import { placeKey, type ImportedSetup } from './setup.js';

/** A store's control plane with the engine and resolver that decide over it (the CLI's and the API's). */
export type ReadinessStore = ControlPlane & { engine: PolicyEngine; resolver: Resolver };

export interface StoreBackend extends ReadinessBackend {
  readonly setup: DeclaredState;
  /** Closes the memory stores of the forks. */
  dispose(): Promise<void>;
}

/** A backend over `cp` (its state read once); forks load a changed copy into a memory store. */
export async function storeBackend(cp: ReadinessStore, now: number): Promise<StoreBackend> {
  const opened: { close(): Promise<void> }[] = [];
  const make = (c: ReadinessStore, setup: DeclaredState): StoreBackend => ({
    setup,
    decide: async (request) =>
      (await decideRequest(c.resolver, c.engine, request, { now, explain: true })).result,
    fork: async (changed: ReadinessSetup) => {
      const mem = await openControlPlane('memory', { now: () => now });
      opened.push(mem);
      // A fork of an imported setup: like the import, principals it does not describe are not checked.
      const plan = await planApply(mem, changed as DeclaredState, { checkPrincipals: false });
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

function keyWhenHeld(state: DeclaredState, bucket: string): { key?: string } {
  const key = keyOf(state, bucket);
  return key ? { key } : {};
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

/** Whether a role's own policies grant a Glue action (its jobs then use the Data Catalog: check it). */
function grantsGlue(state: DeclaredState, roleArn: string): boolean {
  return /"glue:/i.test(roleDocs(state, roleArn).join('\n'));
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

/**
 * Where the S3 locations of a target come from. A Studio names its own (`DefaultS3Location`); the job runs of
 * a Serverless application and the notebooks of EMR Notebooks name theirs when they start, so no template,
 * plan or account snapshot holds them: the user gives them (`locations` in the environment file, or
 * `--location` / `--read-location`), and without them every S3 call is reported as undecidable, never
 * guessed from what the role's policies happen to name.
 * https://docs.aws.amazon.com/emr-serverless/latest/APIReference/API_StartJobRun.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-emr-studio.html
 */
const LOCATIONS_NOT_GIVEN: Record<EmrKind, string> = {
  studio:
    "the Studio's S3 location for workspace backups is not given (DefaultS3Location, or `locations` in the environment file)",
  notebooks:
    'the S3 locations of the notebooks are not in the setup (a notebook names its location when it is created): give them with --location s3://bucket/prefix (read-write) or --read-location, or `locations` (with `access`) in the environment file',
  serverless:
    'the S3 locations the job runs read and write are not in the setup (a job run names them when it is started, not the application): give them with --location s3://bucket/prefix (read-write) or --read-location, or `locations` (with `access`) in the environment file',
};

/** What holds the network of each service's calls; Serverless applications without one reach no VPC. */
const NETWORK_OF: Record<EmrKind, string | undefined> = {
  studio: 'the Studio',
  notebooks: "the notebooks' clusters",
  serverless: undefined,
};

/**
 * Which secrets users link Git repositories with: the Studio and Notebooks service roles read them
 * (secretsmanager:GetSecretValue, in the Studio's example policy only on secrets with EMR's tag), and a
 * secret is linked in the console, not declared with the Studio, so a setup may hold none. Without one every
 * secret call is reported as undecidable, never as ready for a secret no one checked.
 * https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html
 * https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-notebooks-service-role.html
 */
const SECRETS_NOT_GIVEN: Record<EmrKind, string | undefined> = {
  studio:
    'the Secrets Manager secrets that Studio users link Git repositories with are not in the setup: declare them (AWS::SecretsManager::Secret, aws_secretsmanager_secret) or give them with `secrets` in the environment file (`secrets: []` when no one links a Git repository)',
  notebooks:
    'the Secrets Manager secrets that notebooks link Git repositories with are not in the setup: declare them or give them with `secrets` in the environment file (`secrets: []` when no one links a Git repository)',
  serverless: undefined,
};

function missingOf(
  kind: EmrKind,
  t: Pick<EmrTarget, 'locations' | 'vpc' | 'subnets' | 'securityGroups' | 'secrets'>,
  /** The user said which secrets are linked (an environment file's `secrets`, even empty). */
  secretsGiven = false,
): EmrTarget['missing'] {
  const holder = NETWORK_OF[kind];
  const parts = [
    t.vpc === undefined ? 'VPC' : undefined,
    t.subnets.length === 0 ? 'subnets' : undefined,
    t.securityGroups.length === 0 ? 'security groups' : undefined,
  ].filter((x) => x !== undefined);
  const network =
    holder && parts.length > 0
      ? `the ${parts.join(', ')} of ${holder} ${parts.length === 1 && parts[0] === 'VPC' ? 'is' : 'are'} not given (\`vpc\`, \`subnets\` and \`securityGroups\` in the environment file)`
      : undefined;
  const out: NonNullable<EmrTarget['missing']> = {
    ...(t.locations.length === 0 ? { locations: LOCATIONS_NOT_GIVEN[kind] } : {}),
    ...(network ? { network } : {}),
    ...(t.secrets.length === 0 && !secretsGiven && SECRETS_NOT_GIVEN[kind]
      ? { secrets: SECRETS_NOT_GIVEN[kind] }
      : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `env` with no secret linked, as `secrets: []` says (`emr check --no-git-secrets`: no one links a Git
 * repository). An environment that lists secrets says the opposite: an error at its `secrets`.
 */
export function withNoGitSecrets(env: EmrEnvironment, root?: SourceNode): EmrEnvironment {
  const listed = env.secrets?.length ?? 0;
  if (listed > 0)
    throw new RolecallError(
      'UsageError',
      `\`--no-git-secrets\` says no one links a Git repository, but the environment file lists ${listed} secret${listed === 1 ? '' : 's'} they link: drop the option or the file's \`secrets\``,
      get(root, 'secrets')?.place ?? {},
    );
  return { ...env, secrets: [] };
}

/** The Secrets Manager secrets of `account` in the setup. */
const accountSecrets = (state: DeclaredState, account: string): string[] =>
  state.resources
    .filter((r) => r.arn.includes(':secretsmanager:') && r.account === account)
    .map((r) => r.arn);

/** A location the user gives, for every target or (with `role`, a role name or ARN) for one role's. */
export interface GivenLocation extends EmrLocation {
  role?: string;
  /** How the user wrote it (`--location \`s3://DataBucket/jobs\``), for errors. */
  given?: string;
}

/** The user's locations, each with the setup's SSE-KMS key of its bucket when the location names none. */
function withKeys(state: DeclaredState, locations: readonly GivenLocation[], roleArn: string): EmrLocation[] {
  return locations
    .filter((l) => l.role === undefined || l.role === roleArn || roleArn.endsWith(`/${l.role}`))
    .map(({ role: _role, given: _given, ...l }) => {
      const key = l.key ?? keyOf(state, l.bucket);
      return { ...l, ...(key ? { key } : {}) };
    });
}

/**
 * The EMR resources of an imported setup (state as in the store), as readiness targets. `locations` are the
 * S3 locations the user gives for Serverless job runs and notebooks (see LOCATIONS_NOT_GIVEN).
 */
export function discoverTargets(
  setup: Pick<ImportedSetup, 'account' | 'region' | 'studios' | 'applications'>,
  state: DeclaredState,
  locations: readonly GivenLocation[] = [],
  options: { noGitSecrets?: boolean } = {},
): EmrTarget[] {
  const out: EmrTarget[] = [];
  // Which secrets a Studio's users link is not in any setup: every secret of the account is checked. An
  // over-approximation that only asks more (a secret no one links may be reported as needing EMR's tag),
  // never a "ready" AWS would deny for a secret of the setup; the Studio service role's GetSecretValue is
  // conditioned on that tag (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html).
  // Unless the user says no one links one (`noGitSecrets`, as an environment's `secrets: []`).
  const noGitSecrets = options.noGitSecrets === true;
  const secrets = noGitSecrets ? [] : accountSecrets(state, setup.account);
  for (const s of setup.studios) {
    // A Studio whose role the setup does not name (known only after apply) is checked all the same: every
    // call is undecidable, so the Studio is never left out of the report.
    const missingRole = s.serviceRole
      ? undefined
      : `the service role of Studio ${s.name} is not known (not in the setup, or known only after apply)`;
    const loc = s.s3Location ? splitS3(s.s3Location) : undefined;
    const key = loc ? keyOf(state, loc.bucket) : undefined;
    const t = {
      kind: 'studio' as const,
      name: `Studio ${s.name}`,
      account: setup.account,
      region: setup.region,
      role: s.serviceRole ?? `arn:aws:iam::${setup.account}:role/(not known)`,
      sourceArn: s.arn,
      ...(s.vpc ? { vpc: s.vpc } : {}),
      subnets: s.subnets,
      securityGroups: s.securityGroups,
      secrets,
      locations: loc ? [{ ...loc, access: 'read-write' as const, ...(key ? { key } : {}) }] : [],
      // Studio tags the network interfaces and default security groups it creates with EMR's tag.
      // https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html
      createdTags: { [EMR_TAG_KEY]: EMR_TAG_VALUE },
      submitters: [],
      glue: false,
    };
    const missing = {
      ...missingOf('studio', t, noGitSecrets),
      ...(missingRole ? { role: missingRole } : {}),
    };
    out.push({ ...t, ...(Object.keys(missing).length > 0 ? { missing } : {}) });
  }
  for (const a of setup.applications)
    for (const role of a.runtimeRoles) {
      const t = {
        kind: 'serverless' as const,
        name: `Serverless application ${a.name} with ${role.slice(role.lastIndexOf('/') + 1)}`,
        account: setup.account,
        region: setup.region,
        role,
        sourceArn: `${a.arn}/jobruns/00example`,
        subnets: a.subnets,
        securityGroups: a.securityGroups,
        secrets: [],
        locations: withKeys(state, locations, role),
        createdTags: {},
        submitters: passers(state, role),
        glue: grantsGlue(state, role),
      };
      const missing = missingOf('serverless', t);
      out.push({ ...t, ...(missing ? { missing } : {}) });
    }
  // The Notebooks default role, or a role with the Notebooks managed policy attached.
  for (const r of state.roles) {
    if (r.account !== setup.account) continue;
    const editors = r.managedPolicies.some((m) => m.endsWith('/AmazonElasticMapReduceEditorsRole'));
    if (r.name !== EMR_SERVICES.notebooks.defaultRoleName && !editors) continue;
    // The clusters a notebook attaches to are not in the setup: every network of the account is checked, an
    // over-approximation that only asks more (every subnet and security group must pass, not just the
    // cluster's); with more than one VPC the VPC is reported as not given (undecidable, never ready).
    const ec2 = (type: string) =>
      state.resources
        .filter((x) => x.account === setup.account && x.arn.includes(`:${type}/`))
        .map((x) => x.arn.slice(x.arn.lastIndexOf('/') + 1));
    const vpcs = ec2('vpc');
    const t = {
      kind: 'notebooks' as const,
      name: `Notebooks role ${r.name}`,
      account: setup.account,
      region: setup.region,
      role: arnOf(r),
      sourceArn: EMR_SERVICES.notebooks.exampleSourceArn(setup.account, setup.region),
      ...(vpcs.length === 1 ? { vpc: vpcs[0] as string } : {}),
      subnets: ec2('subnet'),
      securityGroups: ec2('security-group'),
      secrets,
      locations: withKeys(state, locations, arnOf(r)),
      createdTags: {},
      submitters: [],
      glue: false,
    };
    const missing = missingOf('notebooks', t, noGitSecrets);
    out.push({ ...t, ...(missing ? { missing } : {}) });
  }
  return out;
}

/** The target an environment file describes; `locations` add to the file's own. */
export function environmentTarget(
  env: EmrEnvironment,
  kind: EmrKind,
  state: DeclaredState,
  locations: readonly GivenLocation[] = [],
): EmrTarget {
  const svc = EMR_SERVICES[kind];
  const roleName = env.roleName ?? svc.defaultRoleName;
  const r = state.roles.find((x) => x.account === env.account && x.name === roleName);
  const role = `arn:aws:iam::${env.account}:role${r?.path ?? '/'}${roleName}`;
  const sourceArn =
    env.sourceArn ??
    (env.applicationId
      ? `arn:aws:emr-serverless:${env.region}:${env.account}:/applications/${env.applicationId}/jobruns/00run`
      : svc.exampleSourceArn(env.account, env.region));
  const t = {
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
    // Without `secrets` in the file, every secret of the account in the store (as for a discovered Studio).
    secrets: env.secrets ? env.secrets.map((s) => s.arn) : accountSecrets(state, env.account),
    locations: [
      ...environmentLocations(env).map((l) => ({
        bucket: l.bucket,
        ...(l.prefix !== undefined ? { prefix: l.prefix } : {}),
        access: l.access ?? ('read-write' as const),
        // A bucket of the setup that the file names without its key: the setup's SSE-KMS key.
        ...(l.key ? { key: l.key.arn } : keyWhenHeld(state, l.bucket)),
      })),
      ...withKeys(state, locations, role),
    ],
    createdTags: env.createdTags ?? (kind === 'studio' ? { [EMR_TAG_KEY]: EMR_TAG_VALUE } : {}),
    submitters: [...(env.submitters ?? []), ...(env.submitter ? [env.submitter] : [])].map((s) => s.arn),
    // Without `glue` in the file, a Serverless role whose policies grant Glue is checked for the catalog calls.
    glue: env.glue ?? (kind === 'serverless' && grantsGlue(state, role)),
  };
  const missing = missingOf(kind, t, env.secrets !== undefined);
  return { ...t, ...(missing ? { missing } : {}) };
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

/** One call of a checked target, with its fix in the user's terms and the place it lands in the user's file. */
export interface CheckedCall extends CallResult {
  fix: string[];
  place?: SourcePlace;
}

export interface CheckedTarget {
  target: EmrTarget;
  /** The imported setup the target was found in (places point into its files). */
  setup?: ImportedSetup;
  /** The target's role as that setup declares it: logical ID or address, and where. */
  declared?: { name: string; place?: SourcePlace };
  ready: boolean;
  results: CheckedCall[];
}

export interface SetupReport {
  /** No call of any target is denied or undecidable. */
  ready: boolean;
  targets: CheckedTarget[];
}

export interface SetupCheckOptions {
  /** Only this account's EMR resources (default: every account of the store). */
  account?: string;
  /** Region of targets whose ARN has none (a role); default us-east-1. */
  region?: string;
  /** Only this EMR service. */
  kind?: EmrKind;
  /** Check this role of the store as `kind`, instead of finding the EMR resources. */
  role?: string;
  /**
   * What the service touches with `role` (network, locations, secrets...): its entities are added to a
   * memory copy of the store, never to the store. `environmentRoot` places findings in its file.
   */
  environment?: EmrEnvironment;
  environmentRoot?: SourceNode;
  /**
   * No one links a Git repository to a Studio or notebook (`emr check --no-git-secrets`): no secret is
   * checked, for every target, as an environment's `secrets: []`; an environment listing secrets is an error.
   */
  noGitSecrets?: boolean;
  /**
   * S3 locations of Serverless job runs and notebooks (no setup holds them; see LOCATIONS_NOT_GIVEN); a
   * bucket may be written as `setups` declare it (see `resolveLocations`).
   */
  locations?: GivenLocation[];
  /** Imported setups already loaded into the store: their EMR resources are the targets. */
  setups?: ImportedSetup[];
  now?: number;
}

/**
 * Checks the whole EMR setup in a store: every Studio (its role, VPC, subnets, security groups and S3
 * location), every Serverless application with the roles passed to it, and the Notebooks default role, or
 * one role named by `role`; each call decided by the store's resolver, each denial with its fix proven by
 * re-deciding. The store is only read. What `emr check` and the console's readiness page both run.
 */
export async function checkSetup(cp: ReadinessStore, o: SetupCheckOptions = {}): Promise<SetupReport> {
  const now = o.now ?? Date.now();
  const region = o.region ?? 'us-east-1';
  if (o.environment && !o.role)
    throw new RolecallError('UsageError', 'an environment describes what a role touches: give the role');
  let store: ReadinessStore = cp;
  let copy: { close(): Promise<void> } | undefined;
  let envSetup: ImportedSetup | undefined;
  try {
    let environment: EmrEnvironment | undefined;
    if (o.environment && o.role) {
      if (!o.kind) throw new RolecallError('UsageError', 'give the EMR kind of the role');
      const current = await readState(cp);
      const given = o.noGitSecrets ? withNoGitSecrets(o.environment, o.environmentRoot) : o.environment;
      environment = resolveEnvironmentBuckets(
        { ...given, roleName: given.roleName ?? o.role },
        o.setups ?? [],
        current.resources,
        o.environmentRoot,
      );
      envSetup = importEnvironment(environment, o.environmentRoot, o.kind, current.resources);
      const mem = await openControlPlane('memory', { now: () => now });
      copy = mem;
      await (await planApply(mem, mergeState(current, envSetup.state))).apply();
      store = mem;
    }
    const backend = await storeBackend(store, now);
    const locations = resolveLocations(
      o.locations ?? [],
      [...(o.setups ?? []), ...(envSetup ? [envSetup] : [])],
      backend.setup.resources,
    );
    const found: { target: EmrTarget; setup: ImportedSetup | undefined }[] = [];
    const discovery = { noGitSecrets: o.noGitSecrets === true };
    if (o.role) {
      if (!o.kind) throw new RolecallError('UsageError', 'give the EMR kind of the role');
      const account = o.environment?.account ?? o.account;
      if (!account) throw new RolecallError('UsageError', 'give the account of the role');
      const env: EmrEnvironment = environment ?? {
        account,
        region,
        roleName: o.role,
        ...(o.noGitSecrets ? { secrets: [] } : {}),
      };
      if (!backend.setup.roles.some((r) => r.account === env.account && r.name === env.roleName))
        throw new RolecallError(
          'NoSuchEntity',
          `role \`${env.roleName ?? o.role}\` is not in account ${env.account}`,
        );
      found.push({
        target: environmentTarget(env, o.kind, backend.setup, locations),
        setup: envSetup,
      });
    } else if (o.setups && o.setups.length > 0) {
      for (const s of o.setups)
        for (const t of discoverTargets(s, backend.setup, locations, discovery))
          found.push({ target: t, setup: s });
    } else {
      const all = emrResourcesOf(backend.setup.resources, { file: 'store', line: 1, column: 1, path: '$' });
      // Each account and region with an EMR resource (from its ARN), and each account with a role.
      const places = new Map<string, { account: string; region: string }>();
      for (const x of [...all.studios, ...all.applications]) {
        const [, , , r, a] = x.arn.split(':');
        if (a && r) places.set(`${a}:${r}`, { account: a, region: r });
      }
      for (const r of backend.setup.roles)
        if (![...places.values()].some((p) => p.account === r.account))
          places.set(`${r.account}:${region}`, { account: r.account, region });
      for (const p of places.values()) {
        if (o.account && p.account !== o.account) continue;
        const inPlace = (arn: string) => arn.includes(`:${p.region}:${p.account}:`);
        for (const t of discoverTargets(
          {
            ...p,
            studios: all.studios.filter((x) => inPlace(x.arn)),
            applications: all.applications.filter((x) => inPlace(x.arn)),
          },
          backend.setup,
          locations,
          discovery,
        ))
          found.push({ target: t, setup: undefined });
      }
    }
    const wanted = found.filter((t) => o.kind === undefined || t.target.kind === o.kind);
    if (wanted.length === 0)
      throw new RolecallError(
        'InvalidInput',
        `the setup has no EMR ${o.kind ? `${o.kind} ` : ''}resource to check: no Studio, Serverless application or Notebooks role`,
      );
    const targets: CheckedTarget[] = [];
    try {
      for (const { target, setup } of wanted) {
        const results = await checkReadiness(target, backend, { unknown: unknownsOf(setup, target) });
        const checked = results.map((r): CheckedCall => {
          if (r.decision === 'Allow') return { ...r, fix: [] };
          const place = placeOf(setup, target, r);
          return {
            ...r,
            fix: r.fixes ? r.fixes.flatMap((f) => describeFix(f, setup)) : [],
            ...(place ? { place } : {}),
          };
        });
        const roleKey = keyOfArn(target.role);
        const declaredName = setup?.names.get(roleKey);
        const declaredPlace = setup?.places.get(roleKey);
        targets.push({
          target,
          ...(setup ? { setup } : {}),
          ...(declaredName
            ? { declared: { name: declaredName, ...(declaredPlace ? { place: declaredPlace } : {}) } }
            : {}),
          ready: checked.every((r) => r.decision === 'Allow'),
          results: checked,
        });
      }
    } finally {
      await backend.dispose();
    }
    return { ready: targets.every((t) => t.ready), targets };
  } finally {
    await copy?.close();
  }
}

/** The values a setup cannot know (known only after apply), by the ARN a call depends on. */
function unknownsOf(setup: ImportedSetup | undefined, target: EmrTarget): Map<string, string> {
  const unknown = new Map<string, string>();
  for (const u of setup?.unknowns ?? []) {
    const m = /^role:(\d{12}):(.+)$/.exec(u.owner);
    const arn = m
      ? `arn:aws:iam::${m[1] as string}:role/${m[2] as string}`
      : u.owner.startsWith('resource:')
        ? u.owner.slice('resource:'.length)
        : undefined;
    if (arn) unknown.set(arn, u.reason);
    if (m && target.role.endsWith(`/${m[2] as string}`)) unknown.set(target.role, u.reason);
  }
  return unknown;
}

/** Where a finding lands in the user's file: the policy statement, tag list or resource to change. */
export function placeOf(
  setup: ImportedSetup | undefined,
  t: EmrTarget,
  r: CallResult,
): SourcePlace | undefined {
  if (!setup) return undefined;
  const roleKey = (arn: string) => {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return m ? placeKey.role(m[1] as string, m[2] as string) : '';
  };
  const policyPlace = (owner: string, kind?: string) =>
    setup.policies.find((p) => p.owner === owner && (kind === undefined || p.kind === kind))?.place;
  const f = r.fixes?.[0];
  if (r.blocker?.type === 'scp' || r.blocker?.type === 'rcp') {
    const first = r.blocker.policy.split(', ')[0] ?? '';
    const p = setup.places.get(placeKey.orgPolicy(first));
    if (p) return p;
  }
  if (r.blocker?.type === 'boundary') {
    const p = setup.places.get(placeKey.policy(r.blocker.policy));
    if (p) return p;
  }
  if (f) {
    switch (f.kind) {
      case 'tag-resource':
        return setup.places.get(placeKey.resource(f.arn));
      case 'condition-key':
      case 'condition-value': {
        const ref = f.policy;
        const owner =
          ref.kind === 'inline'
            ? ref.owner === 'role'
              ? placeKey.role(ref.account, ref.name)
              : placeKey.user(ref.account, ref.name)
            : ref.kind === 'managed'
              ? placeKey.policy(ref.arn)
              : roleKey(ref.role);
        const candidates = setup.policies.filter(
          (p) => p.owner === owner && (ref.kind !== 'trust' || p.kind === 'trust'),
        );
        const p = candidates.find((c) => c.statements?.[f.statement]) ?? candidates[0];
        return p?.statements?.[f.statement] ?? p?.place;
      }
      case 'trust-service':
        return policyPlace(roleKey(f.role), 'trust') ?? setup.places.get(roleKey(f.role));
      case 'key-policy':
      case 'bucket-policy': {
        const arn = f.kind === 'key-policy' ? f.key : f.bucket;
        return policyPlace(placeKey.resource(arn)) ?? setup.places.get(placeKey.resource(arn));
      }
      case 'boundary-statement':
        return setup.places.get(placeKey.policy(f.boundary)) ?? setup.places.get(roleKey(t.role));
      case 'pass-role': {
        const m = /^arn:aws:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(f.principal);
        return (
          (m ? setup.places.get(placeKey.user(m[1] as string, m[2] as string)) : undefined) ??
          setup.places.get(roleKey(f.principal))
        );
      }
      default:
        return setup.places.get(roleKey(t.role));
    }
  }
  return (
    setup.places.get(roleKey(t.role)) ??
    (r.call.subject ? setup.places.get(placeKey.resource(r.call.subject)) : undefined)
  );
}

/** The place key of a role, user or policy ARN (`placeKey`), or of a resource. */
function keyOfArn(arn: string): string {
  const m = /^arn:aws:iam::(\d{12}):(role|user|policy)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return placeKey.resource(arn);
  const [, account, type, name] = m as unknown as [string, string, string, string];
  return type === 'role'
    ? placeKey.role(account, name)
    : type === 'user'
      ? placeKey.user(account, name)
      : placeKey.policy(arn);
}

/** An entity as the user's file names it (`JobRuntimeRole (arn:...)`, a logical ID or address), else its ARN. */
function declaredAs(setup: ImportedSetup | undefined, arn: string): string {
  const name = setup?.names.get(keyOfArn(arn));
  return name && name !== arn ? `${name} (${arn})` : arn;
}

/**
 * An S3 location given on the command line (or the console): s3://bucket[/prefix], or ROLE=s3://… for one
 * role. The bucket may also be written as an imported setup declares it (a CloudFormation logical ID, a
 * Terraform address): `resolveLocations` turns it into the bucket's name.
 */
export function parseLocation(v: string, access: EmrLocation['access'], option: string): GivenLocation {
  const m = /^(?:([\w+=,.@/-]+)=)?s3:\/\/([^/\s]+)(?:\/(.*))?$/.exec(v);
  if (!m)
    throw new RolecallError(
      'UsageError',
      `${option} \`${v}\` must be an S3 location: s3://bucket, s3://bucket/prefix, or ROLE=s3://bucket/prefix for one role (the bucket by name, or by its logical ID or Terraform address in the imported setup)`,
    );
  const prefix = (m[3] ?? '').replace(/\/+$/, '');
  return {
    ...(m[1] ? { role: m[1] } : {}),
    bucket: m[2] as string,
    ...(prefix ? { prefix } : {}),
    access,
    given: `${option} \`${v}\``,
  };
}

/** A bucket name as S3 allows one. https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const S3_ARN = 'arn:aws:s3:::';

/**
 * The bucket's name for a bucket written as a setup declares it (`DataBucket` for a CloudFormation logical
 * ID, `aws_s3_bucket.data` for a Terraform address). A bucket the store holds under that very name is that
 * bucket, even when a logical ID or address is spelled the same (the real name wins). A valid bucket name the
 * setup does not hold stays as given: a bucket outside the setup (another stack, another account). Anything
 * else is an error naming the nearest known buckets, never a location that silently matches nothing:
 * checking a bucket that is not the one the service uses would miss its policy and its SSE-KMS key.
 */
function bucketNames(
  setups: readonly Pick<ImportedSetup, 'names'>[],
  resources: readonly { arn: string }[],
  /**
   * A file that describes its buckets itself (the environment file) may name one no setup holds, even with
   * a name S3 would refuse; only a name that is neither while imported setups declare buckets (a mistyped
   * logical ID) is an error.
   */
  describes = false,
): (bucket: string, given: string, place?: ErrorPlace) => string {
  const buckets = new Set(
    resources.filter((r) => r.arn.startsWith(S3_ARN)).map((r) => r.arn.slice(S3_ARN.length)),
  );
  // Logical ID or address -> bucket names (a bucket whose name is known only after apply included: its
  // calls are then reported as undecidable).
  const declared = new Map<string, Set<string>>();
  for (const s of setups)
    for (const [key, name] of s.names) {
      const arn = key.startsWith('resource:') ? key.slice('resource:'.length) : '';
      if (!arn.startsWith(S3_ARN) || arn.includes('/')) continue;
      declared.set(name, (declared.get(name) ?? new Set()).add(arn.slice(S3_ARN.length)));
    }
  return (bucket, given, place) => {
    if (buckets.has(bucket)) return bucket;
    const named = [...(declared.get(bucket) ?? [])];
    if (named.length === 1) return named[0] as string;
    if (named.length > 1)
      throw new RolecallError(
        'UsageError',
        `${given}: \`${bucket}\` names ${named.length} buckets of the imported setups (${named.join(', ')}): give the bucket's name`,
        place,
      );
    if (BUCKET_NAME.test(bucket) || (describes && declared.size === 0)) return bucket;
    const known = [...new Set([...declared.keys(), ...buckets])];
    throw new RolecallError(
      'NoSuchEntity',
      known.length === 0
        ? `${given}: \`${bucket}\` is not a bucket name, and no imported setup declares a bucket`
        : `${given}: \`${bucket}\` is not a bucket name, nor the logical ID or address of a bucket of the setup${suggestion(bucket, known)}`,
      place,
    );
  };
}

/** The user's locations with each bucket turned into the bucket's name in the store (see bucketNames). */
export function resolveLocations(
  locations: readonly GivenLocation[],
  setups: readonly Pick<ImportedSetup, 'names'>[],
  resources: readonly { arn: string }[],
): GivenLocation[] {
  const name = bucketNames(setups, resources);
  return locations.map((l) => {
    const bucket = name(l.bucket, l.given ?? `location \`s3://${l.bucket}\``);
    return bucket === l.bucket ? l : { ...l, bucket };
  });
}

/**
 * The environment with the buckets of its `locations` (and the older `s3` and `jobBuckets`) turned into
 * bucket names as `resolveLocations` does, an error placed on the entry of the environment file.
 */
function resolveEnvironmentBuckets(
  env: EmrEnvironment,
  setups: readonly Pick<ImportedSetup, 'names'>[],
  resources: readonly { arn: string }[],
  root: SourceNode | undefined,
): EmrEnvironment {
  const name = bucketNames(setups, resources, true);
  const at = (...path: (string | number)[]): ErrorPlace | undefined => {
    let n: SourceNode | undefined = root;
    for (const p of path)
      n = typeof p === 'number' ? (n?.kind === 'seq' ? n.items[p] : undefined) : get(n, p);
    return n?.place;
  };
  return {
    ...env,
    ...(env.locations
      ? {
          locations: env.locations.map((l, i) => ({
            ...l,
            bucket: name(
              l.bucket,
              `the environment's \`locations[${i}].bucket\``,
              at('locations', i, 'bucket'),
            ),
          })),
        }
      : {}),
    ...(env.s3
      ? {
          s3: { ...env.s3, bucket: name(env.s3.bucket, "the environment's `s3.bucket`", at('s3', 'bucket')) },
        }
      : {}),
    ...(env.jobBuckets
      ? {
          jobBuckets: env.jobBuckets.map((b, i) =>
            name(b, `the environment's \`jobBuckets[${i}]\``, at('jobBuckets', i)),
          ),
        }
      : {}),
  };
}

/** What blocks a call from outside the role's own policies, and whose fix it is. */
export function blockerText(r: CallResult): string | undefined {
  const b = r.blocker;
  if (!b) return undefined;
  if (b.type === 'boundary')
    return `blocked by the permissions boundary ${b.policy}${b.statement ? ` (${b.statement})` : ''}: change the boundary (an AWS managed one cannot be edited: set another) or remove it`;
  if (b.type === 'scp' || b.type === 'rcp')
    return `blocked by the ${b.type.toUpperCase()} ${b.policy} at organization level ${b.level ?? 0}${b.statement ? ` (${b.statement})` : ''}: a fix outside this account, for the organization's administrators`;
  return `denied by ${b.statement ?? b.policy}: remove or narrow that statement`;
}

/** A fix in the user's own terms: a CloudFormation Tags entry, a Terraform tags entry, or an AWS CLI command. */
export function describeFix(f: EmrFix, setup: ImportedSetup | undefined): string[] {
  const policyName = (p: PolicyRef) => policyLabel(p, setup);
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
        `add to the trust policy of ${declaredAs(setup, f.role)}: allow \`${f.service}\` to sts:AssumeRole with StringEquals aws:SourceAccount \`${f.account}\` and ArnLike aws:SourceArn \`${f.sourceArnPattern}\``,
      ];
    case 'managed-policy-version':
      return [
        `replace ${policyName(f.policy)} (a copy of ${f.managed} ${f.versionId}) by attaching ${f.managed}, whose current version ${f.current} has the permission`,
      ];
    case 'add-permission':
      return [`allow \`${f.action}\` on \`${f.resource}\` in a policy of ${declaredAs(setup, f.role)}`];
    case 'key-policy':
      return [
        `add to the key policy of ${declaredAs(setup, f.key)}: allow ${f.principal} \`${f.action}\`${f.viaService ? ` with kms:ViaService \`${f.viaService}\`` : ''}`,
      ];
    case 'bucket-policy':
      return [
        `add to the bucket policy of ${declaredAs(setup, f.bucket)}: allow ${f.principal} \`${f.action}\` on \`${f.resource}\``,
      ];
    case 'boundary-statement':
      return [
        `add to the permissions boundary ${declaredAs(setup, f.boundary)}: allow \`${f.action}\` on \`${f.resource}\``,
      ];
    case 'pass-role':
      return [
        `allow ${declaredAs(setup, f.principal)} \`iam:PassRole\` on ${declaredAs(setup, f.role)} with StringEquals iam:PassedToService \`${f.service}\``,
      ];
  }
}

function policyLabel(p: PolicyRef, setup: ImportedSetup | undefined): string {
  if (p.kind === 'inline') {
    const declared = setup?.names.get(
      p.owner === 'role' ? placeKey.role(p.account, p.name) : placeKey.user(p.account, p.name),
    );
    return `the inline policy \`${p.policy}\` of ${declared && declared !== p.name ? `${declared} (${p.owner} ${p.name})` : `${p.owner} ${p.name}`}`;
  }
  if (p.kind === 'managed') return `the managed policy ${declaredAs(setup, p.arn)}`;
  return `the trust policy of ${declaredAs(setup, p.role)}`;
}
