// The write queue in front of the repository: callers never wait on the database; writes are journaled, then applied in order.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DurableOutbox, OutboxEntry, OutboxIo } from './durable-outbox';
import { StoreRepository } from './store-repository';
import { CallUpsert, MonitorMode, MonitorSessionStart, RecordingPatch, RecordingUpsert } from './store-types';
import { applyStoreWrite, StoreWrite } from './store-write';
import { TimeInput, toIso } from './time';

export interface WriteQueueOptions {
  repository: StoreRepository;
  /** Directory of the durable outbox (outbox.jsonl, outbox.dead.jsonl, outbox.lock). One queue per directory. */
  outboxDir: string;
  retry?: {
    /** First pause after a failure (ms, default 200); doubles per failure with jitter. */
    initialMs?: number;
    /** Longest pause (ms, default 30000). */
    maxMs?: number;
    /** Tries of one write while the database answers pings, before it goes to the dead-letter file (default 5). */
    maxAttempts?: number;
  };
  /**
   * Runs before the first write is applied, retried like a write while it fails (e.g. migrations
   * when the daemon starts with the database down: writes must not reach tables that do not exist yet).
   */
  prepare?: () => Promise<void>;
  /** Rewrite the outbox once this many applied lines sit at its head while it never empties (default 1000). */
  compactAfter?: number;
  now?: () => Date;
  /** Most writes held in memory (journaled or not) before enqueue refuses (default 100000). */
  maxPending?: number;
  /** A standing reason no recording may start (e.g. no evidence key outside test/demo). */
  blockRecording?: string;
  /** First pause before the outbox is probed again after a write error (ms, default 500; doubles to 10 s). */
  probeMs?: number;
  /** File operations for the outbox (tests inject failures). */
  outboxIo?: OutboxIo;
}

/** Whether a recording may start now, and if not, why (one sentence for log, MQTT and evidence). */
export type RecordingGate = { ok: true } | { ok: false; reason: string };

export class WriteQueueFullError extends Error {
  override name = 'WriteQueueFullError' as const;
}

export interface WriteQueueStatus {
  /** false from the first failed write while the database is unreachable until a write succeeds again. */
  healthy: boolean;
  /** Writes accepted and not yet applied (includes writes recovered from the outbox). */
  pending: number;
  /** Message of the most recent database or outbox error, kept after recovery for diagnosis. */
  lastError: string | null;
  /** Writes given up on and moved to outbox.dead.jsonl since start. */
  deadLettered: number;
  /** false from a failed outbox append until an append succeeds again. */
  outboxHealthy: boolean;
  /** Why no recording may start now (null: they may). */
  recordingBlocked: string | null;
}

export interface WriteQueueEvents {
  /** `prepare` succeeded (emitted at once after start when there is none). */
  ready: [];
  /** The database stopped answering; writes keep accumulating in the outbox. */
  down: [error: Error];
  /** The database answers again and writes are flowing. */
  up: [];
  /** Every accepted write has been applied (or dead-lettered) and the outbox file is empty. */
  drained: [];
  /** A write the reachable database kept refusing was moved to the dead-letter file. */
  dead: [entry: OutboxEntry, error: Error];
  /** Journaling to local disk failed; affected writes are held in memory only. */
  'outbox-error': [error: Error];
  /** The recording gate opened (reason null) or closed (with why). */
  gate: [reason: string | null];
}

/**
 * A write waiting to be journaled and applied. Accepted writes are kept as their outbox line
 * (the JSON text, made once at enqueue and shared with the outbox) and parsed back only when
 * applied: a backlog of thousands of writes (a burst of hangups) is then one string each for
 * the garbage collector to move, not an object tree (issue 12: the burst's scavenges copied
 * ≈12 MB of survivors each).
 */
