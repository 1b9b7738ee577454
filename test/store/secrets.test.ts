/** Secrets at rest: the key lives outside the database, in a 0600 file or the environment. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RolecallError } from '../../src/errors.js';
import { loadSecretKey, secretBox } from '../../src/store/index.js';
import { tempDir } from './backends.js';

describe('secret key', () => {
  it('creates a 0600 key file once and reads it back', () => {
    const file = path.join(tempDir(), 'sub', 'secret.key');
    const k1 = loadSecretKey(file, {});
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadSecretKey(file, {}), k1);
  });

  it('prefers ROLECALL_SECRET_KEY and rejects a key of the wrong size', () => {
    const file = path.join(tempDir(), 'secret.key');
    const hex = 'ab'.repeat(32);
    assert.deepEqual(loadSecretKey(file, { ROLECALL_SECRET_KEY: hex }), Buffer.from(hex, 'hex'));
    assert.equal(fs.existsSync(file), false);
    assert.throws(
      () => loadSecretKey(file, { ROLECALL_SECRET_KEY: 'short' }),
      (e: unknown) => e instanceof RolecallError && e.code === 'StoreUnavailable',
    );
  });

  it('refuses to open a secret sealed under another key', () => {
    const a = secretBox(Buffer.alloc(32, 1));
    const b = secretBox(Buffer.alloc(32, 2));
    const sealed = a.encrypt('secret');
    assert.notEqual(sealed, a.encrypt('secret'), 'a fresh IV each time');
    assert.throws(
      () => b.decrypt(sealed),
      (e: unknown) => e instanceof RolecallError && e.code === 'StoreUnavailable',
    );
  });
});
