/**
 * The IAM (2010-05-08) operations: each reads its wire parameters, names the action and resource the
 * caller must be allowed (with the condition keys the call adds), calls the control plane, and shapes the
 * `…Result`. Actions, resources and condition keys follow the Service Authorization Reference for IAM.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
import { RolecallError } from '../errors.js';
import type { ContextValue } from '../eval/types.js';
import type { IdentityKind, Tag } from '../iam/types.js';
import { accountOperations } from './account-operations.js';
import type { IamControl, PolicyEntity, SimulationInput, SimulationResultView } from './control.js';
import type { QueryParams } from './form.js';
import { instanceProfileOperations } from './instance-profile-operations.js';
import { pageTail, paginate } from './pagination.js';
import type { CallAuthorization, Operation, OperationContext, OperationResult } from './operation.js';
import {
  accessKeyXml,
  attachedXml,
  encodePolicyDocument,
  groupXml,
  instanceProfileXml,
  policyVersionXml,
  policyXml,
  readTags,
  requestTagContext,
  requirePolicyArn,
  resourceTagContext,
  roleXml,
  tagsXml,
  userXml,
} from './wire-shapes.js';
import { serviceLinkedRoleOperations } from './service-linked-role-operations.js';
import { XmlMap } from './xml.js';

type Authorize = (ctx: OperationContext) => Promise<CallAuthorization[]> | CallAuthorization[];
type Run = (ctx: OperationContext) => Promise<OperationResult>;

function iam(name: string, authorize: Authorize, run: Run): Operation {
  return { service: 'iam', name, authorize, run };
}

const ENTITY_PARAM: Record<IdentityKind, string> = { role: 'RoleName', user: 'UserName', group: 'GroupName' };
const ENTITY_WORD: Record<IdentityKind, string> = { role: 'Role', user: 'User', group: 'Group' };

export function iamOperations(control: IamControl): Operation[] {
  const account = control.account;

  /** The ARN and tag context of a named entity; an unknown one is authorized by its path-less ARN. */
  async function entity(kind: IdentityKind, name: string): Promise<CallAuthorization & { resource: string }> {
    const found =
      kind === 'role'
        ? await control.findRole(name)
        : kind === 'user'
          ? await control.findUser(name)
          : await control.findGroup(name);
    if (found === undefined) {
      return { action: '', resource: `arn:aws:iam::${account}:${kind}/${name}` };
    }
    const tags = 'tags' in found ? (found as { tags: Tag[] }).tags : [];
    return { action: '', resource: found.arn, context: resourceTagContext(tags) };
  }

  /** One authorization on a named entity of the request. */
  const onEntity =
    (
      kind: IdentityKind,
      action: string,
      extra?: (p: QueryParams) => Record<string, ContextValue>,
    ): Authorize =>
    async (ctx) => {
      const e = await entity(kind, ctx.params.required(ENTITY_PARAM[kind]));
      return [{ action, resource: e.resource, context: { ...e.context, ...extra?.(ctx.params) } }];
    };

  const onPolicy =
    (action: string): Authorize =>
    (ctx) => [{ action, resource: requirePolicyArn(ctx.params) }];

  const onAll =
    (action: string): Authorize =>
    () => [{ action, resource: '*' }];

  const newEntityArn = (kind: IdentityKind, p: QueryParams) =>
    `arn:aws:iam::${account}:${kind}${p.string('Path') ?? '/'}${p.required(ENTITY_PARAM[kind])}`;

  const ops: Operation[] = [
    // --- roles
    iam(
      'CreateRole',
      (ctx) => {
        const tags = readTags(ctx.params);
        const boundary = ctx.params.string('PermissionsBoundary');
        return [
          {
            action: 'iam:CreateRole',
            resource: newEntityArn('role', ctx.params),
            context: {
              ...requestTagContext(tags),
              ...(boundary !== undefined ? { 'iam:PermissionsBoundary': boundary } : {}),
            },
          },
          // Tagging on create needs iam:TagRole too (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html)
          ...(tags.length > 0
            ? [
                {
                  action: 'iam:TagRole',
                  resource: newEntityArn('role', ctx.params),
                  context: requestTagContext(tags),
                },
              ]
            : []),
        ];
      },
      async ({ params: p }) => {
        const description = p.string('Description');
        const maxSessionDuration = p.int('MaxSessionDuration');
        const path = p.string('Path');
        const boundary = p.string('PermissionsBoundary');
        const role = await control.createRole({
          name: p.required('RoleName'),
          trustPolicy: p.required('AssumeRolePolicyDocument'),
          tags: readTags(p),
          ...(path !== undefined ? { path } : {}),
          ...(description !== undefined ? { description } : {}),
          ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
          ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
        });
        return { Role: roleXml(role) };
      },
    ),
    iam('GetRole', onEntity('role', 'iam:GetRole'), async ({ params: p }) => ({
      Role: roleXml(await control.getRole(p.required('RoleName'))),
    })),
    iam('ListRoles', onAll('iam:ListRoles'), async ({ params: p }) => {
      const page = paginate(await control.listRoles(p.string('PathPrefix')), (r) => r.path + r.name, p);
      return { Roles: page.items.map((r) => roleXml(r, true)), ...pageTail(page) };
    }),
    iam('UpdateRole', onEntity('role', 'iam:UpdateRole'), async ({ params: p }) => {
      const description = p.string('Description');
      const maxSessionDuration = p.int('MaxSessionDuration');
      await control.updateRole(p.required('RoleName'), {
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
      });
      return {};
    }),
    iam('UpdateRoleDescription', onEntity('role', 'iam:UpdateRoleDescription'), async ({ params: p }) => {
      const name = p.required('RoleName');
      await control.updateRole(name, { description: p.required('Description') });
      return { Role: roleXml(await control.getRole(name)) };
    }),
    iam('DeleteRole', onEntity('role', 'iam:DeleteRole'), async ({ params: p }) => {
      await control.deleteRole(p.required('RoleName'));
      return undefined;
    }),
    iam('UpdateAssumeRolePolicy', onEntity('role', 'iam:UpdateAssumeRolePolicy'), async ({ params: p }) => {
      await control.updateAssumeRolePolicy(p.required('RoleName'), p.required('PolicyDocument'));
      return undefined;
    }),
    ...instanceProfileOperations(control),
    ...serviceLinkedRoleOperations(control),
    ...accountOperations(control),
    ...tagOperations(control, 'role', onEntity),
    ...tagOperations(control, 'user', onEntity),
    ...boundaryOperations(control, 'role', onEntity),
    ...boundaryOperations(control, 'user', onEntity),
    ...inlinePolicyOperations(control, 'role', onEntity),
    ...inlinePolicyOperations(control, 'user', onEntity),
    ...inlinePolicyOperations(control, 'group', onEntity),
    ...attachmentOperations(control, 'role', onEntity),
    ...attachmentOperations(control, 'user', onEntity),
    ...attachmentOperations(control, 'group', onEntity),

    // --- managed policies
    iam(
      'CreatePolicy',
      (ctx) => {
        const tags = readTags(ctx.params);
        const resource = `arn:aws:iam::${account}:policy${ctx.params.string('Path') ?? '/'}${ctx.params.required('PolicyName')}`;
        return [
          { action: 'iam:CreatePolicy', resource, context: requestTagContext(tags) },
          ...(tags.length > 0
            ? [{ action: 'iam:TagPolicy', resource, context: requestTagContext(tags) }]
            : []),
        ];
      },
      async ({ params: p }) => {
        const path = p.string('Path');
        const description = p.string('Description');
        const policy = await control.createPolicy({
          name: p.required('PolicyName'),
          document: p.required('PolicyDocument'),
          tags: readTags(p),
          ...(path !== undefined ? { path } : {}),
          ...(description !== undefined ? { description } : {}),
        });
        return { Policy: policyXml(policy) };
      },
    ),
    iam('GetPolicy', onPolicy('iam:GetPolicy'), async ({ params: p }) => ({
      Policy: policyXml(await control.getPolicy(requirePolicyArn(p))),
    })),
    iam('ListPolicies', onAll('iam:ListPolicies'), async ({ params: p }) => {
      const scope = p.string('Scope') ?? 'All';
      const usage = p.string('PolicyUsageFilter');
      if (scope !== 'All' && scope !== 'AWS' && scope !== 'Local') {
        throw enumError('scope', scope, ['All', 'AWS', 'Local']);
      }
      if (usage !== undefined && usage !== 'PermissionsPolicy' && usage !== 'PermissionsBoundary') {
        throw enumError('policyUsageFilter', usage, ['PermissionsPolicy', 'PermissionsBoundary']);
      }
      const pathPrefix = p.string('PathPrefix');
      const all = await control.listPolicies({
        scope,
        onlyAttached: p.bool('OnlyAttached') ?? false,
        ...(pathPrefix !== undefined ? { pathPrefix } : {}),
        ...(usage !== undefined ? { usage } : {}),
      });
      const page = paginate(all, (x) => x.arn, p);
      // ListPolicies does not return tags (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPolicies.html)
      return { Policies: page.items.map((x) => policyXml(x, false)), ...pageTail(page) };
    }),
    iam('DeletePolicy', onPolicy('iam:DeletePolicy'), async ({ params: p }) => {
      await control.deletePolicy(requirePolicyArn(p));
      return undefined;
    }),
    iam('CreatePolicyVersion', onPolicy('iam:CreatePolicyVersion'), async ({ params: p }) => {
      const v = await control.createPolicyVersion(
        requirePolicyArn(p),
        p.required('PolicyDocument'),
        p.bool('SetAsDefault') ?? false,
      );
      return { PolicyVersion: policyVersionXml(v, false) };
    }),
    iam('GetPolicyVersion', onPolicy('iam:GetPolicyVersion'), async ({ params: p }) => ({
      PolicyVersion: policyVersionXml(
        await control.getPolicyVersion(requirePolicyArn(p), p.required('VersionId')),
        true,
      ),
    })),
    iam('ListPolicyVersions', onPolicy('iam:ListPolicyVersions'), async ({ params: p }) => {
      const page = paginate(await control.listPolicyVersions(requirePolicyArn(p)), versionKey, p);
      return { Versions: page.items.map((v) => policyVersionXml(v, false)), ...pageTail(page) };
    }),
    iam('DeletePolicyVersion', onPolicy('iam:DeletePolicyVersion'), async ({ params: p }) => {
      await control.deletePolicyVersion(requirePolicyArn(p), p.required('VersionId'));
      return undefined;
    }),
    iam('SetDefaultPolicyVersion', onPolicy('iam:SetDefaultPolicyVersion'), async ({ params: p }) => {
      await control.setDefaultPolicyVersion(requirePolicyArn(p), p.required('VersionId'));
      return undefined;
    }),

    iam(
      'TagPolicy',
      (ctx) => [
        {
          action: 'iam:TagPolicy',
          resource: requirePolicyArn(ctx.params),
          context: requestTagContext(readTags(ctx.params)),
        },
      ],
      async ({ params: p }) => {
        await control.tagPolicy(requirePolicyArn(p), readTags(p));
        return undefined;
      },
    ),
    iam(
      'UntagPolicy',
      (ctx) => [
        {
          action: 'iam:UntagPolicy',
          resource: requirePolicyArn(ctx.params),
          context: { 'aws:TagKeys': ctx.params.list('TagKeys') },
        },
      ],
      async ({ params: p }) => {
        await control.untagPolicy(requirePolicyArn(p), p.list('TagKeys'));
        return undefined;
      },
    ),
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListEntitiesForPolicy.html
    iam('ListEntitiesForPolicy', onPolicy('iam:ListEntitiesForPolicy'), async ({ params: p }) => {
      const entityFilter = p.string('EntityFilter');
      const usage = p.string('PolicyUsageFilter');
      const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'];
      if (entityFilter !== undefined && !FILTERS.includes(entityFilter)) {
        throw enumError('entityFilter', entityFilter, FILTERS);
      }
      if (usage !== undefined && usage !== 'PermissionsPolicy' && usage !== 'PermissionsBoundary') {
        throw enumError('policyUsageFilter', usage, ['PermissionsPolicy', 'PermissionsBoundary']);
      }
      const pathPrefix = p.string('PathPrefix');
      // The policy filters name policies, which are never attached to a policy: nothing matches them.
      const kinds: IdentityKind[] =
        entityFilter === undefined
          ? ['group', 'role', 'user']
          : entityFilter === 'User' || entityFilter === 'Role' || entityFilter === 'Group'
            ? [entityFilter.toLowerCase() as IdentityKind]
            : [];
      const entities = await control.listEntitiesForPolicy(requirePolicyArn(p), {
        kinds,
        ...(pathPrefix !== undefined ? { pathPrefix } : {}),
        ...(usage !== undefined ? { usage: usage === 'PermissionsPolicy' ? 'attached' : 'boundary' } : {}),
      });
      const page = paginate(entities, (e) => `${e.kind}/${e.name.toLowerCase()}`, p);
      const of = (kind: IdentityKind, word: string) =>
        page.items
          .filter((e: PolicyEntity) => e.kind === kind)
          .map((e) => ({ [`${word}Name`]: e.name, [`${word}Id`]: e.id }));
      return {
        PolicyGroups: of('group', 'Group'),
        PolicyUsers: of('user', 'User'),
        PolicyRoles: of('role', 'Role'),
        ...pageTail(page),
      };
    }),
    iam('ListPolicyTags', onPolicy('iam:ListPolicyTags'), async ({ params: p }) => {
      const page = paginate((await control.getPolicy(requirePolicyArn(p))).tags, (t) => t.key, p);
      return { Tags: tagsXml(page.items), ...pageTail(page) };
    }),

    // --- users
    iam(
      'CreateUser',
      (ctx) => {
        const tags = readTags(ctx.params);
        const boundary = ctx.params.string('PermissionsBoundary');
        const resource = newEntityArn('user', ctx.params);
        const context = {
          ...requestTagContext(tags),
          ...(boundary !== undefined ? { 'iam:PermissionsBoundary': boundary } : {}),
        };
        return [
          { action: 'iam:CreateUser', resource, context },
          ...(tags.length > 0 ? [{ action: 'iam:TagUser', resource, context }] : []),
        ];
      },
      async ({ params: p }) => {
        const path = p.string('Path');
        const boundary = p.string('PermissionsBoundary');
        const user = await control.createUser({
          name: p.required('UserName'),
          tags: readTags(p),
          ...(path !== undefined ? { path } : {}),
          ...(boundary !== undefined ? { permissionsBoundary: boundary } : {}),
        });
        return { User: userXml(user) };
      },
    ),
    iam(
      'GetUser',
      // Without UserName, GetUser describes the caller (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetUser.html)
      async (ctx) => {
        const name = ctx.params.string('UserName') ?? callerUserName(ctx);
        const e = await entity('user', name);
        return [{ action: 'iam:GetUser', resource: e.resource, context: e.context ?? {} }];
      },
      async (ctx) => ({
        User: userXml(await control.getUser(ctx.params.string('UserName') ?? callerUserName(ctx))),
      }),
    ),
    iam('ListUsers', onAll('iam:ListUsers'), async ({ params: p }) => {
      const page = paginate(await control.listUsers(p.string('PathPrefix')), (u) => u.path + u.name, p);
      return { Users: page.items.map((u) => userXml(u, true)), ...pageTail(page) };
    }),
    iam('UpdateUser', onEntity('user', 'iam:UpdateUser'), async ({ params: p }) => {
      await control.updateUser(p.required('UserName'), renameOf(p, 'NewUserName'));
      return undefined;
    }),
    iam('DeleteUser', onEntity('user', 'iam:DeleteUser'), async ({ params: p }) => {
      await control.deleteUser(p.required('UserName'));
      return undefined;
    }),

    // --- groups
    iam(
      'CreateGroup',
      (ctx) => [{ action: 'iam:CreateGroup', resource: newEntityArn('group', ctx.params) }],
      async ({ params: p }) => {
        const path = p.string('Path');
        const group = await control.createGroup({
          name: p.required('GroupName'),
          ...(path !== undefined ? { path } : {}),
        });
        return { Group: groupXml(group) };
      },
    ),
    iam('GetGroup', onEntity('group', 'iam:GetGroup'), async ({ params: p }) => {
      const { group, users } = await control.getGroup(p.required('GroupName'));
      const page = paginate(users, (u) => u.name, p);
      return { Group: groupXml(group), Users: page.items.map((u) => userXml(u, true)), ...pageTail(page) };
    }),
    iam('ListGroups', onAll('iam:ListGroups'), async ({ params: p }) => {
      const page = paginate(await control.listGroups(p.string('PathPrefix')), (g) => g.path + g.name, p);
      return { Groups: page.items.map(groupXml), ...pageTail(page) };
    }),
    iam('UpdateGroup', onEntity('group', 'iam:UpdateGroup'), async ({ params: p }) => {
      await control.updateGroup(p.required('GroupName'), renameOf(p, 'NewGroupName'));
      return undefined;
    }),
    iam('DeleteGroup', onEntity('group', 'iam:DeleteGroup'), async ({ params: p }) => {
      await control.deleteGroup(p.required('GroupName'));
      return undefined;
    }),
    iam('AddUserToGroup', onEntity('group', 'iam:AddUserToGroup'), async ({ params: p }) => {
      await control.addUserToGroup(p.required('GroupName'), p.required('UserName'));
      return undefined;
    }),
    iam('RemoveUserFromGroup', onEntity('group', 'iam:RemoveUserFromGroup'), async ({ params: p }) => {
      await control.removeUserFromGroup(p.required('GroupName'), p.required('UserName'));
      return undefined;
    }),
    iam('ListGroupsForUser', onEntity('user', 'iam:ListGroupsForUser'), async ({ params: p }) => {
      const page = paginate(await control.listGroupsForUser(p.required('UserName')), (g) => g.name, p);
      return { Groups: page.items.map(groupXml), ...pageTail(page) };
    }),

    // --- access keys (UserName defaults to the caller)
    iam('CreateAccessKey', userOrCaller('iam:CreateAccessKey'), async (ctx) => ({
      AccessKey: accessKeyXml(
        await control.createAccessKey(ctx.params.string('UserName') ?? callerUserName(ctx)),
      ),
    })),
    iam('ListAccessKeys', userOrCaller('iam:ListAccessKeys'), async (ctx) => {
      const keys = await control.listAccessKeys(ctx.params.string('UserName') ?? callerUserName(ctx));
      const page = paginate(keys, (k) => k.accessKeyId, ctx.params);
      return {
        AccessKeyMetadata: page.items.map(accessKeyXml),
        ...pageTail(page),
      };
    }),
    iam('UpdateAccessKey', userOrCaller('iam:UpdateAccessKey'), async (ctx) => {
      const status = ctx.params.required('Status');
      if (status !== 'Active' && status !== 'Inactive')
        throw enumError('status', status, ['Active', 'Inactive']);
      await control.updateAccessKey(
        ctx.params.string('UserName') ?? callerUserName(ctx),
        ctx.params.required('AccessKeyId'),
        status,
      );
      return undefined;
    }),
    iam('DeleteAccessKey', userOrCaller('iam:DeleteAccessKey'), async (ctx) => {
      await control.deleteAccessKey(
        ctx.params.string('UserName') ?? callerUserName(ctx),
        ctx.params.required('AccessKeyId'),
      );
      return undefined;
    }),

    // --- account-wide
    iam(
      'GetAccountAuthorizationDetails',
      onAll('iam:GetAccountAuthorizationDetails'),
      async ({ params: p }) => {
        const filter = p.list('Filter');
        const want = (t: string) => filter.length === 0 || filter.includes(t);
        const d = await control.accountDetails();
        const inline = (list: { name: string; document: string }[]) =>
          list.map((x) => ({ PolicyName: x.name, PolicyDocument: encodePolicyDocument(x.document) }));
        type Item = { kind: string; key: string; xml: Record<string, unknown> };
        const items: Item[] = [
          ...(want('User')
            ? d.users.map((u) => ({
                kind: 'user',
                key: `1${u.name}`,
                xml: {
                  ...(userXml(u) as object),
                  UserPolicyList: inline(u.inline),
                  GroupList: u.groups,
                  AttachedManagedPolicies: attachedXml(u.attached),
                },
              }))
            : []),
          ...(want('Group')
            ? d.groups.map((g) => ({
                kind: 'group',
                key: `2${g.name}`,
                xml: {
                  ...(groupXml(g) as object),
                  GroupPolicyList: inline(g.inline),
                  AttachedManagedPolicies: attachedXml(g.attached),
                },
              }))
            : []),
          ...(want('Role')
            ? d.roles.map((r) => ({
                kind: 'role',
                key: `3${r.name}`,
                xml: {
                  ...(roleXml(r) as object),
                  RolePolicyList: inline(r.inline),
                  AttachedManagedPolicies: attachedXml(r.attached),
                  InstanceProfileList: r.instanceProfiles.map((x) => instanceProfileXml(x, true)),
                },
              }))
            : []),
          ...d.policies
            .filter((x) => (x.awsManaged ? want('AWSManagedPolicy') : want('LocalManagedPolicy')))
            .map((x) => ({
              kind: 'policy',
              key: `4${x.arn}`,
              xml: {
                ...(policyXml(x, false) as object),
                PolicyVersionList: x.versions.map((v) => policyVersionXml(v, true)),
              },
            })),
        ];
        const page = paginate(items, (i) => i.key, p);
        const of = (kind: string) => page.items.filter((i) => i.kind === kind).map((i) => i.xml as never);
        return {
          UserDetailList: of('user'),
          GroupDetailList: of('group'),
          RoleDetailList: of('role'),
          Policies: of('policy'),
          ...pageTail(page),
        };
      },
    ),

    // --- simulation
    iam(
      'SimulatePrincipalPolicy',
      (ctx) => [{ action: 'iam:SimulatePrincipalPolicy', resource: ctx.params.required('PolicySourceArn') }],
      async (ctx) => {
        const results = await control.simulatePrincipal(
          ctx.params.required('PolicySourceArn'),
          readSimulation(ctx.params),
          ctx.now,
        );
        return simulationXml(results, ctx.params);
      },
    ),
    iam('SimulateCustomPolicy', onAll('iam:SimulateCustomPolicy'), async (ctx) => {
      ctx.params.required('PolicyInputList.member.1');
      return simulationXml(await control.simulateCustom(readSimulation(ctx.params), ctx.now), ctx.params);
    }),
    iam(
      'GetContextKeysForPrincipalPolicy',
      (ctx) => [
        { action: 'iam:GetContextKeysForPrincipalPolicy', resource: ctx.params.required('PolicySourceArn') },
      ],
      async ({ params: p }) => ({
        ContextKeyNames: await control.contextKeysForPrincipal(
          p.required('PolicySourceArn'),
          p.list('PolicyInputList'),
        ),
      }),
    ),
    iam(
      'GetContextKeysForCustomPolicy',
      onAll('iam:GetContextKeysForCustomPolicy'),
      async ({ params: p }) => {
        p.required('PolicyInputList.member.1');
        return { ContextKeyNames: await control.contextKeysForCustom(p.list('PolicyInputList')) };
      },
    ),
  ];
  return ops;

  function userOrCaller(action: string): Authorize {
    return async (ctx) => {
      const e = await entity('user', ctx.params.string('UserName') ?? callerUserName(ctx));
      return [{ action, resource: e.resource, context: e.context ?? {} }];
    };
  }
}

