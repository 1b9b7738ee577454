/**
 * What EMR Studio, EMR Notebooks and EMR Serverless call with their roles, as data: one entry per service
 * (trust principal, default role name, the ARN it sends as aws:SourceArn, the calls, what its template
 * grants), so a new EMR service is one entry. Each call names what it is on (each subnet, the new network
 * interface, the S3 location...) and what the service sends with it; `analyze/emr-readiness.ts` fills them
 * from a setup and decides them. Every call cites the AWS page it comes from.
 */
import type { EmrKind } from './environment.js';

const STUDIO_SRC = 'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-studio-service-role.html';
const NOTEBOOKS_SRC =
  'https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-notebooks-service-role.html';
const SERVERLESS_SRC =
  'https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/security-iam-runtime-role.html';
// S3 asks KMS for a data key to write an SSE-KMS object and to decrypt one to read it.
const S3_KMS_SRC = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html';
// EC2 authorizes tags applied at creation as ec2:CreateTags with ec2:CreateAction set.
const EC2_TAG_SRC = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html';

/** What a call is on; `each-*` repeats the call for every subnet, security group or secret of the setup. */
export type CallTarget =
  | 'role'
  | 'cluster'
  | 'each-subnet'
  | 'each-security-group'
  | 'vpc'
  | 'new-network-interface'
  | 'created-network-interface'
  | 'new-security-group'
  | 'created-security-group'
  | 'instance'
  | 'any'
  | 'each-secret'
  | 'location-objects'
  | 'location-bucket'
  | 'location-key'
  | 'glue-catalog';

/** What the service sends with a call besides the resource's own tags and the principal's context. */
export type CallSends =
  /** The tags EMR puts on what it creates, as aws:RequestTag/* and aws:TagKeys. */
  | 'created-tags'
  /** The tags EMR put on the resource it created, as aws:ResourceTag/*. */
  | 'tags-of-created'
  /** Notebooks tag their network interfaces with the editor id only. */
  | 'editor-tag-keys'
  | 'create-action:CreateNetworkInterface'
  | 'create-action:CreateSecurityGroup'
  /** The call reaches KMS through S3 (kms:ViaService, kms:CallerAccount). */
  | 'via-s3'
  /** aws:SourceAccount and aws:SourceArn of the Studio, notebook or job run. */
  | 'source';

export interface CallSpec {
  operation: string;
  /** Who calls: the service assuming the role, the role's session, or a user passing the role. */
  by: 'service' | 'role' | 'submitter';
  action: string;
  on: CallTarget;
  sends?: CallSends[];
  /** Only for a location the service writes to, or only when jobs use the Glue Data Catalog. */
  only?: 'write' | 'glue';
  source: string;
}

export interface EmrService {
  kind: EmrKind;
  /** The service principal that assumes the role. */
  principal: string;
  defaultRoleName: string;
  /** The session name the service's calls appear under (for readable ARNs). */
  sessionName: string;
  /** The pattern a trust policy's aws:SourceArn should allow (confused-deputy protection). */
  sourceArnPattern: (account: string, region: string) => string;
  /** The aws:SourceArn the service sends when no Studio or application ARN is known. */
  exampleSourceArn: (account: string, region: string) => string;
  /** Whether the template gates networking on EMR's tag (Studio) or not (Notebooks' managed policy). */
  network: 'tagged' | 'untagged' | 'none';
  /** The KMS actions of an SSE-KMS location the service writes to. */
  kmsActions: readonly string[];
  calls: readonly CallSpec[];
  source: string;
}

const trustCall = (source: string): CallSpec => ({
  operation: 'assume the role',
  by: 'service',
  action: 'sts:AssumeRole',
  on: 'role',
  sends: ['source'],
  source,
});

const clusterCalls = (source: string): CallSpec[] =>
  ['elasticmapreduce:DescribeCluster', 'elasticmapreduce:ListInstances', 'elasticmapreduce:ListSteps'].map(
    (action) => ({ operation: 'read the attached cluster', by: 'role', action, on: 'cluster', source }),
  );

