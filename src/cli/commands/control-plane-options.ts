/**
 * What the management commands share: the `--store` and `--account` options, opening the control plane,
 * reading policy files, and printing tables or JSON.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import { accountId } from './input-values.js';
import type { OpenedControlPlane, Tag } from '../../iam/index.js';
import { storeKind, storeLocation } from '../../store/open.js';
import type { CommandContext } from '../context.js';
import { formatTable, outputWidth } from '../table.js';
import { readTextFile } from './read-text-file.js';

export { readTextFile };

export const DEFAULT_ACCOUNT = '123456789012';

export interface StoreOptions {
  store?: string;
  account?: string;
  json?: boolean;
}

export function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--store <location>',
      'SQLite file, postgres:// URL or `memory` (default: $ROLECALL_STORE or .rolecall/rolecall.db)',
    )
    .option('--account <id>', `account id (default: $ROLECALL_ACCOUNT or ${DEFAULT_ACCOUNT})`);
}

export function accountOf(opts: StoreOptions): string {
  const account = opts.account ?? process.env.ROLECALL_ACCOUNT ?? DEFAULT_ACCOUNT;
  return accountId(account, opts.account !== undefined ? '--account' : 'ROLECALL_ACCOUNT');
}

/**
 * Opens the control plane for one command and closes it afterwards. `noSecrets`: the command seals and
 * opens no secret, so the store is opened without its secret key (see OpenStoreOptions).
 */
export async function withControlPlane<T>(
  opts: StoreOptions,
  fn: (cp: OpenedControlPlane) => Promise<T>,
  { noSecrets = false }: { noSecrets?: boolean } = {},
): Promise<T> {
  // Loaded here, not at start: commands that never open a store do not pay for it.
  const { openControlPlane } = await import('../../iam/open.js');
  const cp = await openControlPlane(opts.store, { noSecrets });
  try {
    return await fn(cp);
  } finally {
    await cp.close();
  }
}

/** The options, or `memory` when they name a SQLite file that does not exist (for commands that only read). */
export function existingStoreOrEmpty<T extends StoreOptions>(opts: T): T {
  const location = storeLocation(opts.store);
  if (storeKind(location) !== 'sqlite' || fs.existsSync(location)) return opts;
  return { ...opts, store: 'memory' };
}

/** withControlPlane for a command that only reads: a SQLite store that does not exist is not created. */
export function readControlPlane<T>(
  opts: StoreOptions,
  fn: (cp: OpenedControlPlane) => Promise<T>,
  options?: { noSecrets?: boolean },
): Promise<T> {
  return withControlPlane(existingStoreOrEmpty(opts), fn, options);
}

/** Runs `fn` with the text of `file`; a policy error it raises is reported at that file's line:column. */
export async function withPolicyFile<T>(file: string, fn: (text: string) => Promise<T>): Promise<T> {
  const text = readTextFile(file);
  try {
    return await fn(text);
  } catch (e) {
    if (e instanceof RolecallError && e.code === 'MalformedPolicyDocument' && e.place.file === undefined) {
      const shown = file === '-' ? '<stdin>' : file;
      throw new RolecallError(
        e.code,
        e.message,
        { ...e.place, file: shown },
        e.details.map((d) => ({ ...d, place: { ...d.place, file: shown } })),
      );
    }
    throw e;
  }
}

/** `key=value` pairs into tags. */
export function parseTags(pairs: readonly string[] = []): Tag[] {
  return pairs.map((p) => {
    const i = p.indexOf('=');
    if (i <= 0) throw new RolecallError('UsageError', `tag \`${p}\` must be written key=value`);
    return { key: p.slice(0, i), value: p.slice(i + 1) };
  });
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new RolecallError('UsageError', `\`${value}\` is not an integer`);
  return n;
}

/** Prints rows as an aligned table, or the value as JSON with `--json`. */
export function print(
  ctx: CommandContext,
  opts: { json?: boolean },
  value: unknown,
  table?: { columns: string[]; rows: (string | number | undefined)[][] },
): void {
  if (opts.json || !table) {
    ctx.out(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  ctx.out(formatTable(table.columns, table.rows, outputWidth()));
}

export function formatTags(tags: readonly Tag[]): string {
  return tags.map((t) => `${t.key}=${t.value}`).join(',');
}

/** Key/value lines for one entity. */
export function printRecord(
  ctx: CommandContext,
  opts: { json?: boolean },
  value: object,
  fields: [string, unknown][],
): void {
  if (opts.json) {
    ctx.out(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) {
    if (v === undefined) continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text.includes('\n')) ctx.out(`${k.padEnd(width)}  |\n${text.replace(/^/gm, '    ')}\n`);
    else ctx.out(`${k.padEnd(width)}  ${text}\n`);
  }
}
