/**
 * AWS's identifiers: unique ids with their type prefixes, access key ids, secrets, session tokens and
 * Organizations ids. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes
 */
import { nodeCrypto } from '../node-crypto.js';

export type UniqueIdPrefix = 'AROA' | 'AIDA' | 'ANPA' | 'AGPA' | 'AIPA' | 'AKIA' | 'ASIA';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = nodeCrypto().randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Role, user, group, policy and instance profile ids are 21 characters: the prefix and 17 more. */
export function uniqueId(prefix: 'AROA' | 'AIDA' | 'ANPA' | 'AGPA' | 'AIPA'): string {
  return prefix + randomFrom(UPPER_ALNUM, 17);
}

/** Access key ids are 20 characters: `AKIA` (long-term) or `ASIA` (temporary) and 16 more. */
export function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + randomFrom(UPPER_ALNUM, 16);
}

/** 40 characters, like AWS's secret access keys. */
export function secretAccessKey(): string {
  return nodeCrypto().randomBytes(30).toString('base64');
}

export function sessionToken(): string {
  return 'IQoJb3JpZ2luX2Vj' + nodeCrypto().randomBytes(192).toString('base64');
}

/** A stable id for an AWS managed policy (the package has none): the same in every store. */
export function awsManagedPolicyId(arn: string): string {
  const digest = nodeCrypto().createHash('sha256').update(arn).digest();
  let out = 'ANPA';
  for (let i = 0; i < 17; i++) out += UPPER_ALNUM[(digest[i] ?? 0) % UPPER_ALNUM.length];
  return out;
}

// https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html (id patterns)
export const orgIds = {
  organization: () => 'o-' + randomFrom(LOWER_ALNUM, 10),
  root: () => 'r-' + randomFrom(LOWER_ALNUM, 4),
  orgUnit: (rootId: string) => `ou-${rootId.slice(2)}-${randomFrom(LOWER_ALNUM, 8)}`,
  policy: () => 'p-' + randomFrom(LOWER_ALNUM, 8),
};
