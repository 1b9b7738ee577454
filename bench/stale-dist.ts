/**
 * A dist/ older than the source would measure code that is no longer there (worktrees with a copied dist/
 * did): the benches that run the compiled CLI refuse it, naming the first stale file.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A source file under `root`/src newer than its compiled form in dist/src/ (or without one), if any. */
export function staleSource(root: string, dir = path.join(root, 'src')): string | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const stale = staleSource(root, file);
      if (stale !== undefined) return stale;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const js = path.join(root, 'dist', path.relative(root, file)).replace(/\.ts$/, '.js');
      if (!fs.existsSync(js) || fs.statSync(js).mtimeMs < fs.statSync(file).mtimeMs) return file;
    }
  }
  return undefined;
}