function networkCalls(source: string, tagged: boolean): CallSpec[] {
  const operation = 'establish the network channel between a workspace and a cluster';
  const c = (action: string, on: CallTarget, sends: CallSends[] = [], src = source): CallSpec => ({
    operation,
    by: 'role',
    action,
    on,
    ...(sends.length ? { sends } : {}),
    source: src,
  });
  return [
    c('ec2:CreateNetworkInterface', 'each-subnet'),
    c('ec2:CreateNetworkInterface', 'each-security-group'),
    c('ec2:CreateNetworkInterface', 'new-network-interface', tagged ? ['created-tags'] : []),
    c('ec2:CreateSecurityGroup', 'vpc'),
    c('ec2:CreateSecurityGroup', 'new-security-group', tagged ? ['created-tags'] : []),
    ...(tagged
      ? [
          c(
            'ec2:CreateTags',
            'created-security-group',
            ['created-tags', 'create-action:CreateSecurityGroup'],
            EC2_TAG_SRC,
          ),
        ]
      : []),
    c(
      'ec2:CreateTags',
      'created-network-interface',
      tagged
        ? ['created-tags', 'create-action:CreateNetworkInterface']
        : ['editor-tag-keys', 'create-action:CreateNetworkInterface'],
      EC2_TAG_SRC,
    ),
    c('ec2:CreateNetworkInterfacePermission', 'created-network-interface', ['tags-of-created']),
    c('ec2:DeleteNetworkInterface', 'created-network-interface', ['tags-of-created']),
    c('ec2:AuthorizeSecurityGroupIngress', 'each-security-group'),
    c('ec2:AuthorizeSecurityGroupEgress', 'each-security-group'),
    c('ec2:RevokeSecurityGroupEgress', 'each-security-group'),
    // The Studio page keeps ModifyNetworkInterfaceAttribute on instances, ENIs and security groups, untagged.
    c('ec2:ModifyNetworkInterfaceAttribute', 'created-network-interface'),
    c('ec2:ModifyNetworkInterfaceAttribute', 'instance'),
    c('ec2:ModifyNetworkInterfaceAttribute', 'each-security-group'),
    ...[
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeTags',
    ].map((a) => c(a, 'any')),
  ];
}

const secretCall = (source: string): CallSpec => ({
  operation: 'link a Git repository with credentials from Secrets Manager',
  by: 'role',
  action: 'secretsmanager:GetSecretValue',
  on: 'each-secret',
  source,
});

function backupCalls(operation: string, source: string, kms: readonly string[]): CallSpec[] {
  return [
    ...['s3:PutObject', 's3:GetObject', 's3:DeleteObject'].map((action): CallSpec => ({
      operation,
      by: 'role',
      action,
      on: 'location-objects',
      source,
    })),
    ...['s3:ListBucket', 's3:GetEncryptionConfiguration'].map((action): CallSpec => ({
      operation,
      by: 'role',
      action,
      on: 'location-bucket',
      source,
    })),
    ...kms.map((action): CallSpec => ({
      operation: 'use the encrypted S3 location',
      by: 'role',
      action,
      on: 'location-key',
      sends: ['via-s3'],
      source,
    })),
  ];
}

// The Studio page lists kms:ReEncrypt, which names no action: kms:ReEncryptFrom and kms:ReEncryptTo are the real ones.
const STUDIO_KMS = [
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:DescribeKey',
] as const;

