// Recordings (ids are <call-id>/<file>, so sent as %2F) as audio for entitled users: streamed with HTTP Range (a player can seek) or downloaded with a readable name; every access audited first.

import { createReadStream } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RecordingRecord } from '../../store';
import { parseRange } from '../byte-range';
import { mayTakeCopies } from '../web-roles';
import type { WebContext } from '../web-server';

const PARAMS = { type: 'object', required: ['recordingId'], properties: { recordingId: { type: 'string', pattern: '^[A-Za-z0-9_.:/-]{1,64}$' } } } as const;
const MIME: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mpeg' };

/** caller-2026-11-22T10-00-00Z-<call>-01.wav: sortable, no characters a file system or a header could trip on. */
export function downloadName(recording: RecordingRecord, caller: string | null): string {
  const when = (recording.startedAt ?? '').replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const who = (caller ?? 'unknown').replace(/[^0-9+]/g, '') || 'unknown';
  const seg = String(recording.segment).padStart(2, '0');
  return `callwarden-${when || 'undated'}-${who}-${recording.callId.slice(0, 8)}-${seg}.${recording.format === 'mp3' ? 'mp3' : 'wav'}`;
}

export function recordingRoutes(app: FastifyInstance, ctx: WebContext): void {
  /** user|recording → when a listen was last audited; a seeking player makes many range requests. */
  const listens = new Map<string, number>();
  const now = (): number => ctx.now?.() ?? Date.now();

  /** The recording, when its call is visible to the user and its file is a regular file inside the recordings directory. */
  async function resolve(request: FastifyRequest<{ Params: { recordingId: string } }>, reply: FastifyReply): Promise<{ recording: RecordingRecord; path: string; size: number; caller: string | null } | undefined> {
    const recording = await ctx.repository.getRecording(request.params.recordingId);
    const call = recording ? await ctx.repository.getCall(recording.callId) : undefined;
    if (!recording || !call || !(await ctx.entitled(request.user!, call))) {
      ctx.fail(reply, 404, 'no such recording');
      return undefined;
    }
    if (recording.status === 'deleted') {
      ctx.fail(reply, 410, 'this recording was deleted when its retention period ended');
      return undefined;
    }
    // The row's path is not trusted: a database edit must not turn this into a file reader.
    try {
      const root = await realpath(ctx.recordingDir);
      const path = await realpath(recording.filePath);
      if (!path.startsWith(root + sep)) throw new Error('outside the recordings directory');
      const handle = await open(path, 'r');
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new Error('not a file');
        return { recording, path, size: stat.size, caller: call.caller };
      } finally {
        await handle.close();
      }
    } catch (err) {
      request.log.warn?.(`recording ${recording.id}: ${(err as Error).message}`);
      ctx.fail(reply, 404, 'the recording file is not available');
      return undefined;
    }
  }

  app.get<{ Params: { recordingId: string } }>('/api/recordings/:recordingId/audio', { preHandler: ctx.requireUser, schema: { params: PARAMS } }, async (request, reply) => {
    const found = await resolve(request, reply);
    if (!found) return reply;
    const { recording, path, size } = found;
    const range = parseRange(request.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      reply.header('content-range', `bytes */${size}`);
      return ctx.fail(reply, 416, 'range not satisfiable');
    }
    const key = `${request.user!.id}|${recording.id}`;
    const last = listens.get(key);
    const window = ctx.config.listenAuditWindowMinutes * 60_000;
    if (last === undefined || now() - last >= window) {
      // Written before a byte goes out: no row, no audio.
      await ctx.accessLog.append({ user: request.user!.name, action: 'listen', callId: recording.callId, recordingId: recording.id, address: request.ip });
      listens.set(key, now());
      if (listens.size > 10_000) listens.delete(listens.keys().next().value as string);
    }
    reply.header('accept-ranges', 'bytes').header('content-type', MIME[recording.format] ?? 'application/octet-stream');
    if (range.kind === 'whole') {
      reply.header('content-length', String(size));
      return reply.send(createReadStream(path));
    }
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', String(range.end - range.start + 1));
    return reply.send(createReadStream(path, { start: range.start, end: range.end }));
  });

  app.get<{ Params: { recordingId: string } }>('/api/recordings/:recordingId/download', { preHandler: ctx.requireUser, schema: { params: PARAMS } }, async (request, reply) => {
    // An agent plays (audited) but takes no copy home: a file on their PC escapes retention and erasure.
    if (!mayTakeCopies(request.user!)) return ctx.fail(reply, 403, 'agents play their calls in the back office; downloads are for supervisors, auditors and admins');
    const found = await resolve(request, reply);
    if (!found) return reply;
    await ctx.accessLog.append({ user: request.user!.name, action: 'download', callId: found.recording.callId, recordingId: found.recording.id, address: request.ip });
    reply
      .header('content-type', MIME[found.recording.format] ?? 'application/octet-stream')
      .header('content-length', String(found.size))
      .header('content-disposition', `attachment; filename="${downloadName(found.recording, found.caller)}"`);
    return reply.send(createReadStream(found.path));
  });
}
