/**
 * STS's own rules around the sessions iam/ stores: duration bounds (the role's maximum, one hour when
 * chaining roles), session policies (inline and managed), session tags with transitive tags inherited along
 * a role chain, source identity that cannot change once set, and the packed size of it all.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
 */
import { deflateRawSync } from 'node:zlib';
import { RolecallError } from '../errors.js';
import type { ApiControlPlane } from './backend.js';
import { parsePolicyArn } from '../iam/index.js';
import type { Tag } from '../iam/types.js';
import { parseArn } from '../policy/arn.js';
import type { IamControl } from './control.js';

/**
 * STS's input errors are the common ValidationError (HTTP 400): the input does not satisfy a constraint
 * of the operation (durations, session tags, ARNs).
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
function validation(message: string): RolecallError {
  return new RolecallError('ValidationError', message);
}

/**
 * STS answers the session tag rules it checks itself (duplicate keys, transitive keys) with
 * InvalidParameterValue, not the ValidationError of its parameter constraints (recorded against AWS by
 * localstack's tests/aws/services/sts/test_sts.snapshot.json, test_assume_role_tag_validation).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining
 */
function invalidTags(message: string): RolecallError {
  return new RolecallError('InvalidParameterValue', message);
}

/** Role chaining limits the session to one hour (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining) */
const CHAINED_MAX_SECONDS = 3600;
/** Packed session policies and tags: compressed size against this budget gives PackedPolicySize (%). */
const PACKED_BUDGET_BYTES = 2048;

/** Inline session policies compile; managed ones exist in the account (or are AWS managed). */
async function checkSessionPolicies(
  cp: ApiControlPlane,
  policy: string | undefined,
  policyArns: readonly string[],
  account: string,
): Promise<void> {
  if (policy !== undefined) cp.engine.compile(policy, { kind: 'session', name: 'Policy' });
  for (const policyArn of policyArns) {
    try {
      // Managed session policies must be in the session's account (or AWS managed ones).
      // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (PolicyArns)
      const target = parsePolicyArn(policyArn);
      if (!target.aws && target.account !== account) throw new Error('another account');
      await cp.iam.managedPolicyDocument(policyArn);
    } catch {
      throw new RolecallError(
        'MalformedPolicyDocument',
        `Policy ${policyArn} does not exist or is not attachable.`,
      );
    }
  }
}

/** PackedPolicySize (% of the budget) of session policies and tags; over 100 is PackedPolicyTooLarge. */
function packedSize(
  policy: string | undefined,
  policyArns: readonly string[],
  tags: readonly Tag[],
  transitive: readonly string[],
): number {
  const packed = deflateRawSync(
    JSON.stringify({
      p: policy !== undefined ? JSON.stringify(JSON.parse(policy)) : '',
      a: policyArns,
      t: tags.map((t) => [t.key, t.value]),
      k: transitive,
    }),
  ).length;
  const size = Math.ceil((packed * 100) / PACKED_BUDGET_BYTES);
  if (size > 100) {
    throw new RolecallError(
      'PackedPolicyTooLarge',
      `Packed size of session policies and tags exceeds the limit: ${size}% of allowed size`,
    );
  }
  return size;
}

const USER_ARN = /^arn:[^:]+:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;

