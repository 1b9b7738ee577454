/**
 * The hand-written EMR environment file (YAML or JSON; see knowledge/emr/environment.ts) read strictly:
 * an unknown field is an error with a suggestion, every problem is reported at once with its line:column,
 * as `apply`'s state files are. The environment becomes a setup like any import: the role (when the file
 * or the command line gives its policies), the network, buckets with their owner and policy, keys, secrets,
 * submitters, and an organization holding the SCPs and RCPs.
 */
import { EMR_SERVICES, type EmrEnvironment, type EmrKind } from '../../knowledge/emr/index.js';
import type { OrgState, ResourceState } from '../state.js';
import { accountTarget, ROOT_PATH } from '../state.js';
import { defaultKeyPolicy, emptySetup, invalidFile, placeKey, tagList, type ImportedSetup } from './setup.js';
import { get, parseSource, plain, type SourceNode, type SourcePlace } from './source.js';
import { editDistance } from '../../policy/edit-distance.js';

type Shape =
  | 'string'
  | 'boolean'
  | 'policy'
  | 'policies'
  | 'levels'
  | 'tags'
  | 'strings'
  | { object: Record<string, Shape> }
  | { list: Shape };

const TAGGED: Shape = { object: { id: 'string', tags: 'tags' } };
const KEY: Shape = { object: { arn: 'string', policy: 'policy' } };
const FIELDS: Record<string, Shape> = {
  kind: 'string',
  account: 'string',
  region: 'string',
  roleName: 'string',
  trustPolicy: 'policy',
  policies: 'policies',
  managedPolicies: 'strings',
  boundary: 'policy',
  sourceArn: 'string',
  vpc: TAGGED,
  subnets: { list: TAGGED },
  securityGroups: { list: TAGGED },
  createdTags: 'tags',
  locations: {
    list: {
      object: {
        bucket: 'string',
        prefix: 'string',
        access: 'string',
        owner: 'string',
        policy: 'policy',
        key: KEY,
      },
    },
  },
  secrets: { list: { object: { arn: 'string', tags: 'tags' } } },
  submitters: { list: { object: { arn: 'string', policies: 'policies' } } },
  glue: 'boolean',
  scps: 'levels',
  rcps: 'levels',
  s3: { object: { bucket: 'string', prefix: 'string', kmsKeyArn: 'string' } },
  key: KEY,
  jobBuckets: 'strings',
  submitter: { object: { arn: 'string', policies: 'policies' } },
  applicationId: 'string',
};

/** `; did you mean \`x\`?` for the nearest of `known` (case, two edits or the first four letters), else the list. */
export function suggestion(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const near =
    known.find((k) => k.toLowerCase() === lower) ??
    known.find((k) => editDistance(k.toLowerCase(), lower) <= 2) ??
    known.find((k) => k.toLowerCase().startsWith(lower.slice(0, 4)) && lower.length >= 4);
  return near === undefined ? `; expected one of ${known.join(', ')}` : `; did you mean \`${near}\`?`;
}

function check(n: SourceNode, shape: Shape, problems: { message: string; place: SourcePlace }[]): void {
  const bad = (message: string) => problems.push({ message, place: n.place });
  if (shape === 'string') {
    if (n.kind !== 'scalar' || n.value === null || typeof n.value === 'boolean') bad('must be a string');
  } else if (shape === 'boolean') {
    if (n.kind !== 'scalar' || typeof n.value !== 'boolean') bad('must be true or false');
  } else if (shape === 'policy') {
    if (n.kind !== 'map' && !(n.kind === 'scalar' && typeof n.value === 'string'))
      bad('must be a policy document (or, for a boundary, a policy ARN)');
  } else if (shape === 'policies') {
    if (n.kind !== 'seq') bad('must be a list of policy documents');
    else
      for (const i of n.items)
        if (i.kind !== 'map') problems.push({ message: 'must be a policy document', place: i.place });
  } else if (shape === 'levels') {
    if (n.kind !== 'seq') bad('must be a list of levels (root first), each a list of policy documents');
    else
      for (const level of n.items)
        if (level.kind !== 'seq')
          problems.push({
            message: 'must be a list of policy documents (one organization level)',
            place: level.place,
          });
        else
          for (const d of level.items)
            if (d.kind !== 'map') problems.push({ message: 'must be a policy document', place: d.place });
  } else if (shape === 'tags') {
    if (n.kind !== 'map') bad('must be a mapping of tag keys to values');
    else
      for (const v of n.entries.values())
        if (v.kind !== 'scalar' || typeof v.value !== 'string')
          problems.push({ message: 'tag values must be strings (quote `true`)', place: v.place });
  } else if (shape === 'strings') {
    if (n.kind !== 'seq' || n.items.some((i) => i.kind !== 'scalar' || typeof i.value !== 'string'))
      bad('must be a list of strings');
  } else if ('list' in shape) {
    if (n.kind !== 'seq') bad('must be a list');
    else for (const i of n.items) check(i, shape.list, problems);
  } else {
    if (n.kind !== 'map') {
      bad('must be a mapping');
      return;
    }
    const known = Object.keys(shape.object);
    for (const [k, v] of n.entries) {
      const s = shape.object[k];
      if (s === undefined)
        problems.push({ message: `unknown field \`${k}\`${suggestion(k, known)}`, place: v.place });
      else check(v, s, problems);
    }
  }
}

