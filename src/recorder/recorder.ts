// The only module that sends recording commands (uuid_record, the RECORD_* uuid_setvar, uuid_broadcast) and the one that believes RECORD_START/STOP.

import { basename } from 'node:path';
import { uuidBroadcast, uuidRecord, uuidSetVar } from '../esl/commands';
import type { Logger } from '../logger';
import type { CallPublisher } from '../mqtt';
import {
  NOTHING_OBSERVED,
  observeRecording,
  type ObservedRecording,
  type RecordingChannels,
  type RecordingCommand,
  type RecordingConfig,
  type RecordingFormat,
  safeFileWord,
  type StorageState,
} from '../policies';
import type { RecordingUpsert, RecordingPatch } from '../store';
import { microsToDate, microsToIso, type CallState, type RecordingState } from '../streams';
import { checkRecordingFile, type RecordingFileCheck } from './recording-file-check';
import { markDecision } from '../metrics/decision-trace';

export interface RecorderOptions {
  /**
   * `api` on the inbound connection of the node that owns the call (`callId`): it outlives every
   * call socket, so commands still work after a transfer.
   */
  readonly api: (command: string, callId: string) => Promise<string>;
  readonly queue: {
    appendEvidence(callId: string, kind: string, detail: unknown): string;
    upsertRecording(recording: RecordingUpsert): string;
    updateRecording(id: string, patch: RecordingPatch): string;
    /**
     * Fail closed (issue 8.4): resolves when the rows written so far (the decision and consent
     * that justify a start) are fsync'd, or refuses with why. Absent only in unit tests.
     */
    recordingGate?(): Promise<{ ok: true } | { ok: false; reason: string }>;
    /** `gate` with null when starts may resume (the outbox takes writes again). */
    on?(event: 'gate', listener: (reason: string | null) => void): unknown;
  };
  readonly publisher: Pick<CallPublisher, 'publishEvent'>;
  /** `directory` tells callwarden's own files from others' (the file names are callwarden's: recording-file-name). */
  readonly recording: Pick<RecordingConfig, 'retentionDays' | 'format'> & { readonly directory?: string };
  readonly logger: Logger;
  /** Where the daemon finds the file FreeSWITCH wrote at `path` (identity when they share the disk). */
  readonly localPath?: (path: string) => string;
  /** What happens to a recording after the call (src/lifecycle): format on the wire, terms, mp3 conversion. */
  readonly lifecycle?: RecorderLifecycle;
}

/** Terms fixed on each recording when it is made (README "Recording lifecycle"). */
export interface RecordingTerms {
  readonly group: string | null;
  readonly retentionDays: number;
  readonly mailTo: readonly string[];
  readonly keepAfterMail: boolean;
}

/** A finished, checked recording file handed to the lifecycle. */
export interface FinishedRecording {
  readonly callId: string;
  readonly id: string;
  /** As FreeSWITCH named it (the row's file_path), and where the daemon reads it. */
  readonly path: string;
  readonly localPath: string;
  readonly expectedMs: number | undefined;
  readonly check: RecordingFileCheck;
}

export interface RecorderLifecycle {
  /** The extension FreeSWITCH is told to write: mp3 only where it can (mod_shout). */
  wireFormat(configured: RecordingFormat): RecordingFormat;
  termsFor(group: string | undefined): RecordingTerms;
  /** true when it takes the file over (wav → mp3): the row then stays `converting` until the mp3 is verified. */
  takeOver(finished: FinishedRecording): boolean;
  /** The recording volume's free space as last probed; undefined when unknown. */
  storage(): StorageState | undefined;
}

/** Told when the recording gate opens again (Recorder.watchGate). */
export interface GateWatcher {
  gateOpened(): void;
}

