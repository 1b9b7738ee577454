/**
 * The IAM instance profile operations (the EC2 instance profile of an EMR cluster): create, read, list,
 * delete, one role in or out, and tags. Each is authorized on the profile's ARN (an unknown profile by its
 * path-less ARN); adding a role also needs iam:PassRole on that role, as AWS requires.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
 */
import type { IamControl } from './control.js';
import type { QueryParams } from './form.js';
import type { CallAuthorization, Operation, OperationContext, OperationResult } from './operation.js';
import { pageTail, paginate } from './pagination.js';
import {
  instanceProfileXml,
  readTags,
  requestTagContext,
  resourceTagContext,
  tagsXml,
} from './wire-shapes.js';

type Authorize = (ctx: OperationContext) => Promise<CallAuthorization[]> | CallAuthorization[];

function op(name: string, authorize: Authorize, run: (ctx: OperationContext) => Promise<OperationResult>) {
  return { service: 'iam', name, authorize, run } satisfies Operation;
}

export function instanceProfileOperations(control: IamControl): Operation[] {
  const account = control.account;
  const NAME = 'InstanceProfileName';

  /** The profile's ARN and tag context; an unknown one is authorized by its path-less ARN. */
  async function profile(
    name: string,
  ): Promise<{ resource: string; context: ReturnType<typeof resourceTagContext> }> {
    const found = await control.findInstanceProfile(name);
    return found
      ? { resource: found.arn, context: resourceTagContext(found.tags) }
      : { resource: `arn:aws:iam::${account}:instance-profile/${name}`, context: {} };
  }

  const onProfile =
    (action: string, extra?: (p: QueryParams) => CallAuthorization['context']): Authorize =>
    async ({ params }) => {
      const e = await profile(params.required(NAME));
      return [{ action, resource: e.resource, context: { ...e.context, ...extra?.(params) } }];
    };

  /** The role's ARN, for iam:PassRole (AddRoleToInstanceProfile) and ListInstanceProfilesForRole. */
  async function roleResource(name: string): Promise<string> {
    return (await control.findRole(name))?.arn ?? `arn:aws:iam::${account}:role/${name}`;
  }

  return [
    op(
      'CreateInstanceProfile',
      ({ params: p }) => {
        const tags = readTags(p);
        const resource = `arn:aws:iam::${account}:instance-profile${p.string('Path') ?? '/'}${p.required(NAME)}`;
        const context = requestTagContext(tags);
        // Tagging on create needs the tag permission too (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html)
        return [
          { action: 'iam:CreateInstanceProfile', resource, context },
          ...(tags.length > 0 ? [{ action: 'iam:TagInstanceProfile', resource, context }] : []),
        ];
      },
      async ({ params: p }) => {
        const path = p.string('Path');
        const created = await control.createInstanceProfile({
          name: p.required(NAME),
          tags: readTags(p),
          ...(path !== undefined ? { path } : {}),
        });
        return { InstanceProfile: instanceProfileXml(created) };
      },
    ),
    op('GetInstanceProfile', onProfile('iam:GetInstanceProfile'), async ({ params: p }) => ({
      InstanceProfile: instanceProfileXml(await control.getInstanceProfile(p.required(NAME))),
    })),
    op(
      'ListInstanceProfiles',
      () => [{ action: 'iam:ListInstanceProfiles', resource: '*' }],
      async ({ params: p }) => {
        const all = await control.listInstanceProfiles(p.string('PathPrefix'));
        const page = paginate(all, (x) => x.path + x.name, p);
        return { InstanceProfiles: page.items.map((x) => instanceProfileXml(x, true)), ...pageTail(page) };
      },
    ),
    op(
      'ListInstanceProfilesForRole',
      async ({ params: p }) => [
        { action: 'iam:ListInstanceProfilesForRole', resource: await roleResource(p.required('RoleName')) },
      ],
      async ({ params: p }) => {
        const all = await control.listInstanceProfilesForRole(p.required('RoleName'));
        const page = paginate(all, (x) => x.path + x.name, p);
        return { InstanceProfiles: page.items.map((x) => instanceProfileXml(x, true)), ...pageTail(page) };
      },
    ),
    op('DeleteInstanceProfile', onProfile('iam:DeleteInstanceProfile'), async ({ params: p }) => {
      await control.deleteInstanceProfile(p.required(NAME));
      return undefined;
    }),
    op(
      'AddRoleToInstanceProfile',
      // The caller must be allowed to pass the role (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html)
      async (ctx) => [
        ...(await onProfile('iam:AddRoleToInstanceProfile')(ctx)),
        { action: 'iam:PassRole', resource: await roleResource(ctx.params.required('RoleName')) },
      ],
      async ({ params: p }) => {
        await control.addRoleToInstanceProfile(p.required(NAME), p.required('RoleName'));
        return undefined;
      },
    ),
    op(
      'RemoveRoleFromInstanceProfile',
      onProfile('iam:RemoveRoleFromInstanceProfile'),
      async ({ params: p }) => {
        await control.removeRoleFromInstanceProfile(p.required(NAME), p.required('RoleName'));
        return undefined;
      },
    ),
    op(
      'TagInstanceProfile',
      onProfile('iam:TagInstanceProfile', (p) => requestTagContext(readTags(p))),
      async ({ params: p }) => {
        await control.tagInstanceProfile(p.required(NAME), readTags(p));
        return undefined;
      },
    ),
    op(
      'UntagInstanceProfile',
      onProfile('iam:UntagInstanceProfile', (p) => ({ 'aws:TagKeys': p.list('TagKeys') })),
      async ({ params: p }) => {
        await control.untagInstanceProfile(p.required(NAME), p.list('TagKeys'));
        return undefined;
      },
    ),
    op('ListInstanceProfileTags', onProfile('iam:ListInstanceProfileTags'), async ({ params: p }) => {
      const page = paginate((await control.getInstanceProfile(p.required(NAME))).tags, (t) => t.key, p);
      return { Tags: tagsXml(page.items), ...pageTail(page) };
    }),
  ];
}
