// The durable mail queue in the database: one row per recording to mail; claimed with a lease so two daemons never send the same mail at once.

import type { StoreRepository } from '../store';

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailQueueRow {
  readonly id: string;
  readonly callId: string;
  readonly recipients: string[];
  readonly status: MailStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  readonly sentAt: string | null;
  readonly createdAt: string;
}

type Row = Record<string, unknown>;

function toRow(r: Row): MailQueueRow {
  let recipients: string[] = [];
  try {
    const v: unknown = JSON.parse(String(r.recipients));
    if (Array.isArray(v)) recipients = v.filter((x): x is string => typeof x === 'string');
  } catch {
    // a corrupt row has no recipients and fails visibly when sent
  }
  const status = String(r.status);
  return {
    id: String(r.id),
    callId: String(r.call_id),
    recipients,
    status: status === 'sent' || status === 'failed' ? status : 'pending',
    attempts: Number(r.attempts),
    nextAttemptAt: String(r.next_attempt_at),
    lastError: r.last_error == null ? null : String(r.last_error),
    sentAt: r.sent_at == null ? null : String(r.sent_at),
    createdAt: String(r.created_at),
  };
}

/**
 * Queues every finished recording whose group mails it and that has no queue row yet.
 * Level-triggered from the recordings table: a crash between the recording's check and
 * this insert loses nothing, the next sweep finds it.
 */
export async function queueDueMail(repo: StoreRepository, now: Date, limit = 100): Promise<number> {
  const t = repo.tables;
  const rows = (await repo
    .knex({ r: t.recordings })
    .leftJoin({ m: t.mailQueue }, 'm.id', 'r.id')
    .whereNull('m.id')
    .whereNotNull('r.mail_to')
    .where('r.status', 'ok')
    .select({ id: 'r.id', callId: 'r.call_id', mailTo: 'r.mail_to' })
    .limit(limit)) as Row[];
  const iso = now.toISOString();
  for (const r of rows) {
    await repo
      .knex(t.mailQueue)
      .insert({ id: r.id, call_id: r.callId, recipients: String(r.mailTo), status: 'pending', attempts: 0, next_attempt_at: iso, created_at: iso, updated_at: iso })
      .onConflict('id')
      .ignore();
  }
  return rows.length;
}

/** Takes one due mail for `leaseMs`; undefined when none is due or another daemon holds it. */
export async function claimDueMail(repo: StoreRepository, now: Date, leaseMs: number): Promise<MailQueueRow | undefined> {
  const t = repo.tables.mailQueue;
  const iso = now.toISOString();
  const due = (await repo
    .knex(t)
    .where({ status: 'pending' })
    .andWhere('next_attempt_at', '<=', iso)
    .andWhere((w) => w.whereNull('locked_until').orWhere('locked_until', '<=', iso))
    .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
    .limit(5)) as Row[];
  for (const r of due) {
    const taken = await repo
      .knex(t)
      .where({ id: r.id, status: 'pending' })
      .andWhere((w) => w.whereNull('locked_until').orWhere('locked_until', '<=', iso))
      .update({ locked_until: new Date(now.getTime() + leaseMs).toISOString(), updated_at: iso });
    if (taken === 1) return toRow(r);
  }
  return undefined;
}

export async function markMailSent(repo: StoreRepository, id: string, now: Date, messageId: string, attached: boolean): Promise<void> {
  const iso = now.toISOString();
  await repo
    .knex(repo.tables.mailQueue)
    .where({ id })
    .update({ status: 'sent', sent_at: iso, message_id: messageId.slice(0, 255), attached: attached ? 1 : 0, locked_until: null, last_error: null, updated_at: iso });
}

/** Records a failed try: retried at `retryAt`, or `failed` for good when there is none. */
export async function markMailFailed(repo: StoreRepository, row: MailQueueRow, now: Date, error: string, retryAt: Date | undefined): Promise<void> {
  const iso = now.toISOString();
  await repo
    .knex(repo.tables.mailQueue)
    .where({ id: row.id })
    .update({
      status: retryAt ? 'pending' : 'failed',
      attempts: row.attempts + 1,
      next_attempt_at: (retryAt ?? now).toISOString(),
      locked_until: null,
      last_error: error.slice(0, 1000),
      updated_at: iso,
    });
}

export async function listMail(repo: StoreRepository, status?: MailStatus, limit = 200): Promise<MailQueueRow[]> {
  const q = repo.knex(repo.tables.mailQueue);
  if (status) q.where({ status });
  return ((await q.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(limit)) as Row[]).map(toRow);
}

export async function mailCounts(repo: StoreRepository): Promise<Record<MailStatus, number>> {
  const rows = (await repo.knex(repo.tables.mailQueue).select('status').count({ n: '*' }).groupBy('status')) as Row[];
  const out: Record<MailStatus, number> = { pending: 0, sent: 0, failed: 0 };
  for (const r of rows) if (r.status === 'pending' || r.status === 'sent' || r.status === 'failed') out[r.status] = Number(r.n);
  return out;
}

/** Puts a failed mail back in the queue (after the SMTP problem is fixed). */
export async function retryFailedMail(repo: StoreRepository, now: Date): Promise<number> {
  const iso = now.toISOString();
  return repo.knex(repo.tables.mailQueue).where({ status: 'failed' }).update({ status: 'pending', attempts: 0, next_attempt_at: iso, updated_at: iso });
}

/** Exponential backoff: initial, doubled per failed try, capped; none after the last try. */
export function nextMailAttempt(attemptsSoFar: number, now: Date, retry: { initialMs: number; maxMs: number; maxAttempts: number }): Date | undefined {
  const attempts = attemptsSoFar + 1;
  if (attempts >= retry.maxAttempts) return undefined;
  const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(30, attempts - 1));
  return new Date(now.getTime() + delay);
}
