/** Reads a file the user named (`-` is stdin); a missing or unreadable file is a one-line error. */
import fs from 'node:fs';
import { RolecallError } from '../../errors.js';

export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new RolecallError(
      'InvalidFile',
      `cannot read \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
}
