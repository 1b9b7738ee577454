/**
 * Principal and NotPrincipal matching for resource-based policies, trust policies and RCPs.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 */
import { parseArn } from '../policy/arn.js';
import { UNIQUE_ID } from '../policy/parse.js';
import type { PrincipalType } from '../policy/types.js';
import type { ContextValue } from './types.js';
import { equalsLower, type PrincipalInfo } from './request.js';

/**
 * How a statement's Principal names the requester; the flow needs the difference:
 * - Account: the account (id or root ARN) — a delegation to the account's identity policies;
 * - Direct: a role ARN (any of its sessions), a service or federated principal;
 * - Exact: the IAM user ARN of a user, the session ARN of a role session, or everyone (`*`) — a grant to
 *   the requester itself, not limited by an implicit deny in a permissions boundary or session policy.
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 *   (a wildcard Principal, with or without an aws:PrincipalArn condition, is not limited by them:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles)
 */
export const Grant = { None: 0, Account: 1, Direct: 2, Exact: 3 } as const;
export type GrantLevel = (typeof Grant)[keyof typeof Grant];

/** What a Principal entry may read of the request besides its principal: the `aws:userid` it carries. */
export interface PrincipalRequest {
  get(keyLower: string): ContextValue | undefined;
}

type EntryTest = (p: PrincipalInfo, req?: PrincipalRequest) => GrantLevel;

/** A Principal or NotPrincipal element as a compiled policy keeps it: each entry's values as written. */
export interface CompiledPrincipal {
  wildcard: boolean;
  entries: readonly { type: PrincipalType; values: readonly string[] }[];
}

/** The strongest way a Principal element names the requester, or None. */
export type PrincipalTest = (p: PrincipalInfo, req?: PrincipalRequest) => GrantLevel;
/** Whether a NotPrincipal element leaves the requester in (the statement applies to it). */
export type NotPrincipalTest = (p: PrincipalInfo) => boolean;

/**
 * A unique id names the user (`AIDA…`, the user itself) or the role (`AROA…`, the role and its sessions,
 * whose aws:userid is `AROA…:session`) that had it, and nothing once that principal is deleted.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
 */
function uniqueIdEntry(value: string): EntryTest {
  const user = value.startsWith('AIDA');
  return (p, req) => {
    const id = req?.get('aws:userid');
    if (typeof id !== 'string') return Grant.None;
    if (user) return p.kind === 'user' && id === value ? Grant.Exact : Grant.None;
    if (p.kind === 'role' && id === value) return Grant.Direct;
    return p.kind === 'session' && id.startsWith(value) && id.charCodeAt(value.length) === 58
      ? Grant.Direct
      : Grant.None;
  };
}

function awsEntry(value: string): EntryTest {
  if (value === '*') return () => Grant.Exact;
  if (UNIQUE_ID.test(value)) return uniqueIdEntry(value);
  if (/^\d{12}$/.test(value))
    return (p) => (p.account === value && p.kind !== 'service' ? Grant.Account : Grant.None);
  const arn = parseArn(value);
  if (!arn) return () => Grant.None;
  const r = arn.resource;
  if (arn.service === 'iam') {
    if (r === 'root')
      return (p) => (p.account === arn.account && p.kind !== 'service' ? Grant.Account : Grant.None);
    if (r.startsWith('user/'))
      return (p) => (p.kind === 'user' && p.arn === value ? Grant.Exact : Grant.None);
    if (r.startsWith('role/')) {
      const name = r.slice(r.lastIndexOf('/') + 1);
      // A role ARN names the role and every session of it; a session ARN does not carry the role's path.
      return (p) =>
        (p.kind === 'role' && p.arn === value) ||
        (p.kind === 'session' && p.account === arn.account && p.roleName === name)
          ? Grant.Direct
          : Grant.None;
    }
    return () => Grant.None;
  }
  if (arn.service === 'sts') {
    if (r.startsWith('assumed-role/'))
      return (p) => (p.kind === 'session' && p.arn === value ? Grant.Exact : Grant.None);
    if (r.startsWith('federated-user/'))
      return (p) => (p.kind === 'federated' && p.arn === value ? Grant.Exact : Grant.None);
  }
  return () => Grant.None;
}

