/**
 * Secrets at rest (access key secrets, session secrets and tokens) are sealed with AES-256-GCM under a key
 * that never enters the database: `ROLECALL_SECRET_KEY` (64 hex digits or base64 of 32 bytes) or a key file
 * created with mode 0600 beside the SQLite file (or under `.rolecall/` for PostgreSQL), in a folder created
 * with mode 0700.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RolecallError } from '../errors.js';
import { nodeCrypto } from '../node-crypto.js';
import { privateDir } from './private-files.js';

export interface SecretBox {
  /** `v1:` followed by base64 of iv, tag and ciphertext. */
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** Where the key came from (`ROLECALL_SECRET_KEY` or its file), for messages. */
  readonly source: string;
}

const PREFIX = 'v1:';

export function secretBox(key: Buffer, source = 'a key of this process'): SecretBox {
  if (key.length !== 32) throw new RolecallError('StoreUnavailable', 'the secret key must be 32 bytes');
  return {
    source,
    encrypt(plain) {
      const { createCipheriv, randomBytes } = nodeCrypto();
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(sealed) {
      if (!sealed.startsWith(PREFIX))
        throw new RolecallError('StoreUnavailable', 'a stored secret is not sealed');
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
      const decipher = nodeCrypto().createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new RolecallError(
          'StoreUnavailable',
          'a stored secret cannot be decrypted: the secret key does not match the one it was sealed with',
        );
      }
    },
  };
}

function parseKey(text: string, from: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new RolecallError(
      'StoreUnavailable',
      `the secret key in ${from} is not 32 bytes (64 hex digits or base64)`,
    );
  }
  return key;
}

/** The key from `ROLECALL_SECRET_KEY`, else from `keyFile`, created (mode 0600) when missing. */
export function loadSecretKey(keyFile: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.ROLECALL_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return parseKey(fromEnv, 'ROLECALL_SECRET_KEY');
  try {
    return parseKey(fs.readFileSync(keyFile, 'utf8'), `\`${keyFile}\``);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  privateDir(path.dirname(keyFile));
  const key = nodeCrypto().randomBytes(32);
  try {
    // `wx`: two processes starting together must not overwrite each other's key.
    fs.writeFileSync(keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return parseKey(fs.readFileSync(keyFile, 'utf8'), `\`${keyFile}\``);
  }
}

/**
 * The box of a store opened by a command that reads and writes no secret (`noSecrets`): no key is loaded
 * or created, and any use is that command's bug, reported as such instead of sealing or opening anything.
 */
export function refusingSecretBox(location: string): SecretBox {
  const refuse = (): never => {
    throw new Error(
      `the store \`${location}\` was opened without its secret key, by a command that uses no secret`,
    );
  };
  return { source: 'no key (the store was opened to use no secret)', encrypt: refuse, decrypt: refuse };
}

/** The secret box of a durable store: its key and where that key came from. */
export function storeSecrets(keyFile: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
  const fromEnv = env.ROLECALL_SECRET_KEY;
  const source = fromEnv !== undefined && fromEnv !== '' ? '`ROLECALL_SECRET_KEY`' : `\`${keyFile}\``;
  return secretBox(loadSecretKey(keyFile, env), source);
}
