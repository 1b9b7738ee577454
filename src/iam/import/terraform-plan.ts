/**
 * A Terraform plan as `terraform show -json PLAN` prints it, read as the IAM state and resources it would
 * leave: each `resource_changes` entry's `change.after` (with `after_unknown` marking what is known only
 * after apply), `configuration` for what an unknown attribute refers to (`aws_iam_role.studio.arn`), and
 * `planned_values` when a change is absent. An unknown value that decides something (tags, a policy) is
 * reported, never guessed; an unknown identifier (a new subnet's id) is named after its address.
 * https://developer.hashicorp.com/terraform/internals/json-format
 */
import { trusts } from './cloudformation.js';
import { emrResourceState } from './emr-resources.js';
import { defaultKeyPolicy, emptySetup, invalidFile, placeKey, tagList, type ImportedSetup } from './setup.js';
import { get, parseSource, plain, str, type SourceNode, type SourcePlace } from './source.js';
import { setOwn } from '../../own-key.js';

export interface TerraformPlanOptions {
  account: string;
  /** Default: the aws provider's `region` in the plan's configuration, else `us-east-1`. */
  region?: string;
}

interface Instance {
  address: string;
  /** `aws_subnet.b` for `module.net.aws_subnet.b[0]` within its module, as configuration refers to it. */
  configAddress: string;
  module: string;
  type: string;
  actions: string[];
  after: Record<string, unknown>;
  unknown: Record<string, unknown>;
  node: SourceNode;
  afterNode: SourceNode | undefined;
}

const slug = (address: string) =>
  address
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

function isUnknown(u: unknown, key: string): boolean {
  const v = (u as Record<string, unknown> | undefined)?.[key];
  return (
    v === true ||
    (Array.isArray(v) &&
      v.some((x) => x === true || (x && typeof x === 'object' && JSON.stringify(x).includes('true')))) ||
    (v !== null && typeof v === 'object' && JSON.stringify(v).includes('true'))
  );
}

