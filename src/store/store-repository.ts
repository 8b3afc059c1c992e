// The repository: every read and write of callwarden's tables, identical SQL semantics on SQLite and MySQL/MariaDB.

import { Knex } from 'knex';
import { AccessLog, accessColumns } from './access-log';
import { CompiledSql, named } from './compiled-sql';
import { retryOnConflict } from './db-errors';
import type { AnchoredHead } from './evidence-chain';
import { KeyedMutex } from './keyed-mutex';
import { inTransaction } from './lean-transaction';
import { ACCESS_LOG_PERSONAL_FIELDS, EVIDENCE_PERSONAL_FIELDS } from './personal-data';
import { PseudonymiseResult, SealedLog, SealingOptions } from './sealed-log';
import { firstRow } from './store-knex';
import { storeTables, StoreTables } from './store-tables';
import {
  AgentConsentRecord,
  CallRecord,
  CallUpsert,
  EvidenceRecord,
  EvidenceVerification,
  ListCallsQuery,
  MonitorMode,
  MonitorModeChange,
  MonitorSessionRecord,
  MonitorSessionStart,
  OpenCallRecord,
  OpenRecordingRecord,
  RecordingPatch,
  RecordingRecord,
  RecordingUpsert,
} from './store-types';
import { TimeInput, toIso, toIsoOrNull } from './time';

export interface StoreRepositoryOptions {
  /** Table name prefix (default none); must match the prefix the migrations ran with. */
  tablePrefix?: string;
  /** Injected clock for created/updated stamps and default evidence times. */
  now?: () => Date;
  /** Evidence keys and the anchor writer; without keys rows are only hash-chained (test/demo). */
  sealing?: SealingOptions;
  /** Where an anchor that could not be written is reported. */
  onAnchorError?: (error: Error) => void;
}

export interface PseudonymiseCallOptions {
  /** Replaces each personal value (e.g. "subject-7f3a"); the same for every value of the call. */
  pseudonym: string;
  /** Why (the rule or request), for the receipt row. */
  reason: string;
  /** Who asked (a user, or "retention"). */
  by: string;
}

export interface PseudonymiseCallResult extends PseudonymiseResult {
  /** The receipt row appended to the call's evidence chain. */
  receiptSeq: number;
}

export interface AppendEvidenceOptions {
  /** Time of the event itself (defaults to now); the write queue captures it at enqueue time. */
  at?: TimeInput;
  /** Idempotency key: a second append with the same writeId returns the first row instead of adding one. */
  writeId?: string;
}

type Row = Record<string, unknown>;

export class StoreRepository {
  readonly tables: StoreTables;
  private readonly now: () => Date;
  private readonly locks = new KeyedMutex();
  private readonly writes = new CompiledSql();
  /** Consent evidence: one sealed chain per call. */
  readonly evidence: SealedLog;
  /** Who accessed which recording or evidence (issue 10.4); append with `accessLog.append`. */
  readonly accessLog: AccessLog;

  constructor(
    readonly knex: Knex,
    private readonly options: StoreRepositoryOptions = {},
  ) {
    this.tables = storeTables(options.tablePrefix);
    this.now = options.now ?? (() => new Date());
    const sealing = options.sealing ?? {};
    this.evidence = new SealedLog(
      knex,
      { log: 'evidence', table: this.tables.consentEvents, chainColumn: 'call_id', heads: this.tables.consentChainHeads, personalFields: EVIDENCE_PERSONAL_FIELDS },
      sealing,
      this.locks,
      this.now,
    );
    const access = new SealedLog(
      knex,
      { log: 'access', table: this.tables.accessLog, chainColumn: 'chain', heads: this.tables.accessLogHeads, personalFields: ACCESS_LOG_PERSONAL_FIELDS, columns: accessColumns },
      sealing,
      this.locks,
      this.now,
    );
    this.accessLog = new AccessLog(knex, access, { onAnchorError: (err) => options.onAnchorError?.(err) });
  }

