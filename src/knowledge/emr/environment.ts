/** The account an EMR role works in, as a readiness check needs to see it: resources, their tags, keys, policies. */

export type EmrKind = 'studio' | 'notebooks' | 'serverless';

export type Tags = Record<string, string>;

export interface TaggedResource {
  id: string;
  tags?: Tags;
}

export interface EmrEnvironment {
  account: string;
  region: string;
  /** The service role (Studio, Notebooks) or job runtime role (Serverless). */
  roleName: string;
  vpc?: TaggedResource;
  subnets?: TaggedResource[];
  securityGroups?: TaggedResource[];
  /** Workspace / notebook backup location, or the job's data location for Serverless. */
  s3?: { bucket: string; prefix?: string; kmsKeyArn?: string };
  /** Further buckets a Serverless job reads and writes. */
  jobBuckets?: string[];
  /** The customer managed key of the S3 location, with its key policy (absent: IAM policies decide). */
  key?: { arn: string; policy?: unknown };
  /** Git credentials in Secrets Manager. */
  secrets?: { arn: string; tags?: Tags }[];
  /** Serverless: the application jobs run in, and the principal that submits them. */
  applicationId?: string;
  submitter?: { arn: string; policies: unknown[] };
  /** Whether jobs use the Glue Data Catalog. */
  glue?: boolean;
}

/** The tag EMR's example policies gate on. */
export const EMR_TAG_KEY = 'for-use-with-amazon-emr-managed-policies';
export const EMR_TAG_VALUE = 'true';