/** The IAM user name of a caller signing with a user's key (`arn:aws:iam::ACCT:user/path/NAME`). */
function callerUserName(ctx: OperationContext): string {
  const m = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(ctx.caller.arn);
  if (!m?.[1]) {
    throw new RolecallError(
      'ValidationError',
      'Must specify userName when calling with non-User credentials',
    );
  }
  return m[1];
}

/** NewUserName / NewGroupName and NewPath of Update{User,Group}. */
function renameOf(p: QueryParams, newNameParam: string): { newName?: string; newPath?: string } {
  const newName = p.string(newNameParam);
  const newPath = p.string('NewPath');
  return { ...(newName !== undefined ? { newName } : {}), ...(newPath !== undefined ? { newPath } : {}) };
}

function versionKey(v: { versionId: string }): string {
  // v1 < v2 < v10: pad the number so the marker order is numeric.
  return v.versionId.replace(/\d+/, (d) => d.padStart(8, '0'));
}

/** A value outside an enum of the IAM model: the common ValidationError (HTTP 400). */
// https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
function enumError(member: string, value: string, allowed: string[]): RolecallError {
  return new RolecallError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
  );
}

function tagOperations(
  control: IamControl,
  kind: 'role' | 'user',
  onEntity: (
    kind: IdentityKind,
    action: string,
    extra?: (p: QueryParams) => Record<string, ContextValue>,
  ) => Authorize,
): Operation[] {
  const W = ENTITY_WORD[kind];
  const P = ENTITY_PARAM[kind];
  return [
    iam(
      `Tag${W}`,
      onEntity(kind, `iam:Tag${W}`, (p) => requestTagContext(readTags(p))),
      async ({ params: p }) => {
        await control.tag(kind, p.required(P), readTags(p));
        return undefined;
      },
    ),
    iam(
      `Untag${W}`,
      onEntity(kind, `iam:Untag${W}`, (p) => ({ 'aws:TagKeys': p.list('TagKeys') })),
      async ({ params: p }) => {
        await control.untag(kind, p.required(P), p.list('TagKeys'));
        return undefined;
      },
    ),
    iam(`List${W}Tags`, onEntity(kind, `iam:List${W}Tags`), async ({ params: p }) => {
      const page = paginate(await control.listTags(kind, p.required(P)), (t) => t.key, p);
      return { Tags: tagsXml(page.items), ...pageTail(page) };
    }),
  ];
}

