/**
 * Turns a principal (user, role, assumed-role session, service) and a target resource into what the engine
 * needs: the policy set (identity, boundary, session, resource, SCP and RCP levels) and the context keys
 * the store knows (principal and resource tags, organization ids and paths). Compiled sets are cached and
 * dropped on every committed write, in this process (commit hook) and in others (store revision check).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { RolecallError } from '../errors.js';
import type {
  AuthzRequest,
  CompiledPolicy,
  ContextValue,
  PolicySet,
  RequestPrincipal,
} from '../eval/types.js';
import { ACCOUNT_ID, parseArn } from '../policy/arn.js';
import type { PolicyKind } from '../policy/types.js';
import type { ControlPlane } from './control-plane.js';
import { roleArn } from './identities.js';
import type { OrgLevel, RoleInfo, Tag } from './types.js';

/** Compiles one policy document (text as stored) for the engine. */
export type PolicyCompiler = (text: string, options: { kind: PolicyKind; name: string }) => CompiledPolicy;

export type PrincipalKind = 'user' | 'role' | 'assumed-role' | 'root' | 'service';

export interface ResolvedPrincipal {
  kind: PrincipalKind;
  /** As given: the ARN, or the service principal name. */
  principal: RequestPrincipal;
  account?: string;
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  session?: CompiledPolicy[];
  /** The organization levels of the principal's account, root first (absent: outside any organization). */
  scp?: CompiledPolicy[][];
  serviceLinkedRole: boolean;
  /** Principal tags: the user's or role's, session tags taking precedence. */
  tags: Tag[];
  /** Context keys the store knows about the principal. */
  context: Record<string, ContextValue>;
}

export interface ResolvedResource {
  arn: string;
  account?: string;
  /** The resource-based policy: bucket, key or secret policy; a role's trust policy for `sts:AssumeRole*`. */
  policy?: CompiledPolicy;
  rcp?: CompiledPolicy[][];
  registered: boolean;
  tags: Tag[];
  context: Record<string, ContextValue>;
}

export interface PreparedRequest {
  /** The request with the store's context keys added (keys given by the caller win). */
  request: AuthzRequest;
  policySet: PolicySet;
  principal: ResolvedPrincipal;
  resource: ResolvedResource;
}

export interface ResolverOptions {
  /** Epoch milliseconds, to tell live sessions from expired ones. */
  now?: () => number;
  /**
   * Compare the store's revision before using the cache, so writes by other processes are seen. On by
   * default; a server that receives PostgreSQL notifications may turn it off.
   */
  checkRevision?: boolean;
}

// sts:TagSession and sts:SetSourceIdentity, asked together with AssumeRole, are granted by the trust policy too
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required)
const ASSUME_ROLE_ACTIONS = new Set([
  'sts:assumerole',
  'sts:assumerolewithsaml',
  'sts:assumerolewithwebidentity',
  'sts:tagsession',
  'sts:setsourceidentity',
]);

export class Resolver {
  private principals = new Map<string, Promise<ResolvedPrincipal>>();
  private resources = new Map<string, Promise<ResolvedResource>>();
  private compiled = new Map<string, CompiledPolicy>();
  private revision: number | undefined;
  private readonly off: () => void;

  constructor(
    readonly cp: ControlPlane,
    private readonly compile: PolicyCompiler,
    private readonly options: ResolverOptions = {},
  ) {
    this.off = cp.store.onCommit(() => this.invalidate());
  }

  /** Drops every cached set; called on each committed write, and available to other invalidation sources. */
  invalidate(): void {
    this.principals.clear();
    this.resources.clear();
  }

  /** Stops listening to the store. */
  dispose(): void {
    this.off();
  }

