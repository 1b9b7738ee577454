/** The package's version, from the package.json above this file (source and dist alike). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'rolecall' && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