export function importTerraformPlan(text: string, file: string, o: TerraformPlanOptions): ImportedSetup {
  const root = parseSource(text, file);
  const data = plain(root) as {
    format_version?: unknown;
    resource_changes?: unknown;
    configuration?: {
      provider_config?: Record<
        string,
        { name?: string; expressions?: { region?: { constant_value?: unknown } } }
      >;
    };
  };
  const problems: { message: string; place: SourcePlace }[] = [];
  if (!data || typeof data !== 'object' || typeof data.format_version !== 'string')
    problems.push({
      message:
        'not a Terraform JSON plan (`format_version` is missing): give the output of `terraform show -json PLAN`',
      place: root.place,
    });
  // A new major format version is not backward-compatible: refuse it rather than misread it.
  else if (!data.format_version.startsWith('1.'))
    problems.push({
      message: `unsupported plan format version \`${data.format_version}\` (this reads 1.x)`,
      place: get(root, 'format_version')?.place ?? root.place,
    });
  let region = o.region;
  if (region === undefined)
    for (const p of Object.values(data?.configuration?.provider_config ?? {}))
      if (p.name === 'aws' && typeof p.expressions?.region?.constant_value === 'string')
        region = p.expressions.region.constant_value;
  region ??= 'us-east-1';
  const { account } = o;
  const setup = emptySetup('terraform-plan', [file], account, region);
  if (problems.length > 0) throw invalidFile(file, problems);

  // Instances: each resource_changes entry, and each resource of planned_values (the root module and its
  // child_modules, recursively) that no change lists, as it will be (no-op).
  const instances: Instance[] = [];
  const add = (
    node: SourceNode,
    r: { address?: unknown; module?: unknown; mode?: unknown; type?: unknown },
    actions: string[],
    after: Record<string, unknown>,
    unknown: Record<string, unknown>,
    afterNode: SourceNode | undefined,
  ) => {
    if (r.mode !== 'managed' || typeof r.address !== 'string' || typeof r.type !== 'string') return;
    if (actions.length === 1 && actions[0] === 'delete') return;
    const module = typeof r.module === 'string' ? r.module : '';
    const local = module ? r.address.slice(module.length + 1) : r.address;
    instances.push({
      address: r.address,
      configAddress: local.replace(/\[[^\]]*\]$/, ''),
      module,
      type: r.type,
      actions,
      after,
      unknown,
      node,
      afterNode,
    });
  };
  const changes = get(root, 'resource_changes');
  for (const node of changes?.kind === 'seq' ? changes.items : []) {
    const c = plain(node) as {
      address?: string;
      module_address?: string;
      mode?: string;
      type?: string;
      change?: {
        actions?: string[];
        after?: Record<string, unknown> | null;
        after_unknown?: Record<string, unknown>;
      };
    };
    add(
      node,
      { ...c, module: c.module_address },
      c.change?.actions ?? [],
      c.change?.after ?? {},
      c.change?.after_unknown ?? {},
      get(get(node, 'change'), 'after'),
    );
  }
  const changed = new Set(instances.map((i) => i.address));
  const walk = (m: SourceNode | undefined, module: string) => {
    const rs = get(m, 'resources');
    for (const node of rs?.kind === 'seq' ? rs.items : []) {
      const r = plain(node) as {
        address?: string;
        mode?: string;
        type?: string;
        values?: Record<string, unknown>;
      };
      if (typeof r.address === 'string' && !changed.has(r.address))
        add(node, { ...r, module }, ['no-op'], r.values ?? {}, {}, get(node, 'values'));
    }
    const kids = get(m, 'child_modules');
    for (const k of kids?.kind === 'seq' ? kids.items : []) walk(k, str(get(k, 'address')) ?? '');
  };
  walk(get(get(root, 'planned_values'), 'root_module'), '');

  // Configuration, per module path (`module.net.module.sub`, instance keys dropped): what each attribute of
  // each resource refers to, what each module call passes to its variables, and what each output is.
  interface ConfigExpression {
    references?: string[];
    constant_value?: unknown;
  }
  interface ConfigModule {
    resources: Map<string, Record<string, string[]>>;
    calls: Map<string, Record<string, ConfigExpression>>;
    outputs: Map<string, ConfigExpression>;
  }
  const configs = new Map<string, ConfigModule>();
  const readConfig = (m: SourceNode | undefined, path: string) => {
    const mod: ConfigModule = { resources: new Map(), calls: new Map(), outputs: new Map() };
    configs.set(path, mod);
    const rs = get(m, 'resources');
    for (const node of rs?.kind === 'seq' ? rs.items : []) {
      const r = plain(node) as { address?: string; expressions?: Record<string, ConfigExpression> };
      if (typeof r.address !== 'string') continue;
      const out: Record<string, string[]> = {};
      for (const [k, e] of Object.entries(r.expressions ?? {}))
        if (Array.isArray(e?.references)) setOwn(out, k, e.references);
      mod.resources.set(r.address, out);
    }
    const outputs = get(m, 'outputs');
    for (const [name, o] of outputs?.kind === 'map' ? outputs.entries : [])
      mod.outputs.set(name, (plain(o) as { expression?: ConfigExpression }).expression ?? {});
    const calls = get(m, 'module_calls');
    for (const [name, call] of calls?.kind === 'map' ? calls.entries : []) {
      mod.calls.set(
        name,
        (plain(call) as { expressions?: Record<string, ConfigExpression> }).expressions ?? {},
      );
      readConfig(get(call, 'module'), path ? `${path}.module.${name}` : `module.${name}`);
    }
  };
  readConfig(get(get(root, 'configuration'), 'root_module'), '');
  /** `module.net["a"].module.sub[0]` as its configuration path `module.net.module.sub`. */
  const configPath = (module: string) => module.replace(/\[[^\]]*\]/g, '');
  const refsOf = (i: Instance) => configs.get(configPath(i.module))?.resources.get(i.configAddress);

  // Identifiers: known ones from the plan, unknown ones named after the address.
  const byConfig = new Map<string, Instance[]>();
  for (const i of instances) {
    const k = `${i.module}|${i.configAddress}`;
    byConfig.set(k, [...(byConfig.get(k) ?? []), i]);
  }
  const known = (i: Instance, k: string): unknown => (isUnknown(i.unknown, k) ? undefined : i.after[k]);
  const ids = new Map<Instance, Record<string, string>>();
  const idsOf = (i: Instance): Record<string, string> => {
    let hit = ids.get(i);
    if (hit) return hit;
    const s = slug(i.address);
    const name = typeof known(i, 'name') === 'string' ? (known(i, 'name') as string) : undefined;
    const path = typeof known(i, 'path') === 'string' ? (known(i, 'path') as string) : '/';
    switch (i.type) {
      case 'aws_iam_role': {
        const n = name ?? s.slice(0, 64);
        hit = { id: n, name: n, arn: `arn:aws:iam::${account}:role${path}${n}` };
        break;
      }
      case 'aws_iam_policy': {
        const n = name ?? s;
        const arn = `arn:aws:iam::${account}:policy${path}${n}`;
        hit = { id: arn, name: n, arn };
        break;
      }
      case 'aws_vpc':
        hit = { id: (known(i, 'id') as string | undefined) ?? `vpc-${s}` };
        break;
      case 'aws_subnet':
        hit = { id: (known(i, 'id') as string | undefined) ?? `subnet-${s}` };
        break;
      case 'aws_security_group':
        hit = { id: (known(i, 'id') as string | undefined) ?? `sg-${s}` };
        break;
      case 'aws_s3_bucket': {
        const b = (known(i, 'bucket') as string | undefined) ?? s;
        hit = { id: b, bucket: b, arn: `arn:aws:s3:::${b}` };
        break;
      }
      case 'aws_kms_key': {
        const id = (known(i, 'key_id') as string | undefined) ?? s;
        hit = {
          id,
          key_id: id,
          arn: (known(i, 'arn') as string | undefined) ?? `arn:aws:kms:${region}:${account}:key/${id}`,
        };
        break;
      }
      case 'aws_secretsmanager_secret': {
        const arn =
          (known(i, 'arn') as string | undefined) ??
          `arn:aws:secretsmanager:${region}:${account}:secret:${name ?? s}-AbCdEf`;
        hit = { id: arn, arn };
        break;
      }
      case 'aws_emr_studio': {
        const id = (known(i, 'id') as string | undefined) ?? `es-${s.toUpperCase()}`;
        hit = {
          id,
          arn:
            (known(i, 'arn') as string | undefined) ??
            `arn:aws:elasticmapreduce:${region}:${account}:studio/${id}`,
        };
        break;
      }
      case 'aws_emrserverless_application': {
        const id = (known(i, 'id') as string | undefined) ?? s;
        hit = {
          id,
          arn:
            (known(i, 'arn') as string | undefined) ??
            `arn:aws:emr-serverless:${region}:${account}:/applications/${id}`,
        };
        break;
      }
      default:
        hit = { id: s };
    }
    ids.set(i, hit);
    return hit;
  };
  /**
   * The values a configuration reference stands for in a module instance: a resource's attribute (its id
   * without one, as `[for s in aws_subnet.private : s.id]` refers to `aws_subnet.private`), a variable
   * through what the module call passes it, a module's output through what the output refers to in each
   * instance of that module.
   */
  const resolve = (refs: readonly string[], module: string, depth = 0): string[] => {
    const out: string[] = [];
    const push = (v: string) => {
      if (!out.includes(v)) out.push(v);
    };
    if (depth > 16) return out;
    // Terraform lists `aws_s3_bucket.b.arn` and `aws_s3_bucket.b`: the longer says which attribute.
    const precise = refs.filter((r) => !refs.some((x) => x !== r && x.startsWith(`${r}.`)));
    for (const ref of precise) {
      const v = /^var\.([A-Za-z0-9_-]+)$/.exec(ref);
      if (v) {
        const m = /^(.*?)(?:\.)?module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?$/.exec(module);
        if (!m) continue;
        const parent = m[1] ?? '';
        const e = configs.get(configPath(parent))?.calls.get(m[2] as string)?.[v[1] as string];
        const constant = e?.constant_value;
        const values = typeof constant === 'string' ? [constant] : Array.isArray(constant) ? constant : [];
        for (const x of values) if (typeof x === 'string') push(x);
        if (e?.references) for (const x of resolve(e.references, parent, depth + 1)) push(x);
        continue;
      }
      const o = /^module\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.([A-Za-z0-9_-]+)$/.exec(ref);
      if (o) {
        const child = module ? `${module}.module.${o[1] as string}` : `module.${o[1] as string}`;
        const e = configs.get(configPath(child))?.outputs.get(o[2] as string);
        if (!e?.references) continue;
        const instancesOfChild = [
          ...new Set(
            instances
              .map((i) => i.module)
              .filter(
                (x) =>
                  x === child || (x.startsWith(`${child}[`) && !x.slice(child.length).includes('.module.')),
              ),
          ),
        ];
        for (const c of instancesOfChild) for (const x of resolve(e.references, c, depth + 1)) push(x);
        continue;
      }
      const r = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)(\[[^\]]*\])?(?:\.([a-z_]+))?$/.exec(ref);
      if (!r || ['data', 'local', 'each', 'count', 'path', 'self', 'terraform'].includes(r[1] as string))
        continue;
      for (const t of byConfig.get(`${module}|${r[1] as string}.${r[2] as string}`) ?? []) {
        if (r[3] && !t.address.endsWith(r[3])) continue;
        const value = idsOf(t)[r[4] ?? 'id'];
        if (value !== undefined) push(value);
      }
    }
    return out;
  };
  /** An attribute's value: known, or what configuration says it refers to. */
  const attr = (i: Instance, k: string): { values: string[]; unknown: boolean } => {
    const v = i.after[k];
    // planned_values has no after_unknown: an attribute it leaves out that configuration computes from
    // references is one known only after apply.
    const absent = v === undefined && (refsOf(i)?.[k]?.length ?? 0) > 0;
    if (!absent && !isUnknown(i.unknown, k)) {
      if (typeof v === 'string') return { values: [v], unknown: false };
      if (Array.isArray(v))
        return { values: v.filter((x): x is string => typeof x === 'string'), unknown: false };
      return { values: [], unknown: false };
    }
    const out = resolve(refsOf(i)?.[k] ?? [], i.module);
    return { values: out, unknown: out.length === 0 };
  };
  const placeOf = (i: Instance, k?: string): SourcePlace =>
    (k ? get(i.afterNode, k)?.place : undefined) ?? i.node.place;
  const unknownIf = (i: Instance, k: string, owner: string, what: string): boolean => {
    if (!isUnknown(i.unknown, k)) return false;
    setup.unknowns.push({
      owner,
      what: `${what} of ${i.address}`,
      reason: `${what} of ${i.address} ${what.endsWith('s') ? 'are' : 'is'} known only after apply`,
      place: placeOf(i, k),
    });
    return true;
  };
  // Placeholders that IAM accepts and that grant nothing; every call that depends on them is undecidable.
  const UNKNOWN_POLICY = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'known-after-apply' } },
      },
    ],
  });
  const UNKNOWN_TRUST = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
    ],
  });
  const doc = (i: Instance, k: string, owner: string, what: string): string => {
    if (unknownIf(i, k, owner, what)) return k === 'assume_role_policy' ? UNKNOWN_TRUST : UNKNOWN_POLICY;
    const v = i.after[k];
    return typeof v === 'string' ? v : UNKNOWN_POLICY;
  };
  const tagsOf = (i: Instance, owner: string) => {
    // tags_all adds the provider's default_tags to the resource's own.
    const k = i.after.tags_all !== undefined || isUnknown(i.unknown, 'tags_all') ? 'tags_all' : 'tags';
    unknownIf(i, k, owner, 'the tags');
    return tagList(i.after[k] ?? {});
  };
  const remember = (key: string, i: Instance) => {
    setup.places.set(key, i.node.place);
    setup.names.set(key, i.address);
  };

  for (const i of instances) {
    const id = idsOf(i);
    switch (i.type) {
      case 'aws_iam_role': {
        const key = placeKey.role(account, id.name as string);
        remember(key, i);
        const trust = doc(i, 'assume_role_policy', key, 'the trust policy');
        setup.policies.push({
          kind: 'trust',
          name: `${i.address} assume_role_policy`,
          owner: key,
          document: trust,
          place: placeOf(i, 'assume_role_policy'),
        });
        const inline: { name: string; document: string }[] = [];
        const blocks = Array.isArray(i.after.inline_policy)
          ? (i.after.inline_policy as { name?: unknown; policy?: unknown }[])
          : [];
        blocks.forEach((b, n) => {
          if (typeof b.name !== 'string' || typeof b.policy !== 'string' || b.policy === '') return;
          const place =
            get(get(i.afterNode, 'inline_policy'), String(n))?.place ?? placeOf(i, 'inline_policy');
          inline.push({ name: b.name, document: b.policy });
          setup.policies.push({
            kind: 'identity',
            name: `${i.address} inline_policy ${b.name}`,
            owner: key,
            document: b.policy,
            place,
          });
        });
        const boundary = attr(i, 'permissions_boundary').values[0];
        setup.state.roles.push({
          account,
          name: id.name as string,
          path: typeof i.after.path === 'string' ? i.after.path : '/',
          trustPolicy: trust,
          inlinePolicies: inline,
          managedPolicies: attr(i, 'managed_policy_arns').values,
          maxSessionDuration:
            typeof i.after.max_session_duration === 'number' ? i.after.max_session_duration : 3600,
          ...(boundary ? { permissionsBoundary: boundary } : {}),
          ...(typeof i.after.description === 'string' && i.after.description !== ''
            ? { description: i.after.description }
            : {}),
          tags: tagsOf(i, key),
        });
        break;
      }
      case 'aws_iam_policy': {
        const key = placeKey.policy(id.arn as string);
        remember(key, i);
        const d = doc(i, 'policy', key, 'the document');
        setup.policies.push({
          kind: 'identity',
          name: `${i.address} policy`,
          owner: key,
          document: d,
          place: placeOf(i, 'policy'),
        });
        setup.state.policies.push({
          account,
          name: id.name as string,
          path: typeof i.after.path === 'string' ? i.after.path : '/',
          ...(typeof i.after.description === 'string' && i.after.description !== ''
            ? { description: i.after.description }
            : {}),
          document: d,
          tags: tagList(i.after.tags ?? {}),
        });
        break;
      }
      case 'aws_vpc':
      case 'aws_subnet':
      case 'aws_security_group': {
        const kind = i.type === 'aws_vpc' ? 'vpc' : i.type === 'aws_subnet' ? 'subnet' : 'security-group';
        const arn = `arn:aws:ec2:${region}:${account}:${kind}/${id.id as string}`;
        const key = placeKey.resource(arn);
        remember(key, i);
        const vpc = i.type === 'aws_vpc' ? undefined : attr(i, 'vpc_id').values[0];
        setup.state.resources.push({ arn, account, tags: tagsOf(i, key), attributes: vpc ? { vpc } : {} });
        break;
      }
      case 'aws_s3_bucket': {
        const arn = id.arn as string;
        const key = placeKey.resource(arn);
        remember(key, i);
        if (unknownIf(i, 'bucket', key, 'the name')) break;
        setup.state.resources.push({ arn, account, tags: tagsOf(i, key), attributes: {} });
        break;
      }
      case 'aws_kms_key': {
        const arn = id.arn as string;
        const key = placeKey.resource(arn);
        remember(key, i);
        // A key created without a policy gets the default key policy, which lets the account's IAM policies decide.
        // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
        const given = i.after.policy;
        const policy =
          isUnknown(i.unknown, 'policy') && given === undefined && !refsOf(i)?.policy
            ? defaultKeyPolicy(account)
            : doc(i, 'policy', key, 'the key policy');
        setup.policies.push({
          kind: 'resource',
          name: `${i.address} policy`,
          owner: key,
          document: policy,
          place: placeOf(i, 'policy'),
        });
        setup.state.resources.push({ arn, account, policy, tags: tagsOf(i, key), attributes: {} });
        break;
      }
      case 'aws_secretsmanager_secret': {
        const arn = id.arn as string;
        const key = placeKey.resource(arn);
        remember(key, i);
        setup.state.resources.push({ arn, account, tags: tagsOf(i, key), attributes: {} });
        break;
      }
      case 'aws_emr_studio': {
        const s3 = attr(i, 'default_s3_location').values[0];
        const role = attr(i, 'service_role').values[0];
        const vpc = attr(i, 'vpc_id').values[0];
        const kms = attr(i, 'encryption_key_arn').values[0];
        const studio = {
          arn: id.arn as string,
          name: typeof i.after.name === 'string' ? i.after.name : i.address,
          ...(role ? { serviceRole: role } : {}),
          ...(vpc ? { vpc } : {}),
          subnets: attr(i, 'subnet_ids').values,
          securityGroups: [
            ...attr(i, 'engine_security_group_id').values,
            ...attr(i, 'workspace_security_group_id').values,
          ],
          ...(s3 ? { s3Location: s3 } : {}),
          ...(kms ? { kmsKey: kms } : {}),
          place: i.node.place,
        };
        remember(placeKey.resource(studio.arn), i);
        setup.studios.push(studio);
        break;
      }
      case 'aws_emrserverless_application': {
        const net = (
          Array.isArray(i.after.network_configuration) ? i.after.network_configuration[0] : undefined
        ) as { subnet_ids?: unknown; security_group_ids?: unknown } | undefined;
        const app = {
          arn: id.arn as string,
          name: typeof i.after.name === 'string' ? i.after.name : i.address,
          runtimeRoles: [],
          subnets: Array.isArray(net?.subnet_ids) ? (net.subnet_ids as string[]) : [],
          securityGroups: Array.isArray(net?.security_group_ids) ? (net.security_group_ids as string[]) : [],
          place: i.node.place,
        };
        remember(placeKey.resource(app.arn), i);
        setup.applications.push(app);
        break;
      }
    }
  }
  // Attachments, once every role, policy and bucket is known.
  const roleNamed = (name: string) =>
    setup.state.roles.find(
      (r) => r.name === name || `arn:aws:iam::${account}:role${r.path}${r.name}` === name,
    );
  const bucketNamed = (name: string) => setup.state.resources.find((r) => r.arn === `arn:aws:s3:::${name}`);
  for (const i of instances) {
    switch (i.type) {
      case 'aws_iam_role_policy': {
        const roleName = attr(i, 'role').values[0];
        const role = roleName === undefined ? undefined : roleNamed(roleName);
        if (!role) {
          setup.skipped.push({
            type: `${i.type} on a role the plan does not create`,
            name: i.address,
            place: i.node.place,
          });
          break;
        }
        const key = placeKey.role(account, role.name);
        const name = typeof i.after.name === 'string' ? i.after.name : slug(i.address);
        const d = doc(i, 'policy', key, 'the policy');
        role.inlinePolicies.push({ name, document: d });
        setup.policies.push({
          kind: 'identity',
          name: `${i.address} policy`,
          owner: key,
          document: d,
          place: placeOf(i, 'policy'),
        });
        break;
      }
      case 'aws_iam_role_policy_attachment': {
        const roleName = attr(i, 'role').values[0];
        const arn = attr(i, 'policy_arn').values[0];
        const role = roleName === undefined ? undefined : roleNamed(roleName);
        if (!role || arn === undefined) {
          setup.skipped.push({
            type: `${i.type} that cannot be resolved`,
            name: i.address,
            place: i.node.place,
          });
          break;
        }
        if (!role.managedPolicies.includes(arn)) role.managedPolicies.push(arn);
        break;
      }
      case 'aws_s3_bucket_policy': {
        const name = attr(i, 'bucket').values[0];
        let res = name === undefined ? undefined : bucketNamed(name);
        if (name !== undefined && !res) {
          res = { arn: `arn:aws:s3:::${name}`, account, tags: [], attributes: {} };
          setup.state.resources.push(res);
        }
        if (!res) break;
        const key = placeKey.resource(res.arn);
        res.policy = doc(i, 'policy', key, 'the bucket policy');
        setup.policies.push({
          kind: 'resource',
          name: `${i.address} policy`,
          owner: key,
          document: res.policy,
          place: placeOf(i, 'policy'),
        });
        break;
      }
      case 'aws_s3_bucket_server_side_encryption_configuration': {
        const name = attr(i, 'bucket').values[0];
        const res = name === undefined ? undefined : bucketNamed(name);
        if (!res) break;
        const rule = (Array.isArray(i.after.rule) ? i.after.rule[0] : undefined) as
          | {
              apply_server_side_encryption_by_default?: {
                sse_algorithm?: unknown;
                kms_master_key_id?: unknown;
              }[];
            }
          | undefined;
        const def = rule?.apply_server_side_encryption_by_default?.[0];
        if (typeof def?.sse_algorithm === 'string') res.attributes['sse-algorithm'] = def.sse_algorithm;
        let key =
          typeof def?.kms_master_key_id === 'string' && def.kms_master_key_id !== ''
            ? def.kms_master_key_id
            : undefined;
        if (key === undefined && JSON.stringify(i.unknown).includes('kms_master_key_id')) {
          // Refers to a key of the plan: follow configuration (nested blocks keep their references there).
          const k = instances.find((x) => x.type === 'aws_kms_key');
          if (k && instances.filter((x) => x.type === 'aws_kms_key').length === 1) key = idsOf(k).arn;
          else
            setup.unknowns.push({
              owner: placeKey.resource(res.arn),
              what: `the encryption key of ${i.address}`,
              reason: `the encryption key of ${i.address} is known only after apply`,
              place: i.node.place,
            });
        }
        if (key !== undefined)
          res.attributes['kms-key'] = key.startsWith('arn:')
            ? key
            : `arn:aws:kms:${region}:${account}:key/${key}`;
        break;
      }
    }
  }
  // A role whose trust policy is known only after apply may be a runtime role: it is checked (and reported
  // undecidable) rather than left out.
  const trustUnknown = (r: { account: string; name: string }) =>
    setup.unknowns.some(
      (u) => u.owner === placeKey.role(r.account, r.name) && u.what.startsWith('the trust policy'),
    );
  for (const app of setup.applications)
    app.runtimeRoles = setup.state.roles
      .filter((r) => trusts(r.trustPolicy, 'emr-serverless.amazonaws.com') || trustUnknown(r))
      .map((r) => `arn:aws:iam::${r.account}:role${r.path}${r.name}`);
  for (const s of setup.studios) setup.state.resources.push(emrResourceState(s, account));
  for (const a of setup.applications) setup.state.resources.push(emrResourceState(a, account));
  return setup;
}
