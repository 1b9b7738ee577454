/**
 * An AWS account snapshot: a folder of the JSON the AWS CLI prints for read-only commands, as
 * `scripts/snapshot.sh` takes it, read offline as the IAM state, the organization's SCPs and RCPs, and the
 * registered resources of the account. Layout: `SERVICE/COMMAND.json`, or `SERVICE/COMMAND/ID.json` for a
 * command about one resource (`s3api/get-bucket-policy/my-bucket.json`). Output shapes follow the AWS CLI
 * reference of each command, for example
 * https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html
 * https://docs.aws.amazon.com/cli/latest/reference/organizations/list-targets-for-policy.html
 */
import { RolecallError } from '../../errors.js';
import { ROOT_PATH, accountTarget, type OrgState, type RoleState, type UserState } from '../state.js';
import { trusts } from './cloudformation.js';
import { emrResourceState } from './emr-resources.js';
import { emptySetup, invalidFile, placeKey, tagList, type ImportedSetup } from './setup.js';
import { get, parseSource, plain, type SourceNode, type SourcePlace } from './source.js';

export interface SnapshotFile {
  /** Relative to the snapshot folder, with `/` separators. */
  path: string;
  text: string;
}

export interface AwsSnapshotOptions {
  /** Default: `sts/get-caller-identity.json`'s Account. */
  account?: string;
  /** Default: `region.txt`, else `us-east-1`. */
  region?: string;
}

