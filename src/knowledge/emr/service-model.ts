/**
 * What EMR Studio, EMR Notebooks and EMR Serverless actually call with their roles, as concrete requests
 * filled from an environment. Each call names the AWS page its permission comes from.
 */
import type { ContextValue, RequestPrincipal } from '../../eval/types.js';
import { EMR_TAG_KEY, type EmrEnvironment, type EmrKind, type Tags } from './environment.js';

const STUDIO_SRC = 'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html';
const NOTEBOOKS_SRC =
  'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-notebooks-service-role.html';
const SERVERLESS_SRC =
  'https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-role.html';

/** Which policies decide a call: the role's own, its trust policy, the submitter's, or also the key policy. */
export type CallSubject = 'role' | 'trust' | 'submitter' | 'key';

export interface EmrCall {
  operation: string;
  subject: CallSubject;
  principal: RequestPrincipal;
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
  /** The resource whose tags the call carries as aws:ResourceTag, so a fix can name it. */
  taggedResource?: { kind: string; id: string };
  source: string;
}

/** Where the seeds disagree with themselves or with AWS; kept as data and printed by `emr policies`. */
export const SEED_DISCREPANCIES = [
  {
    source: STUDIO_SRC,
    note: 'the Studio page lists `kms:ReEncrypt`, which names no KMS action; the actions are kms:ReEncryptFrom and kms:ReEncryptTo (kms:ReEncrypt* matches both)',
  },
  {
    source: NOTEBOOKS_SRC,
    note: 'the Notebooks page labels the AmazonElasticMapReduceEditorsRole document as version 1 but shows version 2 (it already has ec2:DescribeVpcs and elasticmapreduce:ListSteps, added in v2 on 2023-02-08)',
  },
] as const;

function resourceTags(tags: Tags | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) out[`aws:ResourceTag/${k}`] = v;
  return out;
}

function roleArn(env: EmrEnvironment): string {
  return `arn:aws:iam::${env.account}:role/${env.roleName}`;
}

function session(env: EmrEnvironment, name: string): string {
  return `arn:aws:sts::${env.account}:assumed-role/${env.roleName}/${name}`;
}

function s3Calls(env: EmrEnvironment, p: string, op: string, src: string): EmrCall[] {
  if (!env.s3) return [];
  const { bucket, prefix } = env.s3;
  const objects = `arn:aws:s3:::${bucket}/${prefix ? `${prefix.replace(/\/$/, '')}/` : ''}workspace/file.ipynb`;
  const calls: EmrCall[] = [
    ...['s3:PutObject', 's3:GetObject', 's3:DeleteObject'].map((action) => ({
      operation: op,
      subject: 'role' as const,
      principal: p,
      action,
      resource: objects,
      context: {},
      source: src,
    })),
    ...['s3:ListBucket', 's3:GetEncryptionConfiguration'].map((action) => ({
      operation: op,
      subject: 'role' as const,
      principal: p,
      action,
      resource: `arn:aws:s3:::${bucket}`,
      context: {},
      source: src,
    })),
  ];
  calls.push(...kmsCalls(env, p, src));
  return calls;
}

function kmsCalls(env: EmrEnvironment, p: string, src: string): EmrCall[] {
  const key = env.key?.arn ?? env.s3?.kmsKeyArn;
  const calls: EmrCall[] = [];
  if (key) {
    // S3 calls KMS on the caller's behalf, so the request carries kms:ViaService.
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    for (const action of [
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:DescribeKey',
    ])
      calls.push({
        operation: 'use the encrypted S3 location',
        subject: 'key',
        principal: p,
        action,
        resource: key,
        context: { 'kms:ViaService': `s3.${env.region}.amazonaws.com`, 'kms:CallerAccount': env.account },
        source: src,
      });
  }
  return calls;
}

