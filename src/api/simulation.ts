/**
 * IAM's policy simulator over the engine: SimulatePrincipalPolicy / SimulateCustomPolicy and the context
 * keys of GetContextKeysFor*Policy. Every action × resource pair is evaluated with the explanation on, and
 * the matched statements, missing context keys and organization / boundary details are read from it.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
import { RolecallError } from '../errors.js';
import type { AuthzResult, ContextValue, PolicySet } from '../eval/types.js';
import { decidePrepared } from '../iam/decide.js';
import type { ResolvedPrincipal } from '../iam/index.js';
import type { ApiControlPlane } from './backend.js';
import type { IamControl, SimulationInput, SimulationResultView } from './control.js';
import { contextKeysOf } from './context-keys.js';
import { setOwn } from '../own-key.js';

const DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

/** ContextKeyType values and how each becomes a context value. */
function contextValue(type: string, values: string[]): ContextValue {
  const list = type.endsWith('List');
  const base = list ? type.slice(0, -4) : type;
  const convert = (v: string): string | number | boolean => {
    if (base === 'numeric') {
      const n = Number(v);
      if (Number.isNaN(n)) throw new RolecallError('InvalidInput', `Context value ${v} is not numeric.`);
      return n;
    }
    if (base === 'boolean') return v.toLowerCase() === 'true';
    return v;
  };
  const known = ['string', 'numeric', 'boolean', 'date', 'ip', 'binary'];
  if (!known.includes(base)) {
    throw new RolecallError(
      'ValidationError',
      `1 validation error detected: Value '${type}' at 'contextEntries.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]`,
    );
  }
  if (list) return values.map(convert);
  return convert(values[0] ?? '');
}

/** SourcePolicyId is the policy's name: the inline policy's, or the managed policy's from its ARN. */
function sourceId(name: string): string {
  const inline = / inline (.+)$/.exec(name);
  if (inline?.[1]) return inline[1];
  const managed = /^arn:[^:]+:iam::[^:]*:policy\/(?:.*\/)?([^/ ]+)/.exec(name);
  return managed?.[1] ?? name;
}