/** IAM returns policy documents URL-encoded; the AWS CLI decodes them. Either is read. */
function policyText(v: unknown): string | undefined {
  if (v && typeof v === 'object') return JSON.stringify(v, null, 2);
  if (typeof v !== 'string') return undefined;
  const t = v.trimStart().startsWith('%7B') || v.trimStart().startsWith('%7b') ? decodeURIComponent(v) : v;
  return t;
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function importAwsSnapshot(
  files: readonly SnapshotFile[],
  folder: string,
  o: AwsSnapshotOptions = {},
): ImportedSetup {
  const parsed = new Map<string, SourceNode>();
  const problems: { message: string; place: SourcePlace }[] = [];
  let region = o.region;
  for (const f of files) {
    if (f.path === 'region.txt') {
      region ??= f.text.trim() || undefined;
      continue;
    }
    if (!f.path.endsWith('.json')) continue;
    try {
      parsed.set(f.path, parseSource(f.text, `${folder}/${f.path}`));
    } catch (e) {
      if (e instanceof RolecallError)
        for (const d of e.details)
          problems.push({
            message: d.message,
            place: {
              file: `${folder}/${f.path}`,
              line: d.place?.line ?? 1,
              column: d.place?.column ?? 1,
              path: '$',
            },
          });
      else throw e;
    }
  }
  const one = (p: string) => parsed.get(p);
  const each = (dir: string) =>
    [...parsed]
      .filter(([p]) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
      .map(([p, n]) => ({ id: decodeURIComponent(p.slice(dir.length + 1, -'.json'.length)), node: n }));
  const caller = val(one('sts/get-caller-identity.json')) as { Account?: unknown } | undefined;
  const account = o.account ?? s(caller?.Account);
  const auth = one('iam/get-account-authorization-details.json');
  if (!auth)
    problems.push({
      message: 'the snapshot has no `iam/get-account-authorization-details.json`',
      place: { file: folder, line: 1, column: 1, path: '$' },
    });
  if (account === undefined)
    problems.push({
      message: 'the snapshot names no account: add `sts/get-caller-identity.json` or give --account',
      place: { file: folder, line: 1, column: 1, path: '$' },
    });
  if (problems.length > 0 || !auth || account === undefined)
    throw invalidFile(folder, problems, `snapshot \`${folder}\``);
  region ??= 'us-east-1';
  const setup = emptySetup(
    'aws-snapshot',
    [...parsed.keys()].map((p) => `${folder}/${p}`),
    account,
    region,
  );

  // IAM: roles, users, groups, customer managed policies.
  const policyDoc = (
    n: SourceNode | undefined,
    kind: 'identity' | 'trust' | 'resource' | 'scp' | 'rcp',
    name: string,
    owner: string,
  ): string | undefined => {
    const text = n ? policyText(plain(n)) : undefined;
    if (text !== undefined && n) setup.policies.push({ kind, name, owner, document: text, place: n.place });
    return text;
  };
  const inlineOf = (list: SourceNode | undefined, owner: string, who: string) =>
    (list?.kind === 'seq' ? list.items : []).flatMap((n) => {
      const name = s(val(get(n, 'PolicyName')));
      const doc = policyDoc(get(n, 'PolicyDocument'), 'identity', `${who} inline ${name ?? ''}`, owner);
      return name !== undefined && doc !== undefined ? [{ name, document: doc }] : [];
    });
  const attachedOf = (n: SourceNode | undefined) =>
    arr(n ? plain(n) : []).flatMap((a) => {
      const arn = s((a as { PolicyArn?: unknown }).PolicyArn);
      return arn ? [arn] : [];
    });
  for (const n of list(get(auth, 'RoleDetailList'))) {
    const r = plain(n) as {
      RoleName?: unknown;
      Path?: unknown;
      Arn?: unknown;
      Description?: unknown;
      MaxSessionDuration?: unknown;
      PermissionsBoundary?: { PermissionsBoundaryArn?: unknown };
      Tags?: unknown;
    };
    const name = s(r.RoleName);
    if (name === undefined) continue;
    // Service-linked roles are AWS's to manage; apply cannot create them, and EMR's checks do not use them.
    if (s(r.Path)?.startsWith('/aws-service-role/')) {
      setup.skipped.push({ type: 'service-linked role', name, place: n.place });
      continue;
    }
    const key = placeKey.role(account, name);
    setup.places.set(key, n.place);
    setup.names.set(key, name);
    const role: RoleState = {
      account,
      name,
      path: s(r.Path) ?? '/',
      trustPolicy:
        policyDoc(get(n, 'AssumeRolePolicyDocument'), 'trust', `role ${name} trust policy`, key) ??
        '{"Version":"2012-10-17","Statement":[]}',
      inlinePolicies: inlineOf(get(n, 'RolePolicyList'), key, `role ${name}`),
      managedPolicies: attachedOf(get(n, 'AttachedManagedPolicies')),
      maxSessionDuration: typeof r.MaxSessionDuration === 'number' ? r.MaxSessionDuration : 3600,
      ...(s(r.PermissionsBoundary?.PermissionsBoundaryArn)
        ? { permissionsBoundary: r.PermissionsBoundary?.PermissionsBoundaryArn as string }
        : {}),
      ...(s(r.Description) ? { description: r.Description as string } : {}),
      tags: tagList(r.Tags),
    };
    setup.state.roles.push(role);
  }
  for (const n of list(get(auth, 'GroupDetailList'))) {
    const g = plain(n) as { GroupName?: unknown; Path?: unknown };
    const name = s(g.GroupName);
    if (name === undefined) continue;
    const key = placeKey.group(account, name);
    setup.places.set(key, n.place);
    setup.state.groups.push({
      account,
      name,
      path: s(g.Path) ?? '/',
      inlinePolicies: inlineOf(get(n, 'GroupPolicyList'), key, `group ${name}`),
      managedPolicies: attachedOf(get(n, 'AttachedManagedPolicies')),
    });
  }
  for (const n of list(get(auth, 'UserDetailList'))) {
    const u = plain(n) as {
      UserName?: unknown;
      Path?: unknown;
      GroupList?: unknown;
      PermissionsBoundary?: { PermissionsBoundaryArn?: unknown };
      Tags?: unknown;
    };
    const name = s(u.UserName);
    if (name === undefined) continue;
    const key = placeKey.user(account, name);
    setup.places.set(key, n.place);
    const user: UserState = {
      account,
      name,
      path: s(u.Path) ?? '/',
      inlinePolicies: inlineOf(get(n, 'UserPolicyList'), key, `user ${name}`),
      managedPolicies: attachedOf(get(n, 'AttachedManagedPolicies')),
      groups: arr(u.GroupList).filter((x): x is string => typeof x === 'string'),
      ...(s(u.PermissionsBoundary?.PermissionsBoundaryArn)
        ? { permissionsBoundary: u.PermissionsBoundary?.PermissionsBoundaryArn as string }
        : {}),
      tags: tagList(u.Tags),
    };
    setup.state.users.push(user);
  }
  for (const n of list(get(auth, 'Policies'))) {
    const p = plain(n) as {
      PolicyName?: unknown;
      Path?: unknown;
      Arn?: unknown;
      Description?: unknown;
      DefaultVersionId?: unknown;
    };
    const arn = s(p.Arn);
    const name = s(p.PolicyName);
    // AWS managed policies are AWS's: the store knows them by ARN.
    if (arn === undefined || name === undefined || arn.startsWith('arn:aws:iam::aws:')) continue;
    const key = placeKey.policy(arn);
    setup.places.set(key, n.place);
    const versions = list(get(n, 'PolicyVersionList'));
    const def = versions.find(
      (v) =>
        val(get(v, 'IsDefaultVersion')) === true || s(val(get(v, 'VersionId'))) === s(p.DefaultVersionId),
    );
    const document = policyDoc(
      get(def, 'Document'),
      'identity',
      `policy ${name} (${s(p.DefaultVersionId) ?? ''})`,
      key,
    );
    if (document === undefined) continue;
    setup.state.policies.push({
      account,
      name,
      path: s(p.Path) ?? '/',
      ...(s(p.Description) ? { description: p.Description as string } : {}),
      document,
      tags: [],
    });
  }

  // EC2 networking.
  const ec2 = (file: string, listKey: string, idKey: string, kind: string) => {
    for (const n of list(get(one(file), listKey))) {
      const x = plain(n) as Record<string, unknown>;
      const id = s(x[idKey]);
      if (id === undefined) continue;
      const owner = s(x.OwnerId) ?? account;
      const arn = `arn:aws:ec2:${region}:${owner}:${kind}/${id}`;
      setup.places.set(placeKey.resource(arn), n.place);
      setup.state.resources.push({
        arn,
        account: owner,
        tags: tagList(x.Tags),
        attributes: s(x.VpcId) && kind !== 'vpc' ? { vpc: x.VpcId as string } : {},
      });
    }
  };
  ec2('ec2/describe-vpcs.json', 'Vpcs', 'VpcId', 'vpc');
  ec2('ec2/describe-subnets.json', 'Subnets', 'SubnetId', 'subnet');
  ec2('ec2/describe-security-groups.json', 'SecurityGroups', 'GroupId', 'security-group');

  // S3 buckets: one file per bucket and command.
  const buckets = new Map<string, (typeof setup.state.resources)[number]>();
  const bucket = (name: string, place: SourcePlace) => {
    let b = buckets.get(name);
    if (!b) {
      b = { arn: `arn:aws:s3:::${name}`, account, tags: [], attributes: {} };
      buckets.set(name, b);
      setup.state.resources.push(b);
      setup.places.set(placeKey.resource(b.arn), place);
    }
    return b;
  };
  for (const { id, node } of each('s3api/get-bucket-policy')) {
    const b = bucket(id, node.place);
    const doc = policyDoc(get(node, 'Policy'), 'resource', `bucket ${id} policy`, placeKey.resource(b.arn));
    if (doc !== undefined) b.policy = doc;
  }
  for (const { id, node } of each('s3api/get-bucket-tagging'))
    bucket(id, node.place).tags = tagList(val(get(node, 'TagSet')));
  for (const { id, node } of each('s3api/get-bucket-encryption')) {
    const rules = val(get(get(node, 'ServerSideEncryptionConfiguration'), 'Rules')) as {
      ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown };
    }[];
    const def = Array.isArray(rules) ? rules[0]?.ApplyServerSideEncryptionByDefault : undefined;
    const b = bucket(id, node.place);
    if (s(def?.SSEAlgorithm)) b.attributes['sse-algorithm'] = def?.SSEAlgorithm as string;
    const k = s(def?.KMSMasterKeyID);
    if (k) b.attributes['kms-key'] = k.startsWith('arn:') ? k : `arn:aws:kms:${region}:${account}:key/${k}`;
  }
  // KMS keys.
  const keys = new Map<string, (typeof setup.state.resources)[number]>();
  for (const { id, node } of each('kms/describe-key')) {
    const m = (val(get(node, 'KeyMetadata')) ?? {}) as {
      Arn?: unknown;
      AWSAccountId?: unknown;
      KeyManager?: unknown;
    };
    const arn = s(m.Arn) ?? `arn:aws:kms:${region}:${account}:key/${id}`;
    const r = {
      arn,
      account: s(m.AWSAccountId) ?? account,
      tags: [],
      attributes: s(m.KeyManager) ? { keyManager: m.KeyManager as string } : {},
    };
    keys.set(id, r);
    setup.places.set(placeKey.resource(arn), node.place);
    setup.state.resources.push(r);
  }
  for (const { id, node } of each('kms/get-key-policy')) {
    let r = keys.get(id);
    if (!r) {
      r = {
        arn: id.startsWith('arn:') ? id : `arn:aws:kms:${region}:${account}:key/${id}`,
        account,
        tags: [],
        attributes: {},
      };
      keys.set(id, r);
      setup.places.set(placeKey.resource(r.arn), node.place);
      setup.state.resources.push(r);
    }
    const doc = policyDoc(get(node, 'Policy'), 'resource', `key ${id} key policy`, placeKey.resource(r.arn));
    if (doc !== undefined) (r as { policy?: string }).policy = doc;
  }
  // Secrets.
  for (const { node } of each('secretsmanager/describe-secret')) {
    const x = plain(node) as { ARN?: unknown; Tags?: unknown };
    const arn = s(x.ARN);
    if (!arn) continue;
    setup.places.set(placeKey.resource(arn), node.place);
    setup.state.resources.push({ arn, account, tags: tagList(x.Tags), attributes: {} });
  }
  // EMR Studios and Serverless applications.
  for (const { node } of each('emr/describe-studio')) {
    const x = (val(get(node, 'Studio')) ?? {}) as Record<string, unknown>;
    const arn = s(x.StudioArn);
    if (!arn) continue;
    const studio = {
      arn,
      name: s(x.Name) ?? arn,
      ...(s(x.ServiceRole) ? { serviceRole: x.ServiceRole as string } : {}),
      ...(s(x.VpcId) ? { vpc: x.VpcId as string } : {}),
      subnets: arr(x.SubnetIds).filter((v): v is string => typeof v === 'string'),
      securityGroups: [s(x.EngineSecurityGroupId), s(x.WorkspaceSecurityGroupId)].filter(
        (v): v is string => v !== undefined,
      ),
      ...(s(x.DefaultS3Location) ? { s3Location: x.DefaultS3Location as string } : {}),
      ...(s(x.EncryptionKeyArn) ? { kmsKey: x.EncryptionKeyArn as string } : {}),
      place: node.place,
    };
    setup.places.set(placeKey.resource(arn), node.place);
    setup.studios.push(studio);
  }
  for (const { node } of each('emr-serverless/get-application')) {
    const x = (val(get(node, 'application')) ?? {}) as Record<string, unknown>;
    const arn = s(x.arn);
    if (!arn) continue;
    const net = (x.networkConfiguration ?? {}) as { subnetIds?: unknown; securityGroupIds?: unknown };
    setup.places.set(placeKey.resource(arn), node.place);
    setup.applications.push({
      arn,
      name: s(x.name) ?? arn,
      runtimeRoles: setup.state.roles
        .filter((r) => trusts(r.trustPolicy, 'emr-serverless.amazonaws.com'))
        .map((r) => `arn:aws:iam::${r.account}:role${r.path}${r.name}`),
      subnets: arr(net.subnetIds).filter((v): v is string => typeof v === 'string'),
      securityGroups: arr(net.securityGroupIds).filter((v): v is string => typeof v === 'string'),
      place: node.place,
    });
  }
  for (const st of setup.studios) setup.state.resources.push(emrResourceState(st, account));
  for (const a of setup.applications) setup.state.resources.push(emrResourceState(a, account));

  // Organizations: the tree from the roots down, the SCPs and RCPs, and where each is attached.
  const roots = list(get(one('organizations/list-roots.json'), 'Roots'));
  if (roots.length > 0) {
    const rootId = s(val(get(roots[0], 'Id')));
    const org = val(get(one('organizations/describe-organization.json'), 'Organization')) as
      { MasterAccountId?: unknown } | undefined;
    const state: OrgState = {
      managementAccount: s(org?.MasterAccountId) ?? account,
      policies: [],
      units: [],
      accounts: new Map(),
      scps: new Map(),
      rcps: new Map(),
    };
    const pathOfId = new Map<string, string>();
    if (rootId) {
      pathOfId.set(rootId, ROOT_PATH);
      const queue = [rootId];
      while (queue.length > 0) {
        const parent = queue.shift() as string;
        const parentPath = pathOfId.get(parent) ?? ROOT_PATH;
        for (const n of list(
          get(
            one(`organizations/list-organizational-units-for-parent/${parent}.json`),
            'OrganizationalUnits',
          ),
        )) {
          const u = plain(n) as { Id?: unknown; Name?: unknown };
          if (!s(u.Id) || !s(u.Name)) continue;
          const p = parentPath === ROOT_PATH ? (u.Name as string) : `${parentPath}/${u.Name as string}`;
          pathOfId.set(u.Id as string, p);
          state.units.push(p);
          queue.push(u.Id as string);
        }
        for (const n of list(get(one(`organizations/list-accounts-for-parent/${parent}.json`), 'Accounts'))) {
          const id = s(val(get(n, 'Id')));
          if (id) state.accounts.set(id, parentPath);
        }
      }
    }
    if (!state.accounts.has(state.managementAccount)) state.accounts.set(state.managementAccount, ROOT_PATH);
    for (const { id, node } of each('organizations/describe-policy')) {
      const summary = (val(get(get(node, 'Policy'), 'PolicySummary')) ?? {}) as {
        Name?: unknown;
        Type?: unknown;
        AwsManaged?: unknown;
        Description?: unknown;
      };
      const type =
        summary.Type === 'RESOURCE_CONTROL_POLICY'
          ? 'rcp'
          : summary.Type === 'SERVICE_CONTROL_POLICY'
            ? 'scp'
            : undefined;
      const name = s(summary.Name);
      if (!type || !name) continue;
      const targets = list(get(one(`organizations/list-targets-for-policy/${id}.json`), 'Targets'));
      for (const t of targets) {
        const x = plain(t) as { TargetId?: unknown; Type?: unknown };
        const tid = s(x.TargetId);
        if (!tid) continue;
        const target = x.Type === 'ACCOUNT' ? accountTarget(tid) : pathOfId.get(tid);
        if (target === undefined) continue;
        const m = type === 'scp' ? state.scps : state.rcps;
        m.set(target, [...(m.get(target) ?? []), name]);
      }
      if (summary.AwsManaged === true) continue;
      const content = get(get(node, 'Policy'), 'Content');
      const doc = policyDoc(content, type, `${type.toUpperCase()} ${name}`, placeKey.orgPolicy(name));
      if (doc === undefined) continue;
      setup.places.set(placeKey.orgPolicy(name), node.place);
      state.policies.push({ name, type, description: s(summary.Description) ?? '', document: doc });
    }
    setup.state.organization = state;
  }
  return setup;
}

function val(n: SourceNode | undefined): unknown {
  return n ? plain(n) : undefined;
}

function list(n: SourceNode | undefined): SourceNode[] {
  return n?.kind === 'seq' ? n.items : [];
}
