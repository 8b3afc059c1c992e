// Legal holds in the back office (admins only): list, add, remove — each audited in the sealed access log with the admin's name.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addHold, holdValue, HoldInputError, listHolds, removeHold } from '../../lifecycle/legal-holds';
import { mayManage } from '../web-roles';
import type { WebContext } from '../web-server';

const ADD_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'value', 'reason'],
  properties: {
    kind: { type: 'string', enum: ['call', 'number'] },
    value: { type: 'string', minLength: 1, maxLength: 64 },
    reason: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^\\r\\n]+$' },
  },
} as const;
const ID = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,11}$' } } } as const;

/** Fixed sentences: the input is never echoed back (it may be hostile). */
const BAD_VALUE = {
  number: 'not a phone number (3 to 32 digits, optionally with +)',
  call: 'not a call id (letters, digits and . _ : @ -, at most 64)',
} as const;

export function holdRoutes(app: FastifyInstance, ctx: WebContext): void {
  const now = () => new Date(ctx.now?.() ?? Date.now());
  const adminOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = await ctx.requireUser(request, reply);
    if (refused) return refused;
    if (!mayManage(request.user!)) return ctx.fail(reply, 403, 'legal holds are managed by admins');
    return undefined;
  };

  app.get('/api/holds', { preHandler: adminOnly }, async (request) => {
    const holds = await listHolds(ctx.repository, { all: true });
    await ctx.accessLog.append({ user: request.user!.name, action: 'hold-list', callId: null, address: request.ip, detail: { holds: holds.length } });
    return { ok: true, holds };
  });

  app.post<{ Body: { kind: 'call' | 'number'; value: string; reason: string } }>('/api/holds', { preHandler: adminOnly, schema: { body: ADD_BODY } }, async (request, reply) => {
    const { kind, value, reason } = request.body;
    let normalised: string;
    try {
      normalised = holdValue(kind, value.trim());
    } catch (err) {
      if (err instanceof HoldInputError) return ctx.fail(reply, 400, BAD_VALUE[kind]);
      throw err;
    }
    if (reason.trim() === '') return ctx.fail(reply, 400, 'a legal hold needs a reason (e.g. the case or order it serves)');
    // The hold is in place before the row is written: if the audit fails the answer is 500,
    // and the worst outcome is a recording kept, never one deleted.
    const hold = await addHold(ctx.repository, kind, normalised, reason, request.user!.name, now());
    await ctx.accessLog.append({
      user: request.user!.name,
      action: 'hold-add',
      callId: kind === 'call' ? hold.value : null,
      address: request.ip,
      detail: { hold: hold.id, kind: hold.kind, value: hold.value, reason: hold.reason },
    });
    return { ok: true, hold };
  });

  app.post<{ Params: { id: string } }>('/api/holds/:id/remove', { preHandler: adminOnly, schema: { params: ID } }, async (request, reply) => {
    const id = Number(request.params.id);
    const hold = (await listHolds(ctx.repository)).find((h) => h.id === id);
    if (!hold) return ctx.fail(reply, 404, 'no active legal hold with that id');
    // Audited BEFORE the hold is lifted: an unaudited lift (which lets the purge delete) must not happen.
    await ctx.accessLog.append({
      user: request.user!.name,
      action: 'hold-remove',
      callId: hold.kind === 'call' ? hold.value : null,
      address: request.ip,
      detail: { hold: hold.id, kind: hold.kind, value: hold.value, reason: hold.reason },
    });
    if (!(await removeHold(ctx.repository, id, request.user!.name, now()))) return ctx.fail(reply, 404, 'no active legal hold with that id');
    return { ok: true, removed: id };
  });
}
