/**
 * CreateServiceLinkedRole, DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus. Each is
 * authorized on the role's ARN under `/aws-service-role/<service>/`, creation with iam:AWSServiceName.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html#service-linked-role-permissions
 */
import { isLinkedService, roleOfDeletionTask, serviceLinkedRoleArn } from '../iam/service-linked-roles.js';
import type { IamControl } from './control.js';
import type { Operation } from './operation.js';
import { roleXml } from './wire-shapes.js';

export function serviceLinkedRoleOperations(control: IamControl): Operation[] {
  const account = control.account;
  return [
    {
      service: 'iam',
      name: 'CreateServiceLinkedRole',
      authorize: ({ params }) => {
        const service = params.required('AWSServiceName');
        // A service rolecall does not know has no role name; its ARN is the service's folder.
        const resource = isLinkedService(service)
          ? serviceLinkedRoleArn(account, service)
          : `arn:aws:iam::${account}:role/aws-service-role/${service}/`;
        return [
          { action: 'iam:CreateServiceLinkedRole', resource, context: { 'iam:AWSServiceName': service } },
        ];
      },
      run: async ({ params }) => {
        const description = params.string('Description');
        const customSuffix = params.string('CustomSuffix');
        const role = await control.createServiceLinkedRole({
          service: params.required('AWSServiceName'),
          ...(description !== undefined ? { description } : {}),
          ...(customSuffix !== undefined ? { customSuffix } : {}),
        });
        return { Role: roleXml(role) };
      },
    },
    {
      service: 'iam',
      name: 'DeleteServiceLinkedRole',
      authorize: async ({ params }) => {
        const name = params.required('RoleName');
        const role = await control.findRole(name);
        return [
          {
            action: 'iam:DeleteServiceLinkedRole',
            resource: role?.arn ?? `arn:aws:iam::${account}:role/${name}`,
          },
        ];
      },
      run: async ({ params }) => ({
        DeletionTaskId: await control.deleteServiceLinkedRole(params.required('RoleName')),
      }),
    },
    {
      service: 'iam',
      name: 'GetServiceLinkedRoleDeletionStatus',
      authorize: ({ params }) => [
        {
          action: 'iam:GetServiceLinkedRoleDeletionStatus',
          resource: roleOfDeletionTask(account, params.required('DeletionTaskId')),
        },
      ],
      run: async ({ params }) => {
        const { status } = await control.serviceLinkedRoleDeletionStatus(params.required('DeletionTaskId'));
        return { Status: status };
      },
    },
  ];
}
