/**
 * The console's own read operations, for what the IAM query API has no operation for (accounts, the
 * organization tree, registered resources) and for the console's tools (decision explainer, EMR
 * readiness, policy validation). Each names the AWS action(s) and resource AWS would authorize for the
 * same question, and goes through the same dispatch as every IAM call, so a principal sees only what the
 * engine allows it. Results are JSON.
 * Actions: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import { DIFF_ELEMENTS, diffPolicies, formatPolicyDiff } from '../../analyze/policy-diff.js';
import { accessAnalyzerPack, emrPack, validatePolicyText, type Finding } from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import type { AuthzRequest } from '../../eval/types.js';
import { RESOURCE_TYPES, type ResourceInfo, type ResourceType } from '../../iam/index.js';
import type { EmrKind } from '../../knowledge/emr/index.js';
import { serviceActions } from '../../knowledge/service-data.js';
import { parsePolicy, type PolicyKind } from '../../policy/index.js';
import type { ApiBackend, ApiControlPlane } from '../backend.js';
import { decideFor, readDecisionRequest } from '../decision-api.js';
import type { Dispatchable } from '../dispatch.js';
import type { CallAuthorization, OperationContext } from '../operation.js';
import { resourceTagContext } from '../wire-shapes.js';
import { EMR_KINDS, emrReadiness } from './readiness.js';

export type ConsoleOperation = Dispatchable<unknown>;

function op(
  name: string,
  authorize: (ctx: OperationContext) => CallAuthorization[] | Promise<CallAuthorization[]>,
  run: (ctx: OperationContext) => Promise<unknown>,
): ConsoleOperation {
  return { service: 'console', name, authorize, run };
}

const all = (...actions: string[]) => actions.map((action) => ({ action, resource: '*' }));

/**
 * What AWS authorizes to list, and to read the policy of, each kind of resource.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (Describe* take `*` only)
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticmapreduce.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsresourcegroupstaggingapi.html
 */
const RESOURCE_ACTIONS = {
  's3-bucket': { list: 's3:ListAllMyBuckets', read: 's3:GetBucketPolicy', onArn: true },
  'kms-key': { list: 'kms:ListKeys', read: 'kms:GetKeyPolicy', onArn: true },
  secret: { list: 'secretsmanager:ListSecrets', read: 'secretsmanager:GetResourcePolicy', onArn: true },
  vpc: { list: 'ec2:DescribeVpcs', read: 'ec2:DescribeVpcs', onArn: false },
  subnet: { list: 'ec2:DescribeSubnets', read: 'ec2:DescribeSubnets', onArn: false },
  'security-group': { list: 'ec2:DescribeSecurityGroups', read: 'ec2:DescribeSecurityGroups', onArn: false },
  'emr-cluster': {
    list: 'elasticmapreduce:ListClusters',
    read: 'elasticmapreduce:DescribeCluster',
    onArn: true,
  },
  other: { list: 'tag:GetResources', read: 'tag:GetResources', onArn: false },
} as const satisfies Record<ResourceType, { list: string; read: string; onArn: boolean }>;

function resourceType(v: string): ResourceType {
  if (!(RESOURCE_TYPES as readonly string[]).includes(v)) {
    throw new RolecallError('ValidationError', `unknown resource type \`${v}\``);
  }
  return v as ResourceType;
}

function emrKind(v: string): EmrKind {
  if (!(EMR_KINDS as readonly string[]).includes(v)) {
    throw new RolecallError('ValidationError', `unknown EMR role kind \`${v}\``);
  }
  return v as EmrKind;
}

function resourceJson(r: ResourceInfo): Record<string, unknown> {
  return {
    arn: r.arn,
    type: r.type,
    account: r.account,
    region: r.region,
    ...(r.policy !== undefined ? { policy: r.policy } : {}),
    tags: r.tags,
    attributes: r.attributes,
  };
}

/**
 * What `emr check --store` reads for a whole setup, as the calls that read it: every IAM entity and
 * policy, the organization's SCPs and RCPs, and the EMR, S3, KMS, Secrets Manager and EC2 resources.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonemrserverless.html
 */
