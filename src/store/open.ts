/**
 * Chooses and opens the backend from a location: `memory`, a `postgres://` (or `postgresql://`) URL, or a
 * SQLite file path. Default: `ROLECALL_STORE`, else `.rolecall/rolecall.db` under the current directory.
 * The revision window (./revision-window.ts) comes from `ROLECALL_REVISION_WINDOW_MS` unless given: every
 * process on one store must use the same one, the one-shot commands that write as much as the servers.
 */
import path from 'node:path';
import { RolecallError } from '../errors.js';
import { checkSecretKey } from './key-check.js';
import { MAX_REVISION_WINDOW_MS } from './revision-window.js';
import type { Store, StoreKind } from './types.js';

export const DEFAULT_STORE_PATH = path.join('.rolecall', 'rolecall.db');

export function storeLocation(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return option;
  const fromEnv = env.ROLECALL_STORE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_STORE_PATH;
}

/** The backend a location names. */
export function storeKind(location: string): StoreKind {
  if (location === 'memory') return 'memory';
  return /^postgres(ql)?:\/\//.test(location) ? 'postgres' : 'sqlite';
}

/** How a server runs its store (`rolecall serve`'s options); a backend ignores what it has no use for. */
export interface StoreSettings {
  /** PostgreSQL: milliseconds one statement may run before the server cancels it (PostgresOptions). */
  statementTimeoutMs?: number;
  /**
   * SQLite and PostgreSQL: milliseconds a confirmed revision is trusted and a write waits after its commit
   * (SqliteOptions, PostgresOptions); default `ROLECALL_REVISION_WINDOW_MS`, else REVISION_WINDOW_MS.
   */
  revisionWindowMs?: number;
}

/** Whole milliseconds from 0 to `max`, as `source` (a flag or an environment variable) gives them. */
export function millisecondsValue(text: string, source: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max)
    throw new RolecallError(
      'UsageError',
      `invalid \`${source}\` \`${text}\`: whole milliseconds from 0 to ${max}`,
    );
  return Number(text);
}

/** The revision window `ROLECALL_REVISION_WINDOW_MS` sets, or undefined when it is unset or empty. */
export function revisionWindowFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.ROLECALL_REVISION_WINDOW_MS;
  if (text === undefined || text === '') return undefined;
  return millisecondsValue(text, 'ROLECALL_REVISION_WINDOW_MS', MAX_REVISION_WINDOW_MS);
}

export interface OpenStoreOptions extends StoreSettings {
  /**
   * The command seals and opens no secret (a decision read from the store): the durable store is opened
   * without its secret key, which is neither read nor created, nor checked against the store; its box
   * refuses every use. A command that uses a secret opens the store with its key, and is refused there
   * when the key is not the store's.
   */
  noSecrets?: boolean;
}

/**
 * Each backend is loaded when it is opened: a SQLite user never loads pg, and the reverse. A durable store
 * is checked to open with this process's secret key before anything uses it (unless opened `noSecrets`).
 */
export async function openStore(
  location: string = storeLocation(),
  options: OpenStoreOptions = {},
): Promise<Store> {
  const kind = storeKind(location);
  if (kind === 'memory') return new (await import('./memory.js')).MemoryStore();
  const { noSecrets = false, ...given } = options;
  const window = given.revisionWindowMs ?? revisionWindowFromEnv();
  const settings = window === undefined ? given : { ...given, revisionWindowMs: window };
  const store =
    kind === 'postgres'
      ? await (await import('./postgres.js')).PostgresStore.open(location, { ...settings, noSecrets })
      : new (await import('./sqlite.js')).SqliteStore(location, {
          noSecrets,
          ...(settings.revisionWindowMs !== undefined ? { revisionWindowMs: settings.revisionWindowMs } : {}),
        });
  if (noSecrets) return store;
  try {
    await checkSecretKey(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
