/**
 * A store remembers the secret key it was created with: the first open seals a known text into it, and
 * every later open must unseal it. A process holding another key (another working directory's key file, a
 * different `ROLECALL_SECRET_KEY`) stops at start with one line, instead of answering every signed call
 * 503 once it meets a sealed secret it cannot open.
 */
import { RolecallError } from '../errors.js';
import type { Store } from './types.js';

const CHECK_KEY = 'secret-key-check';
const CHECK_TEXT = 'rolecall secret key check v1';

function opens(store: Store, sealed: unknown): boolean {
  if (typeof sealed !== 'string') return false;
  try {
    return store.secrets.decrypt(sealed) === CHECK_TEXT;
  } catch {
    return false;
  }
}

/** Throws StoreUnavailable when the store's secret key is not the one its secrets were sealed with. */
export async function checkSecretKey(store: Store): Promise<void> {
  let sealed = await store.withTransaction((tx) => tx.get('store-meta', CHECK_KEY), { readOnly: true });
  if (sealed === undefined) {
    // The first open seals the check; of two processes opening a new store at once, the second reads the
    // first one's check inside its own transaction.
    sealed = await store.withTransaction(async (tx) => {
      const found = await tx.get('store-meta', CHECK_KEY);
      if (found !== undefined) return found;
      const fresh = store.secrets.encrypt(CHECK_TEXT);
      await tx.put('store-meta', CHECK_KEY, fresh);
      return fresh;
    });
  }
  if (!opens(store, sealed)) {
    throw new RolecallError(
      'StoreUnavailable',
      `the secret key from ${store.secrets.source} does not open the store \`${store.location}\`: start with the key the store was created with (its key file or ROLECALL_SECRET_KEY)`,
    );
  }
}
