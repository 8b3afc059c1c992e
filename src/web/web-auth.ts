// Who is asking: a page session (cookie + CSRF token), HTTP Basic or a personal API token; failures throttled and audited.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger';
import type { AccessAction, AccessLog } from './access-log';
import type { LoginThrottle } from './login-throttle';
import { dummyHash, verifyPassword } from './password-hash';
import { USER_NAME, type UserDirectory } from './user-directory';
import { csrfMatches, type WebSession, type WebSessions } from './web-sessions';
import type { WebUser } from './web-roles';

export const SESSION_COOKIE = 'cw_session';
export const CSRF_HEADER = 'x-csrf-token';
/** The page sends this so a 401 does not make the browser pop up its own Basic dialog. */
export const PAGE_HEADER = 'x-callwarden-page';

export type AuthMethod = 'session' | 'basic' | 'token';

export type AuthOutcome =
  | { readonly ok: true; readonly user: WebUser; readonly method: AuthMethod; readonly session?: WebSession }
  | { readonly ok: false; readonly status: 401 | 403 | 429; readonly reason: string; readonly retryAfterMs?: number };

export interface WebAuthDeps {
  readonly users: UserDirectory;
  readonly sessions: WebSessions;
  readonly throttle: LoginThrottle;
  readonly logger: Logger;
  /** The sealed access log (`callwarden audit`): logins, logouts, failed logins and lockouts go there too. */
  readonly accessLog?: AccessLog;
}

type AuthEventKind = 'login' | 'login_failed' | 'locked_out' | 'logout';

const SEALED_ACTION: Readonly<Record<AuthEventKind, AccessAction>> = { login: 'login', logout: 'logout', login_failed: 'login-failed', locked_out: 'locked-out' };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class WebAuth {
  private readonly log: Logger;

  constructor(private readonly deps: WebAuthDeps) {
    this.log = deps.logger.child({ module: 'web-auth' });
  }

  /** Name + password from the login form or a Basic header; every outcome throttled and audited. */
  async checkPassword(name: string, password: string, address: string, method: 'form' | 'basic'): Promise<AuthOutcome> {
    const verdict = this.deps.throttle.check(address, name);
    if (!verdict.allowed) {
      // Attempts while locked out stay in the plain login table only: the sealed row was written
      // when the lockout began, and a flood of refused attempts must not grow the sealed chain.
      await this.audit('locked_out', name, address, method, false);
      return { ok: false, status: 429, reason: 'too many failed logins: wait and try again', retryAfterMs: verdict.retryAfterMs };
    }
    const user = await this.deps.users.findByName(name);
    // Always one scrypt: an unknown name costs the same time as a wrong password.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!ok || user === undefined || user.disabled) {
      const locked = this.deps.throttle.failed(address, name);
      await this.audit(locked ? 'locked_out' : 'login_failed', name, address, method);
      this.log.warn(`failed login (${method}) from ${address}${locked ? '; further attempts wait' : ''}`);
      return { ok: false, status: 401, reason: 'wrong user name or password' };
    }
    this.deps.throttle.succeeded(address, name);
    return { ok: true, user, method: method === 'form' ? 'session' : 'basic' };
  }

  async authenticate(request: FastifyRequest): Promise<AuthOutcome> {
    const address = request.ip;
    const header = request.headers.authorization;
    if (typeof header === 'string' && header !== '') {
      // RFC 9110 §11.1: the scheme is case-insensitive ("basic" works like "Basic").
      const m = /^([A-Za-z]+)[ \t]+([^\s]+)[ \t]*$/.exec(header);
      const scheme = m?.[1]?.toLowerCase();
      if (scheme === 'basic') {
        const decoded = Buffer.from(m![2]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon <= 0) return this.refuse(address, undefined, 'basic');
        return this.checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), address, 'basic');
      }
      if (scheme === 'bearer') {
        const verdict = this.deps.throttle.check(address, undefined);
        if (!verdict.allowed) return { ok: false, status: 429, reason: 'too many failed logins: wait and try again', retryAfterMs: verdict.retryAfterMs };
        const user = await this.deps.users.findByToken(m![2]!);
        if (user) return { ok: true, user, method: 'token' };
        return this.refuse(address, undefined, 'token');
      }
      return { ok: false, status: 401, reason: 'authentication required (Basic, Bearer or the page login)' };
    }
    const session = this.deps.sessions.get(request.cookies?.[SESSION_COOKIE]);
    if (!session) return { ok: false, status: 401, reason: 'authentication required' };
    const user = await this.deps.users.findById(session.userId);
    if (!user || user.disabled) {
      this.deps.sessions.destroy(session.id);
      return { ok: false, status: 401, reason: 'authentication required' };
    }
    // Cookies are sent by the browser on its own; a state change needs the token only the page knows.
    if (!SAFE_METHODS.has(request.method) && !csrfMatches(session, headerValue(request, CSRF_HEADER))) {
      this.log.warn(`CSRF token missing or wrong: ${request.method} ${request.routeOptions.url ?? ''} from ${address} (user ${user.name})`);
      return { ok: false, status: 403, reason: 'missing or wrong CSRF token' };
    }
    return { ok: true, user, method: 'session', session };
  }

  /**
   * The plain login table (GET /api/audit's `logins`) and, when `sealed`, the sealed access log.
   * A name that is not a valid user name (anything a client typed) is not copied into the
   * sealed log: `callwarden audit` prints it to a terminal.
   */
  async audit(kind: AuthEventKind, name: string | null, address: string, method: string, sealed = true): Promise<void> {
    try {
      await this.deps.users.authEvent(kind, name, address, method);
    } catch (err) {
      this.log.error(`could not write the login audit row (${kind}): ${(err as Error).message}`);
    }
    if (!sealed || !this.deps.accessLog) return;
    const user = name === null ? '(no name)' : USER_NAME.test(name) ? name : '(invalid name)';
    try {
      await this.deps.accessLog.append({ user, action: SEALED_ACTION[kind], callId: null, address, detail: { method } });
    } catch (err) {
      this.log.error(`could not write the sealed access-log row (${SEALED_ACTION[kind]}): ${(err as Error).message}`);
    }
  }

  private async refuse(address: string, name: string | undefined, method: string): Promise<AuthOutcome> {
    const locked = this.deps.throttle.failed(address, name);
    await this.audit(locked ? 'locked_out' : 'login_failed', name ?? null, address, method);
    return { ok: false, status: 401, reason: 'wrong credentials' };
  }
}

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** The refusal as an answer: a Retry-After on 429, a Basic challenge for scripts (not for the page). */
export function sendRefusal(request: FastifyRequest, reply: FastifyReply, outcome: Extract<AuthOutcome, { ok: false }>): FastifyReply {
  if (outcome.status === 429 && outcome.retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)));
  if (outcome.status === 401 && headerValue(request, PAGE_HEADER) === undefined) reply.header('www-authenticate', 'Basic realm="callwarden", charset="UTF-8"');
  return reply.code(outcome.status).send({ ok: false, reason: outcome.reason });
}
