/** The project's parser as the control-plane tests' policy checker. */
import { loadPolicyEngine, type PolicyChecker } from '../../src/iam/index.js';

export const checkPolicy: PolicyChecker = (await loadPolicyEngine()).checkPolicy;
