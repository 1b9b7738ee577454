/**
 * Service-linked roles: roles a service defines (name, trust, permissions) and an account creates or
 * deletes on its behalf. rolecall knows the ones EMR setups create; each lives under
 * `/aws-service-role/<service>/` with its AWS managed policy attached and cannot be changed by callers.
 * Deletion completes at once (rolecall has no service resources that could still use the role), and its
 * task stays readable for GetServiceLinkedRoleDeletionStatus.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
 */
import { nodeCrypto } from '../node-crypto.js';
import { RolecallError } from '../errors.js';
import type { StoreTx } from '../store/index.js';
import { touchAccount } from './accounts.js';
import { roleArn } from './arns.js';
import { entityKey, IamPart, validatePolicyText } from './context.js';
import { resolveManagedPolicy } from './managed-policies.js';
import { checkEntityCount, requireRole } from './entities.js';
import { uniqueId } from './ids.js';
import { checkDescription } from './names.js';
import { replacePrincipalEverywhere } from './principal-references.js';
import { repos, type DeletionTaskRecord, type RoleRecord } from './records.js';
import { roleInfo } from './roles.js';
import type { RoleState } from './state.js';
import type { RoleInfo } from './types.js';

interface LinkedRole {
  roleName: string;
  /** The AWS managed policy the service attaches (path `/aws-service-role/`). */
  policyArn: string;
  description: string;
}

/** The services rolecall can create a service-linked role for, by service principal. */
export const SERVICE_LINKED_ROLES = {
  // https://docs.aws.amazon.com/emr/latest/ManagementGuide/using-service-linked-roles-cleanup.html
  'elasticmapreduce.amazonaws.com': {
    roleName: 'AWSServiceRoleForEMRCleanup',
    policyArn: 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRCleanupPolicy',
    description: 'Lets Amazon EMR terminate and delete EC2 resources its service role can no longer clean up',
  },
  // https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/using-service-linked-roles.html
  'ops.emr-serverless.amazonaws.com': {
    roleName: 'AWSServiceRoleForAmazonEMRServerless',
    policyArn: 'arn:aws:iam::aws:policy/aws-service-role/AmazonEMRServerlessServiceRolePolicy',
    description: 'Lets EMR Serverless call AWS services on your behalf',
  },
} as const satisfies Record<string, LinkedRole>;

export type LinkedService = keyof typeof SERVICE_LINKED_ROLES;

export function isLinkedService(service: string): service is LinkedService {
  return Object.hasOwn(SERVICE_LINKED_ROLES, service);
}

/** The role ARN a service-linked role of `service` gets in `account` (also what authorizes its creation). */
export function serviceLinkedRoleArn(account: string, service: LinkedService): string {
  return roleArn(account, `/aws-service-role/${service}/`, SERVICE_LINKED_ROLES[service].roleName);
}

