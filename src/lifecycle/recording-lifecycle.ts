// What happens to a recording after the call, wired for one daemon: mp3 capability, per-group terms, conversion, mail, storage.

import { Subscription } from 'rxjs';
import type { CallwardenConfig } from '../config';
import type { Daemon } from '../daemon';
import type { Logger } from '../logger';
import type { LifecycleHealth } from '../mqtt/call-view';
import type { RecordingFormat, StorageState } from '../policies';
import type { FinishedRecording, RecorderLifecycle, RecordingTerms } from '../recorder';
import type { DiskProbe } from './disk-probe';
import { Mailer, type MailDelivery, type MailTransport } from './mailer';
import type { MailStatus } from './mail-queue';
import { convertRecordingToMp3, resumeConversions, type Mp3ConversionDeps } from './mp3-conversion';
import { mp3Jobs, type Mp3Jobs } from './mp3-jobs';
import { StorageMonitor } from './storage-monitor';

export interface RecordingLifecycleOptions {
  readonly jobs?: Mp3Jobs;
  readonly probe?: DiskProbe;
  readonly mailTransport?: MailTransport;
  readonly now?: () => Date;
  /** Told each mail delivery's outcome (metrics), given to the mailer as it is. */
  readonly onMailDelivery?: (delivery: MailDelivery) => void;
}

/** `module_exists` answers "true" / "false" (mod_commands); anything else counts as not known. */
export function parseModuleExists(reply: string): boolean | undefined {
  const r = reply.trim();
  return r === 'true' ? true : r === 'false' ? false : undefined;
}

export class RecordingLifecycle implements RecorderLifecycle {
  /** Whether FreeSWITCH can write mp3 itself (mod_shout loaded); undefined until asked. */
  mp3Native: boolean | undefined;
  private readonly log: Logger;
  private readonly conversions = new Set<Promise<unknown>>();
  private storageMonitor: StorageMonitor | undefined;
  private mailer: Mailer | undefined;
  private subscription: Subscription | undefined;
  private daemon: Daemon | undefined;
  private mailCounts: Record<MailStatus, number> = { pending: 0, sent: 0, failed: 0 };

  constructor(
    private readonly config: CallwardenConfig,
    logger: Logger,
    private readonly options: RecordingLifecycleOptions = {},
  ) {
    this.log = logger.child({ module: 'lifecycle' });
  }

  /** After daemon.start(): asks FreeSWITCH for mod_shout at every (re)connect, starts the storage probe and the mailer. */
  async start(daemon: Daemon): Promise<void> {
    this.daemon = daemon;
    // Every node is asked: one file name is chosen per recording before its node is consulted,
    // so mp3 is written directly only when every node has mod_shout.
    this.subscription = new Subscription();
    for (const node of daemon.nodes) {
      this.subscription.add(node.inbound.connected$.subscribe((conn) => void this.askMp3(node.name, conn.api.bind(conn))));
      // connected$ does not replay: a connection made before this subscription is asked here.
      if (node.inbound.state === 'connected') void this.askMp3(node.name, (c) => node.inbound.api(c));
    }
    this.storageMonitor = new StorageMonitor({
      directory: this.config.recording.directory,
      config: this.config.lifecycle.storage,
      logger: this.log,
      ...(this.options.probe ? { probe: this.options.probe } : {}),
      onChange: () => this.publishHealth(),
    });
    await this.storageMonitor.start();
    // Conversions a previous run left unfinished, once the schema is there.
    void daemon.store.queue.ready().then(
      () => {
        const job = resumeConversions({
          ...this.conversionDeps(),
          listConverting: async () =>
            (await daemon.store.repository.knex(daemon.store.repository.tables.recordings).where({ status: 'converting' }).select('id', 'call_id', 'file_path', 'started_at', 'stopped_at')).map(
              (r: Record<string, unknown>) => ({ id: String(r.id), callId: String(r.call_id), filePath: String(r.file_path), startedAt: r.started_at == null ? null : String(r.started_at), stoppedAt: r.stopped_at == null ? null : String(r.stopped_at) }),
            ),
        })
          .then((n) => n > 0 && this.log.info(`${n} mp3 conversion(s) left by the last run finished`))
          .catch((err: Error) => this.log.warn(`unfinished mp3 conversions not resumed (${err.message})`));
        this.conversions.add(job);
        void job.finally(() => this.conversions.delete(job));
      },
      () => undefined,
    );
    if (this.config.lifecycle.mail.enabled) {
      this.mailer = new Mailer({
        repository: daemon.store.repository,
        config: this.config.lifecycle.mail,
        storageDir: this.config.recording.directory,
        defaultRetentionDays: this.config.recording.retentionDays,
        logger: this.log,
        ...(this.options.mailTransport ? { transport: this.options.mailTransport } : {}),
        ...(this.options.now ? { now: this.options.now } : {}),
        ...(this.options.onMailDelivery ? { onDelivery: this.options.onMailDelivery } : {}),
        onCounts: (counts) => {
          const changed = counts.pending !== this.mailCounts.pending || counts.failed !== this.mailCounts.failed;
          this.mailCounts = counts;
          if (changed) this.publishHealth();
        },
      });
      // After the queue has migrated the schema.
      void daemon.store.queue.ready().then(() => this.mailer?.start(), () => undefined);
    }
  }