  /** The request with the store's context and the policy set to evaluate it with. */
  async prepare(request: AuthzRequest): Promise<PreparedRequest> {
    await this.checkRevision();
    const principal = await this.principal(request.principal);
    const resource = await this.resource(request.resource, request.action, request.resourceAccount);
    const policySet: PolicySet = {
      identity: principal.identity,
      ...(resource.policy ? { resource: resource.policy } : {}),
      ...(principal.boundary ? { boundary: principal.boundary } : {}),
      ...(principal.session ? { session: principal.session } : {}),
      ...(principal.scp ? { scp: principal.scp } : {}),
      ...(resource.rcp ? { rcp: resource.rcp } : {}),
      ...(principal.serviceLinkedRole ? { serviceLinkedRole: true } : {}),
    };
    const context: Record<string, ContextValue> = { ...principal.context, ...resource.context };
    // Keys the caller gave win over what the store knows, compared case-insensitively as AWS compares keys.
    const given = new Set(Object.keys(request.context ?? {}).map((k) => k.toLowerCase()));
    for (const k of Object.keys(context)) if (given.has(k.toLowerCase())) delete context[k];
    const resourceAccount = request.resourceAccount ?? resource.account;
    return {
      request: {
        ...request,
        ...(resourceAccount !== undefined ? { resourceAccount } : {}),
        context: { ...context, ...request.context },
      },
      policySet,
      principal,
      resource,
    };
  }

  principal(p: RequestPrincipal): Promise<ResolvedPrincipal> {
    const key = typeof p === 'string' ? p : `service:${p.Service}`;
    let hit = this.principals.get(key);
    if (!hit) {
      hit = this.resolvePrincipal(p);
      this.principals.set(key, hit);
      hit.catch(() => this.principals.delete(key));
    }
    return hit;
  }

  resource(arn: string, action: string, resourceAccount?: string): Promise<ResolvedResource> {
    const assume = ASSUME_ROLE_ACTIONS.has(action.toLowerCase());
    const key = `${assume ? 'trust' : 'res'}|${resourceAccount ?? ''}|${arn}`;
    let hit = this.resources.get(key);
    if (!hit) {
      hit = this.resolveResource(arn, assume, resourceAccount);
      this.resources.set(key, hit);
      hit.catch(() => this.resources.delete(key));
    }
    return hit;
  }

  private async checkRevision(): Promise<void> {
    if (this.options.checkRevision === false) return;
    const rev = await this.cp.store.revision();
    if (rev !== this.revision) {
      this.invalidate();
      this.revision = rev;
    }
  }

