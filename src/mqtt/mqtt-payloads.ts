// Turns call views, events and health into the JSON that goes on the wire, with a fixed key order.

import type { AgentView, CallEventDetails, CallEventInput, CallEventKind, CallView, DaemonHealth, TimeLike } from './call-view';

export function isoTime(value: TimeLike): string {
  if (typeof value === 'string') return value;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function isoOrNull(value: TimeLike | null | undefined): string | null {
  return value === null || value === undefined ? null : isoTime(value);
}

/**
 * Keys are written in a fixed order (not the adapter's) so that the same state always produces
 * the same bytes: dedupe compares strings, and ops diffing two payloads see only real changes.
 */
export function callPayload(node: string, view: CallView, now: Date): Record<string, unknown> {
  return {
    callId: view.callId,
    node,
    freeswitch: view.freeswitch ?? null,
    direction: view.direction,
    caller: { number: view.caller.number ?? null, name: view.caller.name ?? null },
    destination: view.destination ?? null,
    group: view.group ?? null,
    agentExtension: view.agentExtension ?? null,
    answeredAt: isoOrNull(view.answeredAt),
    bridgedAt: isoOrNull(view.bridgedAt),
    recording: {
      state: view.recording.state,
      channels: view.recording.channels ?? null,
      segment: view.recording.segment,
      masked: view.recording.masked,
    },
    consent: view.consent,
    monitors: view.monitors.map((m) => ({ supervisor: m.supervisor, mode: m.mode, since: isoTime(m.since) })),
    updatedAt: isoTime(view.updatedAt ?? now),
  };
}

/** One agent's desk, in a fixed key order (dedupe compares strings). */
export function agentPayload(node: string, view: AgentView, now: Date): Record<string, unknown> {
  return {
    extension: view.extension,
    node,
    callId: view.callId,
    group: view.group,
    recorded: view.recorded,
    paused: view.paused,
    pausedSince: isoOrNull(view.pausedSince),
    pauseEndsAt: isoOrNull(view.pauseEndsAt),
    masked: view.masked,
    consentPending: view.consentPending,
    lamp: view.lamp,
    monitored: view.monitored,
    monitoredBy: view.monitoredBy === null ? null : view.monitoredBy.map((m) => ({ supervisor: m.supervisor, mode: m.mode })),
    updatedAt: now.toISOString(),
  };
}

/** Events are occurrences, never deduped; `seq` lets ops spot a QoS 1 redelivery or a gap. */
export function eventPayload<K extends CallEventKind>(
  node: string,
  kind: K,
  input: CallEventInput<K>,
  seq: number,
  now: Date,
): Record<string, unknown> {
  const { callId, at, ...details } = input as { callId: string; at?: TimeLike } & CallEventDetails[K];
  return { kind, node, callId, at: isoTime(at ?? now), seq, ...details };
}

export interface StatusFields {
  state: 'online' | 'offline';
  node: string;
  pid: number;
  /** When this daemon process started publishing: a new value means a restart (and event seq starting over). */
  since: string;
  health: DaemonHealth | null;
  reason?: 'shutdown' | 'connection-lost';
}

export function statusPayload(fields: StatusFields, now: Date | null): Record<string, unknown> {
  const health = fields.health && {
    eslConnected: fields.health.eslConnected,
    // Several FreeSWITCH nodes: which are connected (absent with one node, whose state is eslConnected).
    ...(fields.health.eslNodes ? { eslNodes: { ...fields.health.eslNodes } } : {}),
    dbHealthy: fields.health.dbHealthy,
    outboxPending: fields.health.outboxPending,
    // Only while no recording may start (outbox not writable, no evidence key): absent means they may.
    ...(fields.health.recordingBlocked ? { recordingBlocked: fields.health.recordingBlocked } : {}),
    ...(fields.health.lifecycle ? { lifecycle: { ...fields.health.lifecycle } } : {}),
  };
  return {
    state: fields.state,
    node: fields.node,
    pid: fields.pid,
    since: fields.since,
    healthy: health ? health.eslConnected && health.dbHealthy : null,
    health,
    ...(fields.reason ? { reason: fields.reason } : {}),
    // The Last Will is fixed at connect time, so it carries no time of its own.
    ...(now ? { updatedAt: now.toISOString() } : {}),
  };
}

/** What "the same content" means for dedupe: everything except the time it was produced. */
export function contentKey(payload: Record<string, unknown>): string {
  const { updatedAt: _ignored, ...rest } = payload;
  return JSON.stringify(rest);
}