/** What the controller tells the recorder about a start, for the recordings row. */
export interface StartContext {
  readonly segment: number;
  readonly channels: RecordingChannels;
  /** The effective mode and why, as the row's `policy`. */
  readonly policy: string;
  /** The group whose settings govern the call (retention, mail). */
  readonly group?: string;
  /** That group's GDPR Art. 6(1) basis, fixed on the row (issue 10, point 7). */
  readonly legalBasis?: string;
}

/**
 * Each collection is made at its first entry: a call records one file or two, most use three
 * of these or fewer, and an empty Map or Set is ≈180 bytes per live call (issue 12).
 */
interface CallRecordings {
  observed: ObservedRecording;
  /** Per file: what this run planned for it (its start context) and the leg its media bug runs on. */
  files?: Map<string, FileFacts>;
  /** RECORD_START / RECORD_STOP already taken into account, keyed by path and start time. */
  confirmedStarts?: Set<string>;
  confirmedStops?: Set<string>;
  /** Files a previous run started (adopted after a restart). */
  adopted?: Set<string>;
  /** Files this daemon sent a stop for. */
  stopsSent?: Set<string>;
}

interface FileFacts {
  /** Planned by this run: the start's context, for the recordings row. */
  context?: StartContext;
  /** The leg the file's media bug runs on, from RECORD_START: a stop must go to that channel. */
  leg?: string;
}

/** The file's facts, made at the first one. */
function fileOf(s: CallRecordings, path: string): FileFacts {
  const files = (s.files ??= new Map());
  let f = files.get(path);
  if (f === undefined) files.set(path, (f = {}));
  return f;
}

/** What the evidence, the row and the log say about a recording callwarden did not start. */
export const FOREIGN_STOPPED_REASON = 'a recording not started by callwarden was stopped because the policy does not allow it';

/** Renders one policy command to the api text; the command builders refuse anything that could break the line. */
export function recordingCommandText(c: RecordingCommand): string {
  switch (c.kind) {
    case 'setvar':
      return uuidSetVar(c.leg, c.name, c.value);
    case 'start':
    case 'stop':
    case 'mask':
    case 'unmask':
      return uuidRecord(c.leg, c.kind, c.path);
    case 'announce':
      return uuidBroadcast(c.leg, c.file, c.to);
  }
}

const FILE_RE = /(\d+)-(caller|agent|both)\.(wav|mp3)$/;

export class Recorder {
  private readonly calls = new Map<string, CallRecordings>();
  private readonly log: Logger;
  /** Per call, the last reason a start was refused (one evidence row and log line per reason). */
  private readonly refused = new Map<string, string>();
  private readonly gateWatchers = new Set<GateWatcher>();

  constructor(private readonly options: RecorderOptions) {
    this.log = options.logger.child({ module: 'recorder' });
    options.queue.on?.('gate', (reason) => {
      if (reason !== null) return;
      for (const watcher of [...this.gateWatchers]) watcher.gateOpened();
    });
  }

  /**
   * `watcher.gateOpened()` is called when refused starts may be tried again (the controllers
   * re-run their decision), until unwatchGate. An object, not a callback and its unsubscribe:
   * no closures per live call.
   */
  watchGate(watcher: GateWatcher): void {
    this.gateWatchers.add(watcher);
  }

  unwatchGate(watcher: GateWatcher): void {
    this.gateWatchers.delete(watcher);
  }

  /** The file extension a new recording gets: the configured format, unless FreeSWITCH cannot write it. */
  wireFormat(): RecordingFormat {
    return this.options.lifecycle?.wireFormat(this.options.recording.format) ?? this.options.recording.format;
  }

  /**
   * The storage gate's input for a call: "critical" stops only new recordings, so a call
   * with a recording running sees the volume as merely low.
   */
  storageFor(callId: string): StorageState | undefined {
    const state = this.options.lifecycle?.storage();
    if (state === undefined || state.level !== 'critical') return state;
    return this.state(callId).observed.running.length > 0 ? { ...state, level: 'low' } : state;
  }