/** SimulatePrincipalPolicy's SourcePolicyType of a compiled policy, from the name the resolver gave it. */
function sourceType(name: string, principal: ResolvedPrincipal): string {
  if (name.includes(':aws:policy/')) return 'aws-managed';
  if (/^arn:[^:]+:iam::\d{12}:policy\//.test(name)) return 'user-managed';
  if (name.startsWith('group ')) return 'group';
  if (name.includes(' inline ')) return principal.kind === 'user' ? 'user' : 'role';
  return 'none';
}

export function simulation(
  cp: ApiControlPlane,
  // The account no longer names the default caller (see simulateCustom); kept for callers.
  _account: string,
): Pick<
  IamControl,
  'simulatePrincipal' | 'simulateCustom' | 'contextKeysForPrincipal' | 'contextKeysForCustom'
> {
  const givenContext = (input: SimulationInput): Record<string, ContextValue> => {
    const context: Record<string, ContextValue> = {};
    for (const e of input.context) setOwn(context, e.key, contextValue(e.type, e.values));
    return context;
  };
  const resourcePolicyOf = (input: SimulationInput) =>
    input.resourcePolicy !== undefined
      ? cp.engine.compile(input.resourcePolicy, { kind: 'resource', name: 'ResourcePolicy' })
      : undefined;
  const boundaryOf = (input: SimulationInput) => {
    const boundary = input.boundaryInputs[0];
    return boundary !== undefined
      ? cp.engine.compile(boundary, { kind: 'boundary', name: 'PermissionsBoundaryPolicyInputList.1' })
      : undefined;
  };
  const inputPolicies = (input: Pick<SimulationInput, 'policyInputs'>, types: Map<string, string>) =>
    input.policyInputs.map((text, i) => {
      types.set(`PolicyInputList.${i + 1}`, 'IAM Policy');
      return cp.engine.compile(text, { kind: 'identity', name: `PolicyInputList.${i + 1}` });
    });

  return {
    // The principal's policy set and context as the store resolves it for every other decision (the
    // resolver: identity and group policies, boundary, SCP and RCP levels, the resource's policy, tags and
    // owner), with the simulation's inputs added or put in their place.
    async simulatePrincipal(principalArn, input, now) {
      const principal = await cp.resolver.principal(principalArn);
      const types = new Map(
        principal.identity.map((c) => [c.name ?? '', sourceType(c.name ?? '', principal)]),
      );
      const extra = inputPolicies(input, types);
      const boundary = boundaryOf(input);
      const resourcePolicy = resourcePolicyOf(input);
      const context = givenContext(input);
      const out: SimulationResultView[] = [];
      for (const action of input.actions) {
        for (const resource of input.resources.length > 0 ? input.resources : ['*']) {
          const prepared = await cp.resolver.prepare({
            principal: principalArn,
            action,
            resource,
            context,
            ...(input.resourceOwner !== undefined ? { resourceAccount: input.resourceOwner } : {}),
          });
          // The simulator does not retrieve a resource's policy: only a ResourcePolicy given takes part, so
          // the one the store holds for the resource is left out.
          // https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html (ResourceArns)
          const { resource: _stored, ...held } = prepared.policySet;
          const set: PolicySet = {
            ...held,
            identity: [...prepared.policySet.identity, ...extra],
            ...(boundary !== undefined ? { boundary } : {}),
            ...(resourcePolicy !== undefined ? { resource: resourcePolicy } : {}),
          };
          const request = {
            ...prepared.request,
            principal: input.callerArn ?? prepared.request.principal,
          };
          // The one decision step, as for every request about a stored principal (a principal that is gone
          // or a session that expired is allowed nothing), over the set with the simulation's inputs.
          const result = decidePrepared(
            cp.engine,
            { ...prepared, request, policySet: set },
            { now, explain: true },
          );
          out.push(view(action, resource, result, set, types));
        }
      }
      return out;
    },
    simulateCustom(input, now) {
      return Promise.resolve().then(() => {
        if (input.resourcePolicy !== undefined && input.callerArn === undefined) {
          throw new RolecallError('InvalidInput', 'CallerArn is required when ResourcePolicy is given.');
        }
        const types = new Map<string, string>();
        const boundary = boundaryOf(input);
        const set: PolicySet = {
          identity: inputPolicies(input, types),
          ...(boundary !== undefined ? { boundary } : {}),
        };
        const resourcePolicy = resourcePolicyOf(input);
        const context = givenContext(input);
        const out: SimulationResultView[] = [];
        for (const action of input.actions) {
          for (const resource of input.resources.length > 0 ? input.resources : ['*']) {
            // Only the given policies decide (a resource's own policy only when given as ResourcePolicy: the
            // simulator does not retrieve it): no stored principal is involved (CallerArn only names the
            // caller for the resource policy's Principal), so there is no principal for the resolver to check
            // and the engine decides directly.
            // https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html (ResourceArns)
            const result = cp.engine.authorize(
              {
                // Without CallerArn the caller is no principal at all (the account root would have full
                // access of its own).
                principal: input.callerArn ?? 'simulated-caller',
                action,
                resource,
                context,
                ...(input.resourceOwner !== undefined ? { resourceAccount: input.resourceOwner } : {}),
              },
              { ...set, ...(resourcePolicy !== undefined ? { resource: resourcePolicy } : {}) },
              { now, explain: true },
            );
            out.push(view(action, resource, result, set, types));
          }
        }
        return out;
      });
    },
    // The policies SimulatePrincipalPolicy evaluates for the principal, from the same resolver: its own and
    // (for a user) its groups' policies, its permissions boundary and its account's SCP levels.
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html
    async contextKeysForPrincipal(principalArn, extra) {
      const { policySet: set } = await cp.resolver.prepare({
        principal: principalArn,
        action: '*',
        resource: '*',
      });
      return contextKeysOf(cp.engine, [
        ...set.identity,
        ...(set.boundary !== undefined ? [set.boundary] : []),
        ...(set.scp ?? []).flat(),
        ...inputPolicies({ policyInputs: extra }, new Map()),
      ]);
    },
    contextKeysForCustom(policies) {
      return Promise.resolve().then(() =>
        contextKeysOf(cp.engine, inputPolicies({ policyInputs: policies }, new Map())),
      );
    },
  };
}

function view(
  action: string,
  resource: string,
  result: AuthzResult,
  set: PolicySet,
  types: ReadonlyMap<string, string>,
): SimulationResultView {
  const matched = (result.explanation?.policies ?? []).flatMap((p) =>
    p.statements
      .filter((s) => s.applies)
      .map((s) => ({
        sourcePolicyId: sourceId(p.name ?? p.slot),
        sourcePolicyType: types.get(p.name ?? '') ?? (p.slot === 'resource' ? 'resource' : 'none'),
        start: { line: s.pos.line, column: s.pos.column },
        end: { line: s.pos.line, column: s.pos.column },
      })),
  );
  const denyIn = (slot: string) =>
    (result.explanation?.policies ?? []).some(
      (p) => p.slot === slot && p.statements.some((s) => s.applies && s.effect === 'Deny'),
    );
  return {
    action,
    resource,
    decision: DECISIONS[result.decision],
    matchedStatements: matched,
    missingContextValues: result.explanation?.missingContextKeys ?? [],
    ...(set.scp !== undefined
      ? { organizationsAllowed: result.reason !== 'ScpNoAllow' && !denyIn('scp') }
      : {}),
    ...(set.boundary !== undefined
      ? { boundaryAllowed: result.reason !== 'BoundaryNoAllow' && !denyIn('boundary') }
      : {}),
  };
}
