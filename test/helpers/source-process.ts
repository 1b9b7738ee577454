/**
 * Child processes that run the source (two writers on one SQLite file, a module graph seen from a fresh
 * process). A child that imports src/ through the TypeScript loader pays some 0.6 s of CPU for the loader
 * and its transforms before it runs a line of its own, and npm test starts a dozen of them; dist/src is
 * the same source compiled a module per file by `npm run build`, which npm test brings up to date before
 * it starts (scripts/stale-dist.ts). When dist/src is older than a source file (a test run by itself
 * after an edit), children import src/ through the loader instead, so a test never runs code that is no
 * longer there.
 */
import path from 'node:path';
import { staleSource } from '../../scripts/stale-dist.js';
import { repoRoot } from './paths.js';

const compiled = staleSource(repoRoot) === undefined;

/** Node's arguments a child needs to import `sourceModule(...)`: none for dist/src, the loader for src/. */
export const sourceExecArgv: readonly string[] = compiled ? [] : ['--import', import.meta.resolve('tsx')];

/** The file a child imports for the source module `src/<module>.ts` (`module` as in 'store/index'). */
export function sourceModule(module: string): string {
  return compiled
    ? path.join(repoRoot, 'dist/src', `${module}.js`)
    : path.join(repoRoot, 'src', `${module}.ts`);
}

/**
 * The source file (`src/...ts`) a file a child loaded is compiled from, relative to the repository, or the
 * file itself (relative) when it is not one of dist/src's.
 */
export function sourceFileOf(file: string): string {
  const rel = path.relative(repoRoot, file).split(path.sep).join('/');
  return rel.startsWith('dist/src/') ? rel.slice('dist/'.length).replace(/\.js$/, '.ts') : rel;
}
