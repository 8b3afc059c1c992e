// Calls for the back office: search (paged, scoped), one call's detail with recordings, decision and evidence, and the evidence export.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLegalBasis, LEGAL_BASIS_ARTICLE } from '../../policies';
import type { CallRecord, EvidenceRecord } from '../../store';
import { searchCalls, type CallSearch, type ConsentFilter, type RecordingFilter } from '../call-search';
import { mayShare, mayTakeCopies } from '../web-roles';
import type { WebContext } from '../web-server';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const CALL_PARAMS = { type: 'object', required: ['callId'], properties: { callId: { type: 'string', pattern: UUID } } } as const;

const SEARCH_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    caller: { type: 'string', pattern: '^[0-9+*#]{1,32}$' },
    agent: { type: 'string', pattern: '^[0-9]{2,10}$' },
    group: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    consent: { enum: ['given', 'refused', 'timeout', 'invalid', 'not-asked'] },
    recording: { enum: ['recorded', 'not-recorded'] },
    page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
  },
} as const;

interface SearchQuery {
  from?: string;
  to?: string;
  caller?: string;
  agent?: string;
  group?: string;
  consent?: ConsentFilter;
  recording?: RecordingFilter;
  page: number;
  pageSize: number;
}

/** The call when it exists AND the user may see it; otherwise the reply is a 404 (never 403: no hint that it exists). */
export async function visibleCall(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, callId: string): Promise<CallRecord | undefined> {
  const call = await ctx.repository.getCall(callId.toLowerCase());
  if (call && (await ctx.entitled(request.user!, call))) return call;
  ctx.fail(reply, 404, 'no such call');
  return undefined;
}

/** The latest decision and the consent outcome, read from the evidence rows. */
export function summariseEvidence(evidence: readonly EvidenceRecord[]): { decision: { record: boolean; reason: string; mode: string | null } | null; consent: string | null } {
  let decision: { record: boolean; reason: string; mode: string | null } | null = null;
  let consent: string | null = null;
  for (const e of evidence) {
    const d = (e.detail ?? {}) as Record<string, unknown>;
    if (e.kind === 'decision' && typeof d.reason === 'string') decision = { record: d.record === true, reason: d.reason, mode: typeof d.mode === 'string' ? d.mode : null };
    if (e.kind === 'consent' && typeof d.outcome === 'string') consent = d.outcome;
  }
  return { decision, consent };
}

/** The group's GDPR Art. 6(1) basis as configured now (the call's group decides), or null. */
function legalBasis(ctx: WebContext, call: CallRecord): { basis: string; article: string } | null {
  const group = call.group !== null && ctx.recordingGroups && Object.prototype.hasOwnProperty.call(ctx.recordingGroups, call.group) ? ctx.recordingGroups[call.group] : undefined;
  const basis = group?.legalBasis;
  return basis ? { basis, article: LEGAL_BASIS_ARTICLE[basis] } : null;
}

