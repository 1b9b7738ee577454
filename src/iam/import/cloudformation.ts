/**
 * A CloudFormation template (YAML with the short-form intrinsic tags, or JSON) read as the IAM state and
 * resources it would create: Parameters (defaults or given values), Conditions, Mappings, the intrinsic
 * functions, and the resource types of an EMR setup. Each resource's return values (Ref, Fn::GetAtt) follow
 * its page in the CloudFormation resource reference; a value only known once deployed (Fn::ImportValue,
 * Fn::GetAZs) is reported as unknown. Written here rather than with a library because evaluation has to keep
 * each node's place in the user's file.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 */
import type { ErrorPlace } from '../../errors.js';
import { emrResourceState } from './emr-resources.js';
import {
  documentText,
  emptySetup,
  invalidFile,
  placeKey,
  tagList,
  type ImportedPolicy,
  type ImportedSetup,
} from './setup.js';
import { childPath, get, parseSource, str, type SourceNode, type SourcePlace } from './source.js';
import { setOwn } from '../../own-key.js';

export interface CloudFormationOptions {
  account: string;
  region: string;
  stackName?: string;
  /** Parameter values given on the command line (they win over defaults). */
  parameters?: Record<string, string>;
}

/**
 * The name CloudFormation gives a resource whose name property the template leaves out: the stack name, the
 * logical ID and a random suffix, joined by hyphens (`mystack-RuntimeRole-1A2B3C4D5E6F`; lower case where the
 * name must be, as for buckets), the stack name and logical ID shortened to fit the name's length limit.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
 * The suffix is random in AWS and cannot be known before the stack is created; here it is derived from the
 * stack name and logical ID, so importing the same template again names the same resources. A policy that
 * matches the generated name by pattern (`${AWS::StackName}-RuntimeRole-*`) matches it as it would in AWS.
 */
export function physicalName(stack: string, logicalId: string, max: number, lowerCase = false): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const c of `${stack}/${logicalId}`) {
    h1 = Math.imul(h1 ^ c.charCodeAt(0), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c.charCodeAt(0), 0x5bd1e995) >>> 0;
  }
  const suffix = `${h1.toString(36)}${h2.toString(36)}`.padEnd(12, '0').slice(0, 12).toUpperCase();
  let s = stack;
  let l = logicalId;
  const room = max - suffix.length - 2;
  while (s.length + l.length > room && (s.length > 1 || l.length > 1))
    if (l.length >= s.length) l = l.slice(0, -1);
    else s = s.slice(0, -1);
  const name = `${s}-${l}-${suffix}`;
  return lowerCase ? name.toLowerCase() : name;
}

/** A value CloudFormation knows only at deployment. */
class Unknown {
  constructor(readonly reason: string) {}
}

const NO_VALUE = Symbol('AWS::NoValue');
type Value = unknown;

const INTRINSICS = new Set([
  'Ref',
  'Condition',
  'Fn::Sub',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::Cidr',
  'Fn::Length',
  'Fn::ToJsonString',
]);