  private policy(text: string, kind: PolicyKind, name: string): CompiledPolicy {
    const key = `${kind}\u0000${name}\u0000${text}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = this.compile(text, { kind, name });
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(key, c);
    }
    return c;
  }

  private async managed(arn: string, kind: PolicyKind): Promise<CompiledPolicy> {
    const doc = await this.cp.iam.managedPolicyDocument(arn);
    return this.policy(doc.document, kind, `${doc.arn} (${doc.versionId})`);
  }

  private async orgLevels(
    account: string,
    slot: 'scps' | 'rcps',
  ): Promise<{ levels?: CompiledPolicy[][]; context: Record<string, ContextValue> }> {
    const org = await this.cp.org.describe();
    if (!org) return { context: {} };
    const levels: OrgLevel[] | undefined = await this.cp.org.levels(account);
    if (!levels) return { context: {} };
    const path = `${org.id}/${levels
      .filter((l) => l.kind !== 'account')
      .map((l) => l.id)
      .join('/')}/`;
    const prefix = slot === 'scps' ? 'aws:Principal' : 'aws:Resource';
    const context: Record<string, ContextValue> = {
      [`${prefix}OrgID`]: org.id,
      [`${prefix}OrgPaths`]: [path],
    };
    // SCPs do not restrict the management account, RCPs do not restrict its resources.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
    if (account === org.managementAccountId) return { context };
    return {
      levels: levels.map((l) =>
        l[slot].map((p) => this.policy(p.document, slot === 'scps' ? 'scp' : 'rcp', p.name)),
      ),
      context,
    };
  }

  private async resolvePrincipal(p: RequestPrincipal): Promise<ResolvedPrincipal> {
    if (typeof p !== 'string') {
      return {
        kind: 'service',
        principal: p,
        identity: [],
        serviceLinkedRole: false,
        tags: [],
        context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': p.Service },
      };
    }
    const arn = parseArn(p);
    if (!arn || !ACCOUNT_ID.test(arn.account)) {
      throw new RolecallError('InvalidInput', `ARN ${p} is not valid.`);
    }
    const account = arn.account;
    const r = arn.resource;
    const org = await this.orgLevels(account, 'scps');
    const base = {
      principal: p,
      account,
      ...(org.levels ? { scp: org.levels } : {}),
    };
    if (arn.service === 'iam' && r === 'root') {
      return {
        ...base,
        kind: 'root',
        identity: [],
        serviceLinkedRole: false,
        tags: [],
        context: {
          ...org.context,
          'aws:PrincipalArn': p,
          'aws:PrincipalAccount': account,
          'aws:PrincipalType': 'Account',
          'aws:userid': account,
        },
      };
    }
    if (arn.service === 'iam' && r.startsWith('user/')) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      const user = await this.cp.iam.getUser(account, name);
      if (user.arn !== p)
        throw new RolecallError('NoSuchEntity', `The user with name ${name} cannot be found.`);
      const identity: CompiledPolicy[] = [];
      for (const ip of await this.cp.iam.listInlinePolicies({ kind: 'user', account, name })) {
        identity.push(this.policy(ip.document, 'identity', `${user.arn} inline ${ip.name}`));
      }
      for (const a of await this.cp.iam.listAttachedPolicies({ kind: 'user', account, name })) {
        identity.push(await this.managed(a.arn, 'identity'));
      }
      // A user's groups' inline and attached policies apply to the user.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html
      for (const g of user.groups) {
        for (const ip of await this.cp.iam.listInlinePolicies({ kind: 'group', account, name: g })) {
          identity.push(this.policy(ip.document, 'identity', `group ${g} inline ${ip.name}`));
        }
        for (const a of await this.cp.iam.listAttachedPolicies({ kind: 'group', account, name: g })) {
          identity.push(await this.managed(a.arn, 'identity'));
        }
      }
      return {
        ...base,
        kind: 'user',
        identity,
        ...(user.permissionsBoundary !== undefined
          ? { boundary: await this.managed(user.permissionsBoundary, 'boundary') }
          : {}),
        serviceLinkedRole: false,
        tags: user.tags,
        context: {
          ...org.context,
          ...tagContext('aws:PrincipalTag/', user.tags),
          'aws:PrincipalArn': user.arn,
          'aws:PrincipalAccount': account,
          'aws:PrincipalType': 'User',
          'aws:username': user.name,
          'aws:userid': user.id,
        },
      };
    }
    let role: RoleInfo;
    let sessionName: string | undefined;
    if (arn.service === 'iam' && r.startsWith('role/')) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      role = await this.cp.iam.getRole(account, name);
      if (role.arn !== p)
        throw new RolecallError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    } else if (arn.service === 'sts' && r.startsWith('assumed-role/')) {
      const [, name, session] = r.split('/');
      if (name === undefined || session === undefined || name === '' || session === '') {
        throw new RolecallError('InvalidInput', `ARN ${p} is not valid.`);
      }
      role = await this.cp.iam.getRole(account, name);
      sessionName = session;
    } else {
      throw new RolecallError(
        'InvalidInput',
        `ARN ${p} is not a user, role, assumed-role session or account root.`,
      );
    }
    const ref = { kind: 'role' as const, account, name: role.name };
    const identity: CompiledPolicy[] = [];
    for (const ip of await this.cp.iam.listInlinePolicies(ref)) {
      identity.push(this.policy(ip.document, 'identity', `${role.arn} inline ${ip.name}`));
    }
    for (const a of await this.cp.iam.listAttachedPolicies(ref))
      identity.push(await this.managed(a.arn, 'identity'));
    let tags = role.tags;
    let session: CompiledPolicy[] | undefined;
    const context: Record<string, ContextValue> = {
      ...org.context,
      // For a role session aws:PrincipalArn is the role's ARN, not the session's.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
      'aws:PrincipalArn': roleArn(account, role.path, role.name),
      'aws:PrincipalAccount': account,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': sessionName !== undefined ? `${role.id}:${sessionName}` : role.id,
    };
    if (sessionName !== undefined) {
      const now = this.options.now?.() ?? this.cp.context.now();
      const live = (await this.cp.iam.findSessions(account, role.name, sessionName, now))[0];
      if (live) {
        const policies: CompiledPolicy[] = [];
        if (live.sessionPolicy !== undefined) {
          policies.push(this.policy(live.sessionPolicy, 'session', `${live.assumedRoleArn} session policy`));
        }
        for (const a of live.sessionPolicyArns) policies.push(await this.managed(a, 'session'));
        if (policies.length > 0) session = policies;
        // Session tags override the role's tags with the same key.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-tag-conflict
        const keys = new Set(live.tags.map((t) => t.key.toLowerCase()));
        tags = [...role.tags.filter((t) => !keys.has(t.key.toLowerCase())), ...live.tags];
        if (live.sourceIdentity !== undefined) context['aws:SourceIdentity'] = live.sourceIdentity;
      }
    }
    Object.assign(context, tagContext('aws:PrincipalTag/', tags));
    return {
      ...base,
      kind: sessionName !== undefined ? 'assumed-role' : 'role',
      identity,
      ...(role.permissionsBoundary !== undefined
        ? { boundary: await this.managed(role.permissionsBoundary, 'boundary') }
        : {}),
      ...(session ? { session } : {}),
      serviceLinkedRole: role.serviceLinked,
      tags,
      context,
    };
  }

  private async resolveResource(
    text: string,
    assume: boolean,
    resourceAccount?: string,
  ): Promise<ResolvedResource> {
    const arn = parseArn(text);
    const fromArn = arn && arn.account !== '' ? arn.account : undefined;
    if (assume && arn?.service === 'iam' && arn.resource.startsWith('role/')) {
      const name = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
      const role = await this.cp.iam.getRole(arn.account, name);
      const org = await this.orgLevels(arn.account, 'rcps');
      return {
        arn: text,
        account: arn.account,
        policy: this.policy(role.trustPolicy, 'trust', `${role.arn} trust policy`),
        ...(org.levels ? { rcp: org.levels } : {}),
        registered: true,
        tags: role.tags,
        context: {
          ...org.context,
          ...tagContext('aws:ResourceTag/', role.tags),
          'aws:ResourceAccount': arn.account,
        },
      };
    }
    let registered = text === '*' ? undefined : await this.cp.resources.find(text);
    let tags: Tag[] = registered?.tags ?? [];
    // An object is governed by its bucket's policy and owned by the bucket's account; the bucket's tags are
    // not the object's, so they are not the object's aws:ResourceTag.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
    if (!registered && arn?.service === 's3' && arn.account === '' && arn.resource.includes('/')) {
      registered = await this.cp.resources.find(
        `arn:${arn.partition}:s3:::${arn.resource.slice(0, arn.resource.indexOf('/'))}`,
      );
    }
    // IAM users and roles are resources too: their tags are the resource's tags.
    if (!registered && arn?.service === 'iam' && ACCOUNT_ID.test(arn.account)) {
      const name = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
      if (arn.resource.startsWith('role/'))
        tags = (await this.cp.iam.getRole(arn.account, name).catch(() => undefined))?.tags ?? [];
      if (arn.resource.startsWith('user/'))
        tags = (await this.cp.iam.getUser(arn.account, name).catch(() => undefined))?.tags ?? [];
    }
    const account = registered?.account ?? resourceAccount ?? fromArn;
    const org = account !== undefined ? await this.orgLevels(account, 'rcps') : { context: {} };
    return {
      arn: text,
      ...(account !== undefined ? { account } : {}),
      ...(registered?.policy !== undefined
        ? { policy: this.policy(registered.policy, 'resource', `${text} resource policy`) }
        : {}),
      ...(org.levels ? { rcp: org.levels } : {}),
      registered: registered !== undefined,
      tags,
      context: {
        ...org.context,
        ...tagContext('aws:ResourceTag/', tags),
        ...(account !== undefined ? { 'aws:ResourceAccount': account } : {}),
      },
    };
  }
}

function tagContext(prefix: string, tags: readonly Tag[]): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  for (const t of tags) out[prefix + t.key] = t.value;
  return out;
}