  /** True when rows are sealed with a key (false: hash chain only, test/demo). */
  get sealed(): boolean {
    return this.evidence.sealed;
  }

  /** Cheap liveness probe used by the write queue to tell "database down" from "this write is bad". */
  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  // ---- calls ----

  async upsertCall(call: CallUpsert): Promise<void> {
    const now = toIso(this.now());
    const fields = definedOnly({
      node: call.node,
      legs: call.legs === undefined ? undefined : call.legs === null ? null : JSON.stringify(call.legs),
      caller: call.caller,
      destination: call.destination,
      agent_extension: call.agentExtension,
      call_group: call.group,
      direction: call.direction,
      started_at: toIsoOrNull(call.startedAt),
      answered_at: toIsoOrNull(call.answeredAt),
      ended_at: toIsoOrNull(call.endedAt),
      hangup_cause: call.hangupCause,
    });
    // The daemon writes the same columns every time: the SQL is built once per column set.
    await this.writes.run(this.knex, `upsertCall ${Object.keys(fields).join(',')}`, { ...fields, call_id: call.callId, now }, (value) =>
      this.knex(this.tables.calls)
        .insert({ call_id: value('call_id'), ...named(fields, value), created_at: value('now'), updated_at: value('now') })
        .onConflict('call_id')
        .merge({ ...named(fields, value), updated_at: value('now') }),
    );
  }

  async getCall(callId: string): Promise<CallRecord | undefined> {
    const row = await firstRow(this.knex(this.tables.calls).where({ call_id: callId }));
    return row ? toCall(row) : undefined;
  }

  async listCalls(query: ListCallsQuery): Promise<CallRecord[]> {
    const q = this.knex(this.tables.calls).where('started_at', '>=', toIso(query.since));
    if (query.until !== undefined) q.andWhere('started_at', '<', toIso(query.until));
    const rows = await q.orderBy([{ column: 'started_at' }, { column: 'call_id' }]).limit(query.limit ?? 1000);
    return rows.map(toCall);
  }

  /**
   * Rows of these nodes with neither an end time nor an end reason, oldest write first: calls
   * a daemon still believes live. `limit` keeps one pass bounded.
   */
  async listOpenCalls(nodes: readonly string[], limit = 500): Promise<OpenCallRecord[]> {
    if (nodes.length === 0) return [];
    const rows = await this.knex(this.tables.calls)
      .whereNull('ended_at')
      .whereNull('end_reason')
      .whereIn('node', [...nodes])
      .orderBy([{ column: 'updated_at' }, { column: 'call_id' }])
      .limit(limit)
      .select('call_id', 'node', 'started_at', 'updated_at');
    return rows.map((r: Row) => ({ callId: String(r.call_id), node: nullableString(r.node), startedAt: nullableString(r.started_at), updatedAt: String(r.updated_at) }));
  }