function networkCalls(env: EmrEnvironment, p: string, src: string, tagged: boolean): EmrCall[] {
  const op = 'establish the network channel between a workspace and a cluster';
  const base = `arn:aws:ec2:${env.region}:${env.account}`;
  const call = (
    action: string,
    resource: string,
    context: Record<string, ContextValue> = {},
    taggedResource?: { kind: string; id: string },
  ): EmrCall => ({
    operation: op,
    subject: 'role',
    principal: p,
    action,
    resource,
    context,
    ...(taggedResource ? { taggedResource } : {}),
    source: src,
  });
  const reqTag = tagged ? { [`aws:RequestTag/${EMR_TAG_KEY}`]: 'true', 'aws:TagKeys': [EMR_TAG_KEY] } : {};
  const calls: EmrCall[] = [];
  for (const s of env.subnets ?? [])
    calls.push(
      call('ec2:CreateNetworkInterface', `${base}:subnet/${s.id}`, resourceTags(s.tags), {
        kind: 'subnet',
        id: s.id,
      }),
    );
  for (const g of env.securityGroups ?? []) {
    calls.push(
      call('ec2:CreateNetworkInterface', `${base}:security-group/${g.id}`, resourceTags(g.tags), {
        kind: 'security group',
        id: g.id,
      }),
    );
    for (const a of [
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupEgress',
    ])
      calls.push(
        call(a, `${base}:security-group/${g.id}`, resourceTags(g.tags), { kind: 'security group', id: g.id }),
      );
  }
  calls.push(call('ec2:CreateNetworkInterface', `${base}:network-interface/*`, reqTag));
  if (env.vpc)
    calls.push(
      call('ec2:CreateSecurityGroup', `${base}:vpc/${env.vpc.id}`, resourceTags(env.vpc.tags), {
        kind: 'VPC',
        id: env.vpc.id,
      }),
    );
  calls.push(call('ec2:CreateSecurityGroup', `${base}:security-group/*`, reqTag));
  // EC2 authorizes tags applied at creation as ec2:CreateTags with ec2:CreateAction set.
  // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html
  // Notebooks tag only their ENIs: AmazonElasticMapReduceEditorsRole allows CreateTags on network-interface only.
  if (tagged)
    calls.push(
      call('ec2:CreateTags', `${base}:security-group/sg-new`, {
        ...reqTag,
        'ec2:CreateAction': 'CreateSecurityGroup',
      }),
    );
  calls.push(
    call(
      'ec2:CreateTags',
      `${base}:network-interface/eni-new`,
      tagged
        ? { ...reqTag, 'ec2:CreateAction': 'CreateNetworkInterface' }
        : { 'aws:TagKeys': ['aws:elasticmapreduce:editor-id'], 'ec2:CreateAction': 'CreateNetworkInterface' },
    ),
  );
  const eniTags = tagged ? { [`aws:ResourceTag/${EMR_TAG_KEY}`]: 'true' } : {};
  for (const a of ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'])
    calls.push(call(a, `${base}:network-interface/eni-new`, eniTags));
  // The Studio page keeps ModifyNetworkInterfaceAttribute on instances, ENIs and security groups, untagged.
  for (const r of [
    'network-interface/eni-new',
    'instance/i-example',
    ...(env.securityGroups ?? []).map((g) => `security-group/${g.id}`),
  ])
    calls.push(call('ec2:ModifyNetworkInterfaceAttribute', `${base}:${r}`));
  for (const a of [
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeVpcs',
    'ec2:DescribeSubnets',
    'ec2:DescribeTags',
  ])
    calls.push(call(a, '*'));
  return calls;
}

function emrReadCalls(env: EmrEnvironment, p: string, src: string): EmrCall[] {
  const cluster = `arn:aws:elasticmapreduce:${env.region}:${env.account}:cluster/j-EXAMPLE`;
  return [
    'elasticmapreduce:DescribeCluster',
    'elasticmapreduce:ListInstances',
    'elasticmapreduce:ListSteps',
  ].map((action) => ({
    operation: 'read the attached cluster',
    subject: 'role' as const,
    principal: p,
    action,
    resource: cluster,
    context: {},
    source: src,
  }));
}

function secretCalls(env: EmrEnvironment, p: string, src: string): EmrCall[] {
  return (env.secrets ?? []).map((s) => ({
    operation: 'link a Git repository with credentials from Secrets Manager',
    subject: 'role' as const,
    principal: p,
    action: 'secretsmanager:GetSecretValue',
    resource: s.arn,
    context: resourceTags(s.tags),
    taggedResource: { kind: 'secret', id: s.arn },
    source: src,
  }));
}

function trustCall(
  env: EmrEnvironment,
  service: string,
  sourceArn: string | undefined,
  src: string,
): EmrCall {
  const context: Record<string, ContextValue> = {};
  if (sourceArn) {
    context['aws:SourceAccount'] = env.account;
    context['aws:SourceArn'] = sourceArn;
  }
  return {
    operation: 'assume the role',
    subject: 'trust',
    principal: { Service: service },
    action: 'sts:AssumeRole',
    resource: roleArn(env),
    context,
    source: src,
  };
}

/** Services whose sts:AssumeRole request carries aws:SourceAccount / aws:SourceArn, per the seed pages. */
export const TRUST: Record<
  EmrKind,
  { service: string; sendsSource: boolean; sourceArnPattern: (a: string, r: string) => string }
> = {
  // The Studio seed's trust policy has no condition, but Studio assumes the role through the same EMR
  // principal that the Notebooks page shows sending aws:SourceAccount / aws:SourceArn.
  // https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-notebooks-service-role.html
  studio: {
    service: 'elasticmapreduce.amazonaws.com',
    sendsSource: true,
    sourceArnPattern: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:*`,
  },
  notebooks: {
    service: 'elasticmapreduce.amazonaws.com',
    sendsSource: true,
    sourceArnPattern: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:*`,
  },
  serverless: {
    service: 'emr-serverless.amazonaws.com',
    sendsSource: true,
    sourceArnPattern: (a, r) => `arn:aws:emr-serverless:${r}:${a}:/applications/*`,
  },
};

/** Every call the service makes for `kind` in `env`. */
export function emrCalls(kind: EmrKind, env: EmrEnvironment): EmrCall[] {
  if (kind === 'studio') {
    const p = session(env, 'studio');
    return [
      trustCall(
        env,
        TRUST.studio.service,
        `arn:aws:elasticmapreduce:${env.region}:${env.account}:studio/es-EXAMPLE`,
        STUDIO_SRC,
      ),
      ...emrReadCalls(env, p, STUDIO_SRC),
      ...networkCalls(env, p, STUDIO_SRC, true),
      ...secretCalls(env, p, STUDIO_SRC),
      ...s3Calls(env, p, 'back up workspaces and notebook files to S3', STUDIO_SRC),
    ];
  }
  if (kind === 'notebooks') {
    const p = session(env, 'notebook');
    return [
      trustCall(
        env,
        TRUST.notebooks.service,
        `arn:aws:elasticmapreduce:${env.region}:${env.account}:editor/e-EXAMPLE`,
        NOTEBOOKS_SRC,
      ),
      ...emrReadCalls(env, p, NOTEBOOKS_SRC),
      ...networkCalls(env, p, NOTEBOOKS_SRC, false),
      ...secretCalls(env, p, NOTEBOOKS_SRC),
      ...s3Calls(env, p, 'store notebook files in S3', NOTEBOOKS_SRC),
    ];
  }
  const p = session(env, 'job');
  const app = env.applicationId ?? '00example';
  const calls: EmrCall[] = [
    trustCall(
      env,
      TRUST.serverless.service,
      `arn:aws:emr-serverless:${env.region}:${env.account}:/applications/${app}/jobruns/00run`,
      SERVERLESS_SRC,
    ),
  ];
  if (env.submitter)
    calls.push({
      operation: 'submit a job run with the runtime role',
      subject: 'submitter',
      principal: env.submitter.arn,
      action: 'iam:PassRole',
      resource: roleArn(env),
      context: { 'iam:PassedToService': TRUST.serverless.service },
      source: SERVERLESS_SRC,
    });
  const locations = [
    ...(env.s3 ? [{ bucket: env.s3.bucket, prefix: env.s3.prefix?.replace(/\/$/, '') }] : []),
    ...(env.jobBuckets ?? []).map((bucket) => ({ bucket, prefix: undefined })),
  ];
  for (const { bucket, prefix } of locations) {
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'])
      calls.push({
        operation: 'read and write job data',
        subject: 'role',
        principal: p,
        action,
        resource: `arn:aws:s3:::${bucket}/${prefix ? `${prefix}/` : ''}data/part-0`,
        context: {},
        source: SERVERLESS_SRC,
      });
    calls.push({
      operation: 'read and write job data',
      subject: 'role',
      principal: p,
      action: 's3:ListBucket',
      resource: `arn:aws:s3:::${bucket}`,
      context: {},
      source: SERVERLESS_SRC,
    });
  }
  calls.push(...kmsCalls(env, p, SERVERLESS_SRC));
  if (env.glue)
    for (const action of ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:GetPartitions'])
      calls.push({
        operation: 'use the Glue Data Catalog',
        subject: 'role',
        principal: p,
        action,
        resource: `arn:aws:glue:${env.region}:${env.account}:catalog`,
        context: {},
        source: SERVERLESS_SRC,
      });
  return calls;
}
