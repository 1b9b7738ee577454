/**
 * Console sign-in sessions: a random token in an HttpOnly, SameSite=Strict cookie scoped to `/console`,
 * a CSRF token the page sends back in a header on every call, and an absolute expiry (never past the
 * expiry of the temporary credentials signed in with). Sessions live in the store, so every server on it
 * (and the next start) knows them: a record keyed by the SHA-256 of the token, holding the access key id
 * and the expiry, never the token. The CSRF token is an HMAC of the session token, so it is bound to it
 * and stored nowhere. The secret is checked once at sign-in and never kept; every call re-reads the
 * credential, so a deactivated or deleted key ends its sessions at once.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RolecallError } from '../../errors.js';
import { credentialExpired } from '../../iam/index.js';
import type { Store } from '../../store/index.js';
import type { ApiBackend } from '../backend.js';
import type { Caller } from '../operation.js';

export const SESSION_COOKIE = 'rolecall_console';
/** Absolute lifetime of a console session. */
export const SESSION_TTL_MS = 60 * 60 * 1000;
/** Sessions kept at most; those nearest their expiry go first past it (sign-in floods cannot grow the store). */
const MAX_SESSIONS = 10_000;
const TABLE = 'console-session';

export interface ConsoleSession {
  /** The token the cookie carries (only in the answer to sign-in and to the request that sent it). */
  id: string;
  csrfToken: string;
  accessKeyId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

interface SessionRecord {
  accessKeyId: string;
  expiresAt: number;
  [k: string]: string | number;
}

export interface SignInInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Compares digests so that neither length nor content leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}

/** The store key of a session token. */
const keyOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The CSRF token of a session token: derived from it, so it is bound to it and needs no storage. */
const csrfOf = (token: string) =>
  createHmac('sha256', token).update('rolecall console csrf', 'utf8').digest('base64url');

const invalidSignIn = () =>
  new RolecallError('InvalidClientTokenId', 'the access key id or secret access key is not valid');

export class ConsoleSessions {
  constructor(
    private readonly backend: ApiBackend,
    private readonly store: Store,
    private readonly clock: () => number,
    private readonly ttl = SESSION_TTL_MS,
  ) {}

  /** Checks the key and its secret (and session token for temporary credentials) and opens a session. */
  async signIn(input: SignInInput): Promise<{ session: ConsoleSession; caller: Caller }> {
    const now = this.clock();
    const cred = await this.backend.findCredential(input.accessKeyId);
    if (cred === undefined || !cred.active || !sameSecret(cred.secretAccessKey, input.secretAccessKey)) {
      throw invalidSignIn();
    }
    if (cred.sessionToken !== undefined || input.sessionToken !== undefined) {
      if (
        cred.sessionToken === undefined ||
        input.sessionToken === undefined ||
        !sameSecret(cred.sessionToken, input.sessionToken)
      ) {
        throw invalidSignIn();
      }
    }
    if (credentialExpired(cred.expiresAt, now)) {
      throw new RolecallError('ExpiredToken', 'the security token included in the request is expired');
    }
    const id = randomBytes(32).toString('base64url');
    const record: SessionRecord = {
      accessKeyId: cred.accessKeyId,
      expiresAt: Math.min(now + this.ttl, cred.expiresAt ?? Infinity),
    };
    await this.store.withTransaction(async (tx) => {
      const live = (await tx.list(TABLE))
        .map((r) => ({ key: r.key, expiresAt: (r.value as SessionRecord).expiresAt }))
        .sort((a, b) => a.expiresAt - b.expiresAt);
      let over = live.length + 1 - MAX_SESSIONS;
      for (const r of live) if (r.expiresAt <= now || over-- > 0) await tx.delete(TABLE, r.key);
      await tx.put(TABLE, keyOf(id), record);
    });
    return {
      session: { id, csrfToken: csrfOf(id), accessKeyId: record.accessKeyId, expiresAt: record.expiresAt },
      caller: cred.caller,
    };
  }

  /** The live session of a cookie value and its caller (re-read from the store), or undefined. */
  async find(id: string | undefined): Promise<{ session: ConsoleSession; caller: Caller } | undefined> {
    if (id === undefined || id === '') return undefined;
    const key = keyOf(id);
    const found = (await this.store.withTransaction((tx) => tx.get(TABLE, key), { readOnly: true })) as
      SessionRecord | undefined;
    if (found === undefined) return undefined;
    const now = this.clock();
    const cred = found.expiresAt > now ? await this.backend.findCredential(found.accessKeyId) : undefined;
    if (cred === undefined || !cred.active || credentialExpired(cred.expiresAt, now)) {
      await this.store.withTransaction((tx) => tx.delete(TABLE, key));
      return undefined;
    }
    return {
      session: { id, csrfToken: csrfOf(id), accessKeyId: found.accessKeyId, expiresAt: found.expiresAt },
      caller: cred.caller,
    };
  }

  /** Whether `token` is the session's CSRF token. */
  static csrfMatches(session: ConsoleSession, token: string | undefined): boolean {
    return token !== undefined && sameSecret(session.csrfToken, token);
  }

  async signOut(id: string): Promise<void> {
    await this.store.withTransaction((tx) => tx.delete(TABLE, keyOf(id)));
  }
}
