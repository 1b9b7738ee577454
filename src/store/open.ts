/**
 * Chooses and opens the backend from a location: `memory`, a `postgres://` (or `postgresql://`) URL, or a
 * SQLite file path. Default: `ROLECALL_STORE`, else `.rolecall/rolecall.db` under the current directory.
 */
import path from 'node:path';
import { checkSecretKey } from './key-check.js';
import type { Store } from './types.js';

export const DEFAULT_STORE_PATH = path.join('.rolecall', 'rolecall.db');

export function storeLocation(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return option;
  const fromEnv = env.ROLECALL_STORE;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_STORE_PATH;
}

/**
 * Each backend is loaded when it is opened: a SQLite user never loads pg, and the reverse. A durable store
 * is checked to open with this process's secret key before anything uses it.
 */
export async function openStore(location: string = storeLocation()): Promise<Store> {
  if (location === 'memory') return new (await import('./memory.js')).MemoryStore();
  const store = /^postgres(ql)?:\/\//.test(location)
    ? await (await import('./postgres.js')).PostgresStore.open(location)
    : new (await import('./sqlite.js')).SqliteStore(location);
  try {
    await checkSecretKey(store);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
