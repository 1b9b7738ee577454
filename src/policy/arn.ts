/**
 * Amazon Resource Names: `arn:partition:service:region:account-id:resource`. The resource part may itself
 * contain colons and slashes, so only the first five colons split.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */

export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits an ARN into its six parts; undefined when it has fewer than six colon-separated parts or no `arn` prefix. */
export function parseArn(text: string): Arn | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const parts: string[] = [];
  let start = 4;
  for (let i = 0; i < 4; i++) {
    const next = text.indexOf(':', start);
    if (next < 0) return undefined;
    parts.push(text.slice(start, next));
    start = next + 1;
  }
  const [partition, service, region, account] = parts as [string, string, string, string];
  return { partition, service, region, account, resource: text.slice(start) };
}

export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;
}

/** The account that owns the resource named by an ARN, when the ARN says (S3 bucket ARNs do not). */
export function arnAccount(text: string): string | undefined {
  const arn = parseArn(text);
  return arn && arn.account !== '' ? arn.account : undefined;
}

export const ACCOUNT_ID = /^\d{12}$/;

/** Colons of `text` outside `${...}` policy variables (a variable such as `${aws:username}` holds one). */
function partColons(text: string): number {
  let colons = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (c === ':' && depth === 0) colons++;
  }
  return colons;
}

/**
 * A Resource ARN with fewer than six fields names everything in the fields it leaves out: the missing
 * fields are wildcards, so `arn:aws:sqs` is `arn:aws:sqs:*:*:*`. Other patterns are returned unchanged.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
export function completeArnPattern(pattern: string): string {
  if (!pattern.startsWith('arn:')) return pattern;
  const colons = partColons(pattern);
  // `arn:partition:service` is the least an ARN names (the parser rejects less)
  if (colons < 2 || colons >= 5) return pattern;
  return pattern + ':*'.repeat(5 - colons);
}