export function stsControl(
  cp: ApiControlPlane,
): Pick<IamControl, 'assumeRole' | 'getSessionToken' | 'getFederationToken'> {
  return {
    async assumeRole(caller, input, now) {
      const arn = parseArn(input.roleArn);
      if (!arn || arn.service !== 'iam' || !arn.resource.startsWith('role/')) {
        throw validation(`${input.roleArn} is invalid`);
      }
      const roleName = arn.resource.slice(arn.resource.lastIndexOf('/') + 1);
      const role = await cp.iam.getRole(arn.account, roleName);

      const callerCred = await cp.iam.findCredential(caller.accessKeyId);
      const parent = callerCred?.kind === 'session' ? callerCred.session : undefined;
      const duration = input.durationSeconds ?? 3600;
      if (parent !== undefined && duration > CHAINED_MAX_SECONDS) {
        throw validation(
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        );
      }
      if (duration > role.maxSessionDuration) {
        throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
      }

      await checkSessionPolicies(cp, input.policy, input.policyArns, role.account);

      const tags = mergeSessionTags(parent?.tags ?? [], parent?.transitiveTagKeys ?? [], input.tags);
      const transitive = [...(parent?.transitiveTagKeys ?? [])];
      for (const key of input.transitiveTagKeys) {
        if (!input.tags.some((t) => t.key.toLowerCase() === key.toLowerCase())) {
          throw invalidTags('The specified transitive tag key must be included in the requested tags.');
        }
        if (!transitive.some((k) => k.toLowerCase() === key.toLowerCase())) transitive.push(key);
      }

      // Once set, the source identity stays for the whole role chain (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html)
      let sourceIdentity = input.sourceIdentity;
      if (parent?.sourceIdentity !== undefined) {
        if (sourceIdentity !== undefined && sourceIdentity !== parent.sourceIdentity) {
          throw new RolecallError('AccessDenied', 'The source identity of a role chain cannot be changed.');
        }
        sourceIdentity = parent.sourceIdentity;
      }

      // Reported only when the request carried session policies or tags, as STS does.
      const carried = input.policy !== undefined || input.policyArns.length > 0 || tags.length > 0;
      const packedPolicySize = packedSize(input.policy, input.policyArns, tags, transitive);

      const session = await cp.iam.createSession({
        account: role.account,
        roleName: role.name,
        sessionName: input.sessionName,
        expiration: now + duration * 1000,
        ...(input.policy !== undefined ? { sessionPolicy: input.policy } : {}),
        sessionPolicyArns: input.policyArns,
        tags,
        transitiveTagKeys: transitive,
        ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      });
      return {
        credentials: {
          accessKeyId: session.accessKeyId,
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
          expiration: new Date(session.expiration),
        },
        assumedRoleId: session.assumedRoleId,
        arn: session.assumedRoleArn,
        ...(carried ? { packedPolicySize } : {}),
        ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
      };
    },
    // Users get 15 minutes to 36 hours (default 12), the account root at most one hour
    // (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)
    async getSessionToken(caller, durationSeconds, now) {
      const m = USER_ARN.exec(caller.arn);
      if (!m?.[1] || !m[2]) {
        throw new RolecallError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
      }
      const duration = durationSeconds ?? 43200;
      const s = await cp.iam.createUserSession(m[1], m[2], now + duration * 1000);
      return {
        accessKeyId: s.accessKeyId,
        secretAccessKey: s.secretAccessKey,
        sessionToken: s.sessionToken,
        expiration: new Date(s.expiration),
      };
    },
    // A federated user session: the user's permissions intersected with the session policies passed; with
    // none, only resource-based policies naming the session grant anything. 15 minutes to 36 hours.
    // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html
    async getFederationToken(caller, input, now) {
      const m = USER_ARN.exec(caller.arn);
      if (!m?.[1] || !m[2]) {
        throw new RolecallError('AccessDenied', 'Cannot call GetFederationToken with session credentials');
      }
      const account = m[1];
      await checkSessionPolicies(cp, input.policy, input.policyArns, account);
      const tags = mergeSessionTags([], [], input.tags);
      const carried = input.policy !== undefined || input.policyArns.length > 0 || tags.length > 0;
      const packedPolicySize = packedSize(input.policy, input.policyArns, tags, []);
      const duration = input.durationSeconds ?? 43200;
      const s = await cp.iam.createFederatedSession({
        account,
        userName: m[2],
        name: input.name,
        expiration: now + duration * 1000,
        ...(input.policy !== undefined ? { sessionPolicy: input.policy } : {}),
        sessionPolicyArns: input.policyArns,
        tags,
      });
      return {
        credentials: {
          accessKeyId: s.accessKeyId,
          secretAccessKey: s.secretAccessKey,
          sessionToken: s.sessionToken,
          expiration: new Date(s.expiration),
        },
        federatedUserId: s.federatedUserId,
        arn: s.arn,
        ...(carried ? { packedPolicySize } : {}),
      };
    },
  };
}

/**
 * Session tags: keys are case-insensitive and unique; tags inherited as transitive from the parent session
 * cannot be overridden. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_role-chaining
 */
function mergeSessionTags(
  parentTags: readonly Tag[],
  parentTransitive: readonly string[],
  tags: readonly Tag[],
): Tag[] {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.key.toLowerCase();
    if (seen.has(k)) {
      throw invalidTags('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    }
    seen.add(k);
    if (t.key.length < 1 || t.key.length > 128 || t.value.length > 256) {
      throw validation(
        `The session tag ${t.key} does not satisfy the key (1-128) or value (0-256) length constraints.`,
      );
    }
  }
  const inherited = parentTags.filter((t) =>
    parentTransitive.some((k) => k.toLowerCase() === t.key.toLowerCase()),
  );
  for (const t of inherited) {
    if (seen.has(t.key.toLowerCase())) {
      throw invalidTags(
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
      );
    }
  }
  return [...inherited, ...tags];
}
