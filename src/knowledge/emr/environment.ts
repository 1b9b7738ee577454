/**
 * The hand-written EMR environment file, as data: what a setup has around an EMR role (network, locations
 * with their owner, access, key and bucket policy, secrets, the tags EMR adds to what it creates, the Studio
 * or application ARN, SCPs/RCPs and a boundary). `iam/import/environment-file.ts` reads and checks it.
 */

export type EmrKind = 'studio' | 'notebooks' | 'serverless';

export type Tags = Record<string, string>;

export interface TaggedResource {
  id: string;
  tags?: Tags;
}

export interface EnvLocation {
  bucket: string;
  prefix?: string;
  /** Default `read-write`. */
  access?: 'read' | 'read-write';
  /** The bucket's account, when it is not the role's. */
  owner?: string;
  /** The bucket policy. */
  policy?: unknown;
  /** The SSE-KMS key of the location and its key policy (absent policy: the default key policy). */
  key?: { arn: string; policy?: unknown };
}

export interface EmrEnvironment {
  kind?: EmrKind;
  account: string;
  region: string;
  /** The service role (Studio, Notebooks) or job runtime role (Serverless). */
  roleName?: string;
  /** The role's policies when they are not in the store or given as files. */
  trustPolicy?: unknown;
  policies?: unknown[];
  managedPolicies?: string[];
  /** A permissions boundary document (or the ARN of a managed policy). */
  boundary?: unknown;
  /** The Studio's ARN, or the Serverless application's: what the service sends as aws:SourceArn. */
  sourceArn?: string;
  vpc?: TaggedResource;
  subnets?: TaggedResource[];
  securityGroups?: TaggedResource[];
  /** The tags EMR puts on the network interfaces and security groups it creates (Studio: EMR's tag). */
  createdTags?: Tags;
  locations?: EnvLocation[];
  /** Git credentials in Secrets Manager. */
  secrets?: { arn: string; tags?: Tags }[];
  /** Serverless: the principals that submit jobs with the role, and their policies. */
  submitters?: { arn: string; policies?: unknown[] }[];
  /** Whether jobs use the Glue Data Catalog. */
  glue?: boolean;
  /** Service control policies and resource control policies applying to the account, one list per level from the root. */
  scps?: unknown[][];
  rcps?: unknown[][];
  // Older spellings, still read: `s3` + `key` (one location), `jobBuckets`, `submitter`, `applicationId`.
  s3?: { bucket: string; prefix?: string; kmsKeyArn?: string };
  key?: { arn: string; policy?: unknown };
  jobBuckets?: string[];
  submitter?: { arn: string; policies: unknown[] };
  applicationId?: string;
}

/** The tag EMR's example policies gate on. */
export const EMR_TAG_KEY = 'for-use-with-amazon-emr-managed-policies';
export const EMR_TAG_VALUE = 'true';
