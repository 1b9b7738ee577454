/**
 * The policies a file holds, for `validate` and `emr lint`: a policy document, a bare statement (as
 * `emr template --kms-key` writes for a key policy), or the policies inside a CloudFormation template
 * or a Terraform plan. Each comes with its text and a map from positions in that text back to the file.
 */
import type { Finding } from '../../analyze/index.js';
import type { PolicyKind } from '../../policy/index.js';
import { readTextFile } from './control-plane-options.js';
import { templatePolicies } from './template-policies.js';

export interface PolicyInput {
  file: string;
  /** The policy text the checks read. */
  text: string;
  /** The policy kind the container says (a trust policy of a role), when it says one. */
  kind?: PolicyKind;
  /** Where the policy sits in the container (`Resources.Role.Properties.AssumeRolePolicyDocument`). */
  label?: string;
  /** Moves a finding from the policy text to the file. */
  place(f: Finding): Finding;
}

const STATEMENT_PREFIX = '{"Version":"2012-10-17","Statement":[';

/** A bare statement becomes a one-statement policy; positions on its first line shift back. */
function bareStatement(file: string, text: string): PolicyInput {
  return {
    file,
    text: `${STATEMENT_PREFIX}${text}]}`,
    place: (f) => ({
      ...f,
      column: f.line === 1 ? Math.max(1, f.column - STATEMENT_PREFIX.length) : f.column,
      path: f.path.replace(/^\$\.Statement\[0\]/, '$').replace(/^\$\.Statement$/, '$'),
    }),
  };
}

export function policyInputs(file: string): PolicyInput[] {
  const text = readTextFile(file);
  const fromTemplate = templatePolicies(file, text);
  if (fromTemplate) return fromTemplate;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    'Effect' in value &&
    !('Statement' in value)
  )
    return [bareStatement(file, text)];
  return [{ file, text, place: (f) => f }];
}

/** The kind of a policy file when not given: a trust policy allows sts:AssumeRole* to a principal. */
export function guessKind(text: string): PolicyKind {
  if (!/"(Not)?Principal"/.test(text)) return 'identity';
  return /sts:AssumeRole/i.test(text) && !/"Resource"/.test(text) ? 'trust' : 'resource';
}