const ACCOUNT = /^\d{12}$/;

/** Reads and checks an environment file; throws InvalidFile listing every problem with its place. */
export function parseEnvironmentFile(text: string, file: string): { env: EmrEnvironment; root: SourceNode } {
  const root = parseSource(text, file);
  const problems: { message: string; place: SourcePlace }[] = [];
  check(root, { object: FIELDS }, problems);
  for (const k of ['account', 'region'])
    if (!get(root, k)) problems.push({ message: `\`${k}\` is required`, place: root.place });
  const account = get(root, 'account');
  if (account?.kind === 'scalar' && !ACCOUNT.test(String(account.value)))
    problems.push({ message: 'must be a 12-digit account id (quote it)', place: account.place });
  const kind = get(root, 'kind');
  if (kind?.kind === 'scalar' && !['studio', 'notebooks', 'serverless'].includes(String(kind.value)))
    problems.push({
      message: `unknown EMR kind \`${String(kind.value)}\`; expected studio, notebooks or serverless`,
      place: kind.place,
    });
  const locations = get(root, 'locations');
  if (locations?.kind === 'seq')
    for (const l of locations.items) {
      const access = get(l, 'access');
      if (access?.kind === 'scalar' && access.value !== 'read' && access.value !== 'read-write')
        problems.push({
          message: `access must be \`read\` or \`read-write\`, not \`${String(access.value)}\``,
          place: access.place,
        });
      if (!get(l, 'bucket')) problems.push({ message: '`bucket` is required', place: l.place });
      const owner = get(l, 'owner');
      if (owner?.kind === 'scalar' && !ACCOUNT.test(String(owner.value)))
        problems.push({ message: 'must be a 12-digit account id (quote it)', place: owner.place });
    }
  if (problems.length > 0) throw invalidFile(file, problems);
  return { env: plain(root) as EmrEnvironment, root };
}

const text = (d: unknown) => (typeof d === 'string' ? d : JSON.stringify(d, null, 2));
/** The organization's management account when the file gives SCPs or RCPs (SCPs never restrict it). */
const MANAGEMENT = '000000000000';
/** The locations of an environment, older spellings included. */
export function environmentLocations(env: EmrEnvironment): NonNullable<EmrEnvironment['locations']> {
  const out = [...(env.locations ?? [])];
  if (env.s3) {
    const keyArn = env.key?.arn ?? env.s3.kmsKeyArn;
    out.push({
      bucket: env.s3.bucket,
      ...(env.s3.prefix !== undefined ? { prefix: env.s3.prefix } : {}),
      ...(keyArn
        ? { key: { arn: keyArn, ...(env.key?.policy !== undefined ? { policy: env.key.policy } : {}) } }
        : {}),
    });
  }
  for (const b of env.jobBuckets ?? [])
    out.push({
      bucket: b,
      ...(env.key
        ? { key: { arn: env.key.arn, ...(env.key.policy !== undefined ? { policy: env.key.policy } : {}) } }
        : {}),
    });
  return out;
}

/**
 * The environment as a setup: what it declares, in the role's account unless a location says otherwise.
 * `held` are the resources of the store the environment is checked against: a bucket or key the store holds
 * keeps its policy, owner and encryption unless the file gives them (a file that names a bucket only to say
 * where the service reads must not erase the bucket policy or key policy that would deny it).
 */
