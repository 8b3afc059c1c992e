// Sends the queued recording mails over SMTP (nodemailer): retries with backoff, failures kept visible, "do not keep" deletes after delivery.

import { isAbsolute, relative, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger';
import type { StoreRepository } from '../store';
import type { MailConfig } from './lifecycle-config';
import { recordingMail } from './mail-message';
import { claimDueMail, mailCounts, markMailFailed, markMailSent, nextMailAttempt, queueDueMail, type MailStatus } from './mail-queue';
import { runPurge, type PurgeLine } from './purge';

export interface MailTransport {
  sendMail(message: Record<string, unknown>): Promise<{ messageId?: string; accepted?: unknown[]; rejected?: unknown[] }>;
  close?(): void;
}

export interface MailerOptions {
  readonly repository: StoreRepository;
  readonly config: MailConfig;
  readonly storageDir: string;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** Replaces the SMTP transport built from config (never needed outside tests of odd servers). */
  readonly transport?: MailTransport;
  /** recording.retentionDays, for the purge after a "do not keep" delivery. */
  readonly defaultRetentionDays?: number;
  /** Called with the queue's counts after each run (MQTT status). */
  readonly onCounts?: (counts: Record<MailStatus, number>) => void;
  /** Told each delivery's outcome (metrics); a throw here is logged and changes nothing. */
  readonly onDelivery?: (delivery: MailDelivery) => void;
}

/** One try at one queued mail: sent, to be retried, or given up (failed for good). */
export interface MailDelivery {
  readonly outcome: 'sent' | 'retry' | 'failed';
  /** "Do not keep": the purge of the delivered recording, when one ran. */
  readonly purged?: readonly PurgeLine[];
}

export interface MailRun {
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
}

/** The nodemailer transport from config; the password goes to nodemailer and nowhere else. */
export function smtpTransport(c: MailConfig): MailTransport {
  return nodemailer.createTransport({
    host: c.smtp.host,
    port: c.smtp.port,
    secure: c.smtp.secure,
    requireTLS: c.smtp.requireTls,
    ...(c.smtp.user !== '' ? { auth: { user: c.smtp.user, pass: c.smtp.password } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    logger: false,
    debug: false,
  }) as unknown as MailTransport;
}

/** Error text for logs, MQTT and the queue row: the server's answer, never the credentials. */
function describe(err: unknown, c: MailConfig): string {
  let text = err instanceof Error ? err.message : String(err);
  if (c.smtp.password !== '') text = text.split(c.smtp.password).join('***');
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

export class Mailer {
  private readonly transport: MailTransport;
  private readonly now: () => Date;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<MailRun> | undefined;

  constructor(private readonly options: MailerOptions) {
    this.transport = options.transport ?? smtpTransport(options.config);
    this.now = options.now ?? (() => new Date());
    this.log = options.logger.child({ module: 'mailer' });
  }

  start(): void {
    const tick = () => {
      void this.runOnce().catch((err: Error) => this.log.warn(`mail queue not processed (${err.message}); next try in ${this.options.config.pollMs} ms`));
    };
    tick();
    this.timer = setInterval(tick, this.options.config.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    this.transport.close?.();
  }

  /** Queues what is due, then sends until nothing is due; one run at a time. */
  runOnce(): Promise<MailRun> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<MailRun> {
    const repo = this.options.repository;
    const c = this.options.config;
    await queueDueMail(repo, this.now());
    let sent = 0;
    let retrying = 0;
    let failed = 0;
    // A lease long enough for a large attachment over a slow link.
    for (let row = await claimDueMail(repo, this.now(), 10 * 60_000); row; row = await claimDueMail(repo, this.now(), 10 * 60_000)) {
      const rec = await repo.getRecording(row.id);
      try {
        if (!rec || rec.status === 'deleted') throw new Error('the recording no longer exists');
        if (row.recipients.length === 0) throw new Error('no recipients');
        const root = resolve(this.options.storageDir);
        const local = resolve(root, rec.filePath);
        const rel = relative(root, local);
        if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error('the file path is outside the storage directory');
        const msg = recordingMail(rec, local, { from: c.from, to: row.recipients, attachMaxBytes: c.attachMaxBytes, backOfficeUrl: c.backOfficeUrl });
        const info = await this.transport.sendMail({
          from: msg.from,
          to: [...msg.to],
          subject: msg.subject,
          text: msg.text,
          ...(msg.attachment ? { attachments: [{ filename: msg.attachment.filename, path: msg.attachment.path }] } : {}),
        });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0) throw new Error(`the SMTP server refused ${rejected.length} recipient(s)`);
        const at = this.now();
        await markMailSent(repo, row.id, at, info.messageId ?? '', msg.attached);
        sent += 1;
        // Delivered and marked sent: what follows (evidence, "do not keep") must never put the
        // row back to pending, or the recording would be mailed again.
        await this.afterDelivery(rec, row.recipients, msg.attached, info.messageId ?? null, at);
      } catch (err) {
        const message = describe(err, c);
        const retryAt = nextMailAttempt(row.attempts, this.now(), c.retry);
        await markMailFailed(repo, row, this.now(), message, retryAt);
        if (retryAt) {
          retrying += 1;
          this.tell({ outcome: 'retry' });
          this.log.warn(`mail of recording ${row.id} failed (try ${row.attempts + 1}/${c.retry.maxAttempts}): ${message}; next try ${retryAt.toISOString()}`, { callId: row.callId });
        } else {
          failed += 1;
          this.tell({ outcome: 'failed' });
          this.log.error(`mail of recording ${row.id} failed for good after ${row.attempts + 1} tries: ${message} (callwarden mail --failed)`, { callId: row.callId });
          if (rec) await repo.appendEvidence(rec.callId, 'recording_mail_failed', { recording: rec.id, attempts: row.attempts + 1, error: message }).catch(() => undefined);
        }
      }
    }
    this.options.onCounts?.(await mailCounts(repo));
    return { sent, retrying, failed };
  }

  /** The evidence of a delivery and the "do not keep" deletion; a failure here is logged, never a failed mail. */
  private async afterDelivery(rec: NonNullable<Awaited<ReturnType<StoreRepository['getRecording']>>>, recipients: readonly string[], attached: boolean, messageId: string | null, at: Date): Promise<void> {
    const repo = this.options.repository;
    let purged: readonly PurgeLine[] | undefined;
    try {
      await repo.appendEvidence(rec.callId, 'recording_mailed', {
        recording: rec.id,
        to: recipients,
        attached,
        sha256: attached ? rec.sha256 : null,
        messageId,
        at: at.toISOString(),
      });
      this.log.info(`recording ${rec.id} mailed to ${recipients.length} recipient(s) (${attached ? 'attached' : 'link'})`, { callId: rec.callId });
      if (!rec.keepAfterMail) {
        if (!attached) this.log.warn(`recording ${rec.id}: group does not keep mailed recordings, but it was too large to attach; kept until its retention ends so the link works`, { callId: rec.callId });
        else {
          const lines = await runPurge({ repository: repo, storageDir: this.options.storageDir, now: this.now(), ids: [rec.id], defaultRetentionDays: this.options.defaultRetentionDays ?? 36500 });
          for (const l of lines.filter((x) => x.outcome !== 'deleted')) this.log.warn(`recording ${rec.id} mailed but not deleted (${l.outcome}: ${l.detail})`, { callId: rec.callId });
          purged = lines;
        }
      }
    } catch (err) {
      this.log.error(`recording ${rec.id} was mailed, but what follows a delivery failed (${(err as Error).message}); the mail stays sent and is not repeated`, { callId: rec.callId });
    }
    this.tell({ outcome: 'sent', ...(purged ? { purged } : {}) });
  }

  /** The observer sees a delivery after its row is written; whatever it does cannot fail the run. */
  private tell(delivery: MailDelivery): void {
    try {
      this.options.onDelivery?.(delivery);
    } catch (err) {
      this.log.warn(`mail observer failed (${(err as Error).message}); the mail queue is not affected`);
    }
  }
}