  observed(callId: string): ObservedRecording {
    return this.state(callId).observed;
  }

  /** An announcement the consent flow already played on the call socket: reconcile must not repeat it. */
  markAnnounced(callId: string, id: string): void {
    const s = this.state(callId);
    s.observed = observeRecording(s.observed, {
      kind: 'sent',
      command: { kind: 'announce', leg: '', id, announcement: 'recording-started', file: '', to: 'aleg' },
    });
  }

  /**
   * Sends one command and folds what happened into the observed state. A start's +OK only
   * means FreeSWITCH accepted it: the recording counts as running once RECORD_START arrives.
   */
  async execute(callId: string, given: RecordingCommand, context?: StartContext): Promise<boolean> {
    const s = this.state(callId);
    // A media bug is stopped, masked or unmasked on the channel it runs on: a file someone
    // else started on the agent's leg is not found on the caller's ("Cannot stop record session").
    let command = given;
    const leg = given.kind === 'stop' || given.kind === 'mask' || given.kind === 'unmask' ? s.files?.get(given.path)?.leg : undefined;
    if (leg !== undefined) command = { ...given, leg };
    if (command.kind === 'stop') (s.stopsSent ??= new Set()).add(command.path);
    const text = recordingCommandText(command);
    if (command.kind === 'start' && this.options.queue.recordingGate) {
      // Nothing starts before the rows that justify it are on disk: a crash or a full disk
      // must never leave a recording whose consent exists only in memory.
      let gate: { ok: true } | { ok: false; reason: string };
      try {
        markDecision(callId, 'gate');
        gate = await this.options.queue.recordingGate();
        markDecision(callId, 'gated');
      } catch (err) {
        gate = { ok: false, reason: (err as Error).message };
      }
      if (!gate.ok) {
        this.refuse(callId, command.path, gate.reason);
        return false;
      }
      this.refused.delete(callId);
    }
    if (command.kind === 'start' && context) fileOf(s, command.path).context = context;
    s.observed = observeRecording(s.observed, { kind: 'sent', command });
    let ok = true;
    let reply: string;
    try {
      reply = (await this.options.api(text, callId)).trim();
    } catch (err) {
      ok = false;
      reply = (err as Error).message;
    }
    s.observed = observeRecording(s.observed, { kind: 'reply', command, ok });
    // FreeSWITCH says it records no such file (switch_ivr_stop_record_session found no bug):
    // a belief carried over a restart was stale. Believed, so the stop is not re-sent forever.
    if (!ok && command.kind === 'stop' && /Cannot stop record session/i.test(reply)) {
      s.observed = observeRecording(s.observed, { kind: 'RECORD_STOP', path: command.path });
    }
    // An announcement's id lets a later run (after a restart) know it was played.
    this.evidence(callId, 'command_sent', { command: command.kind, ...(command.kind === 'announce' ? { id: command.id } : {}), wire: text, ok, reply: reply.slice(0, 200) });
    if (!ok) this.log.warn(`FreeSWITCH refused "${text}": ${reply}`, { callId });
    return ok;
  }

  /**
   * Takes the call's RECORD_START / RECORD_STOP (folded into CallState from the inbound
   * connection: `myevents` never delivers them) into account: evidence, the recordings row,
   * and after a stop the file check.
   */
  async sync(call: CallState): Promise<void> {
    const s = this.state(call.callId);
    for (const r of call.recordings) {
      if (r.active) fileOf(s, r.path).leg = r.leg;
      const key = `${r.path}@${r.startedAt ?? '?'}`;
      if (r.startedAt !== undefined && s.confirmedStarts?.has(key) !== true) {
        (s.confirmedStarts ??= new Set()).add(key);
        s.observed = observeRecording(s.observed, { kind: 'RECORD_START', path: r.path });
        this.started(call.callId, r, s);
      }
      if (!r.active && s.confirmedStops?.has(key) !== true) {
        (s.confirmedStops ??= new Set()).add(key);
        s.observed = observeRecording(s.observed, { kind: 'RECORD_STOP', path: r.path });
        await this.stopped(call.callId, r, s);
      }
    }
  }

