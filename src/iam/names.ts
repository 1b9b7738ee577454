/**
 * AWS's rules for names, paths, descriptions, tags and policy text. Pattern failures are
 * `ValidationError` with AWS's wording, semantic ones `InvalidInput`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
 */
import { RolecallError } from '../errors.js';
import { ACCOUNT_ID } from '../policy/arn.js';
import type { Tag } from './types.js';

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName, Path patterns)
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (Description pattern)
// eslint-disable-next-line no-control-regex -- AWS's pattern admits tab, LF and CR by code point
const DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html (a key's pattern is `+`, a value's `*`;
// a key's length is checked first). Made on the first tag checked: a Unicode property class costs a few
// hundred microseconds to create, which every command that loads this module would pay at start.
let tagChars: RegExp | undefined;
const TAG_CHARS = (): RegExp => (tagChars ??= /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
// Policy documents may only hold tab, LF, CR and U+0020–U+00FF (quotas page, name requirements).
// eslint-disable-next-line no-control-regex -- AWS's rule admits tab, LF and CR by code point
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]*$/;

function validation(member: string, value: string, constraint: string): RolecallError {
  return new RolecallError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export type NamedEntity = 'roleName' | 'userName' | 'groupName' | 'policyName' | 'instanceProfileName';

const NAME_MAX: Record<NamedEntity, number> = {
  roleName: 64,
  userName: 64,
  groupName: 128,
  policyName: 128,
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html
  instanceProfileName: 128,
};

export function checkName(member: NamedEntity, value: string): void {
  if (value.length < 1 || value.length > NAME_MAX[member]) {
    throw validation(
      member,
      value,
      `Member must have length ${value.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${NAME_MAX[member]}`}`,
    );
  }
  if (!NAME.test(value))
    throw validation(member, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

export function checkPath(value: string, member = 'path'): void {
  if (value.length > 512)
    throw validation(member, value, 'Member must have length less than or equal to 512');
  if (!PATH.test(value)) {
    throw validation(
      member,
      value,
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  }
}

export function checkDescription(value: string): void {
  if (value.length > 1000)
    throw validation('description', value, 'Member must have length less than or equal to 1000');
  if (!DESCRIPTION.test(value)) {
    throw validation(
      'description',
      value,
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
    );
  }
}

// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (MaxSessionDuration 3600–43200)
export function checkMaxSessionDuration(value: number): void {
  if (!Number.isInteger(value) || value < 3600 || value > 43200) {
    throw validation(
      'maxSessionDuration',
      String(value),
      value < 3600
        ? 'Member must have value greater than or equal to 3600'
        : 'Member must have value less than or equal to 43200',
    );
  }
}

export function checkAccountId(value: string): void {
  if (!ACCOUNT_ID.test(value))
    throw new RolecallError('InvalidInput', `account id \`${value}\` must be 12 digits`);
}

export function checkTags(tags: readonly Tag[]): void {
  for (const t of tags) {
    if (t.key.length < 1 || t.key.length > 128) {
      throw validation('tags.member.key', t.key, 'Member must have length between 1 and 128');
    }
    if (!TAG_CHARS().test(t.key)) {
      throw validation(
        'tags.member.key',
        t.key,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
      );
    }
    if (t.value.length > 256)
      throw validation('tags.member.value', t.value, 'Member must have length less than or equal to 256');
    if (!TAG_CHARS().test(t.value)) {
      throw validation(
        'tags.member.value',
        t.value,
        'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
      );
    }
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating (aws: prefix is reserved)
    if (t.key.toLowerCase().startsWith('aws:')) {
      throw new RolecallError('InvalidInput', 'User-defined tag keys cannot start with the prefix aws:');
    }
  }
}

/** Whitespace does not count toward policy size quotas. */
export function policySize(text: string): number {
  let n = 0;
  for (const ch of text) if (!/\s/.test(ch)) n++;
  return n;
}

export function checkPolicyCharacters(text: string): void {
  if (!POLICY_CHARS.test(text)) {
    const bad = [...text].findIndex((c) => !POLICY_CHARS.test(c));
    const before = [...text].slice(0, bad).join('');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    throw new RolecallError(
      'MalformedPolicyDocument',
      'The policy document contains characters outside U+0009, U+000A, U+000D and U+0020 to U+00FF',
      { line, column },
    );
  }
}

/** Tags merged into `current`: IAM tag keys are case-insensitive, a later key replaces an earlier one. */
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#case-sensitivity
export function mergeTags(current: readonly Tag[], added: readonly Tag[], caseInsensitive = true): Tag[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  const out = current.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((o) => norm(o.key) === norm(t.key));
    if (i >= 0) out[i] = { key: t.key, value: t.value };
    else out.push({ key: t.key, value: t.value });
  }
  return out;
}

export function removeTags(current: readonly Tag[], keys: readonly string[], caseInsensitive = true): Tag[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  const drop = new Set(keys.map(norm));
  return current.filter((t) => !drop.has(norm(t.key)));
}
