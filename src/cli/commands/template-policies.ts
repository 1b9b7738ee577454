/**
 * Policies inside CloudFormation templates and Terraform plans, read with the importers of iam/import/
 * (intrinsics, parameters and plan values resolved as they are for `emr check`). A finding is placed on
 * its statement in the template (line:column of the statement, JSON path of the template followed by
 * the path inside the policy).
 */
import { parse as parseYaml } from 'yaml';
import type { Finding } from '../../analyze/index.js';
import {
  importCloudFormation,
  importTerraformPlan,
  type ImportedPolicy,
  type ImportedSetup,
} from '../../iam/import/index.js';
import type { PolicyInput } from './policy-inputs.js';

// Placeholders for what a template leaves to deployment (AWS::AccountId, AWS::Region).
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

function kindOfFile(file: string, text: string): 'cloudformation' | 'terraform-plan' | undefined {
  let top: unknown;
  try {
    top = /\.ya?ml$/i.test(file) ? parseYaml(text, { logLevel: 'silent' }) : JSON.parse(text);
  } catch {
    // YAML with CloudFormation short-form tags (`!Ref`) or not a template: look at the text.
    return /^Resources:\s*$/m.test(text) ? 'cloudformation' : undefined;
  }
  if (!top || typeof top !== 'object' || Array.isArray(top)) return undefined;
  const o = top as Record<string, unknown>;
  if ('resource_changes' in o || ('planned_values' in o && 'terraform_version' in o)) return 'terraform-plan';
  if ('Resources' in o && ('AWSTemplateFormatVersion' in o || typeof o.Resources === 'object'))
    return 'cloudformation';
  return undefined;
}

function input(file: string, p: ImportedPolicy): PolicyInput {
  return {
    file,
    text: p.document,
    kind: p.kind,
    label: p.name,
    place: (f: Finding): Finding => {
      const m = /^\$\.Statement(?:\[(\d+)\])?(.*)$/.exec(f.path);
      const at = m ? (p.statements?.[Number(m[1] ?? 0)] ?? p.place) : p.place;
      const inner = m ? `.Statement${m[1] !== undefined ? `[${m[1]}]` : ''}${m[2] ?? ''}` : f.path.slice(1);
      return {
        ...f,
        file: at.file,
        line: at.line,
        column: at.column,
        path: m && p.statements?.[Number(m[1] ?? 0)] ? `${at.path}${m[2] ?? ''}` : `${p.place.path}${inner}`,
        message: `${p.name}: ${f.message}`,
      };
    },
  };
}

/** The policies of a template or plan, or undefined when the file is neither. */
export function templatePolicies(file: string, text: string): PolicyInput[] | undefined {
  const format = kindOfFile(file, text);
  if (!format) return undefined;
  const setup: ImportedSetup =
    format === 'cloudformation'
      ? importCloudFormation(text, file, { account: ACCOUNT, region: REGION })
      : importTerraformPlan(text, file, { account: ACCOUNT, region: REGION });
  return setup.policies.map((p) => input(file, p));
}
