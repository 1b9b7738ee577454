/**
 * The folder of an installed package, looked for where Node looks for it: in the node_modules folders up
 * from a module, by the package's package.json. Asking Node to resolve a file of the package instead
 * reads its exports (and the calling package's own package.json), which costs a one-shot command more
 * than these few existence checks. Undefined where no such folder holds the package (a global folder,
 * NODE_PATH): the caller then asks Node.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export function installedPackageDir(name: string, fromUrl: string): string | undefined {
  for (const modules of createRequire(fromUrl).resolve.paths(name) ?? []) {
    const root = path.join(modules, name);
    if (existsSync(path.join(root, 'package.json'))) return root;
  }
  return undefined;
}
