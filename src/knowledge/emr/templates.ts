/** Least-privilege policies for the three EMR roles: specific buckets, EMR's tag conditions, confused-deputy keys. */
import { EMR_TAG_KEY, type EmrKind } from './environment.js';
import { EMR_SERVICES, TRUST } from './service-model.js';

export interface TemplateOptions {
  account: string;
  region: string;
  /** `bucket` or `bucket/prefix`. */
  bucket: string;
  kmsKeyArn?: string;
  gitSecrets?: boolean;
  glue?: boolean;
  roleName: string;
}

type Statement = Record<string, unknown>;
export interface PolicyJson {
  Version: '2012-10-17';
  Statement: Statement[];
}

export interface EmrTemplate {
  trust: PolicyJson;
  permissions: PolicyJson;
  /** A statement to add to the key's key policy. */
  keyPolicyStatement?: Statement;
  /** Serverless: what submitters need to pass the runtime role. */
  passRole?: PolicyJson;
}

const tagEq = (k: 'ResourceTag' | 'RequestTag') => ({
  StringEquals: { [`aws:${k}/${EMR_TAG_KEY}`]: 'true' },
});
const policy = (s: Statement[]): PolicyJson => ({ Version: '2012-10-17', Statement: s });

function split(bucket: string): { name: string; objects: string } {
  const i = bucket.indexOf('/');
  const name = i < 0 ? bucket : bucket.slice(0, i);
  const prefix = i < 0 ? '' : bucket.slice(i + 1).replace(/\/$/, '');
  return { name, objects: `arn:aws:s3:::${name}/${prefix ? `${prefix}/` : ''}*` };
}

function s3Statements(kind: EmrKind, o: TemplateOptions): Statement[] {
  const { name, objects } = split(o.bucket);
  const out: Statement[] = [
    {
      Sid: 'ObjectsInLocation',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
      Resource: objects,
    },
    {
      Sid: 'Bucket',
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetEncryptionConfiguration'],
      Resource: `arn:aws:s3:::${name}`,
    },
  ];
  if (o.kmsKeyArn)
    out.push({
      Sid: 'KeyThroughS3',
      Effect: 'Allow',
      // Studio and Notebooks: their pages' list (kms:ReEncrypt names no action; ReEncryptFrom/To are the
      // real ones). Serverless jobs read and write SSE-KMS objects, which is Decrypt and GenerateDataKey.
      Action: [...EMR_SERVICES[kind].kmsActions],
      Resource: o.kmsKeyArn,
      Condition: { StringEquals: { 'kms:ViaService': `s3.${o.region}.amazonaws.com` } },
    });
  return out;
}

function trust(kind: EmrKind, o: TemplateOptions): PolicyJson {
  const t = TRUST[kind];
  const st: Statement = { Effect: 'Allow', Principal: { Service: t.service }, Action: 'sts:AssumeRole' };
  if (t.sendsSource)
    st.Condition = {
      StringEquals: { 'aws:SourceAccount': o.account },
      ArnLike: { 'aws:SourceArn': t.sourceArnPattern(o.account, o.region) },
    };
  return policy([st]);
}

