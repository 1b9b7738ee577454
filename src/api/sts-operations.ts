/**
 * The STS (2011-06-15) operations: AssumeRole, GetCallerIdentity, GetSessionToken, GetAccessKeyInfo and
 * DecodeAuthorizationMessage.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_Operations.html
 */
import { RolecallError } from '../errors.js';
import type { ContextValue } from '../eval/types.js';
import { openMessage, type Sealer } from './authorization-message.js';
import type { IamControl, IssuedCredentials } from './control.js';
import type { QueryParams } from './form.js';
import type { CallAuthorization, Operation } from './operation.js';
import { readTags, requestTagContext } from './wire-shapes.js';

/** A member outside the STS model's length or pattern: the common ValidationError (HTTP 400). */
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
function validation(detail: string): RolecallError {
  return new RolecallError('ValidationError', `1 validation error detected: ${detail}`);
}

/** String constraints the STS model declares for AssumeRole members (length and pattern). */
function constrained(
  p: QueryParams,
  name: string,
  min: number,
  max: number,
  pattern?: RegExp,
): string | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const member = name.charAt(0).toLowerCase() + name.slice(1);
  if (v.length < min) {
    throw validation(
      `Value '${v}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
  }
  if (v.length > max) {
    throw validation(
      `Value '${v}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
  if (pattern !== undefined && !pattern.test(v)) {
    throw validation(
      `Value '${v}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return v;
}

// Session names, external ids and source identities: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
const SESSION_NAME = /^[\w+=,.@-]*$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;

function credentialsXml(c: IssuedCredentials) {
  return {
    AccessKeyId: c.accessKeyId,
    SecretAccessKey: c.secretAccessKey,
    SessionToken: c.sessionToken,
    Expiration: c.expiration,
  };
}

/** The session policy, managed session policy ARNs and session tags AssumeRole and GetFederationToken take. */
function readSessionParts(p: QueryParams) {
  const policy = constrained(p, 'Policy', 1, 2048);
  const policyArns = p.structs('PolicyArns', (m) => m.required('arn'));
  if (policyArns.length > 10) {
    throw validation(
      `Value '[…]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  }
  const tags = readTags(p);
  if (tags.length > 50) {
    throw validation(
      `Value '[…]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`,
    );
  }
  return { policy, policyArns, tags };
}

function readAssumeRole(p: QueryParams) {
  const roleArn = constrained(p, 'RoleArn', 20, 2048) ?? p.required('RoleArn');
  const sessionName = constrained(p, 'RoleSessionName', 2, 64, SESSION_NAME) ?? p.required('RoleSessionName');
  const externalId = constrained(p, 'ExternalId', 2, 1224, EXTERNAL_ID);
  const sourceIdentity = constrained(p, 'SourceIdentity', 2, 64, SESSION_NAME);
  const durationSeconds = p.int('DurationSeconds', { min: 900, max: 43200 });
  const { policy, policyArns, tags } = readSessionParts(p);
  return {
    roleArn,
    sessionName,
    policyArns,
    tags,
    transitiveTagKeys: p.list('TransitiveTagKeys'),
    ...(externalId !== undefined ? { externalId } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
}

function readFederationToken(p: QueryParams) {
  const name = constrained(p, 'Name', 2, 32, SESSION_NAME) ?? p.required('Name');
  const durationSeconds = p.int('DurationSeconds', { min: 900, max: 129600 });
  const { policy, policyArns, tags } = readSessionParts(p);
  return {
    name,
    policyArns,
    tags,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
}

export function stsOperations(control: IamControl, sealer: Sealer): Operation[] {
  return [
    {
      service: 'sts',
      name: 'AssumeRole',
      authorize: ({ params, caller }) => {
        const input = readAssumeRole(params);
        // The context keys AssumeRole adds to the request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-sts)
        const context: Record<string, ContextValue> = {
          'sts:RoleSessionName': input.sessionName,
          ...requestTagContext(input.tags),
          ...(input.externalId !== undefined ? { 'sts:ExternalId': input.externalId } : {}),
          ...(input.sourceIdentity !== undefined ? { 'sts:SourceIdentity': input.sourceIdentity } : {}),
          ...(input.transitiveTagKeys.length > 0 ? { 'sts:TransitiveTagKeys': input.transitiveTagKeys } : {}),
        };
        const calls: CallAuthorization[] = [{ action: 'sts:AssumeRole', resource: input.roleArn, context }];
        // Session tags need sts:TagSession and a source identity sts:SetSourceIdentity, in the trust policy too
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required)
        if (input.tags.length > 0 || input.transitiveTagKeys.length > 0) {
          calls.push({ action: 'sts:TagSession', resource: input.roleArn, context });
        }
        // Along a role chain the source identity (given, or carried from the calling session) needs
        // sts:SetSourceIdentity in the calling role's identity-based policy as well as in the trust policy.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
        const chained = caller.temporary && caller.arn.includes(':assumed-role/');
        const sourceIdentity = input.sourceIdentity ?? (chained ? caller.sourceIdentity : undefined);
        if (sourceIdentity !== undefined) {
          const withSource = { ...context, 'sts:SourceIdentity': sourceIdentity };
          calls.push({ action: 'sts:SetSourceIdentity', resource: input.roleArn, context: withSource });
          if (chained) {
            calls.push({
              action: 'sts:SetSourceIdentity',
              resource: input.roleArn,
              context: withSource,
              identityOnly: true,
            });
          }
        }
        return calls;
      },
      run: async ({ params, caller, now }) => {
        const r = await control.assumeRole(caller, readAssumeRole(params), now);
        return {
          Credentials: credentialsXml(r.credentials),
          AssumedRoleUser: { AssumedRoleId: r.assumedRoleId, Arn: r.arn },
          PackedPolicySize: r.packedPolicySize,
          SourceIdentity: r.sourceIdentity,
        };
      },
    },
    {
      service: 'sts',
      name: 'GetCallerIdentity',
      // No permission is needed, and an explicit deny does not apply (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
      authorize: () => [],
      run: ({ caller }) =>
        Promise.resolve({ UserId: caller.userId, Account: caller.account, Arn: caller.arn }),
    },
    {
      service: 'sts',
      name: 'GetSessionToken',
      // No permission is needed; session credentials cannot call it (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)
      authorize: () => [],
      run: async ({ params, caller, now }) => {
        if (caller.temporary) {
          throw new RolecallError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
        }
        const duration = params.int('DurationSeconds', { min: 900, max: 129600 });
        const creds = await control.getSessionToken(caller, duration, now);
        return { Credentials: credentialsXml(creds) };
      },
    },
    {
      service: 'sts',
      name: 'GetAccessKeyInfo',
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html
      authorize: () => [{ action: 'sts:GetAccessKeyInfo', resource: '*' }],
      run: async ({ params }) => {
        const id = constrained(params, 'AccessKeyId', 16, 128, /^[\w]*$/) ?? params.required('AccessKeyId');
        const account = await control.accessKeyAccount(id);
        // A deleted or never issued key "might return an error that the key doesn't exist" (same page)
        if (account === undefined) throw validation(`The access key ID ${id} does not exist`);
        return { Account: account };
      },
    },
    {
      service: 'sts',
      name: 'GetFederationToken',
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html (Permissions)
      authorize: ({ params, caller }) => {
        const input = readFederationToken(params);
        const resource = `arn:aws:sts::${caller.account}:federated-user/${input.name}`;
        const context = requestTagContext(input.tags);
        const calls: CallAuthorization[] = [{ action: 'sts:GetFederationToken', resource, context }];
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
        if (input.tags.length > 0) calls.push({ action: 'sts:TagSession', resource, context });
        return calls;
      },
      run: async ({ params, caller, now }) => {
        // Only an IAM user's long-term credentials can federate.
        if (caller.temporary) {
          throw new RolecallError('AccessDenied', 'Cannot call GetFederationToken with session credentials');
        }
        const r = await control.getFederationToken(caller, readFederationToken(params), now);
        return {
          Credentials: credentialsXml(r.credentials),
          FederatedUser: { FederatedUserId: r.federatedUserId, Arn: r.arn },
          PackedPolicySize: r.packedPolicySize,
        };
      },
    },
    {
      service: 'sts',
      name: 'DecodeAuthorizationMessage',
      authorize: () => [{ action: 'sts:DecodeAuthorizationMessage', resource: '*' }],
      run: ({ params, caller }) =>
        Promise.resolve({
          DecodedMessage: openMessage(params.required('EncodedMessage'), caller.account, sealer),
        }),
    },
  ];
}
