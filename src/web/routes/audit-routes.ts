// The access log and the login audit for auditors and admins.

import type { FastifyInstance } from 'fastify';
import { mayReadAudit } from '../web-roles';
import type { WebContext } from '../web-server';

const QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', format: 'date-time' },
    user: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' },
    callId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
  },
} as const;

export function auditRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: { since?: string; user?: string; callId?: string } }>('/api/audit', { preHandler: ctx.requireUser, schema: { querystring: QUERY } }, async (request, reply) => {
    if (!mayReadAudit(request.user!)) return ctx.fail(reply, 403, 'the access log is for auditors and admins');
    const since = request.query.since ? new Date(request.query.since) : new Date((ctx.now?.() ?? Date.now()) - 7 * 86_400_000);
    const [access, logins] = await Promise.all([
      ctx.accessLog.list({ since, ...(request.query.user ? { user: request.query.user } : {}), ...(request.query.callId ? { callId: request.query.callId.toLowerCase() } : {}) }),
      ctx.users.authEvents(since),
    ]);
    return { ok: true, since: since.toISOString(), access, logins: request.query.callId ? [] : logins };
  });
}