function boundaryOperations(
  control: IamControl,
  kind: 'role' | 'user',
  onEntity: (
    kind: IdentityKind,
    action: string,
    extra?: (p: QueryParams) => Record<string, ContextValue>,
  ) => Authorize,
): Operation[] {
  const W = ENTITY_WORD[kind];
  const P = ENTITY_PARAM[kind];
  return [
    iam(
      `Put${W}PermissionsBoundary`,
      onEntity(kind, `iam:Put${W}PermissionsBoundary`, (p) => ({
        'iam:PermissionsBoundary': p.required('PermissionsBoundary'),
      })),
      async ({ params: p }) => {
        await control.putBoundary(kind, p.required(P), p.required('PermissionsBoundary'));
        return undefined;
      },
    ),
    iam(
      `Delete${W}PermissionsBoundary`,
      onEntity(kind, `iam:Delete${W}PermissionsBoundary`),
      async ({ params: p }) => {
        await control.deleteBoundary(kind, p.required(P));
        return undefined;
      },
    ),
  ];
}

function inlinePolicyOperations(
  control: IamControl,
  kind: IdentityKind,
  onEntity: (kind: IdentityKind, action: string) => Authorize,
): Operation[] {
  const W = ENTITY_WORD[kind];
  const P = ENTITY_PARAM[kind];
  return [
    iam(`Put${W}Policy`, onEntity(kind, `iam:Put${W}Policy`), async ({ params: p }) => {
      await control.putInlinePolicy(
        kind,
        p.required(P),
        p.required('PolicyName'),
        p.required('PolicyDocument'),
      );
      return undefined;
    }),
    iam(`Get${W}Policy`, onEntity(kind, `iam:Get${W}Policy`), async ({ params: p }) => {
      const name = p.required(P);
      const policy = await control.getInlinePolicy(kind, name, p.required('PolicyName'));
      return {
        [P]: name,
        PolicyName: policy.name,
        PolicyDocument: encodePolicyDocument(policy.document),
      };
    }),
    iam(`List${W}Policies`, onEntity(kind, `iam:List${W}Policies`), async ({ params: p }) => {
      const page = paginate(await control.listInlinePolicies(kind, p.required(P)), (n) => n, p);
      return { PolicyNames: page.items, ...pageTail(page) };
    }),
    iam(`Delete${W}Policy`, onEntity(kind, `iam:Delete${W}Policy`), async ({ params: p }) => {
      await control.deleteInlinePolicy(kind, p.required(P), p.required('PolicyName'));
      return undefined;
    }),
  ];
}

