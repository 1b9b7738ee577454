/**
 * How one policy is decided on its own, by the engine: the policy set in which `authorize` allows a
 * request exactly when that policy's statements allow it (an Allow applies, no Deny applies), whatever
 * its kind. Access checks compare two policies through these sets, so every witness is a request the
 * engine itself decides.
 * - identity: the policy is the principal's only identity policy; the resource's policy names the
 *   principal's account, which delegates to identity policies, so role trust and KMS key policies do
 *   not stand in the way (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 * - boundary, session, scp, rcp: the policy caps an identity policy that allows everything.
 * - resource, trust: the principal is in another account than the resource and allowed everything by
 *   its identity policy, so the resource policy alone decides (cross-account access needs both); a
 *   principal without an account (a service, a canonical user) gets no identity policy, and only a
 *   direct grant to it allows.
 */
import { compilePolicy } from '../eval/compile.js';
import { principalInfo } from '../eval/request.js';
import type { CompiledPolicy, PolicySet, RequestPrincipal } from '../eval/types.js';
import { parsePolicy } from '../policy/parse.js';
import type { PolicyKind } from '../policy/types.js';

/** The policy kinds an access check compares. */
export const ACCESS_POLICY_KINDS = [
  'identity',
  'resource',
  'trust',
  'boundary',
  'session',
  'scp',
  'rcp',
] as const;
export type AccessPolicyKind = (typeof ACCESS_POLICY_KINDS)[number];

function compileText(text: string, kind: PolicyKind, name: string): CompiledPolicy {
  const parsed = parsePolicy(text, { kind });
  if (!parsed.document) throw new Error(`built-in policy ${name} does not parse`);
  return compilePolicy(parsed.document, { kind, name });
}

const ALLOW_ALL = compileText(
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  'identity',
  'identity policy allowing everything (stand-in)',
);

const delegates = new Map<string, CompiledPolicy>();

/** A resource policy that delegates to the identity policies of `account`. */
function delegateTo(account: string): CompiledPolicy {
  let p = delegates.get(account);
  if (!p) {
    p = compileText(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: '*', Resource: '*' },
        ],
      }),
      'resource',
      `resource policy delegating to account ${account} (stand-in)`,
    );
    if (delegates.size > 1000) delegates.clear();
    delegates.set(account, p);
  }
  return p;
}

/** The policy set in which `policy` alone decides a request from `principal`. */
export function aloneSet(
  kind: AccessPolicyKind,
  policy: CompiledPolicy,
  principal: RequestPrincipal,
): PolicySet {
  const account = principalInfo(principal).account ?? '000000000000';
  switch (kind) {
    case 'identity':
      return { identity: [policy], resource: delegateTo(account) };
    case 'boundary':
      return { identity: [ALLOW_ALL], boundary: policy, resource: delegateTo(account) };
    case 'session':
      return { identity: [ALLOW_ALL], session: [policy], resource: delegateTo(account) };
    case 'scp':
      return { identity: [ALLOW_ALL], scp: [[policy]], resource: delegateTo(account) };
    case 'rcp':
      return { identity: [ALLOW_ALL], rcp: [[policy]], resource: delegateTo(account) };
    case 'resource':
    case 'trust':
      return {
        identity: principalInfo(principal).account === undefined ? [] : [ALLOW_ALL],
        resource: policy,
      };
  }
}
