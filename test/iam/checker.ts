/**
 * The policy checker for control-plane tests: the project's parser when it loads; otherwise a JSON syntax
 * check (said so on stderr), enough for tests about names, quotas, versions and conflicts, which never
 * depend on the grammar. Tests about policy grammar use `realEngine()` and skip with the reason otherwise.
 */
import { loadPolicyEngine, type PolicyChecker, type PolicyEngine } from '../../src/iam/index.js';

let engine: PolicyEngine | undefined;
let why: string | undefined;
try {
  engine = await loadPolicyEngine();
} catch (e) {
  why = e instanceof Error ? e.message : String(e);
}

export const engineUnavailable = why;

export function realEngine(): PolicyEngine | undefined {
  return engine;
}

const syntaxOnly: PolicyChecker = (text) => {
  try {
    JSON.parse(text);
    return [];
  } catch (e) {
    return [
      {
        code: 'InvalidJson',
        severity: 'error',
        message: (e as Error).message,
        path: '$',
        line: 1,
        column: 1,
      },
    ];
  }
};

if (!engine)
  process.stderr.write(
    `note: policy parser unavailable (${why}); control-plane tests check JSON syntax only\n`,
  );

export const checkPolicy: PolicyChecker = engine ? engine.checkPolicy : syntaxOnly;
