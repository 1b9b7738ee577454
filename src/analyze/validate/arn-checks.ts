/**
 * The checks of a resource ARN that need no service data: prefix, number of parts, partition, service
 * case, account id and Region code. Parts with wildcards or policy variables are not judged.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import type { ValidateCode } from './checks.js';

// https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
const PARTITIONS = new Set([
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
]);
/** Region codes: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `eusc-de-east-1`. */
export const REGION_CODE = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

export const open = (part: string): boolean => /[*?]|\$\{/.test(part);

export interface ArnProblem {
  code: ValidateCode;
  message: string;
}

/** The first syntactic problem of a Resource value, or undefined when it is `*` or a well-formed ARN. */
export function arnProblem(value: string): ArnProblem | undefined {
  if (value === '*') return undefined;
  if (!value.startsWith('arn:'))
    return {
      code: 'INVALID_ARN_PREFIX',
      message: `\`${value}\` is neither \`*\` nor an ARN starting with \`arn:\``,
    };
  const parts = value.split(':');
  if (parts.length < 6)
    return {
      code: 'MISSING_ARN_FIELD',
      message: `\`${value}\` has ${parts.length} of the six parts of \`arn:partition:service:region:account:resource\``,
    };
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  if (!open(partition) && !PARTITIONS.has(partition))
    return { code: 'INVALID_PARTITION', message: `partition \`${partition}\` does not exist` };
  if (service !== service.toLowerCase())
    return {
      code: 'INVALID_ARN_SERVICE_CASE',
      message: `service \`${service}\` of an ARN is lower case: \`${service.toLowerCase()}\``,
    };
  if (service === '' || open(service))
    return { code: 'INVALID_ARN_RESOURCE', message: `\`${value}\` must name its service without wildcards` };
  if (account !== '' && !open(account) && account !== 'aws' && !/^\d{12}$/.test(account))
    return { code: 'INVALID_ARN_ACCOUNT', message: `account \`${account}\` is not a 12-digit account id` };
  if (region !== '' && !open(region) && !REGION_CODE.test(region))
    return {
      code: 'INVALID_ARN_REGION',
      message: `\`${region}\` is not a Region code such as \`us-east-1\``,
    };
  return undefined;
}
