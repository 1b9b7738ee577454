/**
 * node:crypto, loaded on first use. Loading it loads some thirty of Node's own modules (its parts and the
 * stream modules), which a command that only reads the store, such as one `simulate --store`, would pay
 * for before it decides anything; the modules every command loads (ids, the secret box) use it through
 * this, so that only a command that makes an id or seals a secret loads it.
 */
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let loaded: typeof Crypto | undefined;

export function nodeCrypto(): typeof Crypto {
  return (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto);
}
