// Page sessions: random ids in an HttpOnly SameSite=Strict cookie, each with its own CSRF token; kept in memory.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface WebSession {
  readonly id: string;
  readonly userId: number;
  readonly csrfToken: string;
  expiresAt: number;
}

const MAX_SESSIONS = 10_000;

/**
 * In memory on purpose: a restart logs everybody out, and nothing that opens a session can
 * be read from the database. Sliding expiry: each use extends it by `ttlMs`.
 */
export class WebSessions {
  private readonly sessions = new Map<string, WebSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(userId: number): WebSession {
    const session: WebSession = { id: randomBytes(32).toString('base64url'), userId, csrfToken: randomBytes(32).toString('base64url'), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  get(id: string | undefined): WebSession | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = this.now() + this.ttlMs;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a user (disabled, password changed). */
  destroyUser(userId: number): void {
    for (const [id, s] of this.sessions) if (s.userId === userId) this.sessions.delete(id);
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function csrfMatches(session: WebSession, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(session.csrfToken), digest(presented));
}