function network(kind: EmrKind): Statement[] {
  const ec2 = 'arn:aws:ec2:*:*';
  const describe: Statement = {
    Sid: 'Describe',
    Effect: 'Allow',
    Action: [
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeTags',
    ],
    Resource: '*',
  };
  const common: Statement[] = [
    {
      Sid: 'EmrRead',
      Effect: 'Allow',
      Action: [
        'elasticmapreduce:DescribeCluster',
        'elasticmapreduce:ListInstances',
        'elasticmapreduce:ListSteps',
      ],
      Resource: `arn:aws:elasticmapreduce:*:*:cluster/*`,
    },
    describe,
    {
      Sid: 'EniAttribute',
      Effect: 'Allow',
      Action: 'ec2:ModifyNetworkInterfaceAttribute',
      Resource: [`${ec2}:instance/*`, `${ec2}:network-interface/*`, `${ec2}:security-group/*`],
    },
  ];
  const taggedOnly = [
    {
      Sid: 'EniInTaggedSubnetsAndGroups',
      Effect: 'Allow',
      Action: 'ec2:CreateNetworkInterface',
      Resource: [`${ec2}:subnet/*`, `${ec2}:security-group/*`],
      Condition: tagEq('ResourceTag'),
    },
    {
      Sid: 'NewEniTagged',
      Effect: 'Allow',
      Action: 'ec2:CreateNetworkInterface',
      Resource: `${ec2}:network-interface/*`,
      Condition: tagEq('RequestTag'),
    },
    {
      Sid: 'TaggedEni',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'],
      Resource: `${ec2}:network-interface/*`,
      Condition: tagEq('ResourceTag'),
    },
    {
      Sid: 'TaggedSecurityGroups',
      Effect: 'Allow',
      Action: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
      ],
      Resource: `${ec2}:security-group/*`,
      Condition: tagEq('ResourceTag'),
    },
    {
      Sid: 'GroupInTaggedVpc',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: `${ec2}:vpc/*`,
      Condition: tagEq('ResourceTag'),
    },
    {
      Sid: 'NewGroupTagged',
      Effect: 'Allow',
      Action: 'ec2:CreateSecurityGroup',
      Resource: `${ec2}:security-group/*`,
      Condition: tagEq('RequestTag'),
    },
    {
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: [`${ec2}:security-group/*`, `${ec2}:network-interface/*`],
      Condition: {
        StringEquals: {
          'ec2:CreateAction': ['CreateSecurityGroup', 'CreateNetworkInterface'],
          [`aws:RequestTag/${EMR_TAG_KEY}`]: 'true',
        },
      },
    },
  ];
  if (kind === 'studio') return [...common, ...taggedOnly];
  // Notebooks: AmazonElasticMapReduceEditorsRole grants the network calls with no tag condition, so the
  // VPC, subnets and security groups need no EMR tag; this template scopes them to the account and region.
  // https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-notebooks-service-role.html
  return [
    ...common,
    {
      Sid: 'NotebookNetwork',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:CreateNetworkInterfacePermission',
        'ec2:DeleteNetworkInterface',
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupEgress',
        'ec2:CreateSecurityGroup',
      ],
      Resource: [`${ec2}:subnet/*`, `${ec2}:security-group/*`, `${ec2}:network-interface/*`, `${ec2}:vpc/*`],
    },
    {
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: `${ec2}:network-interface/*`,
      Condition: {
        StringEquals: { 'ec2:CreateAction': 'CreateNetworkInterface' },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['aws:elasticmapreduce:editor-id', 'aws:elasticmapreduce:job-flow-id'],
        },
      },
    },
  ];
}

/** The policies for `kind`. */
export function emrTemplate(kind: EmrKind, o: TemplateOptions): EmrTemplate {
  const perms: Statement[] = [];
  if (kind !== 'serverless') {
    perms.push(...network(kind));
    if (o.gitSecrets)
      perms.push({
        Sid: 'TaggedGitSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: `arn:aws:secretsmanager:${o.region}:${o.account}:secret:*`,
        Condition: tagEq('ResourceTag'),
      });
  }
  perms.push(...s3Statements(kind, o));
  if (kind === 'serverless' && o.glue)
    perms.push({
      Sid: 'GlueCatalog',
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:GetPartitions'],
      Resource: [
        `arn:aws:glue:${o.region}:${o.account}:catalog`,
        `arn:aws:glue:${o.region}:${o.account}:database/*`,
        `arn:aws:glue:${o.region}:${o.account}:table/*`,
      ],
    });
  const roleArn = `arn:aws:iam::${o.account}:role/${o.roleName}`;
  const out: EmrTemplate = { trust: trust(kind, o), permissions: policy(perms) };
  if (o.kmsKeyArn)
    out.keyPolicyStatement = {
      Sid: `Allow${o.roleName.replace(/[^A-Za-z0-9]/g, '')}ThroughS3`,
      Effect: 'Allow',
      Principal: { AWS: roleArn },
      Action: [...EMR_SERVICES[kind].kmsActions],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': `s3.${o.region}.amazonaws.com` } },
    };
  if (kind === 'serverless')
    out.passRole = policy([
      {
        Sid: 'PassRuntimeRoleToEmrServerless',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: roleArn,
        Condition: { StringEquals: { 'iam:PassedToService': TRUST.serverless.service } },
      },
    ]);
  return out;
}
