/**
 * The pure core as the control plane uses it: the parser (validation with positions) and the engine
 * (compile, authorize). Loaded on demand so that commands that never decide do not pay for it.
 */
import { RolecallError } from '../errors.js';
import type {
  AuthzEnv,
  AuthzRequest,
  AuthzResult,
  CompiledPolicy,
  CompileOptions,
  PolicySet,
} from '../eval/types.js';
import type { ParseOptions, ParseResult, PolicyKind } from '../policy/types.js';
import type { PolicyChecker } from './context.js';
import type { PolicyCompiler } from './resolver.js';

export interface PolicyEngine {
  checkPolicy: PolicyChecker;
  compile: PolicyCompiler;
  authorize(request: AuthzRequest, policySet: PolicySet, env: AuthzEnv): AuthzResult;
}

interface ParserModule {
  parsePolicy(text: string, options?: ParseOptions): ParseResult;
}

interface EvalModule {
  compilePolicy(document: ParseResult['document'] & object, options?: CompileOptions): CompiledPolicy;
  authorize(request: AuthzRequest, policySet: PolicySet, env: AuthzEnv): AuthzResult;
}

let engine: Promise<PolicyEngine> | undefined;

async function importCore<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    throw new RolecallError(
      'ServiceFailure',
      `the policy core \`${specifier}\` is not available: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** The parser and engine of src/policy and src/eval. */
export function loadPolicyEngine(): Promise<PolicyEngine> {
  engine ??= (async () => {
    // Specifiers held in variables: the core modules are resolved at run time.
    const policyIndex = '../policy/index.js';
    const evalIndex = '../eval/index.js';
    const parser = await importCore<ParserModule>(policyIndex);
    const evaluator = await importCore<EvalModule>(evalIndex);
    const parse = (text: string, kind: PolicyKind) => parser.parsePolicy(text, { kind });
    return {
      checkPolicy: (text, kind) => parse(text, kind).issues,
      compile: (text, { kind, name }) => {
        const parsed = parse(text, kind);
        if (!parsed.document) {
          const first = parsed.issues.find((i) => i.severity === 'error');
          throw new RolecallError(
            'MalformedPolicyDocument',
            `${name}: ${first?.message ?? 'invalid policy'}`,
            {
              ...(first ? { line: first.line, column: first.column, path: first.path } : {}),
            },
          );
        }
        return evaluator.compilePolicy(parsed.document, { kind, name });
      },
      authorize: (request, policySet, env) => evaluator.authorize(request, policySet, env),
    };
  })();
  engine.catch(() => (engine = undefined));
  return engine;
}