function entryTest(type: string, value: string): EntryTest {
  switch (type) {
    case 'AWS':
      return awsEntry(value);
    case 'Service': {
      const v = value.toLowerCase();
      return (p) =>
        p.kind === 'service' && p.service !== undefined && equalsLower(p.service, v)
          ? Grant.Direct
          : Grant.None;
    }
    case 'Federated':
      return (p) => (p.arn === value || p.service === value ? Grant.Direct : Grant.None);
    default:
      // CanonicalUser names an S3 canonical user id, which a request can only carry as a bare string.
      return (p) => (p.kind === 'other' && p.arn === value ? Grant.Exact : Grant.None);
  }
}

/** The strongest way the block names the requester, or None. */
export function compilePrincipal(block: CompiledPrincipal): PrincipalTest {
  if (block.wildcard) return () => Grant.Exact;
  const tests = entryTests(block);
  return (p, req) => {
    let best: GrantLevel = Grant.None;
    for (const t of tests) {
      const g = t(p, req);
      if (g > best) best = g;
    }
    return best;
  };
}

/** Each value's test, in order. */
function entryTests(block: CompiledPrincipal): EntryTest[] {
  const tests: EntryTest[] = [];
  for (const e of block.entries) for (const v of e.values) tests.push(entryTest(e.type, v));
  return tests;
}

/** The entries' tests for explanations, made on a block's first explanation and kept while it lives. */
const explainedTests = new WeakMap<CompiledPrincipal, EntryTest[]>();

/** The entry of a Principal block that names the requester most strongly (`*` for a wildcard), for explanations. */
export function principalEntryFor(
  block: CompiledPrincipal,
  p: PrincipalInfo,
  req?: PrincipalRequest,
): string | undefined {
  if (block.wildcard) return '*';
  let tests = explainedTests.get(block);
  if (tests === undefined) explainedTests.set(block, (tests = entryTests(block)));
  let best: GrantLevel = Grant.None;
  let by: string | undefined;
  let k = 0;
  for (const e of block.entries)
    for (const v of e.values) {
      const g = tests[k++]!(p, req);
      if (g > best) {
        best = g;
        by = e.type === 'AWS' ? v : `${e.type}: ${v}`;
      }
    }
  return by;
}

/** The identities a request principal stands for, each of which NotPrincipal must list to exclude it. */
function identities(
  p: PrincipalInfo,
): { arn?: string; account?: string; roleName?: string; service?: string }[] {
  switch (p.kind) {
    case 'user':
    case 'role':
    case 'federated':
      return [{ arn: p.arn! }, { account: p.account! }];
    case 'session':
      return [{ arn: p.arn! }, { roleName: p.roleName!, account: p.account! }, { account: p.account! }];
    case 'root':
      return [{ account: p.account! }];
    case 'service':
      return [{ service: p.service! }];
    default:
      return p.arn ? [{ arn: p.arn }] : [];
  }
}

/**
 * NotPrincipal: the statement applies to every principal except those listed. A principal is excluded only
 * when each identity it stands for is listed: for a role session, the session ARN, its role and its account
 * (notprincipal.html: "specify the account ARN" with the user or session).
 */
export function compileNotPrincipal(block: CompiledPrincipal): NotPrincipalTest {
  if (block.wildcard) return () => false;
  const arns = new Set<string>();
  const accounts = new Set<string>();
  const roles = new Set<string>();
  const services = new Set<string>();
  for (const e of block.entries) {
    for (const value of e.values) {
      if (e.type === 'Service') services.add(value.toLowerCase());
      else if (e.type !== 'AWS') arns.add(value);
      else if (value === '*') return () => false;
      else if (/^\d{12}$/.test(value)) accounts.add(value);
      else {
        const arn = parseArn(value);
        if (arn?.service === 'iam' && arn.resource === 'root') accounts.add(arn.account);
        else if (arn?.service === 'iam' && arn.resource.startsWith('role/')) {
          roles.add(`${arn.account}:${arn.resource.slice(arn.resource.lastIndexOf('/') + 1)}`);
          arns.add(value);
        } else arns.add(value);
      }
    }
  }
  return (p) => {
    for (const id of identities(p)) {
      const listed =
        (id.service !== undefined && services.has(id.service.toLowerCase())) ||
        (id.arn !== undefined && arns.has(id.arn)) ||
        (id.roleName !== undefined && roles.has(`${id.account}:${id.roleName}`)) ||
        (id.roleName === undefined &&
          id.arn === undefined &&
          id.account !== undefined &&
          accounts.has(id.account));
      if (!listed) return true;
    }
    return false;
  };
}
