// The live view (running calls, from the same state MQTT publishes) and live actions: record start/stop, pause/resume and listen.

import type { FastifyInstance } from 'fastify';
import { toCallView } from '../../publishers/call-view';
import type { OpsResult } from '../live-operations';
import { inScope, mayActLive } from '../web-roles';
import type { WebContext } from '../web-server';
import { CALL_PARAMS } from './call-routes';

const RECORD_BODY = { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { enum: ['start', 'stop'] } } } as const;
const PAUSE_BODY = { type: 'object', additionalProperties: false, required: ['action'], properties: { action: { enum: ['pause', 'resume'] } } } as const;
const EXTENSION_PARAMS = { type: 'object', required: ['extension'], properties: { extension: { type: 'string', pattern: '^[0-9]{2,10}$' } } } as const;

export function liveRoutes(app: FastifyInstance, ctx: WebContext): void {
  const send = (reply: import('fastify').FastifyReply, result: OpsResult) => {
    const { status, ...body } = result;
    return reply.code(status).send(body);
  };
  const unavailable = { status: 503, ok: false, command: 'live', reason: 'live operations are not available in this process' } as const;

  app.get('/api/live', { preHandler: ctx.requireUser }, async (request) => {
    const daemon = ctx.live?.daemon;
    const scope = ctx.scope(request.user!);
    const calls = daemon ? daemon.registry.list().filter((c) => !c.ended && inScope(scope, c)) : [];
    return {
      ok: true,
      liveOps: ctx.liveOps.enabled && mayActLive(request.user!),
      calls: calls.map((c) => toCallView(c, daemon!.annotationsOf(c.callId))),
    };
  });

  app.post<{ Params: { callId: string }; Body: { action: 'start' | 'stop' } }>(
    '/api/live/calls/:callId/recording',
    { preHandler: ctx.requireUser, schema: { params: CALL_PARAMS, body: RECORD_BODY } },
    async (request, reply) => {
      if (!ctx.liveOperations) return send(reply, unavailable);
      return send(reply, await ctx.liveOperations.record(request.user!, request.params.callId.toLowerCase(), request.body.action, request.ip));
    },
  );

  app.post<{ Params: { callId: string }; Body: { action: 'pause' | 'resume' } }>(
    '/api/live/calls/:callId/pause',
    { preHandler: ctx.requireUser, schema: { params: CALL_PARAMS, body: PAUSE_BODY } },
    async (request, reply) => {
      if (!ctx.liveOperations) return send(reply, unavailable);
      return send(reply, await ctx.liveOperations.pause(request.user!, request.params.callId.toLowerCase(), request.body.action, request.ip));
    },
  );

  app.post<{ Params: { callId: string } }>('/api/live/calls/:callId/listen', { preHandler: ctx.requireUser, schema: { params: CALL_PARAMS } }, async (request, reply) => {
    if (!ctx.liveOperations) return send(reply, unavailable);
    return send(reply, await ctx.liveOperations.listen(request.user!, { callId: request.params.callId.toLowerCase() }, request.ip));
  });

  app.post<{ Params: { extension: string } }>('/api/live/extensions/:extension/listen', { preHandler: ctx.requireUser, schema: { params: EXTENSION_PARAMS } }, async (request, reply) => {
    if (!ctx.liveOperations) return send(reply, unavailable);
    return send(reply, await ctx.liveOperations.listen(request.user!, { extension: request.params.extension }, request.ip));
  });
}
