/**
 * Policies inside CloudFormation templates and Terraform plans (filled in once the importers land).
 */
import type { PolicyInput } from './policy-inputs.js';

export function templatePolicies(_file: string, _text: string): PolicyInput[] | undefined {
  return undefined;
}
