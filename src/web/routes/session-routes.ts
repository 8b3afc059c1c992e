// Login and logout for the page (session cookie + CSRF token), who am I, and personal API tokens.

import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../web-auth';
import type { WebContext } from '../web-server';
import type { WebUser } from '../web-roles';

const LOGIN_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'password'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

export function publicUser(user: WebUser, ctx: WebContext): Record<string, unknown> {
  const scope = ctx.scope(user);
  return {
    name: user.name,
    role: user.role,
    extension: user.extension,
    groups: scope.all ? 'all' : scope.groups,
    extensions: scope.all ? 'all' : scope.extensions,
  };
}

export function sessionRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.post<{ Body: { name: string; password: string } }>('/api/session', { schema: { body: LOGIN_BODY } }, async (request, reply) => {
    const outcome = await ctx.auth.checkPassword(request.body.name, request.body.password, request.ip, 'form');
    if (!outcome.ok) {
      if (outcome.status === 429 && outcome.retryAfterMs !== undefined) reply.header('retry-after', String(Math.ceil(outcome.retryAfterMs / 1000)));
      return ctx.fail(reply, outcome.status, outcome.reason);
    }
    const session = ctx.sessions.create(outcome.user.id);
    await ctx.auth.audit('login', outcome.user.name, request.ip, 'form');
    reply.setCookie(SESSION_COOKIE, session.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: ctx.config.sessionMinutes * 60,
    });
    return { ok: true, user: publicUser(outcome.user, ctx), csrfToken: session.csrfToken };
  });

  app.delete('/api/session', { preHandler: ctx.requireUser }, async (request, reply) => {
    if (request.webSession) ctx.sessions.destroy(request.webSession.id);
    await ctx.auth.audit('logout', request.user!.name, request.ip, 'form');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/me', { preHandler: ctx.requireUser }, async (request) => ({
    ok: true,
    user: publicUser(request.user!, ctx),
    ...(request.webSession ? { csrfToken: request.webSession.csrfToken } : {}),
  }));

  app.post<{ Body: { label: string } }>(
    '/api/tokens',
    {
      preHandler: ctx.requireUser,
      schema: { body: { type: 'object', additionalProperties: false, required: ['label'], properties: { label: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\r\\n]*$' } } } },
    },
    async (request) => {
      const token = await ctx.users.createToken(request.user!.id, request.body.label);
      return { ok: true, token, note: 'shown once; send it as "Authorization: Bearer <token>"' };
    },
  );
}