  /**
   * A call already running when this daemon started: ESL cannot replay what the last run
   * saw, so the observed state is rebuilt from what is known (recordings still running,
   * announcements already played); a running file's mask is then unknown and reconcile
   * sends the wanted one again.
   */
  adopt(callId: string, running: readonly string[], announced: readonly string[]): void {
    const s = this.state(callId);
    for (const path of running) (s.adopted ??= new Set()).add(path);
    s.observed = observeRecording(s.observed, { kind: 'resync', running, announced });
  }

  /**
   * callwarden's own files: planned by this run, adopted from the last one, or named as
   * callwarden names them (`<directory>/<call id>/<NN>-<channels>.<format>`). Anything else
   * on the call was started by someone else (an operator's uuid_record, another app).
   */
  private ours(callId: string, path: string, s: CallRecordings): boolean {
    if (s.files?.get(path)?.context !== undefined || s.adopted?.has(path) === true) return true;
    const word = safeFileWord(callId);
    const m = /\/([^/]+)\/(\d+-(?:caller|agent|both)\.(?:wav|mp3))$/.exec(path);
    if (m === null || m[1] !== word) return false;
    const dir = this.options.recording.directory;
    return dir === undefined || path === `${dir.replace(/\/+$/, '')}/${word}/${m[2]}`;
  }

  forget(callId: string): void {
    this.calls.delete(callId);
    this.refused.delete(callId);
  }

  /** The call goes on unrecorded: the reason in the log and (once writable) in the evidence, once per reason. */
  private refuse(callId: string, path: string, reason: string): void {
    if (this.refused.get(callId) === reason) return;
    this.refused.set(callId, reason);
    this.log.warn(`recording not started: ${reason}`, { callId });
    this.evidence(callId, 'recording_refused', { path, reason });
  }

  private started(callId: string, r: RecordingState, s: CallRecordings): void {
    if (!this.ours(callId, r.path, s)) return this.foreignStarted(callId, r);
    const ctx = this.contextOf(r.path, s);
    this.evidence(callId, 'fs_confirmed', { event: 'RECORD_START', path: r.path, leg: r.leg, at: isoOf(r.startedAt) });
    // Terms only for a recording this run started: one an earlier run started keeps the terms
    // it was given then (the purge falls back to the global retention where none are known).
    const known = s.files?.get(r.path)?.context !== undefined;
    this.options.queue.upsertRecording({
      ...(known ? termFields(this.termsOf(ctx)) : {}),
      id: recordingId(callId, r.path),
      callId,
      filePath: r.path,
      format: formatOf(r.path, this.options.recording.format),
      channels: ctx.channels,
      segment: ctx.segment,
      startedAt: isoOf(r.startedAt) ?? null,
      policy: ctx.policy.slice(0, 64),
      ...(known && ctx.legalBasis !== undefined ? { legalBasis: ctx.legalBasis } : {}),
      status: 'recording',
    });
    this.log.info(`recording started: ${r.path} (${ctx.channels}, segment ${ctx.segment})`, { callId });
    this.options.publisher.publishEvent('recording-started', {
      callId,
      ...(r.startedAt !== undefined ? { at: Math.floor(r.startedAt / 1000) } : {}),
      channels: ctx.channels,
      segment: ctx.segment,
    });
  }

