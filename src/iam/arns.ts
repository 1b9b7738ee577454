/**
 * The ARNs of IAM identities, managed policies and role sessions, built from their parts, and the reading of
 * a managed policy ARN back into its owner. One place so every part of iam/ names things alike.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 */
import { RolecallError } from '../errors.js';
import { parseArn } from '../policy/arn.js';

export function roleArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:role${path}${name}`;
}
export function userArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:user${path}${name}`;
}
export function groupArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:group${path}${name}`;
}
export function policyArn(account: string, path: string, name: string): string {
  return `arn:aws:iam::${account}:policy${path}${name}`;
}
export function federatedUserArn(account: string, name: string): string {
  return `arn:aws:sts::${account}:federated-user/${name}`;
}
export function assumedRoleArn(account: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
}

/** Where a managed policy ARN points: an AWS managed policy or a customer managed one of an account. */
export type PolicyArnTarget =
  { aws: true; arn: string } | { aws: false; account: string; name: string; path: string };

export function parsePolicyArn(arn: string): PolicyArnTarget {
  const a = parseArn(arn);
  if (!a || a.service !== 'iam' || !a.resource.startsWith('policy/')) {
    throw new RolecallError('InvalidInput', `ARN ${arn} is not valid.`);
  }
  if (a.account === 'aws') return { aws: true, arn };
  const rest = a.resource.slice('policy'.length);
  const cut = rest.lastIndexOf('/');
  return { aws: false, account: a.account, name: rest.slice(cut + 1), path: rest.slice(0, cut + 1) };
}
