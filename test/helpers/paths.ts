import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared beside the repository: conformance scenarios and seeds. */
export const sharedDir = path.resolve(repoRoot, '../shared');
