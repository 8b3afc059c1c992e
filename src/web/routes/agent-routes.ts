// Agents' consents on file in the page (admins only): list, enter, revoke.

import type { FastifyInstance } from 'fastify';
import { AgentConsentError, AgentConsents } from '../agent-consents';
import { mayManage } from '../web-roles';
import type { WebContext } from '../web-server';

const EXT = { type: 'object', required: ['extension'], properties: { extension: { type: 'string', pattern: '^[0-9]{2,10}$' } } } as const;
const CONSENT_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['signed', 'document'],
  properties: { signed: { type: 'string', format: 'date' }, document: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\r\\n]+$' } },
} as const;

export function agentRoutes(app: FastifyInstance, ctx: WebContext): void {
  const consents = new AgentConsents(ctx.knex, ctx.tables);
  const adminOnly = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const refused = await ctx.requireUser(request, reply);
    if (refused) return refused;
    if (!mayManage(request.user!)) return ctx.fail(reply, 403, "agents' consents are managed by admins");
    return undefined;
  };

  app.get('/api/agents', { preHandler: adminOnly }, async () => ({ ok: true, consents: await consents.list() }));

  app.post<{ Params: { extension: string }; Body: { signed: string; document: string } }>(
    '/api/agents/:extension/consent',
    { preHandler: adminOnly, schema: { params: EXT, body: CONSENT_BODY } },
    async (request, reply) => {
      try {
        const id = await consents.consent(request.params.extension, new Date(`${request.body.signed}T00:00:00Z`), request.body.document, request.user!.name);
        return { ok: true, id };
      } catch (err) {
        if (err instanceof AgentConsentError) return ctx.fail(reply, 400, err.message);
        throw err;
      }
    },
  );

  app.post<{ Params: { extension: string } }>('/api/agents/:extension/revoke', { preHandler: adminOnly, schema: { params: EXT } }, async (request) => {
    const revoked = await consents.revoke(request.params.extension, request.user!.name);
    return { ok: true, revoked };
  });
}
