/**
 * The resource types a resource-based policy can be validated for (Access Analyzer's
 * `validatePolicyResourceType`), with the services whose actions and ARNs such a policy may name.
 * https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicy.html
 */
export interface ResourceTypeRule {
  actions: readonly string[];
  arns: readonly string[];
}

export const RESOURCE_TYPE_SERVICES: Readonly<Record<string, ResourceTypeRule>> = {
  'AWS::S3::Bucket': { actions: ['s3'], arns: ['s3'] },
  'AWS::S3::AccessPoint': { actions: ['s3'], arns: ['s3'] },
  'AWS::S3::MultiRegionAccessPoint': { actions: ['s3'], arns: ['s3'] },
  'AWS::S3ObjectLambda::AccessPoint': { actions: ['s3-object-lambda'], arns: ['s3-object-lambda'] },
  'AWS::IAM::AssumeRolePolicyDocument': { actions: ['sts'], arns: [] },
  'AWS::DynamoDB::Table': { actions: ['dynamodb'], arns: ['dynamodb'] },
};

export const RESOURCE_TYPES = Object.keys(RESOURCE_TYPE_SERVICES);