function attachmentOperations(
  control: IamControl,
  kind: IdentityKind,
  onEntity: (
    kind: IdentityKind,
    action: string,
    extra?: (p: QueryParams) => Record<string, ContextValue>,
  ) => Authorize,
): Operation[] {
  const W = ENTITY_WORD[kind];
  const P = ENTITY_PARAM[kind];
  // iam:PolicyARN narrows which policies may be attached (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html)
  const policyArnContext = (p: QueryParams) => ({ 'iam:PolicyARN': requirePolicyArn(p) });
  return [
    iam(
      `Attach${W}Policy`,
      onEntity(kind, `iam:Attach${W}Policy`, policyArnContext),
      async ({ params: p }) => {
        await control.attachPolicy(kind, p.required(P), requirePolicyArn(p));
        return undefined;
      },
    ),
    iam(
      `Detach${W}Policy`,
      onEntity(kind, `iam:Detach${W}Policy`, policyArnContext),
      async ({ params: p }) => {
        await control.detachPolicy(kind, p.required(P), requirePolicyArn(p));
        return undefined;
      },
    ),
    iam(`ListAttached${W}Policies`, onEntity(kind, `iam:ListAttached${W}Policies`), async ({ params: p }) => {
      const refs = await control.listAttachedPolicies(kind, p.required(P), p.string('PathPrefix'));
      const page = paginate(refs, (r) => r.arn, p);
      return { AttachedPolicies: attachedXml(page.items), ...pageTail(page) };
    }),
  ];
}

