/**
 * The store's files hold sealed secrets and every permission of every account: the folders rolecall creates
 * are 0700 and its files 0600 (the SQLite database and its -wal/-shm, the secret key, the credentials
 * file), whatever the umask. `.rolecall/` is rolecall's own folder and is tightened when it exists already.
 */
import fs from 'node:fs';
import path from 'node:path';

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Tightens a file or folder rolecall owns; a path owned by someone else is left as it is. */
function tighten(p: string, mode: number): void {
  try {
    const st = fs.statSync(p);
    if ((st.mode & 0o777) !== mode && (process.getuid === undefined || st.uid === process.getuid())) {
      fs.chmodSync(p, mode);
    }
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
}

/** Creates `dir` (and missing parents) with mode 0700; an existing `.rolecall/` is made 0700. */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (path.basename(path.resolve(dir)) === '.rolecall') tighten(dir, 0o700);
}

/** Creates `file` empty with mode 0600 when missing, else makes it (and its existing companions) 0600. */
export function privateFile(file: string, companions: readonly string[] = []): void {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  for (const p of [file, ...companions]) tighten(p, 0o600);
}
