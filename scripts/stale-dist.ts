/**
 * A dist/ older than the source would measure code that is no longer there (worktrees with a copied dist/
 * did): the benches that run the compiled CLI refuse it, naming the first stale file.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The source files (.ts) under `dir`, recursively. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

const mtime = (file: string) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : -Infinity);

/**
 * A source file under `root`/src newer than its compiled form in dist/src/ (or without one), or, when
 * `bundle` is given (the bin's dist/rolecall.cjs), newer than the bundle; undefined when dist/ is current.
 */
export function staleSource(root: string, bundle?: string): string | undefined {
  const bundled = bundle === undefined ? undefined : mtime(bundle);
  for (const file of sources(path.join(root, 'src'))) {
    const js = path.join(root, 'dist', path.relative(root, file)).replace(/\.ts$/, '.js');
    const built = mtime(file);
    if (mtime(js) < built || (bundled !== undefined && bundled < built)) return file;
  }
  return undefined;
}
