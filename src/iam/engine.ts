/**
 * The pure core as the control plane uses it: the parser (validation with positions) and the engine
 * (compile, authorize), behind one small interface so the control plane can be built with another checker
 * in tests of its own rules.
 */
import { RolecallError } from '../errors.js';
import { authorize, compilePolicy } from '../eval/index.js';
import { internalsOf } from '../eval/compile.js';
import type { AuthzEnv, AuthzRequest, AuthzResult, CompiledPolicy, PolicySet } from '../eval/types.js';
import { parsePolicy } from '../policy/index.js';
import type { PolicyKind } from '../policy/types.js';
import type { PolicyChecker } from './context.js';
import type { PolicyCompiler } from './resolver.js';

export interface PolicyEngine {
  checkPolicy: PolicyChecker;
  compile: PolicyCompiler;
  authorize(request: AuthzRequest, policySet: PolicySet, env: AuthzEnv): AuthzResult;
  /** Every condition key a compiled policy reads, as written (for GetContextKeysFor*Policy). */
  conditionKeys(policy: CompiledPolicy): string[];
}

const engine: PolicyEngine = {
  checkPolicy: (text: string, kind: PolicyKind) => parsePolicy(text, { kind }).issues,
  compile: (text, { kind, name }) => {
    const parsed = parsePolicy(text, { kind });
    if (!parsed.document) {
      const first = parsed.issues.find((i) => i.severity === 'error');
      throw new RolecallError('MalformedPolicyDocument', `${name}: ${first?.message ?? 'invalid policy'}`, {
        ...(first ? { line: first.line, column: first.column, path: first.path } : {}),
      });
    }
    return compilePolicy(parsed.document, { kind, name });
  },
  authorize: (request, policySet, env) => authorize(request, policySet, env),
  conditionKeys: (policy) => internalsOf(policy).statements.flatMap((st) => st.conditions.map((c) => c.key)),
};

/** The parser and engine of src/policy and src/eval. */
export function loadPolicyEngine(): Promise<PolicyEngine> {
  return Promise.resolve(engine);
}