  /**
   * The newest open row (no end time, no end reason) whose agent is `extension`, written since
   * `since`: the call another daemon (sharing this database) has the agent on now. Judged by
   * `updated_at` (a daemon's own clock), not `started_at` (FreeSWITCH's, which may be skewed).
   */
  async openCallOfAgent(extension: string, since: TimeInput): Promise<CallRecord | undefined> {
    const row = await firstRow(
      this.knex(this.tables.calls)
        .where({ agent_extension: extension })
        .whereNull('ended_at')
        .whereNull('end_reason')
        .andWhere('updated_at', '>=', toIso(since))
        .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'call_id', order: 'desc' }]),
    );
    return row ? toCall(row) : undefined;
  }

  /**
   * Marks a call ended whose end time nobody saw. Only a row still open changes (a real end
   * written meanwhile wins); returns whether this call closed it.
   */
  async closeCall(callId: string, reason: string): Promise<boolean> {
    const changed = await this.knex(this.tables.calls)
      .where({ call_id: callId })
      .whereNull('ended_at')
      .whereNull('end_reason')
      .update({ end_reason: reason.slice(0, 128), updated_at: toIso(this.now()) });
    return changed > 0;
  }

  // ---- consent evidence ----

  /** Appends one evidence row to the call's sealed chain (see SealedLog.append). */
  async appendEvidence(callId: string, kind: string, detail: unknown, options: AppendEvidenceOptions = {}): Promise<EvidenceRecord> {
    return this.evidence.append(callId, kind, detail, options);
  }

  /** Evidence rows of one or more calls (a call's rows in their order) in one transaction (see SealedLog.appendBatch). */
  async appendEvidenceBatch(rows: ReadonlyArray<{ readonly callId: string; readonly kind: string; readonly detail: unknown; readonly options?: AppendEvidenceOptions }>): Promise<EvidenceRecord[]> {
    return this.evidence.appendBatch(rows.map((r) => ({ chain: r.callId, kind: r.kind, detail: r.detail, ...(r.options ? { options: r.options } : {}) })));
  }

  async listEvidence(callId: string): Promise<EvidenceRecord[]> {
    return this.evidence.list(callId);
  }

  /** Seals, links and sealed head; with `anchored` (from the anchor file) also that the anchored row is still there. */
  async verifyEvidence(callId: string, anchored?: AnchoredHead): Promise<EvidenceVerification> {
    return this.evidence.verify(callId, anchored);
  }

  /** Writes the call's chain head to the anchor file (the daemon does it at every call's end). */
  async anchorEvidence(callId: string): Promise<void> {
    await this.evidence.anchorHead(callId);
  }

  /**
   * At a call's end: a call the daemon only saw (never handed to its socket) gets one row saying
   * so, so every call in the database has evidence and a deleted chain is always noticed; then
   * the head is anchored.
   */
  async closeEvidence(callId: string, writeId?: string): Promise<void> {
    const head = await this.evidence.appendIfHeadless(
      callId,
      'not_handled',
      { reason: 'the call never reached callwarden’s call socket (dialplan without socket, or daemon not connected); callwarden recorded nothing' },
      writeId !== undefined ? { writeId } : {},
    );
    await this.evidence.anchorHead(callId, head);
  }

  /**
   * Erasure for a data subject (issue 11.6): every personal value in the call's evidence is
   * replaced by a pseudonym (the seal covered salted commitments, so the chain still verifies),
   * the call row's numbers and leg details are replaced too, and a receipt row is appended.
   */
  async pseudonymiseCall(callId: string, options: PseudonymiseCallOptions): Promise<PseudonymiseCallResult> {
    const result = await this.evidence.pseudonymise(callId, options.pseudonym);
    await this.knex(this.tables.calls)
      .where({ call_id: callId })
      .update({ caller: options.pseudonym, destination: options.pseudonym, legs: null, updated_at: toIso(this.now()) });
    const receipt = await this.evidence.append(callId, 'personal_data_erased', {
      reason: options.reason,
      by: options.by,
      rows: result.rows,
      values: result.values,
      legacyRowsKept: result.legacy,
      callRow: 'caller, destination and legs replaced',
    });
    await this.evidence.anchorHead(callId).catch((err: Error) => this.options.onAnchorError?.(err));
    return { ...result, receiptSeq: receipt.seq };
  }

  /** Call ids with a call row, a recording or evidence touched since `since` (the chains `evidence --all` checks). */
  async listChainsSince(since: TimeInput): Promise<string[]> {
    const iso = toIso(since);
    const t = this.tables;
    const [calls, heads, recs] = await Promise.all([
      this.knex(t.calls).where('started_at', '>=', iso).orWhere('updated_at', '>=', iso).select('call_id'),
      this.knex(t.consentChainHeads).where('updated_at', '>=', iso).select('call_id'),
      this.knex(t.recordings).where('created_at', '>=', iso).select('call_id'),
    ]);
    return [...new Set([...calls, ...heads, ...recs].map((r: Row) => String(r.call_id)))].sort();
  }

  // ---- recordings ----

  /** Creates the recording row, or overwrites it with the given fields (idempotent by id). */
  async upsertRecording(recording: RecordingUpsert): Promise<void> {
    const now = toIso(this.now());
    const fields = recordingColumns(recording);
    await this.knex(this.tables.recordings)
      .insert({ id: recording.id, call_id: recording.callId, segment: 1, ...fields, created_at: now, updated_at: now })
      .onConflict('id')
      .merge({ call_id: recording.callId, ...fields, updated_at: now });
  }

  /** Changes the given fields; returns false if no such recording. */
  async updateRecording(id: string, patch: RecordingPatch): Promise<boolean> {
    const changed = await this.knex(this.tables.recordings)
      .where({ id })
      .update({ ...recordingColumns(patch), updated_at: toIso(this.now()) });
    return changed > 0;
  }

  async getRecording(id: string): Promise<RecordingRecord | undefined> {
    const row = await firstRow(this.knex(this.tables.recordings).where({ id }));
    return row ? toRecording(row) : undefined;
  }

  async listRecordings(callId: string): Promise<RecordingRecord[]> {
    const rows = await this.knex(this.tables.recordings).where({ call_id: callId }).orderBy([{ column: 'segment' }, { column: 'id' }]);
    return rows.map(toRecording);
  }

  /** Recordings still `recording` whose call row belongs to one of these nodes. */
  async listOpenRecordings(nodes: readonly string[], limit = 500): Promise<OpenRecordingRecord[]> {
    if (nodes.length === 0) return [];
    const r = this.tables.recordings;
    const c = this.tables.calls;
    const rows = await this.knex(r)
      .join(c, `${c}.call_id`, `${r}.call_id`)
      .where(`${r}.status`, 'recording')
      .whereIn(`${c}.node`, [...nodes])
      .orderBy([{ column: `${r}.updated_at` }, { column: `${r}.id` }])
      .limit(limit)
      .select(`${r}.*`);
    return rows.map((row: Row) => ({ ...toRecording(row), updatedAt: String(row.updated_at) }));
  }

  /** Completes a recording only if it is still `recording` (a real RECORD_STOP's row wins); returns whether it did. */
  async completeRecording(id: string, patch: RecordingPatch): Promise<boolean> {
    const changed = await this.knex(this.tables.recordings)
      .where({ id, status: 'recording' })
      .update({ ...recordingColumns(patch), updated_at: toIso(this.now()) });
    return changed > 0;
  }

  /** Removes the row itself. Retention does not use this: it keeps the row as status `deleted` for the audit trail. */
  async deleteRecording(id: string): Promise<boolean> {
    return (await this.knex(this.tables.recordings).where({ id }).delete()) > 0;
  }

  // ---- monitor sessions ----

  async startMonitorSession(session: MonitorSessionStart): Promise<void> {
    const startedAt = toIso(session.startedAt);
    const modes: MonitorModeChange[] = [{ at: startedAt, mode: session.mode }];
    await this.knex(this.tables.monitorSessions)
      .insert({
        id: session.id,
        supervisor: session.supervisor,
        target_call_id: session.targetCallId ?? null,
        extension: session.extension,
        started_at: startedAt,
        ended_at: null,
        modes: JSON.stringify(modes),
      })
      .onConflict('id')
      .ignore();
  }

  /** Adds a mode change to the session's history; the same (at, mode) twice is recorded once (outbox replays). */
  async appendMonitorMode(id: string, mode: MonitorMode, at: TimeInput): Promise<boolean> {
    const iso = toIso(at);
    return this.locks.run(`monitor:${id}`, () =>
      inTransaction(this.knex, async (trx) => {
        const row = await firstRow(trx(this.tables.monitorSessions).where({ id }));
        if (!row) return false;
        const modes = JSON.parse(String(row.modes)) as MonitorModeChange[];
        if (modes.some((m) => m.at === iso && m.mode === mode)) return true;
        modes.push({ at: iso, mode });
        await trx(this.tables.monitorSessions).where({ id }).update({ modes: JSON.stringify(modes) });
        return true;
      }),
    );
  }

  async endMonitorSession(id: string, at: TimeInput): Promise<boolean> {
    const changed = await this.knex(this.tables.monitorSessions).where({ id }).whereNull('ended_at').update({ ended_at: toIso(at) });
    return changed > 0;
  }

  async getMonitorSession(id: string): Promise<MonitorSessionRecord | undefined> {
    const row = await firstRow(this.knex(this.tables.monitorSessions).where({ id }));
    return row ? toMonitorSession(row) : undefined;
  }

  async listActiveMonitorSessions(extension?: string): Promise<MonitorSessionRecord[]> {
    const q = this.knex(this.tables.monitorSessions).whereNull('ended_at');
    if (extension !== undefined) q.andWhere({ extension });
    return (await q.orderBy('started_at')).map(toMonitorSession);
  }

  // ---- agent consent ----

  async recordAgentConsent(consent: { extension: string; signedAt: TimeInput; documentRef: string }): Promise<number> {
    const [id] = await this.knex(this.tables.agentConsents).insert({
      extension: consent.extension,
      signed_at: toIso(consent.signedAt),
      revoked_at: null,
      document_ref: consent.documentRef,
    });
    return Number(id);
  }

  /** Revokes every open consent of the extension; returns how many were open. */
  async revokeAgentConsent(extension: string, at: TimeInput): Promise<number> {
    return this.knex(this.tables.agentConsents).where({ extension }).whereNull('revoked_at').update({ revoked_at: toIso(at) });
  }

  /** The consent in force for the extension at `at` (default now), if any: signed before and not revoked by then. */
  async getAgentConsent(extension: string, at: TimeInput = this.now()): Promise<AgentConsentRecord | undefined> {
    const iso = toIso(at);
    // Read again at every decision of a call (issue 10): compiled once, run on the driver.
    const [row] = await this.writes.rows(this.knex, 'getAgentConsent', { extension, iso }, (value) =>
      this.knex(this.tables.agentConsents)
        .where({ extension: value('extension') })
        .andWhere('signed_at', '<=', value('iso'))
        .andWhere((w) => w.whereNull('revoked_at').orWhere('revoked_at', '>', value('iso')))
        .orderBy([{ column: 'signed_at', order: 'desc' }, { column: 'id', order: 'desc' }])
        .limit(1, { skipBinding: true }),
    );
    return row
      ? {
          id: Number(row.id),
          extension: String(row.extension),
          signedAt: String(row.signed_at),
          revokedAt: nullableString(row.revoked_at),
          documentRef: String(row.document_ref),
        }
      : undefined;
  }

  // ---- agent call counters ----

  /**
   * Increments the agent's call counter in the database and returns the new value (1, 2, …).
   * UPDATE n = n + 1 then read, in one transaction: the row lock makes it atomic across daemons.
   */
  async nextAgentCallNumber(extension: string): Promise<number> {
    const t = this.tables.agentCallCounters;
    return retryOnConflict(() =>
      inTransaction(this.knex, async (trx) => {
        const now = toIso(this.now());
        const updated = await trx(t)
          .where({ extension })
          .update({ n: trx.raw('?? + 1', ['n']), updated_at: now });
        // First call of this agent: a racing first insert fails on the primary key and the whole transaction reruns.
        if (updated === 0) await trx(t).insert({ extension, n: 1, updated_at: now });
        const row = await firstRow(trx(t).where({ extension }).select('n'));
        return Number(row!.n);
      }),
    );
  }
}