interface Pending {
  /** The outbox line: `{"id":…,"enqueuedAt":…,"write":…}` (for a recovered write, its line in the file). */
  readonly line: string;
  /** Its place in the order of acceptance (1, 2, …): a flush waiter waits for its own writes only. */
  readonly seq: number;
  /** The journal attempt finished (successfully or not); only then may the write be applied. */
  journaled: boolean;
  /** The entry is a line of the outbox file and must be acknowledged there once applied. */
  inFile: boolean;
  attempts: number;
  /** Its journal append failed: until applied, it exists in memory only. */
  memoryOnly?: boolean;
}

export class WriteQueue extends EventEmitter<WriteQueueEvents> {
  private readonly repository: StoreRepository;
  private readonly now: () => Date;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxAttempts: number;
  private readonly compactAfter: number;

  private outbox: DurableOutbox | undefined;
  private readonly pending: Pending[] = [];
  private unjournaled: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private cancelDelay: (() => void) | undefined;
  private drainWaiters: Array<() => void> = [];
  /** Each waits until the writes accepted before it asked are journaled, not for later ones. */
  private flushWaiters: Array<{ readonly upTo: number; readonly resolve: () => void }> = [];
  private lastSeq = 0;
  /** Every write with seq ≤ this has finished its journal attempt. */
  private journaledSeq = 0;
  private closed = false;
  private healthy = true;
  private failuresWhileDown = 0;
  private lastError: string | null = null;
  private deadLettered = 0;
  private busy = false;
  private prepared: boolean;
  private readonly maxPending: number;
  private journalHealthy = true;
  private journalError: string | null = null;
  private memoryOnly = 0;
  private overflowed = false;
  private probeFailures = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private gateShown: string | null = null;

  constructor(private readonly options: WriteQueueOptions) {
    super();
    this.repository = options.repository;
    this.now = options.now ?? (() => new Date());
    this.initialMs = options.retry?.initialMs ?? 200;
    this.maxMs = options.retry?.maxMs ?? 30_000;
    this.maxAttempts = options.retry?.maxAttempts ?? 5;
    this.compactAfter = options.compactAfter ?? 1000;
    this.prepared = options.prepare === undefined;
    this.maxPending = options.maxPending ?? 100_000;
    this.gateShown = options.blockRecording ?? null;
  }

  /** Opens the outbox, takes over what a previous run left in it (applied first), and starts draining. */
  async start(): Promise<{ recovered: number; discarded: number }> {
    if (this.outbox || this.closed) throw new Error('write queue already started or closed');
    const { outbox, recovered, discarded } = await DurableOutbox.open(this.options.outboxDir, this.options.outboxIo);
    this.outbox = outbox;
    this.pending.unshift(...recovered.map((line) => ({ line, seq: 0, journaled: true, inFile: true, attempts: 0 })));
    this.scheduleFlush();
    this.loop = this.run();
    return { recovered: recovered.length, discarded };
  }

  /**
   * Accepts a write and returns its id at once; never waits on disk or database. The write is
   * turned into its outbox line here, so later changes to the caller's objects do not leak in.
   */
  enqueue(write: StoreWrite): string {
    if (this.closed) throw new Error('write queue is closed');
    if (this.pending.length >= this.maxPending && write.op !== 'probe') {
      // Bounded: a database and disk both gone for long must not grow the heap until the process dies.
      this.overflowed = true;
      this.checkGate();
      throw new WriteQueueFullError(`write queue full (${this.pending.length} writes pending): write refused`);
    }
    const entry: OutboxEntry = { id: randomUUID(), enqueuedAt: toIso(this.now()), write };
    const item: Pending = { line: JSON.stringify(entry), seq: ++this.lastSeq, journaled: false, inFile: false, attempts: 0 };
    this.pending.push(item);
    this.unjournaled.push(item);
    this.scheduleFlush();
    return entry.id;
  }

  upsertCall(call: CallUpsert): string {
    return this.enqueue({ op: 'upsertCall', call });
  }

  /** The event time is taken now (or from `at`), not when the database finally receives the row. */
  appendEvidence(callId: string, kind: string, detail: unknown, at: TimeInput = this.now()): string {
    return this.enqueue({ op: 'appendEvidence', callId, kind, detail, at: toIso(at) });
  }

