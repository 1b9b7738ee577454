/**
 * Importers: a setup read from where teams keep it, one function per format, each returning the declared
 * setup with the place (file, line:column, JSON path) of every policy and resource; and the plan that loads
 * a setup into a store in one transaction, adding to what the store has (nothing of it is deleted).
 */
import fs from 'node:fs';
import path from 'node:path';
import { RolecallError } from '../../errors.js';
import type { ControlPlane } from '../control-plane.js';
import { planApply, type Plan } from '../plan.js';
import { readState, type DeclaredState } from '../state.js';
import type { ImportedSetup } from './setup.js';
import type { SnapshotFile } from './aws-snapshot.js';

export { importCloudFormation, type CloudFormationOptions } from './cloudformation.js';
export { importTerraformPlan, type TerraformPlanOptions } from './terraform-plan.js';
export { importAwsSnapshot, type AwsSnapshotOptions, type SnapshotFile } from './aws-snapshot.js';
export { emrResourcesOf } from './emr-resources.js';
export * from './setup.js';
export { parseSource, formatSourcePlace, type SourceNode, type SourcePlace } from './source.js';

/** Every file under a snapshot folder, paths relative to it with `/` separators. */
export function readSnapshotFolder(dir: string): SnapshotFile[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new RolecallError('InvalidFile', `snapshot folder \`${dir}\` does not exist`, { file: dir });
  const out: SnapshotFile[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ path: p, text: fs.readFileSync(path.join(dir, p), 'utf8') });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The store's state with the setup's entities added or replacing those with the same name. */
export function mergeState(current: DeclaredState, add: DeclaredState): DeclaredState {
  const by = <T>(cur: T[], next: T[], key: (x: T) => string): T[] => {
    const keys = new Set(next.map(key));
    return [...cur.filter((x) => !keys.has(key(x))), ...next];
  };
  const named = (x: { account: string; name: string }) => `${x.account}/${x.name}`;
  const accounts = new Set(current.accounts.map((a) => a.id));
  return {
    accounts: [...current.accounts, ...add.accounts.filter((a) => !accounts.has(a.id))],
    ...(add.organization
      ? { organization: add.organization }
      : current.organization
        ? { organization: current.organization }
        : {}),
    policies: by(current.policies, add.policies, named),
    groups: by(current.groups, add.groups, named),
    roles: by(current.roles, add.roles, named),
    users: by(current.users, add.users, named),
    resources: by(current.resources, add.resources, (r) => r.arn),
  };
}

/**
 * The plan that adds an imported setup to the store (run it with `plan.apply()`, one transaction). The users
 * and roles its trust and resource policies name by ARN are not checked to exist, as `apply` checks them: a
 * template, plan or snapshot describes part of an account, and what it names may live outside it. AWS refuses
 * a policy naming a principal that does not exist when it is deployed (MalformedPolicyDocument "Invalid
 * principal in policy", https://repost.aws/knowledge-center/iam-trust-policy-error); only AWS knows the
 * rest of the account. Readiness does not depend on it: its calls are the EMR services' own, with the roles
 * the setup holds.
 */
export async function planImport(cp: ControlPlane, setup: ImportedSetup): Promise<Plan> {
  return planApply(cp, mergeState(await readState(cp), setup.state), { checkPrincipals: false });
}