export function callRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Querystring: SearchQuery }>('/api/calls', { preHandler: ctx.requireUser, schema: { querystring: SEARCH_QUERY } }, async (request) => {
    const q = request.query;
    const search: CallSearch = {
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      ...(q.caller ? { caller: q.caller } : {}),
      ...(q.agent ? { agent: q.agent } : {}),
      ...(q.group ? { group: q.group } : {}),
      ...(q.consent ? { consent: q.consent } : {}),
      ...(q.recording ? { recording: q.recording } : {}),
      page: q.page,
      pageSize: q.pageSize,
    };
    const { total, calls } = await searchCalls(ctx.knex, ctx.tables, ctx.scope(request.user!), search);
    // One sentence per call: why it was (not) recorded, from its evidence.
    const rows = [];
    for (const c of calls) {
      const { decision, consent } = summariseEvidence(await ctx.repository.listEvidence(c.callId));
      rows.push({ ...c, consent, recorded: c.recordings > 0, reason: decision?.reason ?? null });
    }
    return { ok: true, page: q.page, pageSize: q.pageSize, total, calls: rows };
  });

  app.get<{ Params: { callId: string } }>('/api/calls/:callId', { preHandler: ctx.requireUser, schema: { params: CALL_PARAMS } }, async (request, reply) => {
    const call = await visibleCall(ctx, request, reply, request.params.callId);
    if (!call) return reply;
    await ctx.accessLog.append({ user: request.user!.name, action: 'view', callId: call.callId, address: request.ip });
    const [recordings, evidence, verification] = await Promise.all([
      ctx.repository.listRecordings(call.callId),
      ctx.repository.listEvidence(call.callId),
      ctx.repository.verifyEvidence(call.callId),
    ]);
    const { decision, consent } = summariseEvidence(evidence);
    const agent = request.user!.role === 'agent';
    return {
      ok: true,
      call,
      // Who the call is shared with (for the supervisor's button); an agent is not told.
      ...(agent ? {} : { sharedWith: await ctx.shares.sharedWith(call.callId), mayShare: mayShare(request.user!) && call.agentExtension !== null }),
      legalBasis: legalBasis(ctx, call),
      consent,
      decision,
      evidence: { verifies: verification.ok, rows: verification.rows, ...(verification.reason ? { problem: verification.reason } : {}) },
      recordings: recordings.map((r) => ({
        id: r.id,
        segment: r.segment,
        channels: r.channels,
        format: r.format,
        status: r.status,
        startedAt: r.startedAt,
        stoppedAt: r.stoppedAt,
        durationMs: r.durationMs,
        bytes: r.bytes,
        sha256: r.sha256,
        retentionUntil: r.retentionUntil,
        // Fixed when the recording was made (the call's legalBasis above is the group's current one).
        legalBasis: r.legalBasis !== null && isLegalBasis(r.legalBasis) ? { basis: r.legalBasis, article: LEGAL_BASIS_ARTICLE[r.legalBasis] } : null,
      })),
      timeline: evidence.map((e) => ({ seq: e.seq, at: e.at, kind: e.kind, detail: e.detail })),
    };
  });

  app.get<{ Params: { callId: string } }>('/api/calls/:callId/evidence', { preHandler: ctx.requireUser, schema: { params: CALL_PARAMS } }, async (request, reply) => {
    // An agent reviews their call in the page; the evidence bundle (for proceedings, a data
    // subject's request) is taken by admins, supervisors and auditors, never by an agent.
    if (!mayTakeCopies(request.user!)) return ctx.fail(reply, 403, 'agents play their calls in the back office; the evidence export is for supervisors, auditors and admins');
    const call = await visibleCall(ctx, request, reply, request.params.callId);
    if (!call) return reply;
    await ctx.accessLog.append({ user: request.user!.name, action: 'export', callId: call.callId, address: request.ip });
    const [recordings, evidence, verification] = await Promise.all([
      ctx.repository.listRecordings(call.callId),
      ctx.repository.listEvidence(call.callId),
      ctx.repository.verifyEvidence(call.callId),
    ]);
    reply.header('content-disposition', `attachment; filename="callwarden-evidence-${call.callId}.json"`);
    return {
      exportedAt: new Date(ctx.now?.() ?? Date.now()).toISOString(),
      exportedBy: request.user!.name,
      call,
      legalBasis: legalBasis(ctx, call),
      verification,
      recordings: recordings.map(({ filePath: _omitted, ...r }) => r),
      evidence,
    };
  });

  // Share one call with its own agent for coaching (only that agent: mayAgentReview ignores any
  // other), or take the share back. Audited in the sealed access log before the row changes.
  for (const [method, action] of [['POST', 'share'], ['DELETE', 'unshare']] as const) {
    app.route<{ Params: { callId: string } }>({
      method,
      url: '/api/calls/:callId/share',
      preHandler: ctx.requireUser,
      schema: { params: CALL_PARAMS },
      handler: async (request, reply) => {
        if (!mayShare(request.user!)) return ctx.fail(reply, 403, 'only supervisors and admins share calls with agents');
        const call = await visibleCall(ctx, request, reply, request.params.callId);
        if (!call) return reply;
        if (call.agentExtension === null) return ctx.fail(reply, 409, 'the call has no agent to share it with');
        await ctx.accessLog.append({ user: request.user!.name, action, callId: call.callId, address: request.ip });
        const changed = action === 'share' ? await ctx.shares.share(call.callId, call.agentExtension, request.user!.name) : await ctx.shares.unshare(call.callId, call.agentExtension, request.user!.name);
        return { ok: true, changed, agentExtension: call.agentExtension, sharedWith: await ctx.shares.sharedWith(call.callId) };
      },
    });
  }
}