function trustPolicyFor(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLinkedRoleDeletionStatus.html
const TASK_ID = /^task\/aws-service-role\/[\w+=,.@-]+\/[\w+=,.@-]+\/[\w-]+$/;

/** The role a deletion task id names (`task/aws-service-role/<service>/<role>/<uuid>`), for authorization. */
export function roleOfDeletionTask(account: string, taskId: string): string {
  if (!TASK_ID.test(taskId)) {
    throw new RolecallError('InvalidInput', `Invalid deletion task id: ${taskId}`);
  }
  const [, , service, role] = taskId.split('/');
  return `arn:aws:iam::${account}:role/aws-service-role/${service ?? ''}/${role ?? ''}`;
}

async function requireTask(tx: StoreTx, account: string, taskId: string): Promise<DeletionTaskRecord> {
  const rec = await repos.deletionTask.get(tx, taskId);
  if (!rec || rec.account !== account) {
    throw new RolecallError('NoSuchEntity', `Deletion task ${taskId} cannot be found.`);
  }
  return rec;
}

export class ServiceLinkedRoleService extends IamPart {
  /** The service's role with its managed policy attached; a service rolecall does not know is InvalidInput. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html
  async createServiceLinkedRole(input: {
    account: string;
    service: string;
    description?: string;
    customSuffix?: string;
  }): Promise<RoleInfo> {
    const { service } = input;
    if (!isLinkedService(service)) {
      throw new RolecallError('InvalidInput', `Service ${service} does not support service-linked roles.`);
    }
    // Neither EMR nor EMR Serverless takes a suffix: their pages name exactly one role each.
    if (input.customSuffix !== undefined) {
      throw new RolecallError('InvalidInput', `Custom suffix is not allowed for ${service}`);
    }
    if (input.description !== undefined) checkDescription(input.description);
    const linked = SERVICE_LINKED_ROLES[service];
    return this.tx(async (tx) => {
      await touchAccount(tx, input.account);
      const key = entityKey(input.account, linked.roleName);
      if (await repos.role.get(tx, key)) {
        throw new RolecallError(
          'InvalidInput',
          `Service role name ${linked.roleName} has been taken in this account, please try a different suffix.`,
        );
      }
      await checkEntityCount(this.ctx, tx, 'role', input.account);
      const rec: RoleRecord = {
        account: input.account,
        name: linked.roleName,
        path: `/aws-service-role/${service}/`,
        id: uniqueId('AROA'),
        createDate: this.nowIso(),
        trustPolicy: trustPolicyFor(service),
        description: input.description ?? linked.description,
        maxSessionDuration: 3600,
        tags: [],
        inline: [],
        attached: [linked.policyArn],
      };
      await repos.role.put(tx, key, rec);
      return roleInfo(rec);
    });
  }

  /** Deletes a service-linked role with its policies and returns the deletion task id. */
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServiceLinkedRole.html
  async deleteServiceLinkedRole(account: string, roleName: string): Promise<string> {
    return await this.tx(async (tx) => {
      const role = await requireRole(tx, account, roleName);
      const service = /^\/aws-service-role\/([^/]+)\/$/.exec(role.path)?.[1];
      if (service === undefined) {
        throw new RolecallError('InvalidInput', `Role ${role.name} is not a service-linked role.`);
      }
      const id = `task/aws-service-role/${service}/${role.name}/${nodeCrypto().randomUUID()}`;
      await repos.role.delete(tx, entityKey(account, role.name));
      await replacePrincipalEverywhere(tx, roleArn(account, role.path, role.name), role.id);
      await repos.deletionTask.put(tx, id, {
        id,
        account,
        roleArn: roleArn(account, role.path, role.name),
        status: 'SUCCEEDED',
        createDate: this.nowIso(),
      });
      return id;
    });
  }

  /**
   * Writes a service-linked role whole, as its service keeps it: for a state file or an import that
   * describes one (the role operations refuse to change such a role). Its unique id is kept when it exists.
   */
  async putServiceLinkedRole(input: RoleState): Promise<void> {
    if (!/^\/aws-service-role\/[^/]+\/$/.test(input.path)) {
      throw new RolecallError('InvalidInput', `Role ${input.name} is not a service-linked role.`);
    }
    validatePolicyText(this.ctx, input.trustPolicy, 'trust');
    for (const p of input.inlinePolicies) validatePolicyText(this.ctx, p.document, 'identity');
    return this.tx(async (tx) => {
      await touchAccount(tx, input.account);
      const key = entityKey(input.account, input.name);
      const had = await repos.role.get(tx, key);
      if (!had) await checkEntityCount(this.ctx, tx, 'role', input.account);
      const attached: string[] = [];
      for (const arn of input.managedPolicies) attached.push((await resolveManagedPolicy(tx, arn)).arn);
      const boundary = input.permissionsBoundary;
      await repos.role.put(tx, key, {
        account: input.account,
        name: input.name,
        path: input.path,
        id: had?.id ?? uniqueId('AROA'),
        createDate: had?.createDate ?? this.nowIso(),
        trustPolicy: input.trustPolicy,
        ...(input.description !== undefined ? { description: input.description } : {}),
        maxSessionDuration: input.maxSessionDuration,
        ...(boundary !== undefined
          ? { permissionsBoundary: (await resolveManagedPolicy(tx, boundary)).arn }
          : {}),
        tags: input.tags,
        inline: input.inlinePolicies.map((p) => ({ name: p.name, document: p.document })),
        attached,
      });
    });
  }

  async getServiceLinkedRoleDeletionStatus(
    account: string,
    taskId: string,
  ): Promise<{ status: DeletionTaskRecord['status'] }> {
    roleOfDeletionTask(account, taskId);
    return await this.read(async (tx) => ({ status: (await requireTask(tx, account, taskId)).status }));
  }
}
