/**
 * EMR Studios and EMR Serverless applications kept in the store as registered resources (their ARN, with
 * what they name in attributes), so `emr check --store` finds them again after an import.
 */
import type { ResourceState } from '../state.js';
import type { ImportedApplication, ImportedStudio } from './setup.js';
import type { SourcePlace } from './source.js';

const LIST = ',';

export function emrResourceState(x: ImportedStudio | ImportedApplication, account: string): ResourceState {
  const attributes: Record<string, string> = { name: x.name };
  if ('runtimeRoles' in x) {
    attributes['emr:kind'] = 'serverless-application';
    attributes.runtimeRoles = x.runtimeRoles.join(LIST);
  } else {
    attributes['emr:kind'] = 'studio';
    if (x.serviceRole !== undefined) attributes.serviceRole = x.serviceRole;
    if (x.vpc !== undefined) attributes.vpc = x.vpc;
    if (x.s3Location !== undefined) attributes.s3Location = x.s3Location;
    if (x.kmsKey !== undefined) attributes.kmsKey = x.kmsKey;
  }
  attributes.subnets = x.subnets.join(LIST);
  attributes.securityGroups = x.securityGroups.join(LIST);
  return { arn: x.arn, account, tags: [], attributes };
}

const split = (v: string | undefined) => (v ? v.split(LIST).filter((s) => s !== '') : []);

/** The Studios and applications among registered resources (places point at the store). */
export function emrResourcesOf(
  resources: readonly { arn: string; attributes: Record<string, string> }[],
  place: SourcePlace,
): { studios: ImportedStudio[]; applications: ImportedApplication[] } {
  const studios: ImportedStudio[] = [];
  const applications: ImportedApplication[] = [];
  for (const r of resources) {
    const a = r.attributes;
    const common = {
      arn: r.arn,
      name: a.name ?? r.arn,
      subnets: split(a.subnets),
      securityGroups: split(a.securityGroups),
      place,
    };
    if (a['emr:kind'] === 'studio')
      studios.push({
        ...common,
        ...(a.serviceRole !== undefined ? { serviceRole: a.serviceRole } : {}),
        ...(a.vpc !== undefined ? { vpc: a.vpc } : {}),
        ...(a.s3Location !== undefined ? { s3Location: a.s3Location } : {}),
        ...(a.kmsKey !== undefined ? { kmsKey: a.kmsKey } : {}),
      });
    else if (a['emr:kind'] === 'serverless-application')
      applications.push({ ...common, runtimeRoles: split(a.runtimeRoles) });
  }
  return { studios, applications };
}
