/**
 * The package's version, from the package.json above this file (source and dist alike). The bin's bundle
 * has it written in by its build (scripts/build-cli.ts defines ROLECALL_VERSION from the same file), so
 * that a command does not look for and parse package.json before its first line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Defined in the bin's bundle only; elsewhere no such global exists, and `typeof` says so. */
declare const ROLECALL_VERSION: string | undefined;

let cached: string | undefined;

export function packageVersion(): string {
  if (typeof ROLECALL_VERSION === 'string') return ROLECALL_VERSION;
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
