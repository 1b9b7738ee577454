/**
 * Console sign-in sessions: a random id in an HttpOnly, SameSite=Strict cookie scoped to `/console`, a
 * CSRF token the page sends back in a header on every call, and an absolute expiry (never past the
 * expiry of the temporary credentials signed in with). The secret is checked once at sign-in and never
 * kept: a session holds the access key id only, and every call re-reads the credential, so a deactivated
 * or deleted key ends its sessions at once. Sessions live in this process's memory (a restart signs
 * everyone out; behind a load balancer, pin console users to one server).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RolecallError } from '../../errors.js';
import type { ApiBackend } from '../backend.js';
import type { Caller } from '../operation.js';

export const SESSION_COOKIE = 'rolecall_console';
/** Absolute lifetime of a console session. */
export const SESSION_TTL_MS = 60 * 60 * 1000;
/** Sessions kept at most; the oldest is dropped past it (sign-in floods cannot grow memory). */
const MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  id: string;
  csrfToken: string;
  accessKeyId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
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

const invalidSignIn = () =>
  new RolecallError('InvalidClientTokenId', 'the access key id or secret access key is not valid');

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly backend: ApiBackend,
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
    if (cred.expiresAt !== undefined && cred.expiresAt <= now) {
      throw new RolecallError('ExpiredToken', 'the security token included in the request is expired');
    }
    this.sweep(now);
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      accessKeyId: cred.accessKeyId,
      expiresAt: Math.min(now + this.ttl, cred.expiresAt ?? Infinity),
    };
    this.sessions.set(session.id, session);
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (oldest.done === true) break;
      this.sessions.delete(oldest.value);
    }
    return { session, caller: cred.caller };
  }

  /** The live session of a cookie value and its caller (re-read from the store), or undefined. */
  async find(id: string | undefined): Promise<{ session: ConsoleSession; caller: Caller } | undefined> {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.clock();
    if (session.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    const cred = await this.backend.findCredential(session.accessKeyId);
    if (cred === undefined || !cred.active || (cred.expiresAt !== undefined && cred.expiresAt <= now)) {
      this.sessions.delete(id);
      return undefined;
    }
    return { session, caller: cred.caller };
  }

  /** Whether `token` is the session's CSRF token. */
  static csrfMatches(session: ConsoleSession, token: string | undefined): boolean {
    return token !== undefined && sameSecret(session.csrfToken, token);
  }

  signOut(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