  upsertRecording(recording: RecordingUpsert): string {
    return this.enqueue({ op: 'upsertRecording', recording });
  }

  updateRecording(id: string, patch: RecordingPatch): string {
    return this.enqueue({ op: 'updateRecording', id, patch });
  }

  startMonitorSession(session: MonitorSessionStart): string {
    return this.enqueue({ op: 'startMonitorSession', session });
  }

  appendMonitorMode(id: string, mode: MonitorMode, at: TimeInput = this.now()): string {
    return this.enqueue({ op: 'appendMonitorMode', id, mode, at: toIso(at) });
  }

  endMonitorSession(id: string, at: TimeInput = this.now()): string {
    return this.enqueue({ op: 'endMonitorSession', id, at: toIso(at) });
  }

  /** A call ended: its chain gets a row if it has none (never handled), then its head goes to the anchor file. */
  closeEvidence(callId: string): string {
    return this.enqueue({ op: 'closeEvidence', callId });
  }

  status(): WriteQueueStatus {
    return {
      healthy: this.healthy,
      pending: this.pending.length,
      lastError: this.lastError,
      deadLettered: this.deadLettered,
      outboxHealthy: this.journalHealthy,
      recordingBlocked: this.gateReason() ?? null,
    };
  }

  /**
   * Fail closed (issue 8.4): resolves once every write accepted so far — the decision and
   * consent rows that justify a start — is fsync'd in the outbox (or already committed in the
   * database); refuses while the outbox cannot be written, while writes exist in memory only,
   * while the queue is full, or for a standing reason (no evidence key).
   */
  async recordingGate(): Promise<RecordingGate> {
    await this.flushed();
    const reason = this.gateReason();
    return reason === undefined ? { ok: true } : { ok: false, reason };
  }

  private gateReason(): string | undefined {
    if (this.options.blockRecording) return this.options.blockRecording;
    if (!this.journalHealthy) return `the outbox cannot be written (${this.journalError ?? 'error'}): the evidence would not be durable`;
    if (this.memoryOnly > 0) return `${this.memoryOnly} evidence/state write(s) exist only in memory after an outbox error, until the database takes them`;
    if (this.overflowed) return 'the write queue is full (database and outbox both behind)';
    return undefined;
  }

  /** Emits `gate` when the answer changes, so waiting calls can try again at once. */
  private checkGate(): void {
    if (this.overflowed && this.pending.length <= this.maxPending / 2) this.overflowed = false;
    const reason = this.gateReason() ?? null;
    if (reason === this.gateShown) return;
    this.gateShown = reason;
    this.emit('gate', reason);
  }

  /** Resolves once `prepare` (migrations) has succeeded; reads through the repository are safe from then on. */
  ready(): Promise<void> {
    if (this.prepared) return Promise.resolve();
    return new Promise((resolve) => this.once('ready', resolve));
  }