export function importEnvironment(
  env: EmrEnvironment,
  root: SourceNode | undefined,
  kind: EmrKind,
  held: readonly ResourceState[] = [],
): ImportedSetup {
  const file = root?.place.file ?? 'environment';
  const { account, region } = env;
  const setup = emptySetup('environment', [file], account, region);
  const at = (path: (string | number)[]): SourcePlace => {
    let n: SourceNode | undefined = root;
    for (const p of path)
      n = typeof p === 'number' ? (n?.kind === 'seq' ? n.items[p] : undefined) : get(n, p);
    return n?.place ?? root?.place ?? { file, line: 1, column: 1, path: '$' };
  };
  const roleName = env.roleName ?? EMR_SERVICES[kind].defaultRoleName;
  if (env.trustPolicy !== undefined || env.policies !== undefined || env.managedPolicies !== undefined) {
    const key = placeKey.role(account, roleName);
    setup.places.set(key, root?.place ?? at([]));
    let boundary: string | undefined;
    if (typeof env.boundary === 'string') boundary = env.boundary;
    else if (env.boundary !== undefined) {
      const name = `${roleName}-boundary`;
      boundary = `arn:aws:iam::${account}:policy/${name}`;
      setup.state.policies.push({ account, name, path: '/', document: text(env.boundary), tags: [] });
      setup.policies.push({
        kind: 'boundary',
        name: `boundary of ${roleName}`,
        owner: placeKey.policy(boundary),
        document: text(env.boundary),
        place: at(['boundary']),
      });
      setup.places.set(placeKey.policy(boundary), at(['boundary']));
    }
    // Without a trust policy the role trusts only its own account (IAM requires one), so the check reports
    // the service's sts:AssumeRole as denied with the trust statement to add.
    const trust = text(
      env.trustPolicy ?? {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
    );
    setup.policies.push({
      kind: 'trust',
      name: `${roleName} trust policy`,
      owner: key,
      document: trust,
      place: at(['trustPolicy']),
    });
    const inline = (env.policies ?? []).map((p, i) => {
      const document = text(p);
      setup.policies.push({
        kind: 'identity',
        name: `${roleName} policy ${i + 1}`,
        owner: key,
        document,
        place: at(['policies', i]),
      });
      return { name: `permissions-${i + 1}`, document };
    });
    setup.state.roles.push({
      account,
      name: roleName,
      path: '/',
      trustPolicy: trust,
      inlinePolicies: inline,
      managedPolicies: env.managedPolicies ?? [],
      maxSessionDuration: 3600,
      ...(boundary ? { permissionsBoundary: boundary } : {}),
      tags: [],
    });
  }
  const ec2 = (kindName: string, r: { id: string; tags?: Record<string, string> }, place: SourcePlace) => {
    const arn = `arn:aws:ec2:${region}:${account}:${kindName}/${r.id}`;
    setup.places.set(placeKey.resource(arn), place);
    setup.names.set(placeKey.resource(arn), r.id);
    setup.state.resources.push({
      arn,
      account,
      tags: tagList(r.tags ?? {}),
      attributes: env.vpc && kindName !== 'vpc' ? { vpc: env.vpc.id } : {},
    });
  };
  if (env.vpc) ec2('vpc', env.vpc, at(['vpc']));
  (env.subnets ?? []).forEach((s, i) => ec2('subnet', s, at(['subnets', i])));
  (env.securityGroups ?? []).forEach((s, i) => ec2('security-group', s, at(['securityGroups', i])));
  (env.secrets ?? []).forEach((s, i) => {
    setup.places.set(placeKey.resource(s.arn), at(['secrets', i]));
    setup.state.resources.push({
      arn: s.arn,
      account: s.arn.split(':')[4] || account,
      tags: tagList(s.tags ?? {}),
      attributes: {},
    });
  });
  environmentLocations(env).forEach((l, i) => {
    const arn = `arn:aws:s3:::${l.bucket}`;
    const place = env.locations && i < env.locations.length ? at(['locations', i]) : at(['s3']);
    if (!setup.state.resources.some((r) => r.arn === arn)) {
      setup.places.set(placeKey.resource(arn), place);
      const bucket = held.find((r) => r.arn === arn);
      const policy = l.policy !== undefined ? text(l.policy) : bucket?.policy;
      setup.state.resources.push({
        arn,
        account: l.owner ?? bucket?.account ?? account,
        ...(policy !== undefined ? { policy } : {}),
        tags: bucket?.tags ?? [],
        attributes: {
          ...bucket?.attributes,
          ...(l.key ? { 'sse-algorithm': 'aws:kms', 'kms-key': l.key.arn } : {}),
        },
      });
      if (l.policy !== undefined)
        setup.policies.push({
          kind: 'resource',
          name: `bucket ${l.bucket} policy`,
          owner: placeKey.resource(arn),
          document: text(l.policy),
          place,
        });
    }
    const heldKey = l.key && l.key.policy === undefined && held.some((r) => r.arn === l.key?.arn);
    if (l.key && !heldKey && !setup.state.resources.some((r) => r.arn === l.key?.arn)) {
      const keyAccount = l.key.arn.split(':')[4] || account;
      const policy = l.key.policy !== undefined ? text(l.key.policy) : defaultKeyPolicy(keyAccount);
      setup.places.set(placeKey.resource(l.key.arn), place);
      setup.state.resources.push({ arn: l.key.arn, account: keyAccount, policy, tags: [], attributes: {} });
      setup.policies.push({
        kind: 'resource',
        name: `key ${l.key.arn} key policy`,
        owner: placeKey.resource(l.key.arn),
        document: policy,
        place,
      });
    }
  });
  const submitters = [...(env.submitters ?? []), ...(env.submitter ? [env.submitter] : [])];
  submitters.forEach((s, i) => {
    const m = /^arn:aws:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(s.arn);
    if (!m) return;
    const [, acct, type, name] = m as unknown as [string, string, string, string];
    const inline = (s.policies ?? []).map((p, j) => ({ name: `submitter-${j + 1}`, document: text(p) }));
    const place = env.submitters ? at(['submitters', i]) : at(['submitter']);
    if (type === 'user') {
      setup.places.set(placeKey.user(acct, name), place);
      setup.state.users.push({
        account: acct,
        name,
        path: '/',
        inlinePolicies: inline,
        managedPolicies: [],
        groups: [],
        tags: [],
      });
    } else {
      setup.places.set(placeKey.role(acct, name), place);
      setup.state.roles.push({
        account: acct,
        name,
        path: '/',
        trustPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
        inlinePolicies: inline,
        managedPolicies: [],
        maxSessionDuration: 3600,
        tags: [],
      });
    }
    inline.forEach((p, j) =>
      setup.policies.push({
        kind: 'identity',
        name: `submitter ${s.arn} policy ${j + 1}`,
        owner: placeKey.user(acct, name),
        document: p.document,
        place: at(env.submitters ? ['submitters', i, 'policies', j] : ['submitter', 'policies', j]),
      }),
    );
  });
  if (env.scps || env.rcps) {
    // Each level is an organization unit on the way from the root to the account; FullAWSAccess stays at the
    // root, and the file's policies are attached at their level (an allow-list at a level replaces it there).
    const org: OrgState = {
      managementAccount: MANAGEMENT,
      policies: [],
      units: [],
      accounts: new Map(),
      scps: new Map(),
      rcps: new Map(),
    };
    const depth = Math.max(env.scps?.length ?? 0, env.rcps?.length ?? 0);
    const paths = Array.from({ length: depth }, (_, i) =>
      i === 0 ? ROOT_PATH : Array.from({ length: i }, (_, j) => `level-${j + 1}`).join('/'),
    );
    for (const p of paths) if (p !== ROOT_PATH) org.units.push(p);
    org.accounts.set(MANAGEMENT, ROOT_PATH);
    org.accounts.set(account, paths[paths.length - 1] ?? ROOT_PATH);
    for (const [type, levels] of [
      ['scp', env.scps],
      ['rcp', env.rcps],
    ] as const) {
      const map = type === 'scp' ? org.scps : org.rcps;
      (levels ?? []).forEach((docs, level) => {
        const names = docs.map((d, j) => {
          const name = `${type}-level-${level}-${j + 1}`;
          org.policies.push({ name, type, description: '', document: text(d) });
          setup.policies.push({
            kind: type,
            name,
            owner: placeKey.orgPolicy(name),
            document: text(d),
            place: at([`${type}s`, level, j]),
          });
          setup.places.set(placeKey.orgPolicy(name), at([`${type}s`, level, j]));
          return name;
        });
        map.set(
          paths[level] ?? ROOT_PATH,
          level === 0 ? [type === 'scp' ? 'FullAWSAccess' : 'RCPFullAWSAccess', ...names] : names,
        );
      });
    }
    org.scps.set(accountTarget(account), ['FullAWSAccess']);
    org.rcps.set(accountTarget(account), ['RCPFullAWSAccess']);
    setup.state.organization = org;
  }
  return setup;
}