const READ_WHOLE_SETUP = all(
  'iam:GetAccountAuthorizationDetails',
  'organizations:DescribeOrganization',
  'organizations:ListPolicies',
  'organizations:DescribePolicy',
  'organizations:ListTargetsForPolicy',
  'elasticmapreduce:ListStudios',
  'elasticmapreduce:DescribeStudio',
  'emr-serverless:ListApplications',
  'emr-serverless:GetApplication',
  ...new Set(Object.values(RESOURCE_ACTIONS).flatMap((r) => [r.list, r.read])),
);

const VALIDATE_KINDS: readonly PolicyKind[] = [
  'identity',
  'resource',
  'trust',
  'boundary',
  'session',
  'scp',
  'rcp',
];

/**
 * What `rolecall validate` reports for one document: the parser's issues under Access Analyzer's codes,
 * Access Analyzer's policy checks, and the EMR pack, each finding at its line:column.
 */
export function validateForEditor(text: string, kind: PolicyKind): { findings: Finding[] } {
  return { findings: validatePolicyText(text, { kind, packs: [accessAnalyzerPack, emrPack] }) };
}

export function consoleOperations(
  cp: ApiControlPlane,
  backend: ApiBackend,
  account: string,
): ConsoleOperation[] {
  const roleRef = (name: string) => ({ kind: 'role' as const, account, name });
  const roleArn = (name: string) => `arn:aws:iam::${account}:role/${name}`;

  return [
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html
    op(
      'ListAccounts',
      () => all('organizations:ListAccounts'),
      async () => ({
        accounts: (await cp.iam.listAccounts()).map((a) => ({
          id: a.id,
          name: a.name,
          ...(a.email !== undefined ? { email: a.email } : {}),
          ...(a.parentId !== undefined ? { parentId: a.parentId } : {}),
          tags: a.tags,
        })),
      }),
    ),
    op(
      'DescribeOrganizationTree',
      () =>
        all(
          'organizations:DescribeOrganization',
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListAccountsForParent',
          'organizations:ListPolicies',
          'organizations:DescribePolicy',
          'organizations:ListTargetsForPolicy',
        ),
      async () => {
        const org = await cp.org.describe();
        if (org === undefined) return { organization: null };
        const [units, accounts, policies] = await Promise.all([
          cp.org.listOrgUnits(),
          cp.iam.listAccounts(),
          cp.org.listPolicies(),
        ]);
        return {
          organization: org,
          units,
          accounts: accounts
            .filter((a) => a.parentId !== undefined)
            .map((a) => ({ id: a.id, name: a.name, parentId: a.parentId })),
          policies,
        };
      },
    ),
    op(
      'ListResources',
      (ctx) => {
        const type = resourceType(ctx.params.required('Type'));
        return [{ action: RESOURCE_ACTIONS[type].list, resource: '*' }];
      },
      async (ctx) => {
        const type = resourceType(ctx.params.required('Type'));
        return { resources: (await cp.resources.list({ type })).map(resourceJson) };
      },
    ),
    op(
      'GetResource',
      async (ctx) => {
        const arn = ctx.params.required('Arn');
        const found = await cp.resources.find(arn);
        const actions = RESOURCE_ACTIONS[found?.type ?? 'other'];
        return [
          {
            action: actions.read,
            resource: actions.onArn ? arn : '*',
            ...(found !== undefined ? { context: resourceTagContext(found.tags) } : {}),
          },
        ];
      },
      async (ctx) => ({ resource: resourceJson(await cp.resources.get(ctx.params.required('Arn'))) }),
    ),
    op(
      'Explain',
      () => [],
      async (ctx) => {
        const text = ctx.params.required('Request');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new RolecallError('ValidationError', 'the request is not valid JSON', { path: '$' });
        }
        const request: AuthzRequest = readDecisionRequest(value, '$');
        // The decision API's path: iam:SimulatePrincipalPolicy on the principal, then the engine.
        const [result] = await decideFor(backend, ctx, [request], true);
        return { request, result };
      },
    ),
    op(
      'EmrReadiness',
      async (ctx) => {
        const name = ctx.params.string('RoleName');
        if (name === undefined || name === '') return READ_WHOLE_SETUP;
        const attached = await cp.iam.listAttachedPolicies(roleRef(name)).catch(() => []);
        const boundary = await cp.iam
          .getRole(account, name)
          .then((r) => r.permissionsBoundary)
          .catch(() => undefined);
        const arn = roleArn(name);
        // What `emr check --role` reads, as the IAM calls that read it
        // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
        return [
          { action: 'iam:GetRole', resource: arn },
          { action: 'iam:ListRolePolicies', resource: arn },
          { action: 'iam:GetRolePolicy', resource: arn },
          { action: 'iam:ListAttachedRolePolicies', resource: arn },
          ...attached.map((a) => ({ action: 'iam:GetPolicyVersion', resource: a.arn })),
          ...(boundary !== undefined ? [{ action: 'iam:GetPolicyVersion', resource: boundary }] : []),
        ];
      },
      async (ctx) => {
        const name = ctx.params.string('RoleName');
        const kind = ctx.params.string('Kind');
        const environment = ctx.params.string('Environment');
        const locations = ctx.params.string('Locations');
        return emrReadiness(
          cp,
          {
            account,
            region: ctx.region,
            ...(name !== undefined && name !== '' ? { role: name } : {}),
            ...(kind !== undefined && kind !== '' ? { kind: emrKind(kind) } : {}),
            ...(environment !== undefined ? { environment } : {}),
            ...(locations !== undefined ? { locations } : {}),
          },
          ctx.now,
        );
      },
    ),
    // What changed between two versions of a managed policy, statement by statement: the semantic diff
    // of `rolecall policy diff`. Reading a version is iam:GetPolicyVersion on the policy.
    op(
      'DiffPolicyVersions',
      (ctx) => [{ action: 'iam:GetPolicyVersion', resource: ctx.params.required('PolicyArn') }],
      async (ctx) => {
        const arn = ctx.params.required('PolicyArn');
        const ids = [ctx.params.required('FromVersionId'), ctx.params.required('ToVersionId')] as const;
        const [from, to] = await Promise.all(ids.map((v) => cp.iam.getPolicyVersion(arn, v)));
        const docs = [from, to].map((v, i) => {
          const parsed = parsePolicy(v?.document ?? '');
          if (parsed.document === undefined)
            throw new RolecallError(
              'MalformedPolicyDocument',
              `version \`${ids[i] ?? ''}\` does not parse: ${parsed.issues[0]?.message ?? ''}`,
            );
          return parsed.document;
        });
        const statements = diffPolicies(docs[0]!, docs[1]!);
        return {
          arn,
          from: ids[0],
          to: ids[1],
          // Each statement's changes in the order `policy diff` prints them: per element, removed then added.
          statements: statements.map((d) => ({
            status: d.status,
            ...(d.sid !== undefined ? { sid: d.sid } : {}),
            ...(d.from !== undefined ? { from: d.from } : {}),
            ...(d.to !== undefined ? { to: d.to } : {}),
            changes: DIFF_ELEMENTS.flatMap((element) => [
              ...(d.removed[element] ?? []).map((value) => ({ change: 'removed', element, value })),
              ...(d.added[element] ?? []).map((value) => ({ change: 'added', element, value })),
            ]),
          })),
          text: formatPolicyDiff(statements),
        };
      },
    ),
    // AWS's public list of a service's actions (the service authorization data), nothing from the store:
    // no authorization, like GetCallerIdentity.
    op(
      'ListActions',
      () => [],
      (ctx) => {
        const service = ctx.params.required('Service');
        return Promise.resolve({ actions: (serviceActions(service) ?? []).map((a) => `${service}:${a}`) });
      },
    ),
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementaccessanalyzer.html
    op(
      'ValidatePolicy',
      () => all('access-analyzer:ValidatePolicy'),
      (ctx) => {
        const kind = ctx.params.string('PolicyType') ?? 'identity';
        if (!(VALIDATE_KINDS as readonly string[]).includes(kind)) {
          throw new RolecallError('ValidationError', `unknown policy type \`${kind}\``);
        }
        return Promise.resolve(validateForEditor(ctx.params.required('PolicyDocument'), kind as PolicyKind));
      },
    ),
  ];
}
