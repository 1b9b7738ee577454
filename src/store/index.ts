/** The durable store: one transactional interface, three backends. */
export type {
  JsonValue,
  Store,
  StoreKind,
  StoreRecord,
  StoreTx,
  Table,
  TransactionOptions,
} from './types.js';
export { TABLES } from './types.js';
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteOptions } from './sqlite.js';
export {
  MAX_STATEMENT_TIMEOUT_MS,
  PostgresStore,
  STATEMENT_TIMEOUT_MS,
  type PostgresOptions,
} from './postgres.js';
export {
  millisecondsValue,
  openStore,
  revisionWindowFromEnv,
  storeKind,
  storeLocation,
  DEFAULT_STORE_PATH,
  type OpenStoreOptions,
  type StoreSettings,
} from './open.js';
export { secretBox, loadSecretKey, type SecretBox } from './secrets.js';
export { MAX_REVISION_WINDOW_MS, REVISION_WINDOW_MS } from './revision-window.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.js';