  /**
   * Someone else's uuid_record on a call callwarden handles: FreeSWITCH records, so it is
   * evidence and a row, but not callwarden's file: never read, judged, hashed or deleted by
   * retention. Reconcile stops it (only the recordings the policy decides may run).
   */
  private foreignStarted(callId: string, r: RecordingState): void {
    this.evidence(callId, 'fs_confirmed', { event: 'RECORD_START', path: r.path, leg: r.leg, at: isoOf(r.startedAt), startedBy: 'not callwarden' });
    this.options.queue.upsertRecording({
      id: recordingId(callId, r.path),
      callId,
      filePath: r.path,
      format: formatOf(r.path, this.options.recording.format),
      channels: 'both',
      segment: 0,
      startedAt: isoOf(r.startedAt) ?? null,
      policy: 'not started by callwarden',
      status: 'foreign',
    });
    this.log.warn(`a recording not started by callwarden is running on this call (${r.path}); it is stopped: the policy allows only the recordings it decides`, { callId });
  }

  private foreignStopped(callId: string, r: RecordingState, s: CallRecordings): void {
    const byUs = s.stopsSent?.has(r.path) === true;
    const stoppedAt = isoOf(r.stoppedAt);
    this.evidence(callId, 'fs_confirmed', { event: r.stoppedAt !== undefined ? 'RECORD_STOP' : 'channel-gone-without-RECORD_STOP', path: r.path, leg: r.leg, at: stoppedAt });
    const patch = { status: byUs ? ('foreign-stopped' as const) : ('foreign' as const), stoppedAt: stoppedAt ?? null };
    if (r.startedAt === undefined) {
      this.options.queue.upsertRecording({ id: recordingId(callId, r.path), callId, filePath: r.path, format: formatOf(r.path, this.options.recording.format), channels: 'both', segment: 0, policy: 'not started by callwarden', ...patch });
    } else this.options.queue.updateRecording(recordingId(callId, r.path), patch);
    this.evidence(callId, 'foreign_recording_stopped', {
      path: r.path,
      leg: r.leg,
      stoppedBy: byUs ? 'callwarden' : 'not callwarden (it ended on its own or with the channel)',
      reason: byUs ? FOREIGN_STOPPED_REASON : 'a recording not started by callwarden ended before callwarden stopped it',
      fileChecked: false,
    });
    if (byUs) this.log.warn(`${FOREIGN_STOPPED_REASON}: ${r.path}`, { callId });
    else this.log.info(`a recording not started by callwarden ended: ${r.path}`, { callId });
  }