function definedOnly(values: Row): Row {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

function recordingColumns(r: RecordingPatch): Row {
  return definedOnly({
    file_path: r.filePath,
    format: r.format,
    channels: r.channels,
    segment: r.segment,
    started_at: toIsoOrNull(r.startedAt),
    stopped_at: toIsoOrNull(r.stoppedAt),
    duration_ms: r.durationMs,
    bytes: r.bytes,
    sha256: r.sha256,
    policy: r.policy,
    status: r.status,
    retention_until: toIsoOrNull(r.retentionUntil),
    group_name: r.group,
    retention_days: r.retentionDays,
    mail_to: r.mailTo === undefined ? undefined : r.mailTo === null ? null : JSON.stringify(r.mailTo),
    keep_after_mail: r.keepAfterMail === undefined || r.keepAfterMail === null ? r.keepAfterMail : r.keepAfterMail ? 1 : 0, // better-sqlite3 binds no booleans
    legal_basis: r.legalBasis,
    deleted_at: toIsoOrNull(r.deletedAt),
    delete_rule: r.deleteRule,
    delete_error: r.deleteError,
    delete_attempts: r.deleteAttempts,
  });
}

/** A JSON list of strings read back from the database; anything else (tampering, corruption) reads as empty. */
function stringList(v: unknown): string[] {
  if (v == null) return [];
  try {
    const parsed: unknown = JSON.parse(String(v));
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function nullableString(v: unknown): string | null {
  return v == null ? null : String(v);
}

function nullableNumber(v: unknown): number | null {
  return v == null ? null : Number(v);
}

function toCall(r: Row): CallRecord {
  return {
    callId: String(r.call_id),
    node: nullableString(r.node),
    legs: r.legs == null ? [] : (JSON.parse(String(r.legs)) as unknown[]),
    caller: nullableString(r.caller),
    destination: nullableString(r.destination),
    agentExtension: nullableString(r.agent_extension),
    group: nullableString(r.call_group),
    direction: nullableString(r.direction) as CallRecord['direction'],
    startedAt: nullableString(r.started_at),
    answeredAt: nullableString(r.answered_at),
    endedAt: nullableString(r.ended_at),
    hangupCause: nullableString(r.hangup_cause),
    endReason: nullableString(r.end_reason),
  };
}

function toRecording(r: Row): RecordingRecord {
  return {
    id: String(r.id),
    callId: String(r.call_id),
    filePath: String(r.file_path),
    format: String(r.format) as RecordingRecord['format'],
    channels: String(r.channels) as RecordingRecord['channels'],
    segment: Number(r.segment),
    startedAt: nullableString(r.started_at),
    stoppedAt: nullableString(r.stopped_at),
    durationMs: nullableNumber(r.duration_ms),
    bytes: nullableNumber(r.bytes),
    sha256: nullableString(r.sha256),
    policy: nullableString(r.policy),
    status: String(r.status) as RecordingRecord['status'],
    retentionUntil: nullableString(r.retention_until),
    group: nullableString(r.group_name),
    retentionDays: nullableNumber(r.retention_days),
    mailTo: stringList(r.mail_to),
    // Absent (rows from before 0030) means kept: only an explicit false deletes after mailing.
    keepAfterMail: r.keep_after_mail == null ? true : Boolean(Number(r.keep_after_mail)),
    legalBasis: nullableString(r.legal_basis),
    deletedAt: nullableString(r.deleted_at),
    deleteRule: nullableString(r.delete_rule),
    deleteError: nullableString(r.delete_error),
    deleteAttempts: Number(r.delete_attempts ?? 0),
  };
}

function toMonitorSession(r: Row): MonitorSessionRecord {
  return {
    id: String(r.id),
    supervisor: String(r.supervisor),
    targetCallId: nullableString(r.target_call_id),
    extension: String(r.extension),
    startedAt: String(r.started_at),
    endedAt: nullableString(r.ended_at),
    modes: JSON.parse(String(r.modes)) as MonitorModeChange[],
  };
}