  /** Per node: whether its FreeSWITCH has mod_shout (undefined: it did not say). */
  private readonly mp3ByNode = new Map<string, boolean | undefined>();

  private async askMp3(node: string, api: (command: string) => Promise<string>): Promise<void> {
    let answer: boolean | undefined;
    try {
      answer = parseModuleExists(await api('module_exists mod_shout'));
    } catch (err) {
      this.log.warn(`could not ask FreeSWITCH${(this.daemon?.nodes.length ?? 1) > 1 ? ` node ${node}` : ''} for mod_shout (${(err as Error).message}); recording WAV`);
      return;
    }
    this.mp3ByNode.set(node, answer);
    const nodes = this.daemon?.nodes.map((n) => n.name) ?? [node];
    const answers = nodes.map((n) => this.mp3ByNode.get(n));
    // All nodes must have it; one that lacks it (or has not said) keeps everybody on WAV.
    const native = answers.every((a) => a === true) ? true : answers.some((a) => a === false) ? false : undefined;
    if (native !== this.mp3Native) {
      const wav = `recordings are written as WAV${this.config.recording.format === 'mp3' ? ' and encoded to mp3 after RECORD_STOP' : ''}`;
      this.log.info(native ? 'FreeSWITCH has mod_shout: mp3 is recorded directly' : `FreeSWITCH ${native === false ? 'lacks' : 'did not say whether it has'} mod_shout: ${wav}`);
    }
    this.mp3Native = native;
  }

  /** The mailer, for a test or an operator's "send now". */
  get mail(): Mailer | undefined {
    return this.mailer;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.storageMonitor?.stop();
    await this.mailer?.stop();
    await Promise.allSettled([...this.conversions]);
  }

  /** Conversions still running (a test or shutdown waits for them). */
  idle(): Promise<unknown> {
    return Promise.allSettled([...this.conversions]);
  }

  wireFormat(configured: RecordingFormat): RecordingFormat {
    // Until FreeSWITCH has said it can, WAV: it always works, and is converted afterwards.
    return configured === 'mp3' && this.mp3Native === true ? 'mp3' : 'wav';
  }

  termsFor(group: string | undefined): RecordingTerms {
    const r = this.config.recording;
    const g = group !== undefined && Object.prototype.hasOwnProperty.call(r.groups, group) ? r.groups[group] : undefined;
    return {
      group: g ? group! : null,
      retentionDays: g?.retentionDays ?? r.retentionDays,
      mailTo: this.config.lifecycle.mail.enabled ? (g?.mailTo ?? []) : [],
      keepAfterMail: g?.keepAfterMail ?? true,
    };
  }

  takeOver(f: FinishedRecording): boolean {
    if (this.config.recording.format !== 'mp3' || !f.path.endsWith('.wav')) return false;
    const queue = this.daemon?.store.queue;
    if (!queue) return false;
    const job = convertRecordingToMp3(f, this.conversionDeps()).catch((err: Error) => this.log.error(`mp3 conversion of ${f.path} failed: ${err.message}`, { callId: f.callId }));
    this.conversions.add(job);
    void job.finally(() => this.conversions.delete(job));
    return true;
  }

  /** Probes the volume now (the timer does it every lifecycle.storage.checkIntervalMs). */
  async checkStorage(): Promise<void> {
    await this.storageMonitor?.check();
  }

  private conversionDeps(): Mp3ConversionDeps {
    const queue = this.daemon!.store.queue;
    const mp3 = this.config.lifecycle.mp3;
    return {
      jobs: this.options.jobs ?? mp3Jobs,
      kbps: { mono: mp3.kbpsMono, stereo: mp3.kbpsStereo },
      appendEvidence: (callId, kind, detail) => {
        try {
          queue.appendEvidence(callId, kind, detail);
        } catch (err) {
          this.log.error(`evidence not written (${(err as Error).message}): ${kind}`, { callId });
        }
      },
      updateRecording: (id, patch) => queue.updateRecording(id, patch),
      logger: this.log,
    };
  }

  storage(): StorageState | undefined {
    return this.storageMonitor?.current();
  }

  health(): LifecycleHealth {
    const s = this.storage();
    return { storage: s?.level ?? 'unknown', freeMb: s?.freeMb ?? null, mailPending: this.mailCounts.pending, mailFailed: this.mailCounts.failed };
  }

  private publishHealth(): void {
    const d = this.daemon;
    if (!d?.mqtt) return;
    const q = d.store.queue.status();
    d.publisher.publishStatus({ ...d.eslHealth(), dbHealthy: q.healthy, outboxPending: q.pending, lifecycle: this.health() });
  }
}