  /**
   * Resolves once every write accepted so far is fsync'ed in the outbox (or failed to be).
   * Writes accepted after the call do not hold it up: under a steady stream of other calls'
   * rows, one call's recording waits for one or two fsyncs, not until the stream pauses.
   */
  flushed(): Promise<void> {
    const upTo = this.lastSeq;
    if (upTo <= this.journaledSeq) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ upTo, resolve }));
  }

  private releaseFlushWaiters(all: boolean): void {
    if (this.flushWaiters.length === 0) return;
    const still: Array<{ readonly upTo: number; readonly resolve: () => void }> = [];
    for (const w of this.flushWaiters) {
      if (all || w.upTo <= this.journaledSeq) w.resolve();
      else still.push(w);
    }
    this.flushWaiters = still;
  }

  /** Resolves when nothing is pending and the outbox file has been emptied. Requires start(). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
      this.wake();
    });
  }

  /**
   * Stops draining after the write in flight (optionally after waiting up to `drainTimeoutMs` for
   * the queue to drain), makes sure everything accepted is journaled, and releases the outbox;
   * unapplied writes stay in the file for the next start.
   */
  async close(options: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    if (options.drainTimeoutMs && this.loop) {
      // Give a healthy database the chance to take everything before shutdown; the outbox keeps the rest.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.drained(), new Promise<void>((r) => (timer = setTimeout(r, options.drainTimeoutMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.wake();
    this.cancelDelay?.();
    await this.loop;
    while (this.flushing) await this.flushing;
    await this.outbox?.close();
    this.releaseFlushWaiters(true);
  }

  private scheduleFlush(): void {
    if (!this.outbox || this.flushing || this.unjournaled.length === 0) return;
    const outbox = this.outbox;
    this.flushing = (async () => {
      // Let writes enqueued in the same tick join this batch: one fsync for all of them.
      await Promise.resolve();
      while (this.unjournaled.length > 0) {
        const batch = this.unjournaled;
        this.unjournaled = [];
        try {
          await outbox.appendLines(batch.map((p) => p.line));
          for (const p of batch) p.inFile = true;
          if (!this.journalHealthy) {
            this.journalHealthy = true;
            this.journalError = null;
            this.probeFailures = 0;
          }
        } catch (err) {
          // Disk trouble must not stop calls' writes: they still go to the database, just
          // without the safety net — but no recording starts until the outbox works again.
          this.noteError(err);
          this.journalHealthy = false;
          this.journalError = toError(err).message;
          for (const p of batch) {
            if (!p.memoryOnly) {
              p.memoryOnly = true;
              this.memoryOnly++;
            }
          }
          this.emit('outbox-error', toError(err));
          this.scheduleProbe();
        }
        for (const p of batch) p.journaled = true;
        this.journaledSeq = Math.max(this.journaledSeq, batch[batch.length - 1]!.seq);
        this.checkGate();
        this.releaseFlushWaiters(false);
      }
    })().finally(() => {
      this.flushing = undefined;
      // Rows accepted while this flush wound down (by a caller its last batch released) are
      // not on disk yet: they get a flush of their own, and their waiters wait for it.
      if (this.unjournaled.length > 0) this.scheduleFlush();
      this.releaseFlushWaiters(false);
      this.wake();
    });
  }

  private async run(): Promise<void> {
    // A long queue does not hold the event loop: SQLite's queries give it a turn every few ms
    // (src/turn-budget.ts); MySQL's wait for the network anyway.
    while (!this.closed) {
      if (!this.prepared) {
        try {
          await this.options.prepare?.();
          this.prepared = true;
          this.markUp();
          this.emit('ready');
        } catch (err) {
          this.noteError(err);
          this.markDown(toError(err));
          await this.delay(this.backoff(this.failuresWhileDown++));
        }
        continue;
      }
      const head = this.pending[0];
      if (!head) {
        await this.settleIdle();
        if (this.pending.length === 0 && !this.closed) await new Promise<void>((r) => (this.wakeUp = r));
        continue;
      }
      this.busy = true;
      if (!head.journaled) {
        this.scheduleFlush();
        await this.flushing;
        continue;
      }
      const entry = entryOf(head);
      if (entry.write.op === 'appendEvidence' && (await this.applyEvidenceRun(entry))) continue;
      try {
        await applyStoreWrite(this.repository, entry.write, entry.id);
      } catch (err) {
        await this.handleFailure(head, toError(err));
        continue;
      }
      this.remove(head);
      this.markUp();
    }
  }

  /**
   * Applies the evidence rows that lead the queue together (journaled, one after the other, of
   * any calls) in one transaction: a call's decision writes several at once, other calls' rows
   * wait beside them, and each alone is a transaction of five statements (BEGIN, head read,
   * insert, head move, COMMIT) — on MariaDB five round trips, while the queue applies in order.
   * False when only one leads, or when the transaction failed: the head is then applied alone,
   * with the usual retry and dead-letter handling (a row the failed attempt's fallback did apply
   * is found again by its write id). Never across another kind of write.
   */
  private async applyEvidenceRun(first: OutboxEntry): Promise<boolean> {
    const run: Array<{ item: Pending; callId: string; kind: string; detail: unknown; options: { at: string; writeId: string } }> = [];
    for (const item of this.pending) {
      if (run.length === MAX_EVIDENCE_RUN || !item.journaled) break;
      // The first is the head the loop parsed already.
      const { id, write } = run.length === 0 ? first : entryOf(item);
      if (write.op !== 'appendEvidence') break;
      run.push({ item, callId: write.callId, kind: write.kind, detail: write.detail, options: { at: write.at, writeId: id } });
    }
    if (run.length < 2) return false;
    try {
      await this.repository.appendEvidenceBatch(run);
    } catch {
      // Whatever it was, the single path meets it again and handles it (retry, dead letter).
      return false;
    }
    // Still the queue's first items: only this loop removes from the front.
    for (const { item } of run) this.remove(item);
    this.markUp();
    return true;
  }

  private async settleIdle(): Promise<void> {
    try {
      await this.outbox?.settle(this.compactAfter);
    } catch (err) {
      this.noteError(err);
      this.emit('outbox-error', toError(err));
    }
    if (this.pending.length > 0) return;
    if (this.busy) {
      this.busy = false;
      this.emit('drained');
    }
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private async handleFailure(head: Pending, error: Error): Promise<void> {
    this.noteError(error);
    let reachable = true;
    try {
      await this.repository.ping();
    } catch {
      reachable = false;
    }
    if (!reachable) {
      // The database is away: keep the write, wait, retry; nothing is counted against the write itself.
      this.markDown(error);
      await this.delay(this.backoff(this.failuresWhileDown++));
      return;
    }
    head.attempts++;
    if (head.attempts < this.maxAttempts) {
      await this.delay(this.backoff(head.attempts - 1));
      return;
    }
    // The database answers but refuses this write every time: park it so the writes behind it are not held forever.
    const entry = entryOf(head);
    try {
      await this.outbox?.deadLetter(entry, error);
    } catch (err) {
      this.noteError(err);
      this.emit('outbox-error', toError(err));
      await this.delay(this.backoff(head.attempts));
      return;
    }
    this.deadLettered++;
    this.remove(head);
    this.emit('dead', entry, error);
  }

  private markUp(): void {
    if (this.healthy) return;
    this.healthy = true;
    this.failuresWhileDown = 0;
    this.emit('up');
  }

  private markDown(error: Error): void {
    if (!this.healthy) return;
    this.healthy = false;
    this.emit('down', error);
  }

  /** After an outbox error nothing may need writing for a while: a no-op entry finds out when the disk takes writes again. */
  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    const initial = this.options.probeMs ?? 500;
    const ms = Math.min(10_000, initial * 2 ** Math.min(this.probeFailures++, 10));
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.closed || this.journalHealthy) return;
      try {
        this.enqueue({ op: 'probe' });
      } catch {
        // closed meanwhile
      }
    }, ms);
    this.probeTimer.unref();
  }

  private remove(item: Pending): void {
    this.pending.shift();
    if (item.memoryOnly) {
      item.memoryOnly = false;
      this.memoryOnly--;
    }
    this.checkGate();
    if (!item.inFile || !this.outbox) return;
    this.outbox.acknowledge();
    // A queue that never empties would otherwise grow the file forever; settle() rewrites it without the applied head.
    if (this.outbox.acknowledged >= this.compactAfter) {
      this.outbox.settle(this.compactAfter).catch((err: unknown) => this.noteError(err));
    }
  }

  private backoff(failures: number): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(failures, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private delay(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.cancelDelay = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.cancelDelay = done;
    });
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private noteError(err: unknown): void {
    this.lastError = toError(err).message;
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The most evidence rows applied in one transaction. */
const MAX_EVIDENCE_RUN = 32;

/** The write as it was accepted (a copy: parsed from its line). */
function entryOf(p: Pending): OutboxEntry {
  return JSON.parse(p.line) as OutboxEntry;
}
