/**
 * AWS global condition keys (`aws:` prefix) with their types and whether they are multivalued. The
 * service data names only the tag keys among them, so the list is kept here.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 */

/** Condition key types as the Service Authorization Reference names them. */
export type ConditionKeyType =
  | 'String'
  | 'ARN'
  | 'Bool'
  | 'Date'
  | 'Numeric'
  | 'IPAddress'
  | 'ArrayOfString'
  | 'ArrayOfARN'
  | 'ArrayOfBool';

export interface GlobalConditionKey {
  /** As AWS spells it; names with a tag key end in `/`. */
  key: string;
  type: ConditionKeyType;
}

const keys: readonly GlobalConditionKey[] = [
  { key: 'aws:CalledVia', type: 'ArrayOfString' },
  { key: 'aws:CalledViaFirst', type: 'String' },
  { key: 'aws:CalledViaLast', type: 'String' },
  { key: 'aws:CurrentTime', type: 'Date' },
  // aws:EpochTime takes date and numeric operators alike.
  { key: 'aws:EpochTime', type: 'Date' },
  { key: 'aws:FederatedProvider', type: 'String' },
  { key: 'aws:MultiFactorAuthAge', type: 'Numeric' },
  { key: 'aws:MultiFactorAuthPresent', type: 'Bool' },
  { key: 'aws:Ec2InstanceSourceVpc', type: 'String' },
  { key: 'aws:Ec2InstanceSourcePrivateIPv4', type: 'IPAddress' },
  { key: 'aws:PrincipalAccount', type: 'String' },
  { key: 'aws:PrincipalArn', type: 'ARN' },
  { key: 'aws:PrincipalIsAWSService', type: 'Bool' },
  { key: 'aws:PrincipalOrgID', type: 'String' },
  { key: 'aws:PrincipalOrgPaths', type: 'ArrayOfString' },
  { key: 'aws:PrincipalServiceName', type: 'String' },
  { key: 'aws:PrincipalServiceNamesList', type: 'ArrayOfString' },
  { key: 'aws:PrincipalTag/', type: 'String' },
  { key: 'aws:PrincipalType', type: 'String' },
  { key: 'aws:AssumedRoot', type: 'Bool' },
  { key: 'aws:Referer', type: 'String' },
  { key: 'aws:RequestedRegion', type: 'String' },
  { key: 'aws:RequestTag/', type: 'String' },
  { key: 'aws:ResourceAccount', type: 'String' },
  { key: 'aws:ResourceOrgID', type: 'String' },
  { key: 'aws:ResourceOrgPaths', type: 'ArrayOfString' },
  { key: 'aws:ResourceTag/', type: 'String' },
  { key: 'aws:SecureTransport', type: 'Bool' },
  { key: 'aws:SourceAccount', type: 'String' },
  { key: 'aws:SourceArn', type: 'ARN' },
  { key: 'aws:SourceIdentity', type: 'String' },
  { key: 'aws:SourceIp', type: 'IPAddress' },
  { key: 'aws:SourceOrgID', type: 'String' },
  { key: 'aws:SourceOrgPaths', type: 'ArrayOfString' },
  { key: 'aws:SourceVpc', type: 'String' },
  { key: 'aws:SourceVpcArn', type: 'ARN' },
  { key: 'aws:SourceVpce', type: 'String' },
  { key: 'aws:TagKeys', type: 'ArrayOfString' },
  { key: 'aws:TokenIssueTime', type: 'Date' },
  { key: 'aws:UserAgent', type: 'String' },
  { key: 'aws:userid', type: 'String' },
  { key: 'aws:username', type: 'String' },
  { key: 'aws:ViaAWSService', type: 'Bool' },
  { key: 'aws:VpceAccount', type: 'String' },
  { key: 'aws:VpceOrgID', type: 'String' },
  { key: 'aws:VpceOrgPaths', type: 'ArrayOfString' },
  { key: 'aws:VpcSourceIp', type: 'IPAddress' },
  { key: 'aws:ChatbotSourceArn', type: 'ARN' },
  // Keys that AWS managed policies use although the global key page does not list them.
  { key: 'aws:IsMcpServiceAction', type: 'Bool' },
  { key: 'aws:PrincipalOrgMasterAccountId', type: 'String' },
  { key: 'aws:SourceOwner', type: 'String' },
  { key: 'aws:ARN', type: 'ARN' },
];

const exact = new Map<string, GlobalConditionKey>();
const prefixed: GlobalConditionKey[] = [];
for (const k of keys) {
  if (k.key.endsWith('/')) prefixed.push(k);
  else exact.set(k.key.toLowerCase(), k);
}

/** The global key a condition key names (tag keys by prefix), or undefined for an unknown `aws:` key. */
export function globalConditionKey(name: string): GlobalConditionKey | undefined {
  const lower = name.toLowerCase();
  return exact.get(lower) ?? prefixed.find((k) => lower.startsWith(k.key.toLowerCase()));
}
