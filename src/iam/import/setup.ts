/**
 * What an importer reads from a user's file (CloudFormation template, Terraform plan, AWS account snapshot,
 * EMR environment file): the IAM state and registered resources to load into a store (the shape `apply`
 * takes), the EMR resources that name their roles, every policy document with its place in the user's file,
 * and the values the file cannot know (a Terraform value known only after apply), which a check must report
 * as undecidable rather than guess.
 */
import { RolecallError } from '../../errors.js';
import type { PolicyKind } from '../../policy/types.js';
import type { DeclaredState } from '../state.js';
import type { Tag } from '../types.js';
import type { SourcePlace } from './source.js';

export type ImportFormat = 'cloudformation' | 'terraform-plan' | 'aws-snapshot' | 'environment';

export interface ImportedPolicy {
  kind: PolicyKind;
  /** What holds it, in the user's terms: `AWS::IAM::Role StudioRole inline Access`. */
  name: string;
  /** The place key (see `placeKey`) of the entity it belongs to. */
  owner: string;
  /** The document as JSON text. */
  document: string;
  place: SourcePlace;
  /** The place of each entry of `Statement` when the file wrote it as a list. */
  statements?: SourcePlace[];
}

export interface ImportedStudio {
  arn: string;
  name: string;
  serviceRole?: string;
  vpc?: string;
  subnets: string[];
  securityGroups: string[];
  /** `s3://bucket/prefix` */
  s3Location?: string;
  kmsKey?: string;
  place: SourcePlace;
}

export interface ImportedApplication {
  arn: string;
  name: string;
  /** Roles that can be passed to it as job runtime roles (trust `emr-serverless.amazonaws.com`). */
  runtimeRoles: string[];
  subnets: string[];
  securityGroups: string[];
  place: SourcePlace;
}

/** A value the file cannot know yet: every decision that depends on it is reported as undecidable. */
export interface UnknownValue {
  /** The place key of the entity whose value is unknown. */
  owner: string;
  /** `the tags of aws_subnet.b` */
  what: string;
  reason: string;
  place: SourcePlace;
}

export interface ImportedSetup {
  format: ImportFormat;
  files: string[];
  account: string;
  region: string;
  state: DeclaredState;
  /** Where each entity was declared, keyed by `placeKey`. */
  places: Map<string, SourcePlace>;
  /** The user's name for an entity (`aws_subnet.b`, logical id `PrivateSubnet`), keyed by `placeKey`. */
  names: Map<string, string>;
  policies: ImportedPolicy[];
  studios: ImportedStudio[];
  applications: ImportedApplication[];
  unknowns: UnknownValue[];
  /** Declared things this import does not model (resource types outside the EMR setup). */
  skipped: { type: string; name: string; place: SourcePlace }[];
}

/** Keys of `places`, `names`, `ImportedPolicy.owner` and `UnknownValue.owner`. */
export const placeKey = {
  role: (account: string, name: string) => `role:${account}:${name}`,
  user: (account: string, name: string) => `user:${account}:${name}`,
  group: (account: string, name: string) => `group:${account}:${name}`,
  policy: (arn: string) => `policy:${arn}`,
  resource: (arn: string) => `resource:${arn}`,
  orgPolicy: (name: string) => `org-policy:${name}`,
};

export function emptySetup(
  format: ImportFormat,
  files: string[],
  account: string,
  region: string,
): ImportedSetup {
  return {
    format,
    files,
    account,
    region,
    state: { accounts: [], policies: [], groups: [], roles: [], users: [], resources: [] },
    places: new Map(),
    names: new Map(),
    policies: [],
    studios: [],
    applications: [],
    unknowns: [],
    skipped: [],
  };
}

/** Tags from `{k: v}` or `[{Key, Value}]`, dropping entries that are not strings. */
export function tagList(v: unknown): Tag[] {
  if (Array.isArray(v))
    return v.flatMap((t) => {
      const o = t as { Key?: unknown; Value?: unknown } | null;
      return o && typeof o.Key === 'string'
        ? [{ key: o.Key, value: typeof o.Value === 'string' ? o.Value : '' }]
        : [];
    });
  if (v && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>).flatMap(([key, value]) =>
      typeof value === 'string' ? [{ key, value }] : [],
    );
  return [];
}

/** Text of a policy document given as an object or as JSON text. */
export function documentText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

/** Every problem of a file at once, each with its place: one InvalidFile error. */
export function invalidFile(
  file: string,
  problems: readonly { message: string; place: SourcePlace }[],
  what = `\`${file}\``,
): RolecallError {
  return new RolecallError(
    'InvalidFile',
    `${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    { file },
    problems.map((p) => ({
      message: p.message,
      place: { file: p.place.file, line: p.place.line, column: p.place.column, path: p.place.path },
    })),
  );
}

/**
 * The key policy KMS gives a key created without one: the account's IAM policies decide.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export function defaultKeyPolicy(account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}