function readSimulation(p: QueryParams): SimulationInput {
  const resourcePolicy = p.string('ResourcePolicy');
  const resourceOwner = p.string('ResourceOwner');
  const callerArn = p.string('CallerArn');
  const actions = p.list('ActionNames');
  if (actions.length === 0) p.required('ActionNames.member.1');
  return {
    policyInputs: p.list('PolicyInputList'),
    boundaryInputs: p.list('PermissionsBoundaryPolicyInputList'),
    actions,
    resources: p.list('ResourceArns'),
    context: p.structs('ContextEntries', (m) => ({
      key: m.required('ContextKeyName'),
      type: m.required('ContextKeyType'),
      values: m.list('ContextKeyValues'),
    })),
    ...(resourcePolicy !== undefined ? { resourcePolicy } : {}),
    ...(resourceOwner !== undefined ? { resourceOwner } : {}),
    ...(callerArn !== undefined ? { callerArn } : {}),
  };
}

function simulationXml(results: SimulationResultView[], p: QueryParams): OperationResult {
  const page = paginate(
    results.map((r, i) => ({ r, key: String(i).padStart(8, '0') })),
    (x) => x.key,
    p,
  );
  const statements = (r: SimulationResultView) =>
    r.matchedStatements.map((m) => ({
      SourcePolicyId: m.sourcePolicyId,
      SourcePolicyType: m.sourcePolicyType,
      StartPosition: { Line: m.start.line, Column: m.start.column },
      EndPosition: { Line: m.end.line, Column: m.end.column },
    }));
  return {
    EvaluationResults: page.items.map(({ r }) => ({
      EvalActionName: r.action,
      EvalResourceName: r.resource,
      EvalDecision: r.decision,
      MatchedStatements: statements(r),
      // The context keys the evaluation needed and did not get: on the result itself when the simulation
      // is of all resources (`*`, or no ResourceArns), under ResourceSpecificResults for each ARN given.
      // https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
      // https://docs.aws.amazon.com/IAM/latest/APIReference/API_ResourceSpecificResult.html
      MissingContextValues: r.resource === '*' ? r.missingContextValues : [],
      ResourceSpecificResults:
        r.resource === '*'
          ? undefined
          : [
              {
                EvalResourceName: r.resource,
                EvalResourceDecision: r.decision,
                MatchedStatements: statements(r),
                MissingContextValues: r.missingContextValues,
              },
            ],
      OrganizationsDecisionDetail:
        r.organizationsAllowed !== undefined ? { AllowedByOrganizations: r.organizationsAllowed } : undefined,
      PermissionsBoundaryDecisionDetail:
        r.boundaryAllowed !== undefined ? { AllowedByPermissionsBoundary: r.boundaryAllowed } : undefined,
      EvalDecisionDetails: new XmlMap([]),
    })),
    ...pageTail(page),
  };
}