export const EMR_SERVICES = {
  studio: {
    kind: 'studio',
    principal: 'elasticmapreduce.amazonaws.com',
    defaultRoleName: 'EMRStudio_Service_Role',
    sessionName: 'studio',
    // Studio assumes the role through the EMR principal the Notebooks page shows sending aws:SourceAccount
    // and aws:SourceArn; the Studio seed's trust policy has no condition.
    sourceArnPattern: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:*`,
    exampleSourceArn: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:studio/es-EXAMPLE`,
    network: 'tagged',
    kmsActions: STUDIO_KMS,
    calls: [
      trustCall(STUDIO_SRC),
      ...clusterCalls(STUDIO_SRC),
      ...networkCalls(STUDIO_SRC, true),
      secretCall(STUDIO_SRC),
      ...backupCalls('back up workspaces and notebook files to S3', STUDIO_SRC, STUDIO_KMS),
    ],
    source: STUDIO_SRC,
  },
  notebooks: {
    kind: 'notebooks',
    principal: 'elasticmapreduce.amazonaws.com',
    defaultRoleName: 'EMR_Notebooks_DefaultRole',
    sessionName: 'notebook',
    sourceArnPattern: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:*`,
    exampleSourceArn: (a, r) => `arn:aws:elasticmapreduce:${r}:${a}:editor/e-EXAMPLE`,
    // AmazonElasticMapReduceEditorsRole grants the network calls on "*" with no tag condition, so Notebooks
    // need no EMR tag on the VPC, subnets or security groups (only Studio's policy gates on it).
    network: 'untagged',
    kmsActions: STUDIO_KMS,
    calls: [
      trustCall(NOTEBOOKS_SRC),
      ...clusterCalls(NOTEBOOKS_SRC),
      ...networkCalls(NOTEBOOKS_SRC, false),
      secretCall(NOTEBOOKS_SRC),
      ...backupCalls('store notebook files in S3', NOTEBOOKS_SRC, STUDIO_KMS),
    ],
    source: NOTEBOOKS_SRC,
  },
  serverless: {
    kind: 'serverless',
    principal: 'emr-serverless.amazonaws.com',
    defaultRoleName: 'EMRServerlessJobRuntimeRole',
    sessionName: 'job',
    sourceArnPattern: (a, r) => `arn:aws:emr-serverless:${r}:${a}:/applications/*`,
    exampleSourceArn: (a, r) => `arn:aws:emr-serverless:${r}:${a}:/applications/00example/jobruns/00run`,
    network: 'none',
    kmsActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    calls: [
      trustCall(SERVERLESS_SRC),
      {
        operation: 'submit a job run with the runtime role',
        by: 'submitter',
        action: 'iam:PassRole',
        on: 'role',
        source: SERVERLESS_SRC,
      },
      ...(['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] as const).map((action): CallSpec => ({
        operation: action === 's3:GetObject' ? 'read job data' : 'write job data',
        by: 'role',
        action,
        on: 'location-objects',
        ...(action === 's3:GetObject' ? {} : { only: 'write' as const }),
        source: SERVERLESS_SRC,
      })),
      {
        operation: 'read job data',
        by: 'role',
        action: 's3:ListBucket',
        on: 'location-bucket',
        source: SERVERLESS_SRC,
      },
      {
        operation: 'read SSE-KMS job data',
        by: 'role',
        action: 'kms:Decrypt',
        on: 'location-key',
        sends: ['via-s3'],
        source: S3_KMS_SRC,
      },
      {
        operation: 'write SSE-KMS job data',
        by: 'role',
        action: 'kms:GenerateDataKey',
        on: 'location-key',
        sends: ['via-s3'],
        only: 'write',
        source: S3_KMS_SRC,
      },
      ...['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:GetPartitions'].map(
        (action): CallSpec => ({
          operation: 'use the Glue Data Catalog',
          by: 'role',
          action,
          on: 'glue-catalog',
          only: 'glue',
          source: SERVERLESS_SRC,
        }),
      ),
    ],
    source: SERVERLESS_SRC,
  },
} as const satisfies Record<EmrKind, EmrService>;

/** The trust side of each service, as the templates and the lint use it. */
export const TRUST: Record<
  EmrKind,
  { service: string; sendsSource: boolean; sourceArnPattern: (a: string, r: string) => string }
> = {
  studio: {
    service: EMR_SERVICES.studio.principal,
    sendsSource: true,
    sourceArnPattern: EMR_SERVICES.studio.sourceArnPattern,
  },
  notebooks: {
    service: EMR_SERVICES.notebooks.principal,
    sendsSource: true,
    sourceArnPattern: EMR_SERVICES.notebooks.sourceArnPattern,
  },
  serverless: {
    service: EMR_SERVICES.serverless.principal,
    sendsSource: true,
    sourceArnPattern: EMR_SERVICES.serverless.sourceArnPattern,
  },
};

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