/** The intrinsic a short-form tag stands for: `!Ref` is `Ref`, `!Condition` is `Condition`, `!Sub` is `Fn::Sub`. */
function tagFunction(tag: string): string {
  const name = tag.slice(1);
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

interface Resource {
  logicalId: string;
  type: string;
  node: SourceNode;
  properties?: SourceNode;
  condition?: string;
}

/** Return values of the supported resource types: what Ref gives, and each Fn::GetAtt attribute. */
interface Identity {
  ref: string;
  atts: Record<string, string>;
}

class Template {
  readonly problems: { message: string; place: SourcePlace }[] = [];
  readonly unknownSeen: { reason: string; place: SourcePlace }[] = [];
  private readonly resources = new Map<string, Resource>();
  private readonly params = new Map<string, Value>();
  private readonly conditions = new Map<string, boolean | undefined>();
  private readonly identities = new Map<string, Identity>();
  private readonly resolving = new Set<string>();
  private readonly stack: string;

  constructor(
    readonly root: SourceNode,
    readonly o: CloudFormationOptions,
  ) {
    this.stack = o.stackName ?? 'stack';
    if (root.kind !== 'map') {
      this.problem(root.place, 'a template is a mapping with a `Resources` section');
      return;
    }
    const resources = get(root, 'Resources');
    if (resources?.kind !== 'map') this.problem(root.place, 'the template has no `Resources` mapping');
    else
      for (const [logicalId, node] of resources.entries) {
        const type = str(get(node, 'Type'));
        if (type === undefined) {
          this.problem(node.place, `resource \`${logicalId}\` has no \`Type\``);
          continue;
        }
        const properties = get(node, 'Properties');
        const condition = str(get(node, 'Condition'));
        this.resources.set(logicalId, {
          logicalId,
          type,
          node,
          ...(properties ? { properties } : {}),
          ...(condition ? { condition } : {}),
        });
      }
    const given = o.parameters ?? {};
    const params = get(root, 'Parameters');
    if (params?.kind === 'map')
      for (const [name, node] of params.entries) {
        const type = str(get(node, 'Type')) ?? 'String';
        const raw = given[name] ?? str(get(node, 'Default'));
        if (raw === undefined) {
          this.problem(
            node.place,
            `parameter \`${name}\` has no default: give it with --parameter ${name}=VALUE`,
          );
          continue;
        }
        // List parameter types are comma-delimited strings.
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
        this.params.set(
          name,
          type === 'CommaDelimitedList' || type.startsWith('List<')
            ? raw.split(',').map((s) => s.trim())
            : raw,
        );
      }
    for (const name of Object.keys(given))
      if (!this.params.has(name) && !(params?.kind === 'map' && params.entries.has(name)))
        this.problem(
          root.place,
          `parameter \`${name}\` given on the command line is not declared in the template`,
        );
  }

  problem(place: SourcePlace, message: string): void {
    this.problems.push({ message, place });
  }

  condition(name: string, place: SourcePlace): boolean | undefined {
    if (this.conditions.has(name)) return this.conditions.get(name);
    const node = get(get(this.root, 'Conditions'), name);
    if (!node) {
      this.problem(place, `condition \`${name}\` is not declared in \`Conditions\``);
      return undefined;
    }
    this.conditions.set(name, undefined);
    const v = this.eval(node);
    const b = typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
    if (b === undefined && !(v instanceof Unknown))
      this.problem(node.place, `condition \`${name}\` is not a boolean`);
    this.conditions.set(name, b);
    return b;
  }

  /** Whether a resource is created (its Condition holds). */
  created(r: Resource): boolean {
    return r.condition === undefined || this.condition(r.condition, r.node.place) === true;
  }

  identity(logicalId: string, place: SourcePlace): Identity | Unknown {
    const hit = this.identities.get(logicalId);
    if (hit) return hit;
    const r = this.resources.get(logicalId);
    if (!r) {
      this.problem(place, `\`${logicalId}\` is neither a parameter nor a resource of the template`);
      return new Unknown(`\`${logicalId}\` is not declared`);
    }
    if (this.resolving.has(logicalId)) {
      this.problem(place, `\`${logicalId}\` refers to itself`);
      return new Unknown('circular reference');
    }
    this.resolving.add(logicalId);
    const id = this.computeIdentity(r);
    this.resolving.delete(logicalId);
    this.identities.set(logicalId, id);
    return id;
  }

  /** A property as a string: given, or generated the way CloudFormation names what the template leaves unnamed. */
  private named(r: Resource, prop: string, generated: string): string {
    const v = r.properties ? this.evalProp(r.properties, prop) : undefined;
    return typeof v === 'string' ? v : generated;
  }

  private computeIdentity(r: Resource): Identity {
    const { account, region } = this.o;
    const gen = (max: number, lowerCase = false) => physicalName(this.stack, r.logicalId, max, lowerCase);
    const lower = r.logicalId.toLowerCase();
    switch (r.type) {
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html
      case 'AWS::IAM::Role': {
        const name = this.named(r, 'RoleName', gen(64));
        const path = this.named(r, 'Path', '/');
        return {
          ref: name,
          atts: { Arn: `arn:aws:iam::${account}:role${path}${name}`, RoleId: `AROA${lower.toUpperCase()}` },
        };
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-managedpolicy.html
      case 'AWS::IAM::ManagedPolicy': {
        const name = this.named(r, 'ManagedPolicyName', gen(128));
        const path = this.named(r, 'Path', '/');
        const arn = `arn:aws:iam::${account}:policy${path}${name}`;
        return { ref: arn, atts: { PolicyArn: arn } };
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::RolePolicy':
        return { ref: this.named(r, 'PolicyName', gen(128)), atts: {} };
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-instanceprofile.html
      case 'AWS::IAM::InstanceProfile': {
        const name = this.named(r, 'InstanceProfileName', gen(128));
        const path = this.named(r, 'Path', '/');
        return { ref: name, atts: { Arn: `arn:aws:iam::${account}:instance-profile${path}${name}` } };
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpc.html
      case 'AWS::EC2::VPC':
        return { ref: `vpc-${lower}`, atts: { VpcId: `vpc-${lower}` } };
      case 'AWS::EC2::Subnet':
        return { ref: `subnet-${lower}`, atts: { SubnetId: `subnet-${lower}` } };
      // Ref is the group id when VpcId is given (the name otherwise, for EC2-Classic).
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html
      case 'AWS::EC2::SecurityGroup':
        return { ref: `sg-${lower}`, atts: { GroupId: `sg-${lower}` } };
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html
      case 'AWS::S3::Bucket': {
        const name = this.named(r, 'BucketName', gen(63, true));
        return {
          ref: name,
          atts: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com` },
        };
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html
      case 'AWS::KMS::Key': {
        const id = `00000000-0000-0000-0000-${lower
          .replace(/[^a-z0-9]/g, '')
          .padEnd(12, '0')
          .slice(0, 12)}`;
        return { ref: id, atts: { KeyId: id, Arn: `arn:aws:kms:${region}:${account}:key/${id}` } };
      }
      case 'AWS::KMS::Alias':
        return { ref: this.named(r, 'AliasName', `alias/${gen(250)}`), atts: {} };
      // Ref is the secret's ARN, which ends in a random six-character suffix.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html
      case 'AWS::SecretsManager::Secret': {
        const name = this.named(r, 'Name', gen(256));
        const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;
        return { ref: arn, atts: { Id: arn } };
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-emr-studio.html
      case 'AWS::EMR::Studio': {
        const id = `es-${r.logicalId.toUpperCase()}`;
        return {
          ref: id,
          atts: { StudioId: id, Arn: `arn:aws:elasticmapreduce:${region}:${account}:studio/${id}`, Url: '' },
        };
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-emrserverless-application.html
      case 'AWS::EMRServerless::Application': {
        const id = `00${lower.replace(/[^a-z0-9]/g, '')}`;
        return {
          ref: id,
          atts: { ApplicationId: id, Arn: `arn:aws:emr-serverless:${region}:${account}:/applications/${id}` },
        };
      }
      default:
        return { ref: r.logicalId, atts: {} };
    }
  }

  private ref(name: string, place: SourcePlace): Value {
    switch (name) {
      case 'AWS::AccountId':
        return this.o.account;
      case 'AWS::Region':
        return this.o.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stack;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.o.region}:${this.o.account}:stack/${this.stack}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    if (this.params.has(name)) return this.params.get(name);
    if (get(get(this.root, 'Parameters'), name)) return new Unknown(`parameter \`${name}\` has no value`);
    const id = this.identity(name, place);
    return id instanceof Unknown ? id : id.ref;
  }

  private getAtt(resource: string, attribute: string, place: SourcePlace): Value {
    const id = this.identity(resource, place);
    if (id instanceof Unknown) return id;
    const v = id.atts[attribute];
    if (v === undefined) {
      const type = this.resources.get(resource)?.type ?? '';
      return this.unknown(`\`${resource}.${attribute}\` (${type}) is known only once deployed`, place);
    }
    return v;
  }

  private unknown(reason: string, place: SourcePlace): Unknown {
    this.unknownSeen.push({ reason, place });
    return new Unknown(reason);
  }

  evalProp(props: SourceNode, key: string): Value {
    const n = get(props, key);
    if (!n) return undefined;
    const v = this.eval(n);
    return v === NO_VALUE ? undefined : v;
  }

  /** Evaluates a node: intrinsic functions applied, AWS::NoValue entries removed. */
  eval(n: SourceNode): Value {
    if (n.tag?.startsWith('!')) {
      const fn = tagFunction(n.tag);
      const { tag: _tag, ...rest } = n;
      const arg = rest as SourceNode;
      return this.call(fn, arg, n.place);
    }
    if (n.kind === 'scalar') return n.value;
    if (n.kind === 'seq') {
      const out: Value[] = [];
      for (const i of n.items) {
        const v = this.eval(i);
        if (v !== NO_VALUE) out.push(v);
      }
      return out;
    }
    if (n.entries.size === 1) {
      const [k, v] = [...n.entries][0] as [string, SourceNode];
      if (INTRINSICS.has(k)) return this.call(k, v, n.place);
    }
    const o: Record<string, Value> = {};
    for (const [k, v] of n.entries) {
      const x = this.eval(v);
      if (x !== NO_VALUE) setOwn(o, k, x);
    }
    return o;
  }

  private args(arg: SourceNode, fn: string, count: number): SourceNode[] | undefined {
    if (arg.kind !== 'seq' || arg.items.length < count) {
      this.problem(arg.place, `\`${fn}\` takes a list of ${count} values`);
      return undefined;
    }
    return arg.items;
  }

  private call(fn: string, arg: SourceNode, place: SourcePlace): Value {
    switch (fn) {
      case 'Ref': {
        const name = str(arg);
        if (name === undefined) {
          this.problem(place, '`Ref` takes a name');
          return new Unknown('bad Ref');
        }
        return this.ref(name, place);
      }
      case 'Condition': {
        const name = str(arg);
        return name === undefined
          ? new Unknown('bad Condition')
          : (this.condition(name, place) ?? new Unknown(`condition \`${name}\``));
      }
      case 'Fn::GetAtt': {
        let parts: string[] | undefined;
        if (arg.kind === 'scalar' && typeof arg.value === 'string') {
          const i = arg.value.indexOf('.');
          parts = i < 0 ? undefined : [arg.value.slice(0, i), arg.value.slice(i + 1)];
        } else if (arg.kind === 'seq') {
          const v = arg.items.map((x) => this.eval(x));
          if (v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') parts = [v[0], v[1]];
        }
        if (!parts) {
          this.problem(place, '`Fn::GetAtt` takes `Resource.Attribute` or [Resource, Attribute]');
          return new Unknown('bad GetAtt');
        }
        return this.getAtt(parts[0] as string, parts[1] as string, place);
      }
      case 'Fn::Sub': {
        let template: Value;
        const vars = new Map<string, Value>();
        if (arg.kind === 'seq') {
          const a = this.args(arg, fn, 2);
          if (!a) return new Unknown('bad Sub');
          template = this.eval(a[0] as SourceNode);
          const m = a[1] as SourceNode;
          if (m.kind === 'map') for (const [k, v] of m.entries) vars.set(k, this.eval(v));
        } else template = this.eval(arg);
        if (typeof template !== 'string') {
          this.problem(place, '`Fn::Sub` takes a string');
          return new Unknown('bad Sub');
        }
        let unknown: Unknown | undefined;
        // ${!Literal} writes ${Literal}; ${Name} and ${Resource.Attribute} are substituted.
        const out = template.replace(/\$\{(!?)([^}]*)\}/g, (_, bang: string, name: string) => {
          if (bang) return `\${${name}}`;
          let v: Value;
          if (vars.has(name)) v = vars.get(name);
          else if (name.includes('.') && !name.startsWith('AWS::')) {
            const i = name.indexOf('.');
            v = this.getAtt(name.slice(0, i), name.slice(i + 1), place);
          } else v = this.ref(name, place);
          if (v instanceof Unknown) unknown ??= v;
          return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
        });
        return unknown ?? out;
      }
      case 'Fn::Join': {
        const a = this.args(arg, fn, 2);
        if (!a) return new Unknown('bad Join');
        const sep = this.eval(a[0] as SourceNode);
        const list = this.eval(a[1] as SourceNode);
        if (typeof sep !== 'string' || !Array.isArray(list)) {
          this.problem(place, '`Fn::Join` takes [delimiter, [values]]');
          return new Unknown('bad Join');
        }
        const u = list.find((x): x is Unknown => x instanceof Unknown);
        return u ?? list.map((x) => String(x as string)).join(sep);
      }
      case 'Fn::Select': {
        const a = this.args(arg, fn, 2);
        if (!a) return new Unknown('bad Select');
        const i = Number(this.eval(a[0] as SourceNode));
        const list = this.eval(a[1] as SourceNode);
        if (list instanceof Unknown) return list;
        if (!Array.isArray(list) || !Number.isInteger(i) || i < 0 || i >= list.length) {
          this.problem(place, '`Fn::Select` index is outside the list');
          return new Unknown('bad Select');
        }
        return list[i];
      }
      case 'Fn::Split': {
        const a = this.args(arg, fn, 2);
        if (!a) return new Unknown('bad Split');
        const sep = this.eval(a[0] as SourceNode);
        const s = this.eval(a[1] as SourceNode);
        if (s instanceof Unknown) return s;
        if (typeof sep !== 'string' || typeof s !== 'string') {
          this.problem(place, '`Fn::Split` takes [delimiter, string]');
          return new Unknown('bad Split');
        }
        return s.split(sep);
      }
      case 'Fn::If': {
        const a = this.args(arg, fn, 3);
        if (!a) return new Unknown('bad If');
        const name = str(a[0]);
        const c = name === undefined ? undefined : this.condition(name, place);
        if (c === undefined) return new Unknown(`condition \`${name ?? ''}\``);
        return this.eval((c ? a[1] : a[2]) as SourceNode);
      }
      case 'Fn::Equals': {
        const a = this.args(arg, fn, 2);
        if (!a) return new Unknown('bad Equals');
        const x = this.eval(a[0] as SourceNode);
        const y = this.eval(a[1] as SourceNode);
        if (x instanceof Unknown) return x;
        if (y instanceof Unknown) return y;
        return JSON.stringify(x) === JSON.stringify(y) || String(x) === String(y);
      }
      case 'Fn::And':
      case 'Fn::Or':
      case 'Fn::Not': {
        if (arg.kind !== 'seq') {
          this.problem(place, `\`${fn}\` takes a list of conditions`);
          return new Unknown('bad condition');
        }
        const vs = arg.items.map((x) => this.eval(x));
        const u = vs.find((x): x is Unknown => x instanceof Unknown);
        if (u) return u;
        const bs = vs.map((x) => x === true || x === 'true');
        if (fn === 'Fn::Not') return !bs[0];
        return fn === 'Fn::And' ? bs.every(Boolean) : bs.some(Boolean);
      }
      case 'Fn::FindInMap': {
        const a = this.args(arg, fn, 3);
        if (!a) return new Unknown('bad FindInMap');
        const keys = a.slice(0, 3).map((x) => this.eval(x));
        const u = keys.find((x): x is Unknown => x instanceof Unknown);
        if (u) return u;
        const n = get(
          get(get(get(this.root, 'Mappings'), String(keys[0])), String(keys[1])),
          String(keys[2]),
        );
        if (!n) {
          this.problem(place, `\`Fn::FindInMap\` finds no \`${keys.join('.')}\` in \`Mappings\``);
          return new Unknown('bad FindInMap');
        }
        return this.eval(n);
      }
      case 'Fn::Base64':
        return this.eval(arg);
      case 'Fn::ToJsonString': {
        const v = this.eval(arg);
        return v instanceof Unknown ? v : JSON.stringify(v);
      }
      case 'Fn::Length': {
        const v = this.eval(arg);
        return Array.isArray(v) ? v.length : new Unknown('bad Length');
      }
      case 'Fn::GetAZs':
        return this.unknown('the Availability Zones of the region are known only once deployed', place);
      case 'Fn::ImportValue':
        return this.unknown('a value imported from another stack is known only once deployed', place);
      case 'Fn::Cidr':
        return this.unknown('the CIDR blocks are known only once deployed', place);
    }
    return new Unknown(`unsupported \`${fn}\``);
  }

  *created_resources(): Generator<Resource> {
    for (const r of this.resources.values()) if (this.created(r)) yield r;
  }
}

function isUnknownDeep(v: unknown): Unknown | undefined {
  if (v instanceof Unknown) return v;
  if (Array.isArray(v))
    for (const x of v) {
      const u = isUnknownDeep(x);
      if (u) return u;
    }
  else if (v && typeof v === 'object')
    for (const x of Object.values(v)) {
      const u = isUnknownDeep(x);
      if (u) return u;
    }
  return undefined;
}

/** Strings only: a list property with values the template cannot know yet is reported, not guessed. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function statementPlaces(n: SourceNode | undefined): SourcePlace[] | undefined {
  const s = get(n, 'Statement');
  if (s?.kind === 'seq') return s.items.map((i) => i.place);
  return s ? [s.place] : undefined;
}

/** Reads a template; throws InvalidFile listing every problem with its place. */
export function importCloudFormation(text: string, file: string, o: CloudFormationOptions): ImportedSetup {
  const root = parseSource(text, file);
  const t = new Template(root, o);
  const setup = emptySetup('cloudformation', [file], o.account, o.region);
  const { account } = o;
  const roles = new Map<string, (typeof setup.state.roles)[number]>();
  const policy = (p: Omit<ImportedPolicy, 'document'>, doc: unknown): string => {
    const text = documentText(doc);
    setup.policies.push({ ...p, document: text });
    return text;
  };
  const unknownIn = (owner: string, what: string, v: unknown, place: SourcePlace): void => {
    const u = isUnknownDeep(v);
    if (u) setup.unknowns.push({ owner, what, reason: u.reason, place });
  };
  // Placeholders for unknown values keep documents parseable; every decision touching them is undecidable.
  const clean = (v: unknown): unknown =>
    v instanceof Unknown
      ? 'UNKNOWN-UNTIL-DEPLOYED'
      : Array.isArray(v)
        ? v.map(clean)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]))
          : v;
  const created = [...t.created_resources()];
  const idOf = (r: { logicalId: string; node: SourceNode }) =>
    t.identity(r.logicalId, r.node.place) as { ref: string; atts: Record<string, string> };
  /** What both passes over the resources read of each: its properties, place, identity. */
  const resourceContext = (r: (typeof created)[number]) => {
    const props = r.properties;
    const place = r.node.place;
    return {
      props,
      P: (k: string) => (props ? t.evalProp(props, k) : undefined),
      place,
      label: `${r.type} ${r.logicalId}`,
      id: idOf(r),
      /** Where the user's template declares the entity behind `key`, and its logical ID. */
      remember: (key: string) => {
        setup.places.set(key, place);
        setup.names.set(key, r.logicalId);
      },
    };
  };

  for (const r of created) {
    const { props, P, place, label, id, remember } = resourceContext(r);
    switch (r.type) {
      case 'AWS::IAM::Role': {
        const key = placeKey.role(account, id.ref);
        remember(key);
        const trustNode = get(props, 'AssumeRolePolicyDocument');
        const trust = P('AssumeRolePolicyDocument');
        if (trust === undefined) t.problem(place, `\`${r.logicalId}\` has no \`AssumeRolePolicyDocument\``);
        unknownIn(key, `the trust policy of ${r.logicalId}`, trust, trustNode?.place ?? place);
        const path = typeof P('Path') === 'string' ? (P('Path') as string) : '/';
        const boundary = P('PermissionsBoundary');
        const inline: { name: string; document: string }[] = [];
        const policiesNode = get(props, 'Policies');
        const list = P('Policies');
        if (Array.isArray(list))
          list.forEach((pol, i) => {
            const o2 = pol as { PolicyName?: unknown; PolicyDocument?: unknown };
            const n = policiesNode?.kind === 'seq' ? policiesNode.items[i] : undefined;
            const docNode = get(n, 'PolicyDocument');
            const name = typeof o2.PolicyName === 'string' ? o2.PolicyName : `policy-${i + 1}`;
            unknownIn(
              key,
              `the inline policy ${name} of ${r.logicalId}`,
              o2.PolicyDocument,
              docNode?.place ?? place,
            );
            inline.push({
              name,
              document: policy(
                {
                  kind: 'identity',
                  name: `${label} inline ${name}`,
                  owner: key,
                  place: docNode?.place ?? place,
                  ...(statementPlaces(docNode)
                    ? { statements: statementPlaces(docNode) as SourcePlace[] }
                    : {}),
                },
                clean(o2.PolicyDocument),
              ),
            });
          });
        const managed = strings(P('ManagedPolicyArns'));
        const max = P('MaxSessionDuration');
        const description = P('Description');
        const role = {
          account,
          name: id.ref,
          path,
          trustPolicy: policy(
            {
              kind: 'trust',
              name: `${label} trust policy`,
              owner: key,
              place: trustNode?.place ?? place,
              ...(statementPlaces(trustNode)
                ? { statements: statementPlaces(trustNode) as SourcePlace[] }
                : {}),
            },
            clean(trust ?? { Version: '2012-10-17', Statement: [] }),
          ),
          inlinePolicies: inline,
          managedPolicies: managed,
          maxSessionDuration: typeof max === 'number' ? max : Number(max ?? 3600) || 3600,
          ...(typeof boundary === 'string' ? { permissionsBoundary: boundary } : {}),
          ...(typeof description === 'string' ? { description } : {}),
          tags: tagList(P('Tags')),
        };
        roles.set(r.logicalId, role);
        setup.state.roles.push(role);
        break;
      }
      case 'AWS::EC2::VPC':
      case 'AWS::EC2::Subnet':
      case 'AWS::EC2::SecurityGroup': {
        const kind =
          r.type === 'AWS::EC2::VPC' ? 'vpc' : r.type === 'AWS::EC2::Subnet' ? 'subnet' : 'security-group';
        const arn = `arn:aws:ec2:${o.region}:${account}:${kind}/${id.ref}`;
        const key = placeKey.resource(arn);
        remember(key);
        const tags = P('Tags');
        unknownIn(key, `the tags of ${r.logicalId}`, tags, get(props, 'Tags')?.place ?? place);
        const vpc = P('VpcId');
        setup.state.resources.push({
          arn,
          account,
          tags: tagList(clean(tags)),
          attributes: typeof vpc === 'string' ? { vpc } : {},
        });
        break;
      }
      case 'AWS::S3::Bucket': {
        const arn = id.atts.Arn as string;
        const key = placeKey.resource(arn);
        remember(key);
        const attributes: Record<string, string> = {};
        const enc = P('BucketEncryption') as
          | {
              ServerSideEncryptionConfiguration?: {
                ServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown };
              }[];
            }
          | undefined;
        const def = enc?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
        if (typeof def?.SSEAlgorithm === 'string') attributes['sse-algorithm'] = def.SSEAlgorithm;
        if (typeof def?.KMSMasterKeyID === 'string') attributes['kms-key'] = kmsArn(def.KMSMasterKeyID, o);
        unknownIn(
          key,
          `the encryption of ${r.logicalId}`,
          enc,
          get(props, 'BucketEncryption')?.place ?? place,
        );
        setup.state.resources.push({ arn, account, tags: tagList(clean(P('Tags'))), attributes });
        break;
      }
      case 'AWS::KMS::Key': {
        const arn = id.atts.Arn as string;
        const key = placeKey.resource(arn);
        remember(key);
        const node = get(props, 'KeyPolicy');
        const doc = P('KeyPolicy');
        unknownIn(key, `the key policy of ${r.logicalId}`, doc, node?.place ?? place);
        setup.state.resources.push({
          arn,
          account,
          ...(doc !== undefined
            ? {
                policy: policy(
                  {
                    kind: 'resource',
                    name: `${label} key policy`,
                    owner: key,
                    place: node?.place ?? place,
                    ...(statementPlaces(node) ? { statements: statementPlaces(node) as SourcePlace[] } : {}),
                  },
                  clean(doc),
                ),
              }
            : {}),
          tags: tagList(clean(P('Tags'))),
          attributes: {},
        });
        break;
      }
      case 'AWS::SecretsManager::Secret': {
        const arn = id.ref;
        const key = placeKey.resource(arn);
        remember(key);
        setup.state.resources.push({ arn, account, tags: tagList(clean(P('Tags'))), attributes: {} });
        break;
      }
      case 'AWS::EMR::Studio': {
        const s3 = P('DefaultS3Location');
        const role = P('ServiceRole');
        const vpc = P('VpcId');
        const kms = P('EncryptionKeyArn');
        const studio = {
          arn: id.atts.Arn as string,
          name: typeof P('Name') === 'string' ? (P('Name') as string) : r.logicalId,
          ...(typeof role === 'string' ? { serviceRole: role } : {}),
          ...(typeof vpc === 'string' ? { vpc } : {}),
          subnets: strings(P('SubnetIds')),
          securityGroups: [...strings(P('EngineSecurityGroupId')), ...strings(P('WorkspaceSecurityGroupId'))],
          ...(typeof s3 === 'string' ? { s3Location: s3 } : {}),
          ...(typeof kms === 'string' ? { kmsKey: kms } : {}),
          place,
        };
        setup.places.set(placeKey.resource(studio.arn), place);
        setup.names.set(placeKey.resource(studio.arn), r.logicalId);
        setup.studios.push(studio);
        break;
      }
      case 'AWS::EMRServerless::Application': {
        const net = P('NetworkConfiguration') as
          { SubnetIds?: unknown; SecurityGroupIds?: unknown } | undefined;
        const app = {
          arn: id.atts.Arn as string,
          name: typeof P('Name') === 'string' ? (P('Name') as string) : r.logicalId,
          runtimeRoles: [],
          subnets: strings(net?.SubnetIds),
          securityGroups: strings(net?.SecurityGroupIds),
          place,
        };
        setup.places.set(placeKey.resource(app.arn), place);
        setup.names.set(placeKey.resource(app.arn), r.logicalId);
        setup.applications.push(app);
        break;
      }
    }
  }
  // Second pass: what attaches to what was declared above.
  for (const r of created) {
    const { props, P, place, label, id, remember } = resourceContext(r);
    const roleByName = (name: string) => setup.state.roles.find((x) => x.name === name);
    switch (r.type) {
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-policy.html
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::RolePolicy': {
        const node = get(props, 'PolicyDocument');
        const doc = P('PolicyDocument');
        const targets = r.type === 'AWS::IAM::RolePolicy' ? strings(P('RoleName')) : strings(P('Roles'));
        for (const name of targets) {
          const role = roleByName(name);
          const owner = placeKey.role(account, name);
          if (!role) {
            t.problem(place, `\`${r.logicalId}\` names role \`${name}\`, which the template does not create`);
            continue;
          }
          unknownIn(owner, `the policy ${r.logicalId}`, doc, node?.place ?? place);
          role.inlinePolicies.push({
            name: id.ref,
            document: policy(
              {
                kind: 'identity',
                name: `${label} on ${name}`,
                owner,
                place: node?.place ?? place,
                ...(statementPlaces(node) ? { statements: statementPlaces(node) as SourcePlace[] } : {}),
              },
              clean(doc),
            ),
          });
        }
        for (const u of [...strings(P('Users')), ...strings(P('Groups'))])
          setup.skipped.push({ type: `${r.type} on users and groups`, name: `${r.logicalId} (${u})`, place });
        break;
      }
      case 'AWS::IAM::ManagedPolicy': {
        const node = get(props, 'PolicyDocument');
        const doc = P('PolicyDocument');
        const arn = id.ref;
        const key = placeKey.policy(arn);
        remember(key);
        unknownIn(key, `the policy ${r.logicalId}`, doc, node?.place ?? place);
        const path = typeof P('Path') === 'string' ? (P('Path') as string) : '/';
        const description = P('Description');
        setup.state.policies.push({
          account,
          name: arn.slice(arn.lastIndexOf('/') + 1),
          path,
          ...(typeof description === 'string' ? { description } : {}),
          document: policy(
            {
              kind: 'identity',
              name: label,
              owner: key,
              place: node?.place ?? place,
              ...(statementPlaces(node) ? { statements: statementPlaces(node) as SourcePlace[] } : {}),
            },
            clean(doc),
          ),
          tags: [],
        });
        for (const name of strings(P('Roles'))) {
          const role = roleByName(name);
          if (role) role.managedPolicies.push(arn);
          else
            t.problem(place, `\`${r.logicalId}\` names role \`${name}\`, which the template does not create`);
        }
        break;
      }
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucketpolicy.html
      case 'AWS::S3::BucketPolicy': {
        const bucket = P('Bucket');
        const node = get(props, 'PolicyDocument');
        const doc = P('PolicyDocument');
        if (typeof bucket !== 'string') {
          t.problem(place, `\`${r.logicalId}\` has no \`Bucket\``);
          break;
        }
        const arn = `arn:aws:s3:::${bucket}`;
        const key = placeKey.resource(arn);
        let res = setup.state.resources.find((x) => x.arn === arn);
        if (!res) {
          // A policy on a bucket this template does not create: the bucket is in this account.
          res = { arn, account, tags: [], attributes: {} };
          setup.state.resources.push(res);
          setup.places.set(key, place);
        }
        unknownIn(key, `the bucket policy ${r.logicalId}`, doc, node?.place ?? place);
        res.policy = policy(
          {
            kind: 'resource',
            name: `${label} on ${bucket}`,
            owner: key,
            place: node?.place ?? place,
            ...(statementPlaces(node) ? { statements: statementPlaces(node) as SourcePlace[] } : {}),
          },
          clean(doc),
        );
        break;
      }
      case 'AWS::IAM::InstanceProfile':
        setup.skipped.push({ type: r.type, name: r.logicalId, place });
        break;
      case 'AWS::EMRServerless::Application':
        break;
      default:
        if (
          !r.type.startsWith('AWS::IAM::Role') &&
          ![
            'AWS::EC2::VPC',
            'AWS::EC2::Subnet',
            'AWS::EC2::SecurityGroup',
            'AWS::S3::Bucket',
            'AWS::KMS::Key',
            'AWS::KMS::Alias',
            'AWS::SecretsManager::Secret',
            'AWS::EMR::Studio',
          ].includes(r.type)
        )
          setup.skipped.push({ type: r.type, name: r.logicalId, place });
    }
    void label;
  }
  // Serverless runtime roles: the template's roles that EMR Serverless may assume.
  for (const app of setup.applications)
    app.runtimeRoles = setup.state.roles
      .filter((r) => trusts(r.trustPolicy, 'emr-serverless.amazonaws.com'))
      .map((r) => `arn:aws:iam::${r.account}:role${r.path}${r.name}`);
  for (const s of setup.studios) setup.state.resources.push(emrResourceState(s, account));
  for (const a of setup.applications) setup.state.resources.push(emrResourceState(a, account));
  for (const u of t.unknownSeen)
    if (!setup.unknowns.some((x) => x.place === u.place))
      setup.unknowns.push({ owner: '', what: 'a value', reason: u.reason, place: u.place });
  if (t.problems.length > 0) throw invalidFile(file, t.problems);
  return setup;
}

export function toErrorPlace(p: SourcePlace): ErrorPlace {
  return { file: p.file, line: p.line, column: p.column, path: p.path };
}

/** A key id, alias or ARN as the ARN of the key (an alias ARN stays an alias ARN). */
function kmsArn(v: string, o: { account: string; region: string }): string {
  if (v.startsWith('arn:')) return v;
  if (v.startsWith('alias/')) return `arn:aws:kms:${o.region}:${o.account}:${v}`;
  return `arn:aws:kms:${o.region}:${o.account}:key/${v}`;
}

/** Whether a trust policy has an Allow statement for the service principal. */
export function trusts(doc: string, service: string): boolean {
  try {
    const d = JSON.parse(doc) as { Statement?: unknown };
    const sts = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
    return sts.some((s) => {
      const st = s as { Effect?: string; Principal?: { Service?: unknown } };
      const svc = st.Principal?.Service;
      return st.Effect === 'Allow' && (svc === service || (Array.isArray(svc) && svc.includes(service)));
    });
  } catch {
    return false;
  }
}

export { childPath };
