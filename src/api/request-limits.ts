/**
 * The per-call limits of the IAM and STS API models (array members, parameter lengths), checked after
 * authentication and before authorization or any other work: a request carrying 10,000 tags is refused
 * by counting them, never by reading them into a request context. The checks look at each parameter once.
 * Messages are the models' ValidationError wording; the offending value is elided, as it can be huge.
 */
import { RolecallError } from '../errors.js';
import type { QueryParams } from './form.js';

/**
 * Most members of a `Name.member.N` list in one call.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html (Tags: at most 50 items)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_UntagRole.html (TagKeys: at most 50 items)
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (Tags and TransitiveTagKeys
 * at most 50, PolicyArns at most 10)
 */
export const LIST_LIMITS = {
  Tags: 50,
  TagKeys: 50,
  TransitiveTagKeys: 50,
  PolicyArns: 10,
} as const satisfies Record<string, number>;

/**
 * Longest value of a scalar parameter, or of every member of a list of that name.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html (PolicyDocument 1-131072)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (AssumeRolePolicyDocument 1-131072)
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html (PolicyInputList
 * members 1-131072)
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html (EncodedMessage 1-10240)
 */
export const LENGTH_LIMITS = {
  PolicyDocument: 131072,
  AssumeRolePolicyDocument: 131072,
  PolicyInputList: 131072,
  PermissionsBoundaryPolicyInputList: 131072,
  ResourcePolicy: 131072,
  EncodedMessage: 10240,
} as const satisfies Record<string, number>;

function memberName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

function tooLong(param: string, max: number, list: boolean): RolecallError {
  return new RolecallError(
    'ValidationError',
    `1 validation error detected: Value '${list ? '[…]' : '…'}' at '${memberName(param)}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
  );
}

function limitOf<T extends Record<string, number>>(table: T, name: string): number | undefined {
  return Object.hasOwn(table, name) ? table[name as keyof T] : undefined;
}

/** Throws the model's ValidationError for the first list or parameter over its limit. */
export function checkRequestLimits(params: QueryParams): void {
  for (const name of params.listNames()) {
    const max = limitOf(LIST_LIMITS, name);
    if (max !== undefined && params.count(name) > max) throw tooLong(name, max, true);
  }
  for (const [key, value] of params.entries()) {
    const member = key.indexOf('.member.');
    const name = member < 0 ? key : key.slice(0, member);
    const max = limitOf(LENGTH_LIMITS, name);
    if (max !== undefined && value.length > max) throw tooLong(name, max, false);
  }
}