  private async stopped(callId: string, r: RecordingState, s: CallRecordings): Promise<void> {
    if (!this.ours(callId, r.path, s)) return this.foreignStopped(callId, r, s);
    const ctx = this.contextOf(r.path, s);
    const expectedMs = r.startedAt !== undefined && r.stoppedAt !== undefined ? Math.round((r.stoppedAt - r.startedAt) / 1000) : undefined;
    const format = formatOf(r.path, this.options.recording.format);
    let check: RecordingFileCheck;
    try {
      check = await checkRecordingFile((this.options.localPath ?? ((p: string) => p))(r.path), format, expectedMs);
    } catch (err) {
      check = { status: 'bad', bytes: null, sha256: null, durationMs: null, problems: [`the file could not be read (${(err as Error).message})`] };
    }
    const stoppedAt = isoOf(r.stoppedAt);
    this.evidence(callId, 'fs_confirmed', {
      event: r.stoppedAt !== undefined ? 'RECORD_STOP' : 'channel-gone-without-RECORD_STOP',
      path: r.path,
      leg: r.leg,
      at: stoppedAt,
    });
    const retentionFrom = microsToDate(r.stoppedAt)?.getTime() ?? Date.now();
    const known = s.files?.get(r.path)?.context !== undefined;
    const terms = this.termsOf(ctx);
    const localPath = (this.options.localPath ?? ((p: string) => p))(r.path);
    const finished: FinishedRecording = { callId, id: recordingId(callId, r.path), path: r.path, localPath, expectedMs, check };
    const takenOver = check.status === 'ok' && this.options.lifecycle !== undefined && this.options.lifecycle.takeOver(finished);
    const patch: RecordingPatch = {
      status: takenOver ? 'converting' : check.status,
      stoppedAt: stoppedAt ?? null,
      durationMs: check.durationMs,
      bytes: check.bytes,
      sha256: check.sha256,
      ...(known ? { retentionUntil: new Date(retentionFrom + terms.retentionDays * 86_400_000).toISOString() } : {}),
    };
    // A stop whose start we never saw (restart mid-recording) still gets its row.
    if (r.startedAt === undefined) {
      this.options.queue.upsertRecording({
        id: recordingId(callId, r.path),
        callId,
        filePath: r.path,
        format,
        channels: ctx.channels,
        segment: ctx.segment,
        policy: ctx.policy.slice(0, 64),
        ...(known ? termFields(terms) : {}),
        ...(known && ctx.legalBasis !== undefined ? { legalBasis: ctx.legalBasis } : {}),
        ...patch,
        status: patch.status ?? check.status,
      });
    } else this.options.queue.updateRecording(recordingId(callId, r.path), patch);
    this.evidence(callId, 'recording_checked', {
      path: r.path,
      status: check.status,
      bytes: check.bytes,
      durationMs: check.durationMs,
      expectedMs: expectedMs ?? null,
      sha256: check.sha256,
      problems: check.problems,
    });
    if (check.status === 'bad') this.log.error(`recording ${r.path} is bad: ${check.problems.join('; ')}`, { callId });
    else this.log.info(`recording stopped: ${r.path} (checked: ${check.durationMs !== null ? `${(check.durationMs / 1000).toFixed(1)} s, ` : ''}${check.bytes} bytes)`, { callId });
    this.options.publisher.publishEvent('recording-stopped', {
      callId,
      ...(r.stoppedAt !== undefined ? { at: Math.floor(r.stoppedAt / 1000) } : {}),
      segment: ctx.segment,
      ...(check.status === 'bad' ? { reason: check.problems.join('; ') } : {}),
    });
  }

  /** The group's terms (for a recording this run planned). */
  private termsOf(ctx: StartContext): RecordingTerms {
    return (
      this.options.lifecycle?.termsFor(ctx.group) ?? { group: ctx.group ?? null, retentionDays: this.options.recording.retentionDays, mailTo: [], keepAfterMail: true }
    );
  }

  private contextOf(path: string, s: CallRecordings): StartContext {
    const planned = s.files?.get(path)?.context;
    if (planned) return planned;
    const m = FILE_RE.exec(path);
    return { segment: m ? Number(m[1]) : 1, channels: (m?.[2] as RecordingChannels | undefined) ?? 'both', policy: 'unknown (not started by this daemon run)' };
  }

  private state(callId: string): CallRecordings {
    let s = this.calls.get(callId);
    if (!s) {
      s = { observed: NOTHING_OBSERVED };
      this.calls.set(callId, s);
    }
    return s;
  }

  private evidence(callId: string, kind: string, detail: unknown): void {
    try {
      this.options.queue.appendEvidence(callId, kind, detail);
    } catch (err) {
      this.log.error(`evidence not written (${(err as Error).message}): ${kind}`, { callId });
    }
  }
}

/** Stable per file, so a replayed outbox write or a second daemon updates the same row. */
export function recordingId(callId: string, path: string): string {
  return `${callId.slice(0, 40)}/${basename(path).slice(0, 20)}`;
}

function termFields(t: RecordingTerms): Pick<RecordingUpsert, 'group' | 'retentionDays' | 'mailTo' | 'keepAfterMail'> {
  return { group: t.group, retentionDays: t.retentionDays, mailTo: t.mailTo.length > 0 ? t.mailTo : null, keepAfterMail: t.keepAfterMail };
}

function formatOf(path: string, fallback: RecordingFormat): RecordingFormat {
  return path.endsWith('.mp3') ? 'mp3' : path.endsWith('.wav') ? 'wav' : fallback;
}

function isoOf(micros: number | undefined): string | undefined {
  return microsToIso(micros);
}
